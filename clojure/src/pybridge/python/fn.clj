(ns pybridge.python.fn
  "Clojure fns as Python callables, and the conversions the Java layer
  learns from Clojure when this namespace loads (keywords and symbols ->
  str, BigInt -> int, Ratio -> float, fns -> callables; no Python started).
  Internal: the public API is `pybridge.python`."
  (:require [pybridge.python.base :as base :refer [py-try]]
            [pybridge.python.bridge-as-jvm :as jvm])
  (:import (clojure.lang BigInt IFn Keyword Ratio Symbol)
           (java.util Map Map$Entry)
           (java.util.function Function)
           (org.pybridge PyCallback Python)))

(set! *warn-on-reflection* true)

(defn callback
  "A PyCallback calling f: Python's positional arguments (as Clojure data)
  followed by its keyword arguments as trailing `:kw val` pairs."
  ^PyCallback [f]
  (reify PyCallback
    (call [_ args kwargs]
      (let [args (map jvm/jvm-value args)]
        (if (.isEmpty ^Map kwargs)
          (apply f args)
          (apply f (concat args (mapcat (fn [^Map$Entry e] [(keyword (.getKey e)) (jvm/jvm-value (.getValue e))])
                                        (.entrySet ^Map kwargs)))))))))

(defn- register-converters! []
  (Python/registerConverter Keyword (reify Function (apply [_ k] (.getName ^Keyword k))))
  (Python/registerConverter Symbol (reify Function (apply [_ s] (.getName ^Symbol s))))
  (Python/registerConverter BigInt (reify Function (apply [_ b] (.toBigInteger ^BigInt b))))
  (Python/registerConverter Ratio (reify Function (apply [_ r] (.doubleValue ^Ratio r))))
  (Python/registerConverter IFn (reify Function (apply [_ f] (callback f)))))

(register-converters!)

(defn ->py-fn
  "A Python callable calling the Clojure fn f (see pybridge.python/->py-fn)."
  [f]
  (jvm/bridge (py-try (Python/toPython (callback f)))))
