(ns pybridge.python.io-redirect
  "Python's sys.stdout and sys.stderr writing to the JVM: each write goes to
  *out* / *err* of the calling thread (the root bindings for threads Python
  started). The Python side is pybridge/python/io_redirect.py. Internal:
  `pybridge.python/initialize!` installs it."
  (:require [pybridge.python.base :as base])
  (:import (org.pybridge Conversion PyCallback)))

(set! *warn-on-reflection* true)

(base/defhelper redirect-fn "pybridge/python/io_redirect.py" "redirect")

(defn redirect-output!
  "Replaces sys.stdout and sys.stderr by writers to *out* and *err*."
  []
  (let [writer (fn [err?]
                 (reify PyCallback
                   (call [_ args _]
                     (let [^java.io.Writer w (if err? *err* *out*)]
                       (.write w ^String (aget ^objects args 0)))
                     nil)))
        flusher (fn [err?]
                  (reify PyCallback
                    (call [_ _ _]
                      (let [^java.io.Writer w (if err? *err* *out*)]
                        (.flush w))
                      nil)))]
    (base/call-helper @redirect-fn Conversion/DEEP (writer false) (flusher false) (writer true) (flusher true))))
