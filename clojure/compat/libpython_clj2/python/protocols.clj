(ns libpython-clj2.python.protocols
  "libpython-clj's libpython-clj2.python.protocols on pybridge (the
  compatibility jar): the functions user code calls through this namespace,
  delegating to pybridge.python, and the multimethods libpython-clj lets
  code extend per Python type (pyobject->jvm, pyobject-as-jvm, pydatafy),
  so that code defining methods loads; pybridge's ->jvm and as-jvm do not
  consult them (numpy arrays are handled by libpython-clj2.python.np-array).

  libpython-clj's protocols over its own object types (PPyAttr,
  PCopyToPython...) have no counterpart: pybridge's objects are
  org.pybridge.PyObject and its views."
  (:require
   [pybridge.python :as py]))

(defn python-type
  "The Python type of a value as a keyword (:py-none for nil, as libpython-clj)."
  [v]
  (if (nil? v) :py-none (py/python-type v)))

(defn get-attr [obj attr] (py/get-attr obj attr))
(defn has-attr? [obj attr] (py/has-attr? obj attr))
(defn set-attr! [obj attr v] (py/set-attr! obj attr v))
(defn get-item [obj k] (py/get-item obj k))
(defn has-item? [obj k] (py/has-item? obj k))
(defn set-item! [obj k v] (py/set-item! obj k v))
(defn dir [obj] (py/dir obj))
(defn call-attr [obj attr & args] (apply py/call-attr obj attr args))
(defn ->python [v _opts] (py/->python v))
(defn as-python [v _opts] (py/as-python v))
(defn ->jvm [v _opts] (py/->jvm v))
(defn as-jvm [v _opts] (py/as-jvm v))

(defmulti pyobject->jvm
  "A Python object of a given python-type copied into the JVM (defined for
  code that adds methods; pybridge's ->jvm does not consult it)."
  (fn [pyobj _opts] (python-type pyobj)))

(defmulti pyobject-as-jvm
  "A Python object of a given python-type bridged into the JVM (defined for
  code that adds methods; pybridge's as-jvm does not consult it)."
  (fn [pyobj _opts] (python-type pyobj)))

(defmulti pydatafy
  "clojure.datafy support per python-type (as libpython-clj)."
  (fn [pyobj] (python-type pyobj)))
