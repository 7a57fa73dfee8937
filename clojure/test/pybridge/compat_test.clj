(ns pybridge.compat-test
  "The libpython-clj compatibility jar: code written for libpython-clj
  (clojure/test/compat/lpc_program.clj) runs unedited in a child JVM with
  pybridge's jar, the compatibility jar and Clojure; and the jars hold what
  they should. Gradle's clojureTest passes the jars' paths (system
  properties pybridge.test.jar, pybridge.test.compatJar,
  pybridge.test.clojureClasspath). This namespace never starts Python
  itself."
  (:require
   [clojure.edn :as edn]
   [clojure.java.io :as io]
   [clojure.string :as str]
   [clojure.test :refer [deftest is testing]])
  (:import
   (java.util.concurrent TimeUnit)
   (java.util.zip ZipFile)))

(defn- prop [k] (System/getProperty k))

(defn- entries [jar]
  (with-open [z (ZipFile. (str jar))]
    (mapv #(.getName ^java.util.zip.ZipEntry %) (enumeration-seq (.entries z)))))

(deftest the-jars
  (let [main (prop "pybridge.test.jar")
        compat (prop "pybridge.test.compatJar")]
    (is (some? main) "run through gradle clojureTest (it passes the jars)")
    (is (some? compat))
    (when (and main compat)
      (let [main-entries (entries main)
            compat-entries (entries compat)]
        (testing "the main jar: pybridge's namespaces AOT-compiled, nothing of libpython-clj2"
          (is (some #{"pybridge/python__init.class"} main-entries))
          (is (some #{"pybridge/require__init.class"} main-entries))
          (is (some #{"pybridge/clojure/support.py"} main-entries))
          (is (not-any? #(str/starts-with? % "libpython_clj2") main-entries)))
        (testing "the compatibility jar: only libpython-clj2.*"
          (is (some #{"libpython_clj2/python__init.class"} compat-entries))
          (is (some #{"libpython_clj2/require__init.class"} compat-entries))
          (is (some #{"libpython_clj2/sugar__init.class"} compat-entries))
          (is (every? #(or (str/starts-with? % "libpython_clj2/") (str/starts-with? % "META-INF/"))
                      compat-entries)))))))

(deftest unedited-libpython-clj-program
  (let [main (prop "pybridge.test.jar")
        compat (prop "pybridge.test.compatJar")
        clj (prop "pybridge.test.clojureClasspath")
        program (io/file (io/resource "compat/lpc_program.clj"))]
    (when (and main compat clj)
      (let [java (str (System/getProperty "java.home") "/bin/java")
            pb (doto (ProcessBuilder. ^java.util.List
                                      [java "-Xmx512m" "-cp" (str/join ":" [main compat clj])
                                       "clojure.main" (.getPath program)])
                 (.redirectErrorStream true))
            p (.start pb)
            out (future (slurp (.getInputStream p)))
            done? (.waitFor p 180 TimeUnit/SECONDS)]
        (when-not done? (.destroyForcibly p))
        (is done? "the program ended within 180 s")
        (let [text @out
              line (last (filter #(str/starts-with? % "{") (str/split-lines text)))
              result (some-> line edn/read-string)]
          (is (= 0 (.exitValue p)) text)
          (is (map? result) text)
          (when (map? result)
            (is (= {:init :ok
                    :init-again :already-initialized
                    :sum 45
                    :linspace [2.0 2.25 2.5 2.75 3.0]
                    :dict {"a" 1 "b" 2}
                    :tuple-keys {[1 2] "pair"}
                    :join "a/b"
                    :attr "x/y"
                    :sqrt 4.0
                    :module-type :module
                    :none-type :py-none
                    :islice [0 1 2 3 4]
                    :with "text"
                    :greet "hello pybridge"
                    :len 3
                    :pyxfn [0 2 4]
                    :py- Math/PI}
                   result))))))))
