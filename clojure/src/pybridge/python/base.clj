(ns pybridge.python.base
  "The machinery every other namespace of pybridge's Clojure layer shares:
  Python exceptions as ex-info, the private Python helpers (real `.py`
  files on the classpath, loaded once), unwrapping bridged objects,
  attribute names and Python type keywords. Internal: the public API is
  `pybridge.python`; nothing here starts Python when it loads."
  (:require [clojure.string])
  (:import (java.util.concurrent ConcurrentHashMap)
           (java.util.function Function Supplier)
           (org.pybridge Conversion PyBacked PyNamespace PyObject Python PythonException)))

(set! *warn-on-reflection* true)

;; ---------------------------------------------------------------------------
;; Errors

(defn python-ex-info
  "The ex-info a PythonException becomes: ex-data holds :python-type,
  :message and :traceback; the PythonException is the cause."
  [^PythonException e]
  (ex-info (.getMessage e)
           {:type :pybridge/python-error
            :python-type (.pythonType e)
            :message (.pythonMessage e)
            :traceback (.pythonTraceback e)}
           e))

(defmacro py-try
  "Runs body; a PythonException becomes an ex-info (python-ex-info)."
  [& body]
  `(try ~@body
        (catch PythonException e# (throw (python-ex-info e#)))))

;; ---------------------------------------------------------------------------
;; The Python helpers: .py resources on the classpath, each executed once in
;; a private namespace of its own, never owned by a caller's scope.

(defn- resource-text
  "The text of a classpath resource (UTF-8). Threads Python starts have no
  context class loader: then the loader that loaded this namespace."
  ^String [^String path]
  (let [cl (or (.getContextClassLoader (Thread/currentThread))
               (.getClassLoader (class resource-text)))
        url (or (.getResource ^ClassLoader cl path)
                (.getResource (.getClassLoader (class resource-text)) path))]
    (when-not url
      (throw (IllegalStateException. (str "pybridge: the resource " path " is not on the classpath"))))
    (slurp url :encoding "UTF-8")))

(defn- module-name
  "pybridge/python/support.py -> pybridge_clojure.support"
  [^String path]
  (str "pybridge_clojure." (-> path (subs (inc (.lastIndexOf path "/"))) (.replaceAll "\\.py$" ""))))

(def ^:private ^ConcurrentHashMap modules
  "resource path -> PyNamespace"
  (ConcurrentHashMap.))

(defn- unscoped* [f]
  (Python/unscoped (reify Supplier (get [_] (f)))))

(defn helper-module
  "The private namespace in which the resource `path` (a .py file) was
  executed, loaded on first use."
  ^PyNamespace [^String path]
  (or (.get modules path)
      (locking modules
        (or (.get modules path)
            (let [ns (unscoped*
                       (fn []
                         (let [ns (Python/newNamespace)
                               builtins (Python/builtins)
                               code (.callAttr builtins "compile"
                                               (object-array [(resource-text path) (str "<pybridge>/" path) "exec"]))]
                           (.set ns "__name__" (module-name path))
                           (.callAttr builtins "exec" (object-array [code (.globals ns)]))
                           ns)))]
              (.put modules path ns)
              ns)))))

(defn helper-fn
  "The object `fname` defined by the helper resource `path` (kept for the
  life of the process)."
  ^PyObject [path fname]
  (unscoped* #(.get (helper-module path) ^String fname)))

(defmacro defhelper
  "Defines a private var holding a delay of the helper `fname` from the .py
  resource `path`: (defhelper eq-fn \"pybridge/python/support.py\" \"eq\"),
  then (call-helper @eq-fn Conversion/DEEP a b)."
  [sym path fname]
  `(def ~(vary-meta sym assoc :private true) (delay (helper-fn ~path ~fname))))

(defn call-helper
  "Calls a helper with positional arguments (as Java converts them); the
  result as `conv` (a Conversion) says."
  [^PyObject f ^Conversion conv & args]
  (py-try (.callWith f conv nil (object-array args))))

;; ---------------------------------------------------------------------------
;; Unwrapping, names

(defn py-object
  "The PyObject behind x (a PyObject or a bridged view), or nil."
  ^PyObject [x]
  (cond (instance? PyObject x) x
        (instance? PyBacked x) (.pyObject ^PyBacked x)
        :else nil))

(defn attr-name
  "An attribute name from a string, keyword or symbol."
  ^String [n]
  (cond (string? n) n
        (or (keyword? n) (symbol? n)) (name n)
        :else (throw (IllegalArgumentException.
                       (str "an attribute name is a string, keyword or symbol, not " (pr-str n))))))

;; ---------------------------------------------------------------------------
;; Python type names as keywords

(defn- kebab [^String s]
  (-> s
      (clojure.string/replace #"([a-z0-9])([A-Z])" "$1-$2")
      (clojure.string/replace "_" "-")
      clojure.string/lower-case))

(def ^:private ^ConcurrentHashMap type-keywords (ConcurrentHashMap.))

(defn type-keyword
  "A Python type name as a keyword: NoneType -> :none-type, OrderedDict ->
  :ordered-dict (cached per name)."
  [^String type-name]
  (.computeIfAbsent type-keywords type-name
                    (reify Function (apply [_ n] (keyword (kebab n))))))
