(ns pybridge.python.init
  "Starting Python from Clojure. Internal: the public API is
  `pybridge.python/initialize!`."
  (:require [pybridge.python.io-redirect :as io-redirect])
  (:import (org.pybridge Python PythonConfig PythonConfig$ReleasePolicy)))

(set! *warn-on-reflection* true)

(defn initialize!
  "See pybridge.python/initialize!."
  [{:keys [python-executable sys-path release-policy gc-nudge-threshold gil-lease-wait-ms
           redirect-output?]
    :or {redirect-output? true}}]
  (let [cfg (PythonConfig.)]
    (when python-executable (.executable cfg ^String (str python-executable)))
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
    (Python/initialize cfg)
    (when redirect-output? (io-redirect/redirect-output!))
    :ok))
