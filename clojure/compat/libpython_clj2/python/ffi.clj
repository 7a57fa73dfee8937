(ns libpython-clj2.python.ffi
  "libpython-clj's libpython-clj2.python.ffi on pybridge (the compatibility
  jar): the parts user code uses. libpython-clj binds libpython's C functions
  here (through JNA); pybridge's native library owns those calls, so the raw
  C-level functions (Py_IncRef, PyObject_GetAttr, ...) have no counterpart.
  What remains:

    with-gil, lock-gil, unlock-gil  GIL scopes (pybridge.python/with-gil,
                                    org.pybridge.Python/acquireGil)
    with-decref                     evaluates its body (pybridge releases
                                    handles itself: scopes or the GC)
    initialize!, library-loaded?    starting Python, and whether it runs
    run-simple-string, import-module as in libpython-clj2.python
    enable-gil-check!               nothing to enable: every pybridge call
                                    takes the GIL itself
    py-none, py-true, py-false      Python's None, True, False (as objects,
                                    not pointers)"
  (:require
   [pybridge.python :as py])
  (:import
   (org.pybridge Gil Python)))

(defmacro with-gil
  "Runs body holding the GIL (re-entrant)."
  [& body]
  `(py/with-gil ~@body))

(defn lock-gil
  "Takes the GIL for this thread until unlock-gil (an org.pybridge.Gil)."
  ^Gil []
  (Python/acquireGil))

(defn unlock-gil
  "Gives up what lock-gil took."
  [^Gil gil]
  (.close gil))

(defmacro with-decref
  "Evaluates body (the bindings are plain let bindings): pybridge releases the
  objects itself, so there is nothing to decref."
  [bindings & body]
  `(let ~bindings ~@body))

(defn initialize!
  "Starts Python (as libpython-clj2.python/initialize!)."
  [& {:as opts}]
  (apply py/initialize! (mapcat identity opts)))

(defn library-loaded?
  "Whether Python runs."
  []
  (Python/isInitialized))

(defn run-simple-string [code] (py/run-simple-string code))
(defn import-module [name] (py/import-module name))

(defn enable-gil-check!
  "libpython-clj: make its C-level calls check that the GIL is held. Every
  pybridge call takes the GIL itself (or runs inside with-gil), so there is
  nothing to check; returns nil."
  ([] nil)
  ([_enabled?] nil))

(defn py-none "Python's None (nil in Clojure)." [] nil)

(defn py-true "Python's True, as a Python object." [] (Python/toPython Boolean/TRUE))

(defn py-false "Python's False, as a Python object." [] (Python/toPython Boolean/FALSE))
