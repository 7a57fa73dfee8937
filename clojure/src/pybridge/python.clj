(ns pybridge.python
  "CPython in the JVM, for Clojure: a thin layer over pybridge's Java API
  (`org.pybridge`), with libpython-clj's names.

      (require '[pybridge.python :as py])
      (py/initialize!)                                   ;=> :ok
      (def np (py/import-module \"numpy\"))
      (py/py. np sum (py/py. np arange 10))              ;=> 45
      (py/stack-resource-context
        (py/->jvm (py/->py-dict {:a 1 :b 2})))           ;=> {\"a\" 1, \"b\" 2}

  Values coming back from Python are *bridged*: None, bools, numbers and
  strings become Clojure values; dicts, lists and callables become live views
  (`as-jvm`); other objects stay `org.pybridge.PyObject` handles. `->jvm` makes
  a deep copy into persistent Clojure data.

  Lifetimes: a Python object is released when its handle is collected by the
  JVM, or, deterministically, at the end of the `stack-resource-context` /
  `with-gil-stack-rc-context` it was made in. Returning a bridged object (or
  a Clojure collection holding some) from such a context keeps it: it is never
  released under your feet, and using a released one is an exception, never a
  crash.

  Errors: a Python exception arrives as an `ex-info` whose `ex-data` holds
  `:python-type` (e.g. \"ValueError\"), `:message` and `:traceback`; its
  cause is the `org.pybridge.PythonException`, whose own cause is the Clojure
  or Java exception if one was thrown in a callback.

  Loading this namespace does not start Python; `initialize!` does (other
  functions start it on first use, without the `*out*` redirection)."
  (:refer-clojure :exclude [dir])
  (:require [clojure.string :as str])
  (:import (clojure.lang BigInt IFn IPersistentCollection IReduceInit Keyword
                         MapEntry Ratio Symbol Repeat Iterate Cycle Indexed)
           (java.util ArrayList Iterator List Map Map$Entry Set)
           (java.util.function Function)
           (org.pybridge Conversion Gil PyBacked PyCallback PyKind PyObject
                         Python PythonConfig PythonConfig$ReleasePolicy
                         PythonException ResourceScope Stats)))

(set! *warn-on-reflection* true)

(declare bridge ->py-iterator infinite-seq? jvm-value)

;; ---------------------------------------------------------------------------
;; Errors

(defn- python-ex-info [^PythonException e]
  (ex-info (.getMessage e)
           {:type :pybridge/python-error
            :python-type (.pythonType e)
            :message (.pythonMessage e)
            :traceback (.pythonTraceback e)}
           e))

(defmacro ^:private py-try
  "Runs body; a PythonException becomes an ex-info (see the namespace doc)."
  [& body]
  `(try ~@body
        (catch PythonException e# (throw (python-ex-info e#)))))

;; ---------------------------------------------------------------------------
;; Conversions the Java layer learns from Clojure (no Python started here)

(defn- callback
  "A PyCallback calling f: Python's positional arguments (as Clojure data)
  followed by its keyword arguments as trailing `:kw val` pairs."
  ^PyCallback [f]
  (reify PyCallback
    (call [_ args kwargs]
      (let [args (map jvm-value args)]
        (if (.isEmpty ^Map kwargs)
          (apply f args)
          (apply f (concat args (mapcat (fn [^Map$Entry e] [(keyword (.getKey e)) (jvm-value (.getValue e))])
                                        (.entrySet ^Map kwargs)))))))))

(defn- register-converters! []
  (Python/registerConverter Keyword (reify Function (apply [_ k] (.getName ^Keyword k))))
  (Python/registerConverter Symbol (reify Function (apply [_ s] (.getName ^Symbol s))))
  (Python/registerConverter BigInt (reify Function (apply [_ b] (.toBigInteger ^BigInt b))))
  (Python/registerConverter Ratio (reify Function (apply [_ r] (.doubleValue ^Ratio r))))
  (Python/registerConverter IFn (reify Function (apply [_ f] (callback f)))))

(register-converters!)

;; ---------------------------------------------------------------------------
;; Private Python helpers (one namespace, created once, never scoped)

(def ^:private helper-code
  "import io as _io, sys as _sys, itertools as _it
_SENTINEL = object()
def java_iter(next_fn):
    return iter(next_fn, _SENTINEL)
def sentinel():
    return _SENTINEL
def eq(a, b):
    if a is b:
        return True
    try:
        return bool(a == b)
    except Exception:
        return False
def chunk(o, start, n):
    if type(o) is list or type(o) is tuple:
        return o[start:start + n]
    return [o[i] for i in range(start, min(start + n, len(o)))]
def to_tuple(xs):
    return tuple(xs)
def dir_of(o):
    return dir(o)
def type_name(o):
    return type(o).__name__
class JvmWriter(_io.TextIOBase):
    def __init__(self, write, flush, name):
        self._write = write
        self._flush = flush
        self._name = name
    @property
    def name(self):
        return self._name
    @property
    def encoding(self):
        return 'utf-8'
    @property
    def errors(self):
        return 'strict'
    def writable(self):
        return True
    def isatty(self):
        return False
    def write(self, s):
        if not isinstance(s, str):
            raise TypeError('write() argument must be str, not ' + type(s).__name__)
        if s:
            self._write(s)
        return len(s)
    def flush(self):
        self._flush()
def redirect(out_write, out_flush, err_write, err_flush):
    _sys.stdout = JvmWriter(out_write, out_flush, '<stdout>')
    _sys.stderr = JvmWriter(err_write, err_flush, '<stderr>')
")

(def ^:private helpers (atom nil))

(defn- helper
  "The helper function `fname` (a PyObject kept for the life of the process)."
  ^PyObject [fname]
  (or (get @helpers fname)
      (locking helpers
        (or (get @helpers fname)
            (let [f (Python/unscoped
                      (reify java.util.function.Supplier
                        (get [_]
                          (let [ns (or (::ns @helpers)
                                       (let [ns (Python/newNamespace)]
                                         (.exec ns helper-code)
                                         (swap! helpers assoc ::ns ns)
                                         ns))]
                            (.get ^org.pybridge.PyNamespace ns ^String fname)))))]
              (swap! helpers assoc fname f)
              f)))))

(defn- call-helper
  "Calls a helper; the result as `conv` says (a Conversion)."
  [fname ^Conversion conv & args]
  (py-try (.callWith (helper fname) conv nil (object-array args))))

;; ---------------------------------------------------------------------------
;; Unwrapping and argument preparation

(defn- py-object
  "The PyObject behind x (a PyObject or a view), or nil."
  ^PyObject [x]
  (cond (instance? PyObject x) x
        (instance? PyBacked x) (.pyObject ^PyBacked x)
        :else nil))

(defn- arg
  "A call argument: infinite Clojure seqs become lazy Python iterators."
  [x]
  (if (infinite-seq? x) (->py-iterator x) x))

(defn- args-array ^objects [args]
  (let [a (object-array (count args))]
    (loop [i 0 s (seq args)]
      (when s
        (aset a i (arg (first s)))
        (recur (inc i) (next s))))
    a))

(defn- kw-map
  "A Clojure map of keyword arguments as a Java map with string keys."
  ^Map [m]
  (when (seq m)
    (let [out (java.util.LinkedHashMap.)]
      (doseq [[k v] m]
        (.put out (if (string? k) k (name k)) (arg v)))
      out)))

(defn- split-kw-pairs
  "Splits call arguments into [positional kwargs]: the longest trailing run
  of `:kw value` pairs is the keyword arguments."
  [args]
  (let [v (vec args)
        n (count v)]
    (loop [i n]
      (if (and (>= i 2) (keyword? (nth v (- i 2))))
        (recur (- i 2))
        (if (= i n)
          [v nil]
          [(subvec v 0 i) (apply hash-map (subvec v i))])))))

(defn- attr-name ^String [n]
  (cond (string? n) n
        (or (keyword? n) (symbol? n)) (name n)
        :else (throw (IllegalArgumentException.
                       (str "an attribute name is a string, keyword or symbol, not " (pr-str n))))))

;; ---------------------------------------------------------------------------
;; Views

(defn- py-equals [^PyObject o other]
  (cond
    (identical? o other) true
    (nil? o) false
    :else (let [other (or (py-object other) other)]
            (try
              (boolean (call-helper "eq" Conversion/DEEP o other))
              (catch IllegalArgumentException _ false)))))

(def ^:private ^:const chunk-size 1024)

(defn- chunk-of
  "Items start..start+n of a sequence, bridged, as an ArrayList."
  ^List [^PyObject o start]
  (let [^List items (call-helper "chunk" Conversion/ELEMENTS o (long start) (long chunk-size))]
    items))

(defn- list-seq [^PyObject o start]
  (lazy-seq
    (let [items (chunk-of o start)
          n (.size items)]
      (when (pos? n)
        (let [b (chunk-buffer n)]
          (dotimes [i n] (chunk-append b (bridge (.get items i))))
          (chunk-cons (chunk b) (when (= n chunk-size) (list-seq o (+ start n)))))))))

(defn- bridge-iterator ^Iterator [^Iterator it]
  (reify Iterator
    (hasNext [_] (py-try (.hasNext it)))
    (next [_] (bridge (py-try (.next it))))
    (remove [_] (.remove it))))

(deftype PyList [^PyObject obj ^List jl]
  PyBacked
  (pyObject [_] obj)

  List
  (size [_] (py-try (.size jl)))
  (isEmpty [_] (py-try (.isEmpty jl)))
  (contains [_ x] (py-try (.contains obj x)))
  (get [_ i] (bridge (py-try (.get jl i))))
  (set [_ i x] (bridge (py-try (.set jl i x))))
  (add [_ x] (py-try (.add jl x)))
  (add [_ i x] (py-try (.add jl i x)))
  (^Object remove [_ ^int i] (bridge (py-try (.remove jl i))))
  (^boolean remove [_ ^Object x] (py-try (.remove jl x)))
  (clear [_] (py-try (.clear jl)))
  (indexOf [this x] (let [n (count this)]
                      (loop [i 0] (cond (= i n) -1 (= x (.get this i)) i :else (recur (inc i))))))
  (lastIndexOf [this x] (loop [i (dec (count this))]
                          (cond (neg? i) -1 (= x (.get this i)) i :else (recur (dec i)))))
  (containsAll [this c] (every? #(.contains this %) c))
  (addAll [_ c] (py-try (.addAll jl c)))
  (addAll [_ i c] (py-try (.addAll jl (int i) c)))
  (removeAll [_ c] (py-try (.removeAll jl c)))
  (retainAll [_ c] (py-try (.retainAll jl c)))
  (iterator [this] (.iterator ^List (vec (seq this))))
  (listIterator [this] (.listIterator ^List (vec (seq this))))
  (listIterator [this i] (.listIterator ^List (vec (seq this)) (int i)))
  (subList [this a b] (subvec (vec (seq this)) a b))
  (toArray [this] (object-array (seq this)))
  (^objects toArray [this ^objects a] (.toArray ^List (vec (seq this)) a))
  (sort [_ c] (py-try (.sort jl c)))

  clojure.lang.Counted
  (count [_] (py-try (.size jl)))

  Indexed
  (nth [this i] (.get this i))
  (nth [this i not-found] (if (and (>= i 0) (< i (.size this))) (.get this i) not-found))

  clojure.lang.Seqable
  (seq [_] (seq (list-seq obj 0)))

  clojure.lang.Sequential

  clojure.lang.ILookup
  (valAt [this k] (.valAt this k nil))
  (valAt [this k not-found] (if (integer? k) (.nth this (int k) not-found) not-found))

  IFn
  (invoke [this i] (.nth this (int i)))
  (applyTo [this args] (.nth this (int (first args))))

  IReduceInit
  (reduce [_ f init]
    (loop [start 0 acc init]
      (let [items (chunk-of obj start)
            n (.size items)
            acc (loop [i 0 acc acc]
                  (if (or (= i n) (reduced? acc))
                    acc
                    (recur (inc i) (f acc (bridge (.get items i))))))]
        (cond (reduced? acc) @acc
              (< n chunk-size) acc
              :else (recur (+ start n) acc)))))

  clojure.lang.IHashEq
  (hasheq [_] (.hashCode obj))

  Object
  (equals [_ other] (py-equals obj other))
  (hashCode [_] (.hashCode obj))
  (toString [_] (.toString obj)))

(deftype PyDict [^PyObject obj ^Map jm]
  PyBacked
  (pyObject [_] obj)

  Map
  (size [_] (py-try (.size jm)))
  (isEmpty [_] (py-try (.isEmpty jm)))
  (containsKey [_ k] (py-try (.containsKey jm k)))
  (containsValue [this v] (boolean (some #(= v %) (.values this))))
  (get [_ k] (bridge (py-try (.get jm k))))
  (put [_ k v] (bridge (py-try (.put jm k v))))
  (remove [_ k] (bridge (py-try (.remove jm k))))
  (putAll [_ m] (py-try (.callAttrWith obj Conversion/SHALLOW "update" nil (object-array [m]))) nil)
  (clear [_] (py-try (.clear jm)))
  (keySet [this] (set (map key (seq this))))
  (values [this] (mapv val (seq this)))
  (entrySet [this] (set (seq this)))

  clojure.lang.Counted
  (count [_] (py-try (.size jm)))

  clojure.lang.Seqable
  (seq [_] (let [^Set es (py-try (.entrySet jm))]
             (seq (mapv (fn [^Map$Entry e] (MapEntry/create (bridge (.getKey e)) (bridge (.getValue e))))
                        es))))

  clojure.lang.ILookup
  (valAt [this k] (.get this k))
  (valAt [this k not-found] (if (.containsKey this k) (.get this k) not-found))

  IFn
  (invoke [this k] (.get this k))
  (invoke [this k not-found] (.valAt this k not-found))
  (applyTo [this args] (if (next args) (.valAt this (first args) (second args)) (.get this (first args))))

  clojure.lang.IHashEq
  (hasheq [_] (.hashCode obj))

  Object
  (equals [_ other] (py-equals obj other))
  (hashCode [_] (.hashCode obj))
  (toString [_] (.toString obj)))

(defn- call-bridged [^PyObject o args kwargs]
  (bridge (py-try (.callWith o Conversion/SHALLOW (kw-map kwargs) (args-array args)))))

(defn- call-with-kw-pairs [^PyObject o args]
  (let [[pos kw] (split-kw-pairs args)]
    (call-bridged o pos kw)))


(defmacro ^:private def-py-fn-type
  "PyFn: a Python callable as an IFn. Arguments are converted with ->py;
  trailing `:kw value` pairs are keyword arguments."
  []
  (let [obj (with-meta 'obj {:tag 'org.pybridge.PyObject})
        arity (fn [n] (map #(symbol (str "a" %)) (range n)))]
    `(deftype ~'PyFn [~obj]
       PyBacked
       (~'pyObject [~'_] ~'obj)

       IFn
       ~@(for [n (range 21)]
           `(~'invoke [~'_ ~@(arity n)] (call-with-kw-pairs ~'obj [~@(arity n)])))
       (~'invoke [~'_ ~@(arity 20) ~'more] (call-with-kw-pairs ~'obj (concat [~@(arity 20)] ~'more)))
       (~'applyTo [~'_ ~'args] (call-with-kw-pairs ~'obj ~'args))
       (~'call [~'_] (call-bridged ~'obj nil nil))
       (~'run [~'_] (call-bridged ~'obj nil nil))

       clojure.lang.IHashEq
       (~'hasheq [~'_] (.hashCode ~'obj))

       ~'Object
       (~'equals [~'_ ~'other] (py-equals ~'obj ~'other))
       (~'hashCode [~'_] (.hashCode ~'obj))
       (~'toString [~'_] (.toString ~'obj)))))

(def-py-fn-type)

;; The views are made by as-jvm, never by hand.
(doseq [v [#'->PyList #'->PyDict #'->PyFn]]
  (alter-meta! v assoc :private true))

(defn- iter-seq
  "A lazy, unchunked seq over a Java iterator of bridged items."
  [^Iterator it]
  (lazy-seq
    (when (py-try (.hasNext it))
      (cons (bridge (py-try (.next it))) (iter-seq it)))))

(defn- view
  "A PyObject as its view: dict-like -> PyDict, sequence -> PyList,
  callable -> PyFn; with `seqs?`, other iterables -> a lazy seq; anything
  else the PyObject itself."
  [^PyObject o seqs?]
  (let [k (py-try (.kind o))]
    (cond
      (identical? k PyKind/MAPPING) (PyDict. o (.asMap o Conversion/SHALLOW))
      (identical? k PyKind/SEQUENCE) (PyList. o (.asList o Conversion/SHALLOW))
      (identical? k PyKind/CALLABLE) (PyFn. o)
      (and seqs? (identical? k PyKind/ITERABLE))
      ;; The iterator is not owned by the current scope: a lazy seq is
      ;; realized later, often after the scope is gone.
      (iter-seq (Python/unscoped (reify java.util.function.Supplier
                                   (get [_] (.iterator o Conversion/SHALLOW)))))
      :else o)))

(defn- bridge
  "A value as the API returns it: Java values as they are, PyObjects as views."
  [x]
  (cond (instance? PyObject x) (view x false)
        (instance? java.math.BigInteger x) (bigint x)
        :else x))

(defn- jvm-value
  "Java data from a deep conversion, as persistent Clojure data."
  [x]
  (cond
    (nil? x) nil
    (instance? String x) x
    (instance? Long x) x
    (instance? Double x) x
    (instance? Boolean x) x
    (instance? Map x) (persistent!
                        (reduce (fn [m ^Map$Entry e] (assoc! m (jvm-value (.getKey e)) (jvm-value (.getValue e))))
                                (transient {})
                                (.entrySet ^Map x)))
    (instance? List x) (let [^List l x n (.size l)]
                         (loop [i 0 v (transient [])]
                           (if (< i n)
                             (recur (inc i) (conj! v (jvm-value (.get l i))))
                             (persistent! v))))
    (instance? Set x) (into #{} (map jvm-value) x)
    (instance? java.math.BigInteger x) (bigint x)
    (instance? PyObject x) (view x false)
    :else x))

(defn- plain-keys?
  "Whether the keys (even slots) are strings, longs or doubles: a Python dict
  never holds two of those that Clojure finds equal, so no duplicate check."
  [^objects kvs]
  (let [n (alength kvs)]
    (loop [i 0]
      (if (< i n)
        (let [k (aget kvs i)]
          (if (or (instance? String k) (instance? Long k) (instance? Double k))
            (recur (+ i 2))
            false))
        true))))

(defn- small-or-hash-map [^objects kvs]
  (if (<= (alength kvs) 16)
    (if (plain-keys? kvs)
      (clojure.lang.PersistentArrayMap. kvs)
      (clojure.lang.PersistentArrayMap/createAsIfByAssoc kvs))
    (clojure.lang.PersistentHashMap/create kvs)))

(def ^:private clojure-values
  "Builds persistent Clojure data straight from a reply (->jvm)."
  (reify org.pybridge.ValueFactory
    (list [_ items _] (clojure.lang.LazilyPersistentVector/createOwning items))
    (map [_ kvs] (small-or-hash-map kvs))
    (set [_ items _] (clojure.lang.PersistentHashSet/create items))
    (bigInteger [_ v] (bigint v))
    (object [_ o] (view o false))))

(defn- infinite-seq? [x]
  (or (instance? Iterate x)
      (instance? Cycle x)
      (and (instance? Repeat x)
           (let [f (doto (.getDeclaredField Repeat "count") (.setAccessible true))]
             (neg? (.getLong f x))))))

(defn- keep-one! [x]
  ;; Class checks first: a failed interface check costs a scan of the
  ;; class's interfaces, and results are mostly Clojure data.
  (cond
    (instance? PyObject x) (.keep ^PyObject x)
    (or (instance? PyDict x) (instance? PyList x) (instance? PyFn x)) (.keep (.pyObject ^PyBacked x))
    (instance? IPersistentCollection x) nil
    (instance? PyBacked x) (.keep (.pyObject ^PyBacked x))
    :else nil))

(defn- keep-escaping!
  "Keeps what leaves a scope: a bridged object returned as it is, and the
  bridged objects directly inside a returned vector, list, set or map (keys
  and values). Deeper ones are released with the scope (using them later is
  a PyObjectReleasedException, never a crash); keep() them explicitly."
  [x]
  (keep-one! x)
  (cond
    (or (instance? PyObject x) (instance? PyBacked x)) nil
    (map? x) (reduce-kv (fn [_ k v] (keep-one! k) (keep-one! v) nil) nil x)
    (or (vector? x) (set? x) (list? x)) (reduce (fn [_ e] (keep-one! e) nil) nil x)
    :else nil)
  x)

;; ---------------------------------------------------------------------------
;; Public API: starting Python

(defn- redirect-output! []
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
    (call-helper "redirect" Conversion/DEEP (writer false) (flusher false) (writer true) (flusher true))))

(defn initialize!
  "Starts Python (once per JVM; later calls only check the options) and
  returns :ok. Options (a map or keyword arguments):

    :python-executable   path of the python to use (default: PYBRIDGE_PYTHON,
                         an active virtualenv, or python3 on PATH)
    :sys-path            extra sys.path entries (a seq of strings)
    :release-policy      :dedicated-thread (default) or :caller-threads
    :gc-nudge-threshold  GC-tracked handles before pybridge nudges the JVM GC
    :gil-lease-wait-ms   how long a call waits for a GIL lease held elsewhere
    :redirect-output?    Python's sys.stdout/sys.stderr write to Clojure's
                         *out*/*err* of the calling thread (default true)

      (py/initialize!)                                    ;=> :ok
      (py/initialize! :python-executable \".venv/bin/python\") ;=> :ok"
  [& {:keys [python-executable sys-path release-policy gc-nudge-threshold gil-lease-wait-ms
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
    (when redirect-output? (redirect-output!))
    :ok))

;; ---------------------------------------------------------------------------
;; Public API: conversion

(defn ->py
  "A Python object copied from Clojure data: map -> dict (keyword keys become
  their name), vector/list/seq -> list (always), set -> set, keyword/symbol
  -> str, nil -> None, numbers and strings as in Java, a fn -> a Python
  callable (see ->py-fn). Infinite seqs ((range), (repeat x), (cycle ..),
  (iterate ..)) become lazy Python iterators. A bridged object passes as
  itself. The result is bridged (dicts and lists as live views).

      (py/->py {:a 1 :b [1 2]})  ;=> {'a': 1, 'b': [1, 2]}
      (py/python-type (py/->py #{1}))  ;=> :set"
  [x]
  (cond
    (py-object x) x
    (infinite-seq? x) (->py-iterator x)
    :else (view (py-try (Python/toPython x)) false)))

(defn ->jvm
  "A deep copy of a Python value into persistent Clojure data: dict -> map
  with the keys as Python has them (strings stay strings), list/tuple ->
  vector, set -> set, int -> long (bigint beyond 64 bits), float -> double,
  str -> string, None -> nil, bytes -> byte[]. Objects with no Clojure
  counterpart come back bridged. Clojure data is returned as it is.

      (py/->jvm (py/->py-dict {:a 1 :b 2}))  ;=> {\"a\" 1, \"b\" 2}"
  [x]
  (if-let [o (py-object x)]
    (let [v (py-try (.toJava o ^org.pybridge.ValueFactory clojure-values))]
      (if (identical? v o) (view o false) v))
    x))

(defn as-jvm
  "A live view of a Python object (no copy): a dict is a java.util.Map that
  also works with get, keyword destructuring (keywords look up their name),
  count and seq; a list, tuple or other sequence is a java.util.List,
  indexable with nth, countable, seqable, reducible; a generator or other
  iterable is a lazy seq (an infinite one works with take); a callable is an
  IFn (trailing `:kw value` pairs are keyword arguments). Views print as
  Python's str, compare with Python ==, hash with Python hash. Clojure data
  is returned as it is.

      (def d (py/as-jvm (py/->py-dict {:a 1})))
      (let [{:keys [a b]} d] [a b])                 ;=> [1 nil]
      (take 3 (py/as-jvm (py/run-simple-string \"...\")))"
  [x]
  (if-let [o (py-object x)]
    (view o true)
    x))

(defn ->py-dict
  "A new Python dict from a Clojure map (or seq of pairs); keyword keys become
  their name.

      (py/->py-dict {:a 1 :b 2})  ;=> {'a': 1, 'b': 2}"
  [m]
  (->py (if (instance? Map m) m (into {} m))))

(defn ->py-list
  "A new Python list from any Clojure collection or seq (always a list).

      (py/->py-list (range 3))  ;=> [0, 1, 2]"
  [coll]
  (->py (cond (instance? List coll) coll
              (nil? coll) []
              :else (vec coll))))

(defn ->py-tuple
  "A new Python tuple from any Clojure collection or seq.

      (py/->py-tuple [1 \"a\" :b])  ;=> (1, 'a', 'b')"
  [coll]
  (bridge (call-helper "to_tuple" Conversion/SHALLOW (if (instance? List coll) coll (vec coll)))))

(defn ->py-fn
  "A Python callable that calls the Clojure fn f with Python's positional
  arguments (as Clojure data) followed by its keyword arguments as trailing
  `:kw value` pairs. A Clojure exception thrown inside is raised in Python
  (as a pybridge.JavaException subclass named after its class); if it comes
  back out, it is the cause of the PythonException behind the ex-info. Any
  fn passed to Python is converted this way automatically.

      (py/call-attr-kw (py/import-module \"builtins\") \"sorted\" [[3 1 2]] {:key (fn [x] (- x))})
      ;=> [3 2 1]"
  [f]
  (bridge (py-try (Python/toPython (callback f)))))

(defn ->py-iterator
  "A lazy Python iterator over a Clojure seqable: items are realized one at a
  time, as Python asks for them, so infinite seqs work.

      (py/->jvm (py/call-attr (py/import-module \"itertools\") \"islice\" (py/->py-iterator (range)) 3))
      ;=> [0 1 2]  (after list(); islice itself is lazy)"
  [coll]
  (let [it (clojure.lang.RT/iter coll)
        done (delay (call-helper "sentinel" Conversion/HANDLE))
        next-fn (reify PyCallback
                  (call [_ _ _]
                    (locking it
                      (if (.hasNext it) (.next it) @done))))]
    (Python/unscoped
      (reify java.util.function.Supplier
        (get [_] (call-helper "java_iter" Conversion/HANDLE next-fn))))))

;; ---------------------------------------------------------------------------
;; Public API: modules, code, attributes, items, calls

(defn import-module
  "Imports a Python module (bridged).

      (def np (py/import-module \"numpy\"))
      (py/py. np sqrt 16.0)  ;=> 4.0"
  [module-name]
  (bridge (py-try (Python/importModule (attr-name module-name)))))

(defn run-simple-string
  "Runs Python statements in __main__ and returns {:globals :locals}, both
  the live __main__ dict (as-jvm).

      (py/run-simple-string \"x = 6 * 7\")
      (get (:globals (py/run-simple-string \"y = 1\")) \"x\")  ;=> 42"
  [code]
  (py-try (Python/exec ^String code))
  (let [g (bridge (py-try (.getAttr (Python/mainModule) "__dict__")))]
    {:globals g :locals g}))

(defn get-attr
  "getattr(obj, name), bridged; the name is a string, keyword or symbol.

      (py/get-attr (py/import-module \"math\") :pi)  ;=> 3.141592653589793"
  [obj attr]
  (bridge (py-try (.getAttr (py-object (->py obj)) (attr-name attr) Conversion/SHALLOW))))

(defn set-attr!
  "setattr(obj, name, value) (value converted with ->py); returns obj.

      (py/set-attr! obj :x 1)"
  [obj attr value]
  (py-try (.setAttr (py-object (->py obj)) (attr-name attr) (arg value)))
  obj)

(defn has-attr?
  "hasattr(obj, name).

      (py/has-attr? (py/import-module \"math\") \"pi\")  ;=> true"
  [obj attr]
  (py-try (.hasAttr (py-object (->py obj)) (attr-name attr))))

(defn call
  "Calls a Python callable with positional arguments (converted with ->py);
  the result is bridged.

      (py/call (py/get-attr (py/import-module \"builtins\") \"len\") [1 2 3])  ;=> 3"
  [callable & args]
  (call-bridged (py-object (->py callable)) args nil))

(defn call-kw
  "Calls a Python callable with positional arguments and a map of keyword
  arguments (keys: keywords, strings or symbols).

      (py/call-kw (py/get-attr (py/import-module \"builtins\") \"int\") [\"ff\"] {:base 16})  ;=> 255"
  [callable args kwargs]
  (call-bridged (py-object (->py callable)) args kwargs))

(defn call-attr
  "obj.name(*args): calls a method with positional arguments; bridged result.

      (py/call-attr (py/->py \"a,b\") \"split\" \",\")  ;=> ['a', 'b'] (a list view)"
  [obj attr & args]
  (bridge (py-try (.callAttrWith (py-object (->py obj)) Conversion/SHALLOW (attr-name attr) nil
                                 (args-array args)))))

(defn call-attr-kw
  "obj.name(*args, **kwargs): a method call with a vector of positional
  arguments and a map of keyword arguments.

      (py/call-attr-kw (py/import-module \"builtins\") \"sorted\" [[3 1 2]] {:reverse true})  ;=> [3, 2, 1]"
  [obj attr args kwargs]
  (bridge (py-try (.callAttrWith (py-object (->py obj)) Conversion/SHALLOW (attr-name attr) (kw-map kwargs)
                                 (args-array args)))))

(defn get-item
  "obj[key], bridged.

      (py/get-item (py/->py-dict {:a 1}) \"a\")  ;=> 1"
  [obj key]
  (bridge (py-try (.getItem (py-object (->py obj)) (arg key) Conversion/SHALLOW))))

(defn set-item!
  "obj[key] = value; returns obj.

      (py/set-item! d \"b\" 2)"
  [obj key value]
  (py-try (.setItem (py-object (->py obj)) (arg key) (arg value)))
  obj)

(defn- method-call-form [obj method args]
  `(#'call-with-kw-pairs* ~obj ~(attr-name method) [~@args]))

(defn- call-with-kw-pairs*
  "py. and py..: a method call whose trailing `:kw value` arguments are
  keyword arguments."
  [obj method args]
  (let [[pos kw] (split-kw-pairs args)]
    (call-attr-kw obj method pos kw)))

(defmacro py.
  "Method call sugar: (py. obj method arg1 arg2 :kw value).

      (py/py. (py/import-module \"math\") sqrt 16)  ;=> 4.0"
  [obj method & args]
  (method-call-form obj method args))

(defmacro py.-
  "Attribute sugar: (py.- obj attr).

      (py/py.- (py/import-module \"math\") pi)  ;=> 3.141592653589793"
  [obj attr]
  `(get-attr ~obj ~(attr-name attr)))

(defmacro py..
  "Chained access: (py.. obj -attr (method arg) method2); -name reads an
  attribute, (name args...) and bare names call methods.

      (py/py.. (py/import-module \"os\") -path (join \"a\" \"b\"))  ;=> \"a/b\""
  [obj & steps]
  (reduce (fn [acc step]
            (cond
              (and (symbol? step) (str/starts-with? (name step) "-"))
              `(get-attr ~acc ~(subs (name step) 1))
              (symbol? step) (method-call-form acc step nil)
              (seq? step) (method-call-form acc (first step) (rest step))
              :else (throw (IllegalArgumentException. (str "py..: cannot use " (pr-str step) " as a step")))))
          obj steps))

;; ---------------------------------------------------------------------------
;; Public API: introspection

(defn- kebab [^String s]
  (-> s
      (str/replace #"([a-z0-9])([A-Z])" "$1-$2")
      (str/replace "_" "-")
      str/lower-case))

(defn python-type
  "The Python type of a value as a keyword: :dict, :list, :tuple, :str, :int,
  :float, :bool, :none-type, :ndarray, :function, :module, :ordered-dict…

      (py/python-type (py/->py-dict {}))  ;=> :dict
      (py/python-type nil)               ;=> :none-type"
  [x]
  (keyword
    (kebab
      (cond
        (nil? x) "NoneType"
        (instance? Boolean x) "bool"
        (instance? Long x) "int"
        (instance? Double x) "float"
        (instance? String x) "str"
        :else (call-helper "type_name" Conversion/DEEP (py-object (->py x)))))))

(defn dir
  "dir(obj): the attribute names, as a vector of strings.

      (some #{\"sqrt\"} (py/dir (py/import-module \"math\")))  ;=> \"sqrt\""
  [obj]
  (jvm-value (call-helper "dir_of" Conversion/DEEP (py-object (->py obj)))))

;; ---------------------------------------------------------------------------
;; Public API: the GIL, scopes, the collector, counters

(defmacro with-gil
  "Runs body holding the GIL (reentrant): calls inside skip taking it, which
  makes batches of small calls faster. Other threads wait for Python meanwhile.

      (py/with-gil (mapv py/->jvm dict-seq))"
  [& body]
  `(let [g# (Python/acquireGil)]
     (try ~@body
          (finally (.close ^Gil g#)))))

(defn- run-in-scope*
  "stack-resource-context and with-gil-stack-rc-context."
  [gil? f]
  (let [g (when gil? (Python/acquireGil))]
    (try
      (let [scope (Python/openScope)]
        (try
          (keep-escaping! (f))
          (finally (.close ^ResourceScope scope))))
      (finally (when g (.close ^Gil g))))))

(defmacro stack-resource-context
  "Runs body in a resource scope: every Python object made on this thread
  inside is released when body ends (taking the GIL once for all of them),
  except what body returns: a bridged object, or the bridged objects
  directly inside a returned vector, list, set or map, are kept (anything
  else used after the scope is a clear exception, never a crash).

      (py/stack-resource-context
        (-> (py/->py-dict {:a 1 :b 2}) (py/->jvm)))  ;=> {\"a\" 1, \"b\" 2}"
  [& body]
  `(#'run-in-scope* false (fn [] ~@body)))

(defmacro with-gil-stack-rc-context
  "with-gil and stack-resource-context together: for batch work.

      (py/with-gil-stack-rc-context
        (->> (repeatedly 1000 #(py/->py-dict {:a 1 :b 2}))
             (py/->py-list) (py/as-jvm) (mapv py/->jvm)))"
  [& body]
  `(#'run-in-scope* true (fn [] ~@body)))

(defn gc-collect!
  "Drops the Python objects whose handles the JVM already collected, then
  runs Python's collector; returns the number of unreachable objects found.

      (py/gc-collect!)  ;=> 0"
  []
  (Python/drainReleaseQueue)
  (py-try (.collect (Python/gc))))

(defn stats
  "pybridge's counters as a map (no GIL taken): live handles, releases by
  path, queued releases, thread states, GC nudges, Java functions Python
  holds…

      (:live-handles (py/stats))  ;=> 12"
  []
  (let [^Stats s (Python/stats)]
    {:live-handles (.liveHandles s)
     :created (.created s)
     :released-by-close (.releasedByClose s)
     :released-by-scope (.releasedByScope s)
     :released-by-gc (.releasedByGc s)
     :queued-releases (.queuedReleases s)
     :release-batches (.releaseBatches s)
     :release-errors (.releaseErrors s)
     :table-size (.tableSize s)
     :gc-tracked (.gcTracked s)
     :gc-nudges (.gcNudges s)
     :open-scopes (.openScopes s)
     :thread-states (.threadStates s)
     :thread-states-freed (.threadStatesFreed s)
     :gil-abandoned (.gilAbandoned s)
     :java-functions (.javaFunctions s)}))

;; ---------------------------------------------------------------------------
;; Printing: as Python's str

(defmethod print-method PyObject [o ^java.io.Writer w] (.write w (str o)))
(defmethod print-method PyDict [o ^java.io.Writer w] (.write w (str o)))
(defmethod print-method PyList [o ^java.io.Writer w] (.write w (str o)))
(defmethod print-method PyFn [o ^java.io.Writer w] (.write w (str o)))
(prefer-method print-method PyDict java.util.Map)
(prefer-method print-method PyList java.util.List)
