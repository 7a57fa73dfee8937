;; The three timings of libpython-clj's "Scopes and Garbage Collection"
;; document (../shared/seeds/000_526560f53e668e12.txt), pybridge side by side
;; with libpython-clj itself:
;;   ./dev bench-clj                                        (Gradle task benchClojure)
;;   ./dev bench-clj -Pbench.lpcClasspath=/tmp/lpc-peer/peercp.txt
;; libpython-clj is a peer only when its classpath is given: build it with
;; ../shared/peers/libpython-clj/assemble.sh (from GitHub sources and Maven
;; Central jars; nothing of it is kept in this repository), then pass the
;; peercp.txt it writes (or set PYBRIDGE_BENCH_LPC_CLASSPATH to it). Without
;; it, its rows say "not available".
;;
;; Each library runs seed_forms.clj (the same forms, the same text) in its own
;; child JVMs, alternating pybridge and libpython-clj for bench.rounds rounds
;; (the order swaps every round), on the same Python. Prints a Markdown table
;; and writes it to bench/results/<date>-clojure.md. The seed's own figures
;; (2200, 2096, 3247 ms) came from libpython-clj on another machine. Benchmarks
;; print figures; they never fail on time.
(require '[clojure.edn :as edn]
         '[clojure.java.io :as io]
         '[clojure.string :as str])

(def root (System/getProperty "bench.root" "."))
(def python (System/getProperty "bench.python"))
(def rounds (Long/getLong "bench.rounds" 3))
(def child-props ["bench.warm" "bench.n" "bench.maxSeconds"])

(defn- lpc-classpath
  "libpython-clj's classpath: the property (a peercp.txt file, or the classpath
  itself), else PYBRIDGE_BENCH_LPC_CLASSPATH; nil when neither is given."
  []
  (let [v (or (not-empty (System/getProperty "bench.lpcClasspath"))
              (not-empty (System/getenv "PYBRIDGE_BENCH_LPC_CLASSPATH")))]
    (when v
      (if (.isFile (io/file v)) (str/trim (slurp v)) v))))

(defn- libpython
  "The shared libpython of `python`, by full path."
  []
  (let [p (.start (ProcessBuilder. ^java.util.List
                                   [python "-c" "import sysconfig, os; print(os.path.join(sysconfig.get_config_var('LIBDIR'), sysconfig.get_config_var('LDLIBRARY')))"]))]
    (str/trim (slurp (.getInputStream p)))))

(def libs
  (let [lpc (lpc-classpath)]
    [{:lib "pybridge" :classpath (System/getProperty "bench.pybridgeClasspath")}
     {:lib "libpython-clj" :classpath lpc}]))

(defn- run-child [{:keys [lib classpath]}]
  (let [java (str (System/getProperty "java.home") "/bin/java")
        cmd (concat [java "-Xmx2g" (str "-Dbench.lib=" lib) (str "-Dbench.python=" python)
                     (str "-Dbench.libpython=" (libpython))]
                    (for [k child-props :let [v (System/getProperty k)] :when v] (str "-D" k "=" v))
                    ["-cp" classpath "clojure.main" (str root "/bench/clojure/seed_forms.clj")])
        pb (doto (ProcessBuilder. ^java.util.List (vec cmd))
             (.redirectErrorStream true))
        _ (.put (.environment pb) "PYBRIDGE_PYTHON" python)
        p (.start pb)
        out (slurp (.getInputStream p))
        line (some #(when (str/starts-with? % "RESULT ") (subs % 7)) (str/split-lines out))]
    (.waitFor p)
    (or (some-> line edn/read-string)
        {:error (str lib ": no result (exit " (.exitValue p) ")\n" (str/join "\n" (take-last 15 (str/split-lines out))))})))

(def results
  (vec (for [r (range rounds)
             lib (if (even? r) libs (reverse libs))
             :when (:classpath lib)]
         (do (println (format "round %d: %s" (inc r) (:lib lib)))
             (flush)
             (assoc (run-child lib) :lib (:lib lib))))))

(doseq [e (keep :error results)] (println "ERROR" e))

(def labels
  {1 "`(mapv py/->jvm dict-seq)`"
   2 "`(py/with-gil (mapv py/->jvm dict-seq))`"
   3 "`(py/with-gil-stack-rc-context (->> (repeatedly 1000 …) py/->py-list py/as-jvm (mapv py/->jvm)))`"})
(def seed {1 2200.556506 2 2095.815518 3 3246.847595})

(defn- median [xs] (let [v (vec (sort xs))] (when (seq v) (v (quot (count v) 2)))))

(defn- summary
  "Per form: cold and warm medians over the rounds, and the range of the rounds' warm medians."
  [lib k]
  (let [fs (keep #(get-in % [:forms k]) (filter #(and (= lib (:lib %)) (not (:error %))) results))]
    (when (seq fs)
      {:cold (median (map :cold fs))
       :warm (median (map :median fs))
       :lo (apply min (map :median fs))
       :hi (apply max (map :median fs))
       :rounds (count fs)})))

(def table
  (with-out-str
    (println "| form | library | cold (first run) | warm median (range over rounds) | libpython-clj / pybridge (warm) | seed (libpython-clj, elsewhere) |")
    (println "|---|---|---|---|---|---|")
    (doseq [k [1 2 3]
            :let [pb (summary "pybridge" k) lpc (summary "libpython-clj" k)]]
      (doseq [[lib s] [["pybridge" pb] ["libpython-clj" lpc]]]
        (println (if s
                   (format "| %s | %s | %.1f ms | %.2f ms (%.2f–%.2f) | %s | %s |"
                           (labels k) lib (:cold s) (:warm s) (:lo s) (:hi s)
                           (if (and (= lib "libpython-clj") pb) (format "%.0f×" (/ (:warm s) (:warm pb))) "")
                           (if (= lib "libpython-clj") (format "%.0f ms" (seed k)) ""))
                   (format "| %s | %s | not available | not available | | %s |" (labels k) lib
                           (if (= lib "libpython-clj") (format "%.0f ms" (seed k)) ""))))))
    (println)
    (println (format "%d rounds, pybridge and libpython-clj alternating (order swapped each round), each in its own JVM; per form one cold run, then warm-up and measured runs (bench.warm=%s, bench.n=%s, at most bench.maxSeconds=%s s each). Results checked (1000 × {\"a\" 1, \"b\" 2})."
                     rounds (System/getProperty "bench.warm" "100") (System/getProperty "bench.n" "101")
                     (System/getProperty "bench.maxSeconds" "15")))
    (println (format "Java %s, %s, %d cores, load average %.2f at the end; %s."
                     (System/getProperty "java.version") (System/getProperty "os.arch")
                     (.availableProcessors (Runtime/getRuntime))
                     (.getSystemLoadAverage (java.lang.management.ManagementFactory/getOperatingSystemMXBean))
                     (str/join "; " (for [[lib rs] (group-by :lib (remove :error results))]
                                      (str lib " on Python " (first (str/split (str (:python (first rs))) #" ")))))))
    (when-not (lpc-classpath)
      (println "libpython-clj: not available (build it with ../shared/peers/libpython-clj/assemble.sh and pass -Pbench.lpcClasspath=<peercp.txt>)."))))

(print table)
(flush)
(let [f (io/file root "bench/results" (str (java.time.LocalDate/now) "-clojure.md"))]
  (spit f (str "# Clojure: the seed's three forms, pybridge and libpython-clj\n\n" table))
  (println "written to" (.getPath f)))
(shutdown-agents)
(System/exit 0)
