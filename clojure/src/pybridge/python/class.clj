(ns pybridge.python.class
  "Python classes whose methods are Clojure fns (create-class,
  make-instance-fn, make-kw-instance-fn). Internal: the public API is
  `pybridge.python`."
  (:require
   [pybridge.python.base :as base]
   [pybridge.python.bridge-as-jvm :as jvm]
   [pybridge.python.bridge-as-python :as as-py]
   [pybridge.python.fn :as py-fn])
  (:import
   (java.util Map Map$Entry)
   (org.pybridge Conversion PyCallback)))

(set! *warn-on-reflection* true)

(def ^:private support "pybridge/clojure/support.py")
(base/defhelper instance-fn support "instance_fn")
(base/defhelper create-class-fn support "create_class")

(defn- method
  "A Python function calling the PyCallback cb with self first: a method
  when put in a class."
  [cb {:keys [name doc]}]
  (jvm/bridge (base/call-helper @instance-fn Conversion/SHALLOW cb (some-> name str) (some-> doc str))))

(defn make-instance-fn
  ([f] (make-instance-fn f nil))
  ([f {:keys [arg-converter result-converter] :as opts}]
   (method (py-fn/converting-callback f arg-converter result-converter) opts)))

(defn make-kw-instance-fn
  ([f] (make-kw-instance-fn f nil))
  ([f {:keys [arg-converter result-converter] :as opts}]
   (let [arg-converter (or arg-converter identity)
         result-converter (or result-converter as-py/as-python)
         cb (reify PyCallback
              (call [_ args kwargs]
                (let [pos (mapv (comp arg-converter jvm/jvm-value) args)
                      kw (persistent! (reduce (fn [m ^Map$Entry e]
                                                (assoc! m (.getKey e) (arg-converter (jvm/jvm-value (.getValue e)))))
                                              (transient {}) (.entrySet ^Map kwargs)))]
                  (result-converter (f pos kw)))))]
     (method cb opts))))

(defn create-class
  [name bases members]
  (let [m (java.util.LinkedHashMap.)]
    (doseq [[k v] members] (.put m (base/attr-name k) v))
    (jvm/bridge (base/call-helper @create-class-fn Conversion/SHALLOW (str name) (vec bases) m))))
