(ns pybridge.python.ops
  "Operations on Python objects: modules and code, attributes, items,
  calls, introspection. Every argument is converted as ->py converts, every
  result is bridged. Internal: the public API is `pybridge.python`."
  (:require
   [pybridge.python.base :as base :refer [attr-name py-object py-try]]
   [pybridge.python.bridge-as-jvm :as jvm]
   [pybridge.python.copy :as copy])
  (:import
   (clojure.lang IFn)
   (java.util List)
   (org.pybridge Conversion PyObject Python)))

(set! *warn-on-reflection* true)

(def ^:private support "pybridge/clojure/support.py")
(base/defhelper type-name-fn support "type_name")
(base/defhelper dir-fn support "dir_of")
(base/defhelper add-module-fn support "add_module")
(base/defhelper module-dict-fn support "module_dict")
(base/defhelper run-fn support "run")
(base/defhelper reload-fn support "reload")
(base/defhelper is-instance-fn support "is_instance")
(base/defhelper is-callable-fn support "is_callable")
(base/defhelper has-item-fn support "has_item")
(base/defhelper attr-types-fn support "attr_type_names")
(base/defhelper capture-call-attr-fn support "capture_call_attr")
(base/defhelper capture-getattr-fn support "capture_getattr")
(base/defhelper capture-getitem-fn support "capture_getitem")

(defn ->pyobject
  "The PyObject for x: itself when bridged, else a copy made by ->py."
  ^PyObject [x]
  (or (py-object x) (py-object (jvm/->py x))))

;; ---------------------------------------------------------------------------
;; Modules and code

(defn import-module [module-name]
  (jvm/bridge (py-try (Python/importModule (attr-name module-name)))))

(defn add-module [module-name]
  (jvm/bridge (base/call-helper @add-module-fn Conversion/SHALLOW (attr-name module-name))))

(defn module-dict [module]
  (jvm/bridge (base/call-helper @module-dict-fn Conversion/SHALLOW (->pyobject module))))

(defn run-simple-string
  [code & {:keys [globals locals]}]
  (do
    (if (and (nil? globals) (nil? locals))
      (do (py-try (Python/exec ^String code))
          (let [g (jvm/bridge (py-try (.getAttr (Python/mainModule) "__dict__")))]
            {:globals g :locals g}))
      (let [^List gl (base/call-helper @run-fn Conversion/ELEMENTS code
                                       (some-> globals ->pyobject) (some-> locals ->pyobject))
            g (jvm/bridge (.get gl 0))]
        {:globals g
         :locals (if (identical? (.get gl 0) (.get gl 1)) g (jvm/bridge (.get gl 1)))}))))

(defn- module-parent
  "a.b.c -> a.b (nil for a)"
  [^String path]
  (let [i (.lastIndexOf path ".")]
    (when (pos? i) (subs path 0 i))))

(defn path->py-obj
  [item-path & {:keys [reload?]}]
  (let [item-path (str item-path)]
    (when (seq item-path)
      (if-let [m (try (import-module item-path)
                      (catch clojure.lang.ExceptionInfo e
                        (when-not (module-parent item-path) (throw e))))]
        (if reload?
          (jvm/bridge (base/call-helper @reload-fn Conversion/SHALLOW (->pyobject m)))
          m)
        (let [parent (path->py-obj (module-parent item-path) :reload? reload?)
              attr (subs item-path (inc (.lastIndexOf item-path ".")))]
          (if (py-try (.hasAttr (->pyobject parent) attr))
            (jvm/bridge (py-try (.getAttr (->pyobject parent) attr Conversion/SHALLOW)))
            (throw (ex-info (str "no Python module or attribute " item-path)
                            {:type :pybridge/not-found :path item-path}))))))))

;; ---------------------------------------------------------------------------
;; Attributes

(defn get-attr [obj attr]
  (let [o (->pyobject obj)
        attr (attr-name attr)]
    (jvm/bridge (py-try (if (base/capturing?)
                          (.callWith ^PyObject @capture-getattr-fn Conversion/SHALLOW nil (object-array [o attr]))
                          (.getAttr o attr Conversion/SHALLOW))))))

