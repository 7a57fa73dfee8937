(ns pybridge.python.fn
  "Clojure fns as Python callables, and the conversions the Java layer
  learns from Clojure when this namespace loads (keywords and symbols ->
  str, BigInt -> int, Ratio -> float, fns -> callables; no Python started).
  Internal: the public API is `pybridge.python`."
  (:require
   [pybridge.python.base :as base :refer [py-try]]
   [pybridge.python.bridge-as-jvm :as jvm]
   [pybridge.python.copy :as copy])
  (:import
   (clojure.lang BigInt IFn Keyword Ratio Symbol)
   (java.util Map Map$Entry)
   (java.util.function Function)
   (org.pybridge Conversion PyCallback PyObject Python)))

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

;; ---------------------------------------------------------------------------
;; Callables with options (make-callable), and fast positional calls

(def ^:private support "pybridge/clojure/support.py")
(base/defhelper named-fn support "named_fn")
(base/defhelper is-callable-fn support "is_callable")

(defn converting-callback
  "A PyCallback calling f as `callback` does, with each positional argument
  passed through arg-converter and the result through result-converter
  (either may be nil)."
  ^PyCallback [f arg-converter result-converter]
  (let [f (if arg-converter
            (fn [& args]
              (let [[pos kw] (copy/split-kw-pairs args)]
                (apply f (concat (map arg-converter pos) (mapcat identity kw)))))
            f)
        f (if result-converter (comp result-converter f) f)]
    (callback f)))

(defn make-callable
  ([f] (make-callable f nil))
  ([f {:keys [arg-converter result-converter name doc]}]
   (let [cb (converting-callback f arg-converter result-converter)]
     (if (or name doc)
       (jvm/bridge (base/call-helper @named-fn Conversion/SHALLOW cb (some-> name str) (some-> doc str)))
       (jvm/bridge (py-try (Python/toPython cb)))))))

(defn- positional-call
  "o(*args), no keyword arguments: the fast path of make-fastcallable."
  [^PyObject o args]
  (jvm/call-bridged o args nil))

(defmacro ^:private def-fast-callable-type []
  (let [obj (with-meta 'obj {:tag 'org.pybridge.PyObject})
        arity (fn [n] (map #(symbol (str "a" %)) (range n)))]
    `(deftype ~'FastCallable [~obj ~(with-meta 'closed {:volatile-mutable true})]
       java.lang.AutoCloseable
       (~'close [~'_] (set! ~'closed true))

       org.pybridge.PyBacked
       (~'pyObject [~'this] (.check ~'this) ~'obj)

       clojure.lang.IFn
       ~@(for [n (range 21)]
           `(~'invoke [~'this ~@(arity n)] (.check ~'this) (positional-call ~'obj [~@(arity n)])))
       (~'applyTo [~'this ~'args] (.check ~'this) (positional-call ~'obj ~'args))

       ~'FastCallableCheck
       (~'check [~'_]
         (when ~'closed
           (throw (IllegalStateException. "pybridge: this fastcallable was closed"))))

       ~'Object
       (~'toString [~'_] (str "fastcallable " ~'obj)))))

(definterface FastCallableCheck (check []))

(def-fast-callable-type)

(alter-meta! #'->FastCallable assoc :private true)

(defn make-fastcallable
  [item]
  (let [o (base/py-object (jvm/->py item))]
    (when-not (and o (base/call-helper @is-callable-fn Conversion/DEEP o))
      (throw (IllegalArgumentException. (str "pybridge: not a Python callable: " (pr-str item)))))
    (FastCallable. o false)))
