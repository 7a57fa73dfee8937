(ns libpython-clj2.python.bridge-as-python
  "libpython-clj's libpython-clj2.python.bridge-as-python on pybridge (the
  compatibility jar): Clojure data bridged into Python as live objects,
  delegating to pybridge.python/as-python (see there). Requiring it for its
  side effects, as libpython-clj's tests do, loads pybridge's bridging."
  (:require
   [pybridge.python :as py]))

(defn as-python
  "A live bridge of a Clojure map, vector, set, seq or fn into Python."
  ([v] (py/as-python v))
  ([v _opts] (py/as-python v)))

(defn map-as-python
  "A Clojure map bridged into Python as a mapping (live)."
  [m]
  (py/as-python m))

(defn list-as-python
  "A Clojure vector or list bridged into Python as a sequence (live)."
  [l]
  (py/as-python l))

(defn iterable-as-python
  "A Clojure iterable bridged into Python as an iterable."
  [it]
  (py/as-python it))
