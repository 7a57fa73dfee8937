(ns pybridge.python.copy
  "Clojure data on its way into Python: call arguments and keyword
  arguments, infinite seqs as lazy Python iterators. The copies themselves
  are made by the Java layer (`Python/toPython`, and every call argument),
  taught keywords, symbols, fns, BigInt and Ratio by pybridge.python.fn.
  Internal: the public API is `pybridge.python`."
  (:require
   [pybridge.python.base :as base :refer [py-try]])
  (:import
   (clojure.lang Cycle Iterate Repeat)
   (java.lang.reflect Field)
   (java.util Iterator Map)
   (java.util.function Supplier)
   (org.pybridge Conversion PyCallback PyObject Python)))

(set! *warn-on-reflection* true)

(base/defhelper sentinel-fn "pybridge/clojure/support.py" "sentinel")
(base/defhelper java-iter-fn "pybridge/clojure/support.py" "java_iter")

(def ^:private repeat-count
  (delay (doto (.getDeclaredField Repeat "count") (.setAccessible true))))

(defn infinite-seq?
  "Whether x is a seq Clojure knows to be infinite: (iterate ..), (cycle ..),
  (repeat x). (An infinite lazy-seq cannot be told from a finite one.)"
  [x]
  (or (instance? Iterate x)
      (instance? Cycle x)
      (and (instance? Repeat x)
           (neg? (.getLong ^Field @repeat-count x)))))

(defn ->py-iterator
  "A lazy Python iterator over a Clojure seqable (a PyObject made outside
  any scope: it is consumed after the scope that made it is gone)."
  ^PyObject [coll]
  (let [it (clojure.lang.RT/iter coll)
        done (delay (base/call-helper @sentinel-fn Conversion/HANDLE))
        next-fn (reify PyCallback
                  (call [_ _ _]
                    (locking it
                      (if (.hasNext ^Iterator it) (.next ^Iterator it) @done))))]
    (Python/unscoped
      (reify Supplier
        (get [_] (base/call-helper @java-iter-fn Conversion/HANDLE next-fn))))))

(defonce ^{:doc "Conversions into Python that extensions add (the libpython-clj compatibility
  jar's np-array: dtype-next tensors as numpy arrays): a vector of [pred f]
  pairs, f giving the PyObject for a value pred accepts. Tried before the
  Java layer's conversions, for call arguments and ->py; nil when none (the
  usual case costs one deref)."}
  converters (atom nil))

(defn add-converter!
  "Adds a conversion into Python (see `converters`)."
  [pred f]
  (swap! converters (fnil conj []) [pred f]))

(defn converted
  "The PyObject an added conversion makes of x, or nil."
  [x]
  (when-let [cs @converters]
    (some (fn [[pred f]] (when (pred x) (f x))) cs)))

(defn arg
  "A call argument: infinite Clojure seqs become lazy Python iterators."
  [x]
  (cond (infinite-seq? x) (->py-iterator x)
        @converters (or (converted x) x)
        :else x))

(defn args-array
  "Call arguments as an Object[] (arg applied to each)."
  ^objects [args]
  (let [a (object-array (count args))]
    (loop [i 0 s (seq args)]
      (when s
        (aset a i (arg (first s)))
        (recur (inc i) (next s))))
    a))

(defn kw-map
  "A Clojure map of keyword arguments as a Java map with string keys (nil
  when empty)."
  ^Map [m]
  (when (seq m)
    (let [out (java.util.LinkedHashMap.)]
      (doseq [[k v] m]
        (.put out (if (string? k) k (name k)) (arg v)))
      out)))

(defn split-kw-pairs
  "Splits call arguments into [positional kwargs]: the longest trailing run
  of `:kw value` pairs is the keyword arguments (how bridged callables take
  keyword arguments)."
  [args]
  (let [v (vec args)
        n (count v)]
    (loop [i n]
      (if (and (>= i 2) (keyword? (nth v (- i 2))))
        (recur (- i 2))
        (if (= i n)
          [v nil]
          [(subvec v 0 i) (apply hash-map (subvec v i))])))))

(defn to-python
  "Python/toPython as an ex-info-throwing fn (a PyObject)."
  ^PyObject [x]
  (or (when @converters (converted x))
      (py-try (Python/toPython x))))

