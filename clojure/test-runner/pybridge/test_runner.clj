(ns pybridge.test-runner
  "Runs every clojure.test namespace under a directory and writes one JUnit
  XML file per namespace, for `gradle clojureTest` (and so `./dev test`).

    clojure.main -m pybridge.test-runner TEST-DIR RESULTS-DIR [NS,NS,...]

  Every file TEST-DIR/**/*_test.clj is a namespace (its name derived from the
  path: a/b_c_test.clj -> a.b-c-test); the optional third argument keeps
  only the namespaces it names (the compatibility suite's selection). Each is required and run with
  clojure.test; RESULTS-DIR/TEST-<ns>.xml gets one <testcase> per deftest,
  with a <failure> when an assertion failed and an <error> when the test
  threw. A namespace that does not load, or a fixture that throws, is an
  error too. Prints each failure in full and a summary; exits 0 when every
  test passed, 1 otherwise (System/exit, so lingering threads cannot keep the
  JVM alive)."
  (:require
   [clojure.java.io :as io]
   [clojure.string :as str]
   [clojure.test :as t])
  (:import
   (java.io File)
   (java.net InetAddress)
   (java.time Instant)))

;; ---- finding the namespaces ------------------------------------------------------

(defn- path->ns
  "pybridge/python_test.clj (relative to the test dir) -> pybridge.python-test"
  [^String rel]
  (-> rel
      (str/replace #"\.clj$" "")
      (str/replace File/separator ".")
      (str/replace "_" "-")
      symbol))

(defn test-namespaces
  "Namespace symbols of the files *_test.clj under dir, sorted."
  [dir]
  (let [root (.getCanonicalFile (io/file dir))
        root-path (.toPath root)]
    (->> (file-seq root)
         (filter #(and (.isFile ^File %) (str/ends-with? (.getName ^File %) "_test.clj")))
         (map #(path->ns (str (.relativize root-path (.toPath (.getCanonicalFile ^File %))))))
         sort)))

;; ---- collecting results ------------------------------------------------------------
;; One entry per test case: {:name "..." :start nanos :nanos n :assertions n
;;                           :failures [text ...] :errors [text ...]}

(def ^:private ^:dynamic *cases*
  "atom: ordered map of case name -> case, for the namespace being run"
  nil)

(def ^:private fixture-case
  "Where an assertion or exception outside any deftest (in a fixture) goes."
  "(fixtures)")

(defn- case-name [v]
  (if v (str (:name (meta v))) fixture-case))

(defn- ensure-case [cases nm]
  (if (contains? cases nm)
    cases
    (assoc cases nm {:name nm :nanos 0 :assertions 0 :failures [] :errors []
                     :order (count cases)})))

(defn- record! [nm f & args]
  (swap! *cases* (fn [cases] (apply update (ensure-case cases nm) nm f args))))

(defn- report-text
  "What clojure.test's own report prints for m (FAIL in ..., expected, actual)."
  [report m]
  (str/trim (with-out-str (binding [t/*test-out* *out*] (report m)))))

(defn- report-hook
  "A clojure.test/report replacement: records per-deftest results, keeps
  clojure.test's counters and texts."
  [report]
  (fn [m]
    (case (:type m)
      :begin-test-var
      (let [nm (case-name (:var m))]
        (swap! *cases* ensure-case nm)
        (record! nm assoc :start (System/nanoTime)))
      :end-test-var
      (let [nm (case-name (:var m))]
        (record! nm (fn [c] (-> c
                                (update :nanos + (- (System/nanoTime) (or (:start c) (System/nanoTime))))
                                (dissoc :start)))))
      :pass
      (do (report m)
          (record! (case-name (first t/*testing-vars*)) update :assertions inc))
      :fail
      (let [text (report-text report m)]
        (record! (case-name (first t/*testing-vars*)) #(-> % (update :assertions inc) (update :failures conj text))))
      :error
      (let [text (report-text report m)]
        (record! (case-name (first t/*testing-vars*)) #(-> % (update :assertions inc) (update :errors conj text))))
      (:begin-test-ns :end-test-ns :summary)
      nil
      ;; anything else (a library's own report types): clojure.test's handling
      (report m))))

(defn- error-text [^Throwable e what]
  (let [sw (java.io.StringWriter.)]
    (.printStackTrace e (java.io.PrintWriter. sw))
    (str what "\n" (str/trim (str sw)))))

(defn run-namespace
  "Loads and runs namespace sym; returns {:ns sym :cases [...] :nanos n}."
  [sym]
  (binding [*cases* (atom {})]
    (let [start (System/nanoTime)
          report t/report]
      (try
        (require sym)
        (try
          (binding [t/report (report-hook report)]
            (t/test-ns sym))
          (catch Throwable e
            ;; a :once or :each fixture threw (clojure.test lets that escape)
            (record! fixture-case update :errors conj
                     (error-text e (str "ERROR in " sym ": a fixture threw (tests it wraps may not have run)")))))
        (catch Throwable e
          (record! "(load)" update :errors conj
                   (error-text e (str "ERROR: namespace " sym " did not load")))))
      {:ns sym
       :cases (sort-by :order (vals @*cases*))
       :nanos (- (System/nanoTime) start)})))

;; ---- JUnit XML ---------------------------------------------------------------------

(defn- xml-chars
  "s with every character XML 1.0 cannot carry (controls, lone surrogates)
  replaced by U+FFFD."
  [^String s]
  (let [sb (StringBuilder.)]
    (.forEach (.codePoints s)
              (reify java.util.function.IntConsumer
                (accept [_ cp]
                  (if (or (= cp 0x9) (= cp 0xA) (= cp 0xD)
                          (<= 0x20 cp 0xD7FF) (<= 0xE000 cp 0xFFFD) (<= 0x10000 cp 0x10FFFF))
                    (.appendCodePoint sb cp)
                    (.append sb \uFFFD)))))
    (str sb)))

(defn- xml-text [s]
  (-> (xml-chars (str s))
      (str/replace "&" "&amp;") (str/replace "<" "&lt;") (str/replace ">" "&gt;")))

(defn- xml-attr [s]
  (-> (xml-text s)
      (str/replace "\"" "&quot;") (str/replace "\n" "&#10;")
      (str/replace "\r" "&#13;") (str/replace "\t" "&#9;")))

(defn- secs [nanos] (format "%.3f" (/ (double nanos) 1e9)))

(defn- case-status [c]
  (cond (seq (:errors c)) :error
        (seq (:failures c)) :failure
        :else :pass))

(defn- hostname []
  (try (.getHostName (InetAddress/getLocalHost)) (catch Exception _ "localhost")))

(defn junit-xml [{:keys [ns cases nanos]}]
  (let [statuses (map case-status cases)
        n-fail (count (filter #{:failure} statuses))
        n-err (count (filter #{:error} statuses))
        sb (StringBuilder.)
        out (fn [& xs] (doseq [x xs] (.append sb (str x))))]
    (out "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
    (out "<testsuite name=\"" (xml-attr ns) "\" tests=\"" (count cases) "\" failures=\"" n-fail
         "\" errors=\"" n-err "\" skipped=\"0\" time=\"" (secs nanos)
         "\" timestamp=\"" (str (Instant/now)) "\" hostname=\"" (xml-attr (hostname)) "\">\n")
    (doseq [c cases]
      (out "  <testcase classname=\"" (xml-attr ns) "\" name=\"" (xml-attr (:name c))
           "\" time=\"" (secs (:nanos c)) "\"")
      (case (case-status c)
        :pass (out "/>\n")
        ;; a test that threw is an error; its failed assertions (if any) come along
        :error (let [text (str/join "\n\n" (concat (:errors c) (:failures c)))]
                 (out ">\n    <error message=\"" (xml-attr text) "\" type=\"error\">"
                      (xml-text text) "</error>\n  </testcase>\n"))
        :failure (let [text (str/join "\n\n" (:failures c))]
                   (out ">\n    <failure message=\"" (xml-attr text) "\" type=\"failure\">"
                        (xml-text text) "</failure>\n  </testcase>\n"))))
    (out "  <system-out></system-out>\n  <system-err></system-err>\n</testsuite>\n")
    (str sb)))

(defn write-junit! [results-dir result]
  (let [f (io/file results-dir (str "TEST-" (:ns result) ".xml"))]
    (io/make-parents f)
    (spit f (junit-xml result) :encoding "UTF-8")
    f))

;; ---- main --------------------------------------------------------------------------

(defn run-all
  "Runs every namespace under test-dir, writes the XML, prints the report;
  returns true when every test passed."
  ([test-dir results-dir] (run-all test-dir results-dir nil))
  ([test-dir results-dir only]
   (let [all (test-namespaces test-dir)
         wanted (when only (set (map symbol (remove str/blank? (str/split only #",")))))
         missing (when wanted (remove (set all) wanted))
         nss (if wanted (filter wanted all) all)]
     (when (seq missing)
       (throw (ex-info (str "no such test namespace under " test-dir ": " (str/join ", " missing)) {})))
     (if (empty? nss)
       (do (println "clojure.test: no test namespaces (files *_test.clj) under" test-dir)
           false)
       (let [results (vec (for [sym nss]
                            (do (println "Testing" sym)
                                (flush)
                                (let [r (run-namespace sym)]
                                  (write-junit! results-dir r)
                                  r))))
             cases (mapcat :cases results)
             bad (remove #(= :pass (case-status %)) cases)
             n-fail (count (filter #(= :failure (case-status %)) cases))
             n-err (count (filter #(= :error (case-status %)) cases))]
         (doseq [r results
                 c (:cases r)
                 text (concat (:errors c) (:failures c))]
           (println)
           (println (str (:ns r) "/" (:name c) ":"))
           (println text))
         (println)
         (doseq [r results]
           (let [st (map case-status (:cases r))]
             (println (format "  %-40s %3d tests, %d failed, %d errors  (%ss)" (:ns r) (count st)
                              (count (filter #{:failure} st)) (count (filter #{:error} st))
                              (secs (:nanos r))))))
         (println (str "\nRan " (count cases) " tests containing "
                       (reduce + (map :assertions cases)) " assertions in "
                       (count results) " namespaces."))
         (println (str n-fail " failures, " n-err " errors."))
         (println "JUnit XML:" (str results-dir))
         (and (empty? bad) (seq cases) true))))))

(defn -main [& [test-dir results-dir only]]
  (let [ok (try
             (run-all (or test-dir "clojure/test") (or results-dir "build/test-results/clojure") only)
             (catch Throwable e
               (println "clojure.test runner failed:")
               (.printStackTrace e System/out)
               false))]
    (flush)
    (.flush System/out)
    (.flush System/err)
    (shutdown-agents)
    ;; System/exit runs shutdown hooks; should one of them hang, halt anyway.
    (doto (Thread. ^Runnable (fn []
                               (Thread/sleep 60000)
                               (.println System/err "clojure.test runner: JVM shutdown hung for 60 s; halting")
                               (.halt (Runtime/getRuntime) (if ok 0 1))))
      (.setDaemon true)
      (.start))
    (System/exit (if ok 0 1))))