(defn set-attr! [obj attr value]
  (copy/with-hashable-keys [value]
    (py-try (.setAttr (->pyobject obj) (attr-name attr) (copy/arg value))))
  obj)

(defn set-attrs! [obj attr-seq]
  (doseq [[k v] attr-seq] (set-attr! obj k v))
  obj)

(defn has-attr? [obj attr]
  (py-try (.hasAttr (->pyobject obj) (attr-name attr))))

(defn attr-type-map [obj]
  (into (sorted-map)
        (map (fn [[n t]] [n (when t (base/type-keyword t))]))
        (jvm/jvm-value (base/call-helper @attr-types-fn Conversion/DEEP (->pyobject obj)))))

;; ---------------------------------------------------------------------------
;; Items

(defn get-item [obj key]
  (let [o (->pyobject obj)
        k (copy/item-key key)]
    (jvm/bridge (py-try (if (base/capturing?)
                          (.callWith ^PyObject @capture-getitem-fn Conversion/SHALLOW nil (object-array [o k]))
                          (.getItem o k Conversion/SHALLOW))))))

(defn set-item! [obj key value]
  (copy/with-hashable-keys [value]
    (py-try (.setItem (->pyobject obj) (copy/item-key key) (copy/arg value))))
  obj)

(defn set-items! [obj item-seq]
  (doseq [[k v] item-seq] (set-item! obj k v))
  obj)

(defn has-item? [obj key]
  (boolean (base/call-helper @has-item-fn Conversion/DEEP (->pyobject obj) (copy/item-key key))))

;; ---------------------------------------------------------------------------
;; Calls

(defn call [callable & args]
  (jvm/call-bridged (->pyobject callable) args nil))

(defn call-kw [callable args kwargs]
  (jvm/call-bridged (->pyobject callable) args kwargs))

(defn call-attr-kw [obj attr args kwargs]
  (let [o (->pyobject obj)
        attr (attr-name attr)]
    (copy/with-hashable-keys [args kwargs]
      (jvm/bridge (py-try (if (base/capturing?)
                            (.callWith ^PyObject @capture-call-attr-fn Conversion/SHALLOW (copy/kw-map kwargs)
                                       (copy/args-array (list* o attr args)))
                            (.callAttrWith o Conversion/SHALLOW attr (copy/kw-map kwargs)
                                           (copy/args-array args))))))))

(defn call-attr [obj attr & args]
  (call-attr-kw obj attr args nil))

(defn cfn [item & args]
  (let [[pos kw] (copy/args->pos-kw-args args)]
    (call-kw item pos kw)))

(defn afn [item attr & args]
  (let [[pos kw] (copy/args->pos-kw-args args)]
    (call-attr-kw item attr pos kw)))

;; ---------------------------------------------------------------------------
;; Introspection

(defn python-type [x]
  (base/type-keyword
    (cond
      (nil? x) "NoneType"
      (instance? Boolean x) "bool"
      (instance? Long x) "int"
      (instance? Double x) "float"
      (instance? String x) "str"
      :else (base/call-helper @type-name-fn Conversion/DEEP (->pyobject x)))))

(defn dir [obj]
  (jvm/jvm-value (base/call-helper @dir-fn Conversion/DEEP (->pyobject obj))))

(defn is-instance? [inst cls]
  (boolean (base/call-helper @is-instance-fn Conversion/DEEP (->pyobject inst)
                             (if (sequential? cls) (copy/hashable-key cls) (->pyobject cls)))))

(defn callable? [x]
  (cond
    (instance? IFn x) true
    (py-object x) (boolean (base/call-helper @is-callable-fn Conversion/DEEP (py-object x)))
    :else false))

(defn as-map [obj] (jvm/as-map-view (->pyobject obj)))

(defn as-list [obj] (jvm/as-list-view (->pyobject obj)))
