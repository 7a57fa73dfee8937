(ns pybridge.python.io-redirect
  "Python's sys.stdout and sys.stderr writing to the JVM: each line (or
  what a flush hands over) goes to *out* / *err* of the thread that wrote
  (the root bindings for threads Python started). Built on the Java API's
  streams (`org.pybridge.Python/redirectOutput` with a
  `PythonConfig$Output` consumer: CPython's own line-buffered text layer,
  and `fileno()` answering the real descriptor). Internal:
  `pybridge.python/initialize!` installs it."
  (:import
   (java.util.function Consumer)
   (org.pybridge Python PythonConfig$Output)))

(set! *warn-on-reflection* true)

(defn- writer-output
  "An output that writes each hand-over to the calling thread's *out* (or
  *err*) and flushes it, as a line-buffered stream does."
  ^PythonConfig$Output [err?]
  (PythonConfig$Output/to
    (reify Consumer
      (accept [_ text]
        (let [^java.io.Writer w (if err? *err* *out*)]
          (.write w ^String text)
          (.flush w))))))

(defn redirect-output!
  "Replaces sys.stdout and sys.stderr by writers to *out* and *err*."
  []
  (Python/redirectOutput (writer-output false) (writer-output true)))
