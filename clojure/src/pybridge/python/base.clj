(ns pybridge.python.base
  "The machinery every other namespace of pybridge's Clojure layer shares:
  Python exceptions as ex-info, the private Python helpers (real `.py`
  files on the classpath, loaded once), unwrapping bridged objects,
  attribute names and Python type keywords. Internal: the public API is
  `pybridge.python`; nothing here starts Python when it loads."
  (:require
   [clojure.string])
  (:import
   (java.util.concurrent ConcurrentHashMap)
   (java.util.concurrent.atomic AtomicLong)
   (java.util.function Function Supplier)
   (org.pybridge Conversion Interpreter PyBacked PyNamespace PyObject Python PythonException)))

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
  "pybridge/clojure/support.py -> pybridge_clojure.support"
  [^String path]
  (str "pybridge_clojure." (-> path (subs (inc (.lastIndexOf path "/"))) (.replaceAll "\\.py$" ""))))

(def ^:private ^ConcurrentHashMap modules
  "resource path -> PyNamespace"
  (ConcurrentHashMap.))

(defn- unscoped* [f]
  (Python/unscoped (reify Supplier (get [_] (f)))))

(def ^:private ^ConcurrentHashMap sub-caches
  "Interpreter -> ConcurrentHashMap of the helpers loaded in that
  sub-interpreter (each interpreter has its own: Python objects never
  cross). Entries of closed interpreters are dropped when one is added."
  (ConcurrentHashMap.))

(defn- sub-cache
  "The helper cache of sub-interpreter `interp`."
  ^ConcurrentHashMap [^Interpreter interp]
  (or (.get sub-caches interp)
      (locking sub-caches
        (or (.get sub-caches interp)
            (let [c (ConcurrentHashMap.)]
              (.removeIf (.keySet sub-caches) (reify java.util.function.Predicate
                                                (test [_ i] (.isClosed ^Interpreter i))))
              (.put sub-caches interp c)
              c)))))

(defn- sub-interpreter
  "The sub-interpreter whose task the calling thread runs, or nil (the main one)."
  [] (let [i (Interpreter/current)] (when-not (identical? i (Interpreter/main)) i)))

(declare load-helper-module)

(defn helper-module
  "The private namespace in which the resource `path` (a .py file) was
  executed, loaded on first use (once per interpreter)."
  ^PyNamespace [^String path]
  (if-let [sub (sub-interpreter)]
    (let [^ConcurrentHashMap c (sub-cache sub)]
      (or (.get c path)
          (locking c
            (or (.get c path)
                (let [ns (load-helper-module path)] (.put c path ns) ns)))))
    (or (.get modules path)
        (locking modules
          (or (.get modules path)
              (let [ns (load-helper-module path)] (.put modules path ns) ns))))))

(defn- load-helper-module
  "Executes the resource `path` in a new private namespace."
  ^PyNamespace [^String path]
  (unscoped*
    (fn []
      (let [ns (Python/newNamespace)
            builtins (Python/builtins)
            code (.callAttr builtins "compile"
                            (object-array [(resource-text path) (str "<pybridge>/" path) "exec"]))]
        (.set ns "__name__" (module-name path))
        (.callAttr builtins "exec" (object-array [code (.globals ns)]))
        ns))))

(defn helper-fn
  "The object `fname` defined by the helper resource `path`, in the
  interpreter the calling thread runs (kept for the life of that interpreter)."
  ^PyObject [^String path ^String fname]
  (if-let [sub (sub-interpreter)]
    (let [^ConcurrentHashMap c (sub-cache sub)
          k (str path "#" fname)]
      (or (.get c k)
          (let [o (unscoped* #(.get (helper-module path) fname))]
            (.putIfAbsent c k o)
            (.get c k))))
    (unscoped* #(.get (helper-module path) fname))))

(deftype Helper [^String path ^String fname ^:volatile-mutable ^PyObject obj]
  clojure.lang.IDeref
  (deref [_]
    (if (identical? (Interpreter/current) (Interpreter/main))
      (or obj (let [o (helper-fn path fname)] (set! obj o) o))
      (helper-fn path fname))))

(defmacro defhelper
  "Defines a private var holding the helper `fname` of the .py resource
  `path`, looked up on first deref: (defhelper eq-fn
  \"pybridge/clojure/support.py\" \"eq\"), then (call-helper @eq-fn
  Conversion/DEEP a b). (One class for all helpers, not a delay each: fewer
  classes make the namespaces load faster.)"
  [sym path fname]
  `(def ~(vary-meta sym assoc :private true) (Helper. ~path ~fname nil)))

(defn call-helper
  "Calls a helper with positional arguments (as Java converts them); the
  result as `conv` (a Conversion) says."
  [^PyObject f ^Conversion conv & args]
  (py-try (.callWith f conv nil (object-array args))))

;; ---------------------------------------------------------------------------
;; Capturing Python exceptions for pybridge.python/with: while a with body
;; runs on a thread, calls made there through pybridge.python go through
;; helpers that keep the exception they raise (so that __exit__ receives the
;; Python exception itself). The global count keeps the check to one
;; volatile read when no with body runs anywhere.

(def ^AtomicLong active-withs
  "How many with bodies are running, on all threads."
  (AtomicLong.))

(def ^:dynamic *capture*
  "True on a thread while it runs a with body."
  false)

(defmacro capturing?
  "Whether calls on this thread should capture Python exceptions."
  []
  `(and (pos? (.get active-withs)) *capture*))

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

(defn- char-class [c]
  (let [c (char c)]
    (cond (<= (int \0) (int c) (int \9)) :digit
          (<= (int \a) (int c) (int \z)) :lower
          (<= (int \A) (int c) (int \Z)) :upper
          (#{\- \_ \space \tab \newline \return} c) :separator
          :else :other)))

(defn- words
  "A name split into words as camel-snake-kebab splits it (so type keywords
  match libpython-clj's): at separators, before an upper-case letter that
  follows a non-upper-case one, before a digit that follows a non-digit, and
  before the last capital of a run followed by a lower-case letter:
  OrderedDict -> Ordered Dict, float64 -> float 64, HTTPError -> HTTP Error."
  [^String s]
  (let [n (.length s)
        cls (mapv char-class s)]
    (loop [i 0 start 0 out []]
      (if (>= i n)
        (if (> i start) (conj out (subs s start i)) out)
        (let [a (cls i) b (get cls (inc i)) c (get cls (+ i 2))]
          (cond
            (= a :separator) (recur (inc i) (inc i) (if (> i start) (conj out (subs s start i)) out))
            (or (and (not= a :upper) (= b :upper))
                (and (not= a :digit) (= b :digit))
                (and (= a :upper) (= b :upper) (= c :lower)))
            (recur (inc i) (inc i) (conj out (subs s start (inc i))))
            :else (recur (inc i) start out)))))))

(defn- kebab [^String s]
  (clojure.string/join "-" (map clojure.string/lower-case (words s))))

(def ^:private ^ConcurrentHashMap type-keywords (ConcurrentHashMap.))

(defn type-keyword
  "A Python type name as a keyword: NoneType -> :none-type, OrderedDict ->
  :ordered-dict (cached per name)."
  [^String type-name]
  (.computeIfAbsent type-keywords type-name
                    (reify Function (apply [_ n] (keyword (kebab n))))))
