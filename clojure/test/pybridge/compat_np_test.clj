(ns pybridge.compat-np-test
  "The compatibility jar's data-science namespaces: libpython-clj2.python.np-array
  (numpy <-> dtype-next tensors, zero-copy where libpython-clj's is), .fn,
  .class, .protocols, .ffi, and the working directory on sys.path, by a
  libpython-clj program (clojure/test/compat/np_program.clj) run unedited in a
  child JVM on pybridge's jar, the compatibility jar, Clojure and dtype-next.

  dtype-next comes from /work/shared/peers/libpython-clj/assemble.sh (GitHub
  sources and Maven Central jars; it is not served by the package registries
  here): the system property pybridge.test.dtypeNextClasspath, else
  ~/.cache/pybridge-dev/lpc-peer/peercp.txt (libpython-clj's own entries
  left out). Without it, the dtype-next case is skipped with a line saying so;
  requiring np-array without dtype-next is tested either way."
  (:require
   [clojure.edn :as edn]
   [clojure.java.io :as io]
   [clojure.string :as str]
   [clojure.test :refer [deftest is testing]])
  (:import
   (java.nio.file Files)
   (java.nio.file.attribute FileAttribute)
   (java.util.concurrent TimeUnit)))

(defn- prop [k] (System/getProperty k))

(defn- dtype-next-classpath
  "dtype-next and its dependencies (no libpython-clj, no second Clojure), or nil."
  []
  (or (prop "pybridge.test.dtypeNextClasspath")
      (let [peer (io/file (System/getProperty "user.home") ".cache/pybridge-dev/lpc-peer")
            cp (io/file peer "peercp.txt")
            aot-dtype (io/file peer "aot-dtype")]
        (when (.isFile cp)
          (->> (str/split (str/trim (slurp cp)) #":")
               (remove #(str/includes? % "/libpython-clj/"))   ; the compatibility jar replaces it
               (remove #(str/includes? % "/org/clojure/"))     ; the test's own Clojure
               ;; the peer's AOT classes hold libpython-clj's too: the copy without them, if made
               (keep #(if (= % (.getPath (io/file peer "aot")))
                        (when (.isDirectory aot-dtype) (.getPath aot-dtype))
                        %))
               (str/join ":"))))))

(defn- run-child [classpath args workdir]
  (let [java (str (System/getProperty "java.home") "/bin/java")
        native (prop "pybridge.native")
        cmd (concat [java "-Xmx1g"] (when native [(str "-Dpybridge.native=" native)])
                    ["-cp" classpath "clojure.main"] args)
        pb (doto (ProcessBuilder. ^java.util.List (vec cmd))
             (.directory (io/file workdir))
             (.redirectErrorStream true))
        p (.start pb)
        out (future (slurp (.getInputStream p)))
        done? (.waitFor p 300 TimeUnit/SECONDS)]
    (when-not done? (.destroyForcibly p))
    {:done? done? :exit (when done? (.exitValue p)) :out @out}))

(defn- jars []
  (let [main (prop "pybridge.test.jar") compat (prop "pybridge.test.compatJar")
        clj (prop "pybridge.test.clojureClasspath")]
    (when (and main compat clj) [main compat clj])))

(defn- tmpdir [] (str (Files/createTempDirectory "pybridge-np" (make-array FileAttribute 0))))

(deftest np-array-with-dtype-next
  (let [dcp (dtype-next-classpath)
        js (jars)]
    (cond
      (nil? js) (println "SKIPPED pybridge.compat-np-test/np-array-with-dtype-next: run through gradle"
                         " clojureTest (it passes the jars)")
      (nil? dcp) (println "SKIPPED pybridge.compat-np-test/np-array-with-dtype-next: dtype-next is not"
                          " on this machine (build it with /work/shared/peers/libpython-clj/assemble.sh"
                          " into ~/.cache/pybridge-dev/lpc-peer, or set -Dpybridge.test.dtypeNextClasspath)")
      :else
      (let [program (.getPath (io/file (io/resource "compat/np_program.clj")))
            {:keys [done? exit out]} (run-child (str/join ":" (conj js dcp)) [program] (tmpdir))
            line (last (filter #(str/starts-with? % "{") (str/split-lines out)))
            r (some-> line edn/read-string)]
        (is done? "the program ended within 300 s")
        (is (= 0 exit) out)
        (is (map? r) out)
        (when (map? r)
          (testing "numpy -> tensor without a copy, writes seen both ways (libpython-clj's numpy-and-back)"
            (is (= :ndarray (:python-type r)))
            (is (= [[0.0 1.0 2.0] [3.0 4.0 5.0] [6.0 7.0 8.0]] (:as-tensor r)))
            (is (= [[0.0 3.0 6.0] [1.0 4.0 7.0] [2.0 5.0 8.0]] (:transposed r)))
            (is (= [[5.0 1.0 2.0] [6.0 4.0 5.0] [7.0 7.0 8.0]] (:written-through-tensor r)))
            (is (= [[5.0 1.0 2.0] [6.0 4.0 5.0] [7.0 7.0 100.0]] (:written-by-python r)))
            (is (true? (:same-memory r)) "the tensor's native buffer is the array's memory"))
          (testing "dtype-next functions on numpy arrays (libpython-clj's numpy_test)"
            (is (true? (:ensure-tensor-equals r)))
            (is (= [2 2] (:shape r)))
            (is (= :int64 (:elemwise-datatype r)))
            (is (= 4 (:ecount r))))
          (testing "->jvm copies into a tensor; tensors passed to Python are numpy arrays"
            (is (true? (:->jvm-is-tensor r)))
            (is (= [0 1 2 3] (:->jvm r)))
            (is (= 11.0 (:sum-of-tensor r)))
            (is (= "int32" (:int32-dtype r))))
          (testing "the fn, ffi, protocols and class namespaces"
            (is (= 5.0 (:fn-call-attr r)))
            (is (= 3 (:ffi-with-gil r)))
            (is (= :py-none (:proto-type r)))
            (is (= 7 (:class r))))
          (testing "the working directory is on sys.path, as in libpython-clj"
            (is (= "imported from the working directory" (:cwd-import r)))))))))

(deftest np-array-without-dtype-next-says-what-to-add
  (if-let [js (jars)]
    (let [{:keys [done? exit out]}
          (run-child (str/join ":" js)
                     ["-e" (str "(try (require 'libpython-clj2.python.np-array) (println :loaded)"
                                " (catch Throwable e (println (ex-message (or (ex-cause e) e)))"
                                " (println (ex-message e))))")]
                     (tmpdir))]
      (is done?)
      (is (= 0 exit) out)
      (is (str/includes? out "needs dtype-next on the classpath") out)
      (is (str/includes? out "cnuernber/dtype-next") out)
      (is (not (str/includes? out ":loaded")) out))
    (println "SKIPPED pybridge.compat-np-test/np-array-without-dtype-next-says-what-to-add: run through"
             " gradle clojureTest (it passes the jars)")))

(deftest libpython-clj-own-numpy-tests
  ;; libpython-clj's numpy_test and python_test (which requires np-array, dtype-next and
  ;; bridge-as-python), from the peer's sources, run in its directory (its testcode
  ;; package is imported from the working directory, as libpython-clj arranges).
  (let [dcp (dtype-next-classpath)
        js (jars)
        peer-src (io/file (System/getProperty "user.home") ".cache/pybridge-dev/lpc-peer/src/libpython-clj")]
    (if (and js dcp (.isDirectory (io/file peer-src "test")))
      (let [runner (.getPath (io/file (io/resource "compat/run_lpc_tests.clj")))
            {:keys [done? exit out]} (run-child (str/join ":" (conj js (str (io/file peer-src "test")) dcp))
                                                [runner "libpython-clj2.numpy-test" "libpython-clj2.python-test"]
                                                peer-src)
            line (last (filter #(str/starts-with? % "{") (str/split-lines out)))
            r (some-> line edn/read-string)]
        (is done?)
        (is (= 0 exit) out)
        (is (map? r) out)
        (when (map? r)
          (is (= 34 (:test r)) out)
          ;; the one left compares raw PyObject* pointers (dt-ffi/->pointer of Py_False), which
          ;; pybridge's objects do not expose
          (is (= #{'false-is-always-py-false} (:problems r)) out)))
      (println "SKIPPED pybridge.compat-np-test/libpython-clj-own-numpy-tests: needs the gradle jars and"
               " ~/.cache/pybridge-dev/lpc-peer (dtype-next and libpython-clj's sources from"
               " /work/shared/peers/libpython-clj/assemble.sh)"))))
