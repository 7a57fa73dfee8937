(ns pybridge.python.bridge-as-jvm
  "Python objects as live JVM values (no copy): dicts as `java.util.Map`
  (PyDict), sequences as `java.util.List` (PyList), callables as `IFn`
  (PyFn); `bridge` turns every value the API returns into one of these (or
  a Clojure scalar), `->jvm` makes deep copies into persistent data.
  Internal: the public API is `pybridge.python` (as-jvm, ->jvm)."
  (:require
   [pybridge.python.base :as base :refer [py-object py-try]]
   [pybridge.python.copy :as copy])
  (:import
   (clojure.lang IFn IReduce IReduceInit Indexed MapEntry)
   (java.util Iterator List Map Map$Entry Set)
   (java.util.function Supplier)
   (org.pybridge Conversion PyBacked PyKind PyObject Python)))

(set! *warn-on-reflection* true)

(declare bridge view)

(base/defhelper eq-fn "pybridge/clojure/support.py" "eq")
(base/defhelper chunk-fn "pybridge/clojure/support.py" "chunk")
(base/defhelper to-tuple-fn "pybridge/clojure/support.py" "to_tuple")
(base/defhelper type-name-fn "pybridge/clojure/support.py" "type_name")

(defn py-equals
  "Python == between a Python object and another value (false when ==
  raises or the value cannot be converted)."
  [^PyObject o other]
  (cond
    (identical? o other) true
    (nil? o) false
    :else (let [other (or (py-object other) other)]
            (try
              (boolean (base/call-helper @eq-fn Conversion/DEEP o other))
              (catch IllegalArgumentException _ false)))))

(def ^:const chunk-size
  "How many items of a sequence one call reads."
  1024)

(defn- chunk-of
  "Items start..start+n of a sequence, bridged, as an ArrayList."
  ^List [^PyObject o start]
  (let [^List items (base/call-helper @chunk-fn Conversion/ELEMENTS o (long start) (long chunk-size))]
    items))

(defn- list-seq [^PyObject o start]
  (lazy-seq
    (let [items (chunk-of o start)
          n (.size items)]
      (when (pos? n)
        (let [b (chunk-buffer n)]
          (dotimes [i n] (chunk-append b (bridge (.get items i))))
          (chunk-cons (chunk b) (when (= n chunk-size) (list-seq o (+ start n)))))))))

;; ---------------------------------------------------------------------------
;; Calls (the bridged callables' IFn, and every call of the API)

(base/defhelper capture-call-fn "pybridge/clojure/support.py" "capture_call")

(defn call-bridged
  "Calls o with positional args and a map of kwargs; the result bridged."
  [^PyObject o args kwargs]
  (copy/with-hashable-keys [args kwargs]
    (bridge (py-try (if (base/capturing?)
                      (.callWith ^PyObject @capture-call-fn Conversion/SHALLOW (copy/kw-map kwargs)
                                 (copy/args-array (cons o args)))
                      (.callWith o Conversion/SHALLOW (copy/kw-map kwargs) (copy/args-array args)))))))

(defn call-with-kw-pairs
  "Calls o; trailing `:kw value` pairs of args are keyword arguments."
  [^PyObject o args]
  (let [[pos kw] (copy/split-kw-pairs args)]
    (call-bridged o pos kw)))

;; ---------------------------------------------------------------------------
;; The views

;; (reduce f coll) on an IReduceInit: the first element is the initial value,
;; (f) when there is none.
(defn- reduce-no-init [^IReduceInit coll f]
  (let [none (Object.)
        r (.reduce coll (fn [acc x] (if (identical? acc none) x (f acc x))) none)]
    (if (identical? r none) (f) r)))

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

  ;; IReduce, not only IReduceInit: (reduce f coll) without an init may be
  ;; dispatched to CollReduce's extension for IReduceInit, which casts to IReduce
  ;; (a ClassCastException on OpenJDK 21, in compat-3.15-jdk21).
  IReduce
  (reduce [this f] (reduce-no-init this f))
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

(defn- iter-seq
  "A lazy, unchunked seq over a Java iterator of bridged items."
  [^Iterator it]
  (lazy-seq
    (when (py-try (.hasNext it))
      (cons (bridge (py-try (.next it))) (iter-seq it)))))

(defn- py-iterator
  "iter(o) as a Java iterator of shallow items, made outside any scope (a
  lazy seq over it is realized later, often after the scope is gone)."
  ^Iterator [^PyObject o]
  (Python/unscoped (reify Supplier (get [_] (py-try (.iterator o Conversion/SHALLOW))))))

(deftype PyIterable [^PyObject obj]
  PyBacked
  (pyObject [_] obj)

  Iterable
  (iterator [_]
    (let [it (py-iterator obj)]
      (reify Iterator
        (hasNext [_] (py-try (.hasNext it)))
        (next [_] (bridge (py-try (.next it)))))))

  clojure.lang.Seqable
  (seq [_] (seq (iter-seq (py-iterator obj))))

  IReduce
  (reduce [this f] (reduce-no-init this f))
  (reduce [_ f init]
    (let [it (py-iterator obj)]
      (loop [acc init]
        (cond (reduced? acc) @acc
              (py-try (.hasNext it)) (recur (f acc (bridge (py-try (.next it)))))
              :else acc))))

  clojure.lang.IHashEq
  (hasheq [_] (.hashCode obj))

  Object
  (equals [_ other] (py-equals obj other))
  (hashCode [_] (.hashCode obj))
  (toString [_] (.toString obj)))

