(ns pybridge.python.init
  "Starting Python from Clojure, with pybridge's options and libpython-clj's
  (:library-path, :python-home, :no-io-redirect?, a python.edn file).
  Internal: the public API is `pybridge.python/initialize!`."
  (:require
   [clojure.edn :as edn]
   [clojure.java.io :as io]
   [pybridge.python.io-redirect :as io-redirect])
  (:import
   (java.io File)
   (org.pybridge Python PythonConfig PythonConfig$ReleasePolicy PythonInfo)))

(set! *warn-on-reflection* true)

(defn python-edn
  "The options in python.edn: the file in the working directory (where
  libpython-clj reads it), else a python.edn at the root of the classpath;
  nil when there is none."
  []
  (let [f (io/file "python.edn")
        src (cond (.isFile f) f
                  :else (io/resource "python.edn"))]
    (when src
      (edn/read-string (slurp src)))))

(defn- existing [^File f] (when (.canExecute f) (.getPath f)))

(defn- executable-for-library
  "The python executable beside a libpython: /p/lib/libpython3.11.so ->
  /p/bin/python3.11 (or python3)."
  [lib]
  (let [f (io/file (str lib))
        [_ v] (re-find #"libpython(\d+\.\d+)" (.getName f))
        bin (some-> f .getAbsoluteFile .getParentFile .getParentFile (io/file "bin"))]
    (when bin
      (or (when v (existing (io/file bin (str "python" v))))
          (existing (io/file bin "python3"))))))

(defn- executable-for-home [home]
  (let [bin (io/file (str home) "bin")]
    (or (existing (io/file bin "python3")) (existing (io/file bin "python")))))

(defn- canonical [p] (.getCanonicalPath (io/file (str p))))

(defn initialize!
  "See pybridge.python/initialize!. Returns :ok when this call started
  Python, :already-initialized when it was running already."
  [opts]
  (let [started-before? (Python/isInitialized)
        file-opts (when-not started-before? (python-edn))
        _ (when-not started-before?
            (some-> (:pre-initialize-fn file-opts) requiring-resolve (apply [])))
        {:keys [python-executable sys-path release-policy gc-nudge-threshold gil-lease-wait-ms
                redirect-output? no-io-redirect? library-path python-library-path python-home]}
        (merge file-opts opts)
        library-path (or library-path python-library-path)
        exe (or python-executable
                (when (and library-path (not started-before?))
                  (or (executable-for-library library-path)
                      (throw (IllegalArgumentException.
                               (str ":library-path " library-path " has no python executable beside it"
                                    " (../bin/python3.X): give :python-executable, pybridge loads the"
                                    " libpython of the executable it runs")))))
                (when (and python-home (not started-before?))
                  (or (executable-for-home python-home)
                      (throw (IllegalArgumentException.
                               (str ":python-home " python-home " has no bin/python3: give :python-executable"))))))
        redirect? (if (some? redirect-output?) redirect-output? (not no-io-redirect?))
        ;; Python's streams are this namespace's to set: to *out*/*err* below, or left on
        ;; the file descriptors (libpython-clj's :no-io-redirect?), not the Java default.
        cfg (.rawOutput (PythonConfig.))]
    (when exe (.executable cfg ^String (str exe)))
    (doseq [p sys-path] (.addSysPath cfg (str p)))
    (when release-policy
      (.releasePolicy cfg (case release-policy
                            :dedicated-thread PythonConfig$ReleasePolicy/DEDICATED_THREAD
                            :caller-threads PythonConfig$ReleasePolicy/CALLER_THREADS
                            (throw (IllegalArgumentException.
                                     (str ":release-policy is :dedicated-thread or :caller-threads, not "
                                          (pr-str release-policy)))))))
    (when gc-nudge-threshold (.gcNudgeThreshold cfg (long gc-nudge-threshold)))
    (when gil-lease-wait-ms (.gilLeaseWait cfg (long gil-lease-wait-ms)))
    (let [^PythonInfo info (Python/initialize cfg)]
      (when (and library-path (not= (canonical library-path) (canonical (.libpython info))))
        (throw (ex-info (str "Python runs with " (.libpython info) " (the library of " (.executable info)
                             "), not :library-path " library-path
                             ": pybridge loads the libpython of the executable it runs")
                        {:type :pybridge/library-mismatch :libpython (.libpython info)}))))
    (when redirect? (io-redirect/redirect-output!))
    (if started-before?
      :already-initialized
      (do (some-> (:post-initialize-fn file-opts) requiring-resolve (apply []))
          :ok))))