;; ---------------------------------------------------------------------------
;; Hashable keys: a Clojure vector (or list, or set) used as a map key or a
;; set member becomes a tuple (a frozenset) in Python, as in libpython-clj.
;; The Java layer refuses such keys before anything is sent (its error says
;; so); the conversion is then retried with the keys rewritten, so data
;; without such keys costs nothing extra.

(base/defhelper to-tuple-fn "pybridge/clojure/support.py" "to_tuple")
(base/defhelper to-frozenset-fn "pybridge/clojure/support.py" "to_frozenset")

(defn unhashable?
  "Whether e is the Java layer refusing a map key or set member that Python
  cannot hash."
  [^Throwable e]
  (and (instance? IllegalArgumentException e)
       (some-> (.getMessage e) (.contains "became an unhashable Python value"))))

(defn- python-object? [x]
  (or (instance? PyObject x) (instance? org.pybridge.PyBacked x)))

(defn hashable-key
  "A map key or set member Python can hash: sequential collections become
  tuples and sets frozensets (PyObjects), recursively; other values as they
  are."
  [k]
  (cond
    (or (nil? k) (string? k) (keyword? k) (number? k) (python-object? k)) k
    (instance? java.util.Set k)
    (base/call-helper @to-frozenset-fn Conversion/HANDLE (java.util.ArrayList. ^java.util.Collection (mapv hashable-key k)))
    (or (instance? java.util.List k) (sequential? k))
    (base/call-helper @to-tuple-fn Conversion/HANDLE (java.util.ArrayList. ^java.util.Collection (mapv hashable-key k)))
    :else k))

(defn hashable
  "x with every map key and set member made hashable (hashable-key), at any
  depth; Python objects and scalars as they are."
  [x]
  (cond
    (or (nil? x) (string? x) (keyword? x) (number? x) (python-object? x)) x
    (instance? Map x)
    (let [out (java.util.LinkedHashMap.)]
      (doseq [e (.entrySet ^Map x)]
        (.put out (hashable-key (key e)) (hashable (val e))))
      out)
    (instance? java.util.Set x)
    (let [out (java.util.LinkedHashSet.)]
      (doseq [m x] (.add out (hashable-key m)))
      out)
    (or (instance? java.util.List x) (and (sequential? x) (not (infinite-seq? x)))) (mapv hashable x)
    :else x))

(defmacro with-hashable-keys
  "Evaluates body; when the Java layer refused an unhashable key in one of
  `syms` (nothing was sent to Python), evaluates body again with each of
  `syms` rebound to its hashable rewrite."
  [syms & body]
  `(try ~@body
        (catch IllegalArgumentException e#
          (if (unhashable? e#)
            (let [~@(mapcat (fn [s] [s `(hashable ~s)]) syms)] ~@body)
            (throw e#)))))

(defn item-key
  "A key for obj[key]: a vector (or other sequential collection) is a tuple,
  as Python writes a[1, 2] (libpython-clj does the same)."
  [k]
  (if (and (sequential? k) (not (python-object? k)) (not (infinite-seq? k)))
    (hashable-key k)
    (arg k)))

;; ---------------------------------------------------------------------------
;; libpython-clj's calling convention (cfn, afn, $a, $c, py.): every keyword
;; in the arguments starts a `:kw value` pair; positional arguments after
;; keyword arguments are an error.

(defn args->pos-kw-args
  "Splits arguments into [positional-vector kwargs-map-or-nil] by
  libpython-clj's rule: a keyword and the argument after it are a keyword
  argument; a keyword with nothing after it, or a positional argument after
  a keyword argument, is an error."
  [args]
  (loop [args (seq args) pos [] kw nil]
    (if-not args
      [pos kw]
      (let [a (first args)]
        (if (keyword? a)
          (if-let [more (next args)]
            (recur (next more) pos (assoc kw a (first more)))
            (throw (IllegalArgumentException.
                     (str "a keyword argument needs a value: " (pr-str a)))))
          (if kw
            (throw (IllegalArgumentException.
                     (str "positional argument " (pr-str a) " after keyword arguments")))
            (recur (next args) (conj pos a) kw)))))))
