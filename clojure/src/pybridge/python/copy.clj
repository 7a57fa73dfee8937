(ns pybridge.python.copy
  "Clojure data on its way into Python: call arguments and keyword
  arguments, infinite seqs as lazy Python iterators. The copies themselves
  are made by the Java layer (`Python/toPython`, and every call argument),
  taught keywords, symbols, fns, BigInt and Ratio by pybridge.python.fn.
  Internal: the public API is `pybridge.python`."
  (:require [pybridge.python.base :as base :refer [py-try]])
  (:import (clojure.lang Cycle Iterate Repeat)
           (java.lang.reflect Field)
           (java.util Iterator Map)
           (java.util.function Supplier)
           (org.pybridge Conversion PyCallback PyObject Python)))

(set! *warn-on-reflection* true)

(base/defhelper sentinel-fn "pybridge/python/support.py" "sentinel")
(base/defhelper java-iter-fn "pybridge/python/support.py" "java_iter")

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

(defn arg
  "A call argument: infinite Clojure seqs become lazy Python iterators."
  [x]
  (if (infinite-seq? x) (->py-iterator x) x))

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
  (py-try (Python/toPython x)))
