(ns pybridge.python.ops
  "Operations on Python objects: modules and code, attributes, items,
  calls, introspection. Every argument is converted with ->py, every result
  is bridged. Internal: the public API is `pybridge.python`."
  (:require [pybridge.python.base :as base :refer [py-try py-object attr-name]]
            [pybridge.python.bridge-as-jvm :as jvm]
            [pybridge.python.copy :as copy])
  (:import (org.pybridge Conversion PyObject Python)))

(set! *warn-on-reflection* true)

(base/defhelper type-name-fn "pybridge/python/support.py" "type_name")
(base/defhelper dir-fn "pybridge/python/support.py" "dir_of")

(defn ->pyobject
  "The PyObject for x: itself when bridged, else a copy made by ->py."
  ^PyObject [x]
  (or (py-object x) (py-object (jvm/->py x))))

(defn import-module [module-name]
  (jvm/bridge (py-try (Python/importModule (attr-name module-name)))))

(defn run-simple-string [code]
  (py-try (Python/exec ^String code))
  (let [g (jvm/bridge (py-try (.getAttr (Python/mainModule) "__dict__")))]
    {:globals g :locals g}))

(defn get-attr [obj attr]
  (jvm/bridge (py-try (.getAttr (->pyobject obj) (attr-name attr) Conversion/SHALLOW))))

(defn set-attr! [obj attr value]
  (py-try (.setAttr (->pyobject obj) (attr-name attr) (copy/arg value)))
  obj)

(defn has-attr? [obj attr]
  (py-try (.hasAttr (->pyobject obj) (attr-name attr))))

(defn call [callable args]
  (jvm/call-bridged (->pyobject callable) args nil))

(defn call-kw [callable args kwargs]
  (jvm/call-bridged (->pyobject callable) args kwargs))

(defn call-attr [obj attr args]
  (jvm/bridge (py-try (.callAttrWith (->pyobject obj) Conversion/SHALLOW (attr-name attr) nil
                                     (copy/args-array args)))))

(defn call-attr-kw [obj attr args kwargs]
  (jvm/bridge (py-try (.callAttrWith (->pyobject obj) Conversion/SHALLOW (attr-name attr) (copy/kw-map kwargs)
                                     (copy/args-array args)))))

(defn call-with-kw-pairs
  "py. and py..: a method call whose trailing `:kw value` arguments are
  keyword arguments."
  [obj method args]
  (let [[pos kw] (copy/split-kw-pairs args)]
    (call-attr-kw obj method pos kw)))

(defn get-item [obj key]
  (jvm/bridge (py-try (.getItem (->pyobject obj) (copy/arg key) Conversion/SHALLOW))))

(defn set-item! [obj key value]
  (py-try (.setItem (->pyobject obj) (copy/arg key) (copy/arg value)))
  obj)

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
