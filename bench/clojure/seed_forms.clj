;; One library's run of the three forms of libpython-clj's "Scopes and
;; Garbage Collection" document (../shared/seeds/000_526560f53e668e12.txt), in
;; a child JVM started by seed_bench.clj. The forms are written once, against
;; the alias py, which is pybridge.python or libpython-clj2.python (the same
;; names): the code that runs is the same text for both.
;;
;; System properties: bench.lib (pybridge | libpython-clj), bench.python (the
;; python executable, for libpython-clj), bench.libpython (its shared
;; library, for libpython-clj), bench.warm and bench.n (warm-up and
;; measured runs per form), bench.maxSeconds (a cap on each of the two, per
;; form: libpython-clj takes ~100 ms a run). Prints one line
;; "RESULT {...}" (EDN) with each form's times in ms.
(def lib (System/getProperty "bench.lib" "pybridge"))

(require [(case lib "pybridge" 'pybridge.python "libpython-clj" 'libpython-clj2.python) :as 'py])

(case lib
  "pybridge" (py/initialize!)
  ;; the same Python as pybridge's: its executable and its libpython by full path
  ;; (libpython-clj would otherwise let the system linker pick a libpython3.11)
  "libpython-clj" (py/initialize! :python-executable (System/getProperty "bench.python")
                                  :library-path (System/getProperty "bench.libpython")))

(defn- millis [t0] (/ (- (System/nanoTime) t0) 1e6))

(def warm (Long/getLong "bench.warm" 100))
(def n (Long/getLong "bench.n" 101))
(def max-ns (long (* 1e9 (Double/parseDouble (System/getProperty "bench.maxSeconds" "15")))))

(defn- runs
  "Times of up to k runs of f, stopping once max-ns has passed."
  [f k]
  (let [start (System/nanoTime)]
    (loop [i 0 ts []]
      (if (or (= i k) (> (- (System/nanoTime) start) max-ns))
        ts
        (let [t (System/nanoTime)]
          (f)
          (recur (inc i) (conj ts (millis t))))))))

(defn- measure [f]
  (let [t0 (System/nanoTime)
        _ (f)
        cold (millis t0)
        _ (runs f warm)
        ts (vec (sort (runs f n)))]
    {:cold cold :median (ts (quot (count ts) 2)) :min (ts 0) :max (peek ts) :runs (count ts)}))

(def dict-seq (py/as-jvm (py/->py-list (repeat 1000 (py/->py-dict {:a 1 :b 2})))))
(def expected (vec (repeat 1000 {"a" 1 "b" 2})))

(def forms
  [[1 #(mapv py/->jvm dict-seq)]
   [2 #(py/with-gil (mapv py/->jvm dict-seq))]
   [3 #(py/with-gil-stack-rc-context
         (->> (repeatedly 1000 (fn [] (py/->py-dict {:a 1 :b 2})))
              (py/->py-list)
              (py/as-jvm)
              (mapv py/->jvm)))]])

(doseq [[k f] forms]
  (let [r (f)]
    (when-not (= expected r)
      (println "RESULT" (pr-str {:error (str "form " k " gave a wrong result: " (pr-str (take 2 r)))}))
      (System/exit 1))))

(println "RESULT" (pr-str {:lib lib
                           :python (str (py/get-attr (py/import-module "sys") "version"))
                           :forms (into {} (for [[k f] forms] [k (measure f)]))}))
(flush)
(shutdown-agents)
(System/exit 0)
