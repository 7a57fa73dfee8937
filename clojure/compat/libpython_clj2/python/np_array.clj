(ns libpython-clj2.python.np-array
  "libpython-clj's numpy <-> dtype-next namespace on pybridge (the
  compatibility jar). Needs dtype-next (cnuernber/dtype-next) on the
  classpath; requiring it without says what to add.

      (require '[libpython-clj2.python :as py]
               '[libpython-clj2.python.np-array]
               '[tech.v3.tensor :as dtt])
      (def np (py/import-module \"numpy\"))
      (def a (py/call-attr np \"arange\" 6))
      (dtt/as-tensor a)                 ; a tensor over the numpy array's memory (no copy)
      (py/->jvm a)                      ; a tensor, copied (as libpython-clj)
      (py/->python (dtt/->tensor [[1 2] [3 4]] :datatype :float64)) ; a numpy array

  As in libpython-clj:
    - dtt/as-tensor (and dtt/ensure-tensor, dtype/shape, dtype/elemwise-datatype,
      dtype/ecount) of a numpy array share its memory: writes on either side
      are seen by the other; the array stays alive while the tensor does.
    - ->jvm of a numpy array is a tensor holding a copy.
    - a dtype-next tensor (NDBuffer) passed to Python, as ->python or as a call
      argument, is a numpy array: over the tensor's own memory when it is
      native (no copy), else over a native copy of it.
  dtypes: int8..uint64, float32, float64 (numpy bool and others are refused
  with a clear error)."
  (:require
   [pybridge.python :as py]
   [pybridge.python.base :as base]
   [pybridge.python.bridge-as-jvm :as jvm]
   [pybridge.python.copy :as copy])
  (:import
   (org.pybridge Conversion PyObject Python)))

(try
  (require '[tech.v3.datatype.protocols]
           '[tech.v3.tensor])
  (catch java.io.FileNotFoundException e
    (throw (ex-info (str "libpython-clj2.python.np-array needs dtype-next on the classpath (it converts numpy"
                         " arrays to dtype-next tensors): add cnuernber/dtype-next (e.g. deps.edn"
                         " {cnuernber/dtype-next {:mvn/version \"10.124\"}}, from Clojars) next to pybridge and"
                         " pybridge-libpython-clj-compat. (" (ex-message e) ")")
                    {:missing 'cnuernber/dtype-next}
                    e))))

(alias 'dtype-proto 'tech.v3.datatype.protocols)
(alias 'dtt 'tech.v3.tensor)

(def ^:private helpers "libpython_clj2/python/np_array.py")
(base/defhelper ^:private describe-fn helpers "describe")
(base/defhelper ^:private is-ndarray-fn helpers "is_ndarray")
(base/defhelper ^:private from-address-fn helpers "from_address")

(defn- ndarray? [x]
  (when-let [o (base/py-object x)]
    (boolean (base/call-helper @is-ndarray-fn Conversion/DEEP o))))

(defn numpy->desc
  "The nd-buffer descriptor of a numpy array: {:ptr address :elemwise-datatype
  :float64 :shape [...] :strides [bytes...] :type :numpy}, holding the array
  (so the memory lives as long as the descriptor)."
  [np-obj]
  (let [o (base/py-object np-obj)
        [ptr shape strides dtype] (base/call-helper @describe-fn Conversion/DEEP o)]
    {:ptr ptr
     :elemwise-datatype (keyword dtype)
     :shape (vec shape)
     :strides (vec strides)
     :type :numpy
     :pyobj o}))

(defn- as-tensor* [x]
  (when (ndarray? x)
    (dtt/nd-buffer-descriptor->tensor (numpy->desc x))))

(defn descriptor->numpy
  "A numpy array over the memory an nd-buffer descriptor describes (no copy);
  the descriptor (and what it holds) lives as long as the array does."
  [{:keys [ptr shape strides elemwise-datatype] :as desc}]
  (let [nbytes (reduce max 0 (map * shape strides))]
    (jvm/bridge
      (base/call-helper @from-address-fn Conversion/HANDLE (long ptr) nbytes (name elemwise-datatype)
                        (vec shape) (vec strides) (Python/bridge desc)))))

(defn- tensor->numpy ^PyObject [t]
  (base/py-object (descriptor->numpy (dtt/ensure-nd-buffer-descriptor t))))

;; numpy arrays (as pybridge bridges them: a PyList view, or a PyObject) as dtype-next readers/tensors
(doseq [c [pybridge.python.bridge_as_jvm.PyList PyObject]]
  (extend c
    dtype-proto/PToTensor
    {:as-tensor (fn [x] (as-tensor* x))}
    dtype-proto/PToNDBufferDesc
    {:convertible-to-nd-buffer-desc? (fn [x] (ndarray? x))
     :->nd-buffer-descriptor (fn [x] (when (ndarray? x) (numpy->desc x)))}
    dtype-proto/PToNativeBuffer
    {:convertible-to-native-buffer? (fn [x] (ndarray? x))
     :->native-buffer (fn [x] (some-> (as-tensor* x) dtype-proto/->native-buffer))}
    ;; readers over the array (row-major, whatever its strides), as libpython-clj's
    ;; bridged arrays: dtype/make-container, dtype/->reader, dfn/ functions
    dtype-proto/PToReader
    {:convertible-to-reader? (fn [x] (ndarray? x))
     :->reader (fn [x] (some-> (as-tensor* x) dtype-proto/->reader))}
    dtype-proto/PToBuffer
    {:convertible-to-buffer? (fn [x] (ndarray? x))
     :->buffer (fn [x] (some-> (as-tensor* x) dtype-proto/->buffer))}
    dtype-proto/PElemwiseDatatype
    {:elemwise-datatype (fn [x] (if (ndarray? x) (:elemwise-datatype (numpy->desc x)) :object))}
    dtype-proto/PShape
    {:shape (fn [x] (if (ndarray? x) (:shape (numpy->desc x)) [(count x)]))}
    dtype-proto/PECount
    {:ecount (fn [x] (if (ndarray? x) (reduce * 1 (:shape (numpy->desc x))) (count x)))}))

;; ->jvm of a numpy array: a tensor holding a copy
(swap! jvm/jvm-converters assoc "numpy.ndarray"
       (fn [o _opts] (dtt/clone (dtt/nd-buffer-descriptor->tensor (numpy->desc o)))))

;; a dtype-next tensor into Python (->python, call arguments): a numpy array
(copy/add-converter! #(instance? tech.v3.datatype.NDBuffer %) tensor->numpy)