;; The views are made by view, never by hand.
(doseq [v [#'->PyList #'->PyDict #'->PyFn #'->PyIterable]]
  (alter-meta! v assoc :private true))

(defn view
  "A PyObject as its view: dict-like -> PyDict, sequence -> PyList,
  callable -> PyFn, other iterables (sets, iterators, generators) ->
  PyIterable, or with `seqs?` a lazy seq; anything else the PyObject itself."
  [^PyObject o seqs?]
  (let [k (py-try (.kind o))]
    (cond
      (identical? k PyKind/MAPPING) (PyDict. o (.asMap o Conversion/SHALLOW))
      (identical? k PyKind/SEQUENCE) (PyList. o (.asList o Conversion/SHALLOW))
      (identical? k PyKind/CALLABLE) (PyFn. o)
      (identical? k PyKind/ITERABLE) (if seqs? (iter-seq (py-iterator o)) (PyIterable. o))
      :else o)))

(defn as-map-view
  "Any Python object as a PyDict (its items through keys/get/__getitem__)."
  [^PyObject o]
  (PyDict. o (.asMap o Conversion/SHALLOW)))

(defn as-list-view
  "Any Python object as a PyList (its items through __len__/__getitem__)."
  [^PyObject o]
  (PyList. o (.asList o Conversion/SHALLOW)))

(defn bridge
  "A value as the API returns it: Java values as they are, PyObjects as views."
  [x]
  (cond (instance? PyObject x) (view x false)
        (instance? java.math.BigInteger x) (bigint x)
        :else x))

(defn jvm-value
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

(declare ->jvm)

(defn- unconverted
  "->jvm of what the Java layer does not convert: mappings and sequences of
  other types (mappingproxy, pandas objects, as-python bridges...) copied
  through their items, as libpython-clj does; anything else bridged, or with
  {:unconvertible :type-map} libpython-clj's {:type :module :value obj}."
  [^PyObject o opts]
  (let [k (py-try (.kind o))]
    (cond
      (identical? k PyKind/MAPPING)
      (persistent! (reduce (fn [m [k v]] (assoc! m (->jvm k opts) (->jvm v opts)))
                           (transient {}) (as-map-view o)))
      (identical? k PyKind/SEQUENCE) (mapv #(->jvm % opts) (as-list-view o))
      (= :type-map (:unconvertible opts))
      {:type (base/type-keyword (base/call-helper @type-name-fn Conversion/DEEP o))
       :value (view o false)}
      :else (view o false))))

(defn- value-factory [opts]
  (reify org.pybridge.ValueFactory
    (list [_ items _] (clojure.lang.LazilyPersistentVector/createOwning items))
    (map [_ kvs] (small-or-hash-map kvs))
    (set [_ items _] (clojure.lang.PersistentHashSet/create items))
    (bigInteger [_ v] (bigint v))
    (object [_ o] (unconverted o opts))))

(def ^:private clojure-values
  "Builds persistent Clojure data straight from a reply (->jvm)."
  (value-factory nil))

;; ---------------------------------------------------------------------------
;; The conversions

(defn ->py
  "Clojure data copied into Python, bridged (see pybridge.python/->py)."
  [x]
  (cond
    (py-object x) x
    (copy/infinite-seq? x) (copy/->py-iterator x)
    :else (view (copy/with-hashable-keys [x] (copy/to-python x)) false)))

(defn ->py-dict [m]
  (->py (if (instance? Map m) m (into {} m))))

(defn ->py-list [coll]
  (->py (cond (instance? List coll) coll
              (nil? coll) []
              :else (vec coll))))

(defn ->py-tuple [coll]
  (let [coll (if (instance? List coll) coll (vec coll))]
    (bridge (copy/with-hashable-keys [coll] (base/call-helper @to-tuple-fn Conversion/SHALLOW coll)))))

(defonce ^{:doc "Conversions out of Python that extensions add (the libpython-clj
  compatibility jar's np-array: numpy arrays as dtype-next tensors): a map of
  Python type name (module.qualname, e.g. \"numpy.ndarray\") to (fn [PyObject
  opts] value), used by ->jvm for objects of that type; nil when none."}
  jvm-converters (atom nil))

(defn ->jvm
  "A deep copy into persistent Clojure data (see pybridge.python/->jvm)."
  ([x] (->jvm x nil))
  ([x opts]
   (if-let [o (py-object x)]
     (if-let [conv (when-let [cs @jvm-converters] (get cs (py-try (.typeName o))))]
       (conv o opts)
       (let [^org.pybridge.ValueFactory f (if opts (value-factory opts) clojure-values)
             v (py-try (.toJava o f))]
         (if (identical? v o) (unconverted o opts) v)))
     x)))

(defn as-jvm
  "A live view (see pybridge.python/as-jvm)."
  ([x] (as-jvm x nil))
  ([x _opts]
   (if-let [o (py-object x)]
     (view o true)
     x)))

(defn bridged?
  "Whether x is one of the view types (not a plain PyObject)."
  [x]
  (or (instance? PyDict x) (instance? PyList x) (instance? PyFn x) (instance? PyIterable x)))

;; ---------------------------------------------------------------------------
;; Printing: as Python's str

(defmethod print-method PyObject [o ^java.io.Writer w] (.write w (str o)))
(defmethod print-method PyDict [o ^java.io.Writer w] (.write w (str o)))
(defmethod print-method PyList [o ^java.io.Writer w] (.write w (str o)))
(defmethod print-method PyFn [o ^java.io.Writer w] (.write w (str o)))
(defmethod print-method PyIterable [o ^java.io.Writer w] (.write w (str o)))
(prefer-method print-method PyDict java.util.Map)
(prefer-method print-method PyList java.util.List)
