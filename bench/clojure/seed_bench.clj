;; The three timings of libpython-clj's "Scopes and Garbage Collection"
;; document (../shared/seeds/000_526560f53e668e12.txt), with pybridge:
;;   ./dev bench-clj      (Gradle task benchClojure)
;; Prints a Markdown table and writes it to bench/results/<date>-clojure.md.
;; The seed's figures (2200, 2096, 3247 ms) come from libpython-clj on another
;; machine; libpython-clj itself is on Clojars, out of reach here, so it
;; cannot run side by side. Benchmarks print figures; they never fail on time.
(require '[pybridge.python :as py])

(defn- millis [t0] (/ (- (System/nanoTime) t0) 1e6))

(defn- measure
  "Cold: the first run (what the seed's single `time` shows); warm: median,
  min, max of `n` runs after `warm` warm-up runs."
  [f warm n]
  (let [t0 (System/nanoTime)
        _ (f)
        cold (millis t0)]
    (dotimes [_ warm] (f))
    (let [ts (vec (sort (for [_ (range n)]
                          (let [t (System/nanoTime)] (f) (millis t)))))]
      {:cold cold :median (ts (quot n 2)) :min (ts 0) :max (ts (dec n))})))

(py/initialize!)
(def dict-seq (py/as-jvm (py/->py-list (repeat 1000 (py/->py-dict {:a 1 :b 2})))))
(def expected (vec (repeat 1000 {"a" 1 "b" 2})))

(def forms
  [["(mapv py/->jvm dict-seq)" 2200.556506
    #(mapv py/->jvm dict-seq)]
   ["(py/with-gil (mapv py/->jvm dict-seq))" 2095.815518
    #(py/with-gil (mapv py/->jvm dict-seq))]
   ["(py/with-gil-stack-rc-context (->> (repeatedly 1000 …) py/->py-list py/as-jvm (mapv py/->jvm)))" 3246.847595
    #(py/with-gil-stack-rc-context
       (->> (repeatedly 1000 (fn [] (py/->py-dict {:a 1 :b 2})))
            (py/->py-list)
            (py/as-jvm)
            (mapv py/->jvm)))]])

(doseq [[label _ f] forms]
  (assert (= expected (f)) (str label " gave a wrong result")))

(def warm (Long/getLong "bench.warm" 500))
(def n (Long/getLong "bench.n" 301))
(def rows (vec (for [[label seed f] forms]
                 (assoc (measure f warm n) :label label :seed seed))))

(def table
  (with-out-str
    (println "| form | cold (first run) | warm median (min–max) | seed (libpython-clj) | seed / warm median | target |")
    (println "|---|---|---|---|---|---|")
    (doseq [{:keys [label cold median min max seed]} rows]
      (println (format "| `%s` | %.2f ms | %.3f ms (%.3f–%.3f) | %.0f ms | %.0f× | ≤ 1 ms %s |"
                       label cold median min max seed (/ seed median) (if (<= median 1.0) "✓" "✗"))))
    (println)
    (println (format "Each form: one cold run, %d warm-up runs, %d measured runs, one JVM; results checked (1000 × {\"a\" 1, \"b\" 2})." warm n))
    (println (format "Java %s, %s, %d cores; %s."
                     (System/getProperty "java.version") (System/getProperty "os.arch")
                     (.availableProcessors (Runtime/getRuntime)) (str "Python " (.version (org.pybridge.Python/info)))))
    (println "pybridge stats after the run:" (py/stats))))

(print table)
(flush)
(let [f (java.io.File. (str (System/getProperty "bench.root" ".") "/bench/results/"
                            (java.time.LocalDate/now) "-clojure.md"))]
  (spit f (str "# Clojure: the seed's three forms\n\n" table))
  (println "written to" (.getPath f)))
(shutdown-agents)
(System/exit 0)
