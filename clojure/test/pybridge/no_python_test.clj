(ns pybridge.no-python-test
  "deps.edn users with no Python installed: a child JVM whose class path is
  pybridge's jar, a CPython runtime jar, a packages jar (numpy) and Clojure,
  with no PYBRIDGE_PYTHON, no virtualenv and a PATH holding only java, calls
  (py/initialize!) with no :python-executable and uses numpy. Gradle's
  clojureTest passes the jars (pybridge.test.jar, pybridge.test.runtimeJar,
  pybridge.test.packagesJar, pybridge.test.clojureClasspath;
  gradle/python-from-maven.gradle). This namespace never starts Python itself."
  (:require
   [clojure.edn :as edn]
   [clojure.string :as str]
   [clojure.test :refer [deftest is]])
  (:import
   (java.nio.file Files LinkOption Paths)
   (java.nio.file.attribute FileAttribute)
   (java.util.concurrent TimeUnit)))

(defn- prop [k] (System/getProperty k))

(def ^:private program
  "(require '[pybridge.python :as py])
   (let [init (py/initialize!)
         info (org.pybridge.Python/info)
         np (py/import-module \"numpy\")]
     (prn {:init init
           :reason (.reason info)
           :prefix (.prefix info)
           :numpy-file (py/->jvm (py/get-attr np \"__file__\"))
           :sum (py/->jvm (py/call-attr (py/call-attr np \"arange\" 10) \"sum\"))}))
   (shutdown-agents)
   (System/exit 0)")

(defn- delete-tree [^java.io.File f]
  (when (.isDirectory f)
    (doseq [c (.listFiles f)]
      (if (Files/isSymbolicLink (.toPath ^java.io.File c)) (.delete ^java.io.File c) (delete-tree c))))
  (.delete f))

(deftest initialize-with-no-python-executable
  (let [main (prop "pybridge.test.jar")
        runtime (prop "pybridge.test.runtimeJar")
        packages (prop "pybridge.test.packagesJar")
        clj (prop "pybridge.test.clojureClasspath")]
    (is (and main runtime packages clj) "run through gradle clojureTest (it passes the jars)")
    (when (and main runtime packages clj)
      (let [tmp (Files/createTempDirectory "pybridge-clj-nopython" (make-array FileAttribute 0))
            bin (Files/createDirectories (.resolve tmp "bin") (make-array FileAttribute 0))
            java (Paths/get (System/getProperty "java.home") (into-array String ["bin" "java"]))
            cache (.resolve tmp "cache")]
        (try
          (Files/createSymbolicLink (.resolve bin "java") java (make-array FileAttribute 0))
          (let [pb (doto (ProcessBuilder. ^java.util.List
                                          [(str (.resolve bin "java")) "-Xmx512m"
                                           (str "-Dpybridge.nativeCache=" cache)
                                           "-cp" (str/join ":" [main runtime packages clj])
                                           "clojure.main" "-e" program])
                     (.redirectErrorStream true)
                     (.directory (.toFile tmp)))
                env (.environment pb)
                _ (doseq [k ["PYBRIDGE_PYTHON" "VIRTUAL_ENV" "PYTHONHOME" "PYTHONPATH" "CONDA_PREFIX"
                             "XDG_CACHE_HOME" "LD_LIBRARY_PATH"]]
                    (.remove env k))
                _ (.put env "PATH" (str bin))
                _ (.put env "HOME" (str tmp))
                p (.start pb)
                out (future (slurp (.getInputStream p)))
                done? (.waitFor p 300 TimeUnit/SECONDS)]
            (when-not done? (.destroyForcibly p))
            (is done? "the program ended within 300 s")
            (let [text @out
                  line (last (filter #(str/starts-with? % "{") (str/split-lines text)))
                  result (some-> line edn/read-string)
                  c (when (Files/isDirectory cache (make-array LinkOption 0))
                      (str (.toRealPath cache (make-array LinkOption 0))))]
              (is (= 0 (.exitValue p)) text)
              (is (map? result) text)
              (when (and (map? result) c)
                (is (= :ok (:init result)))
                (is (str/starts-with? (:reason result) "the CPython runtime on the class path") text)
                (is (str/starts-with? (:prefix result) (str c "/python/")) text)
                (is (str/starts-with? (:numpy-file result) (str c "/packages/")) text)
                (is (= 45 (:sum result)) text))))
          (finally
            (delete-tree (.toFile tmp))))))))
