(ns pybridge.python.bridge-as-python
  "JVM values as live Python objects (as-python), not copies: a map is a
  collections.abc.MutableMapping, a vector (any RandomAccess list) a
  MutableSequence, a set a Set, another seq or Iterable an Iterable (lazy:
  infinite seqs work), an Iterator an Iterator, a fn a callable. Each
  operation Python makes on them calls back into the JVM; what they hand to
  Python is bridged the same way (scalars as values). The Python classes are
  pybridge/clojure/bridge_as_python.py. Internal: the public API is
  `pybridge.python/as-python`."
  (:require
   [pybridge.python.base :as base :refer [py-object]]
   [pybridge.python.bridge-as-jvm :as jvm]
   [pybridge.python.copy])
  (:import
   (clojure.lang IFn Keyword Named)
   (java.util Collection Iterator List Map RandomAccess Set)
   (org.pybridge Conversion PyCallback PyObject)))

(set! *warn-on-reflection* true)

(base/defhelper make-fn "pybridge/clojure/bridge_as_python.py" "make")

(declare as-python)

(defn- out-value
  "A value handed to Python by a bridge: scalars and Python objects as they
  are (Java converts them), collections and fns bridged."
  [v]
  (if (or (nil? v) (string? v) (number? v) (boolean? v) (instance? Named v) (char? v) (py-object v))
    v
    (as-python v)))

(defn- lookup
  "[found? value] of k in m; a string key not found is tried as a keyword."
  [^Map m k]
  (cond
    (.containsKey m k) [true (out-value (.get m k))]
    (and (string? k) (.containsKey m (keyword k))) [true (out-value (.get m (keyword k)))]
    :else [false nil]))

(defn- the-key
  "k, or its keyword when the map holds that and not k."
  [^Map m k]
  (if (and (string? k) (not (.containsKey m k)) (.containsKey m (keyword k))) (keyword k) k))

(defn- chunk-of
  "[items more?]: up to n items of an iterator, bridged."
  [^Iterator it n]
  (let [out (java.util.ArrayList.)]
    (loop [i 0]
      (if (and (< i n) (.hasNext it))
        (do (.add out (out-value (.next it))) (recur (inc i)))
        [out (.hasNext it)]))))

(defn- common-op
  "Operations every bridge answers; nil for an unknown op."
  [x op ^objects args]
  (case op
    "self" x
    "eq" (= x (jvm/jvm-value (aget args 1)))
    "hash" (hash x)
    "str" (str x)
    "iterator" (.iterator ^Iterable x)
    "chunk" (chunk-of (aget args 1) (aget args 2))
    (throw (UnsupportedOperationException. (str "pybridge: a bridged " (.getName (class x))
                                                " has no operation " op)))))

(defn- unwrap
  "A callback argument as the JVM value it stands for."
  [x]
  (jvm/jvm-value x))

(defn- map-ops ^PyCallback [^Map m]
  (reify PyCallback
    (call [_ args _]
      (let [op (aget args 0)]
        (case op
          "get" (lookup m (unwrap (aget args 1)))
          "contains" (let [k (unwrap (aget args 1))]
                       (or (.containsKey m k) (and (string? k) (.containsKey m (keyword k)))))
          "put" (do (.put m (the-key m (unwrap (aget args 1))) (unwrap (aget args 2))) nil)
          "remove" (let [k (the-key m (unwrap (aget args 1)))]
                     (if (.containsKey m k) (do (.remove m k) true) false))
          "keys" (java.util.ArrayList. ^Collection (map out-value (keys m)))
          "len" (.size m)
          "iterator" (let [^Iterable ks (or (keys m) [])] (.iterator ks))
          (common-op m op args))))))

(defn- list-ops ^PyCallback [^List l]
  (reify PyCallback
    (call [_ args _]
      (let [op (aget args 0)]
        (case op
          "get" (out-value (.get l (int (aget args 1))))
          "set" (do (.set l (int (aget args 1)) (unwrap (aget args 2))) nil)
          "remove" (do (.remove l (int (aget args 1))) nil)
          "insert" (do (.add l (int (aget args 1)) (unwrap (aget args 2))) nil)
          "len" (.size l)
          "contains" (.contains l (unwrap (aget args 1)))
          (common-op l op args))))))

(defn- set-ops ^PyCallback [^Set s]
  (reify PyCallback
    (call [_ args _]
      (let [op (aget args 0)]
        (case op
          "contains" (.contains s (unwrap (aget args 1)))
          "len" (.size s)
          (common-op s op args))))))

(defn- iterable-ops ^PyCallback [x]
  (reify PyCallback
    (call [_ args _]
      (let [op (aget args 0)]
        (if (= op "iterator")
          (clojure.lang.RT/iter x)
          (common-op x op args))))))

(defn- iterator-ops ^PyCallback [^Iterator it]
  (reify PyCallback
    (call [_ args _]
      (let [op (aget args 0)]
        (case op
          "next" (locking it (if (.hasNext it) [true (out-value (.next it))] [false nil]))
          (common-op it op args))))))

(defn- make [kind ops]
  (jvm/bridge (base/call-helper @make-fn Conversion/SHALLOW kind ops)))

(defn as-python
  "x as a live Python object (see pybridge.python/as-python)."
  [x]
  (cond
    (or (nil? x) (string? x) (number? x) (boolean? x) (instance? Named x) (char? x)) (jvm/->py x)
    (py-object x) x
    (instance? Map x) (make "map" (map-ops x))
    (instance? Set x) (make "set" (set-ops x))
    (and (instance? List x) (instance? RandomAccess x)) (make "list" (list-ops x))
    (or (seq? x) (instance? Iterable x) (.isArray (class x)) (instance? clojure.lang.Seqable x))
    (if (and (.isArray (class x)) (not (instance? (Class/forName "[Ljava.lang.Object;") x)))
      (jvm/->py x)
      (make "iterable" (iterable-ops x)))
    (instance? Iterator x) (make "iterator" (iterator-ops x))
    (instance? IFn x) (jvm/->py x)
    :else (jvm/->py x)))
