;; A libpython-clj program using numpy through dtype-next (libpython-clj2.python.np-array),
;; run unedited by pybridge.compat-np-test in a child JVM on pybridge's jar, the
;; compatibility jar, Clojure and dtype-next. Prints one EDN map of results.
(require '[libpython-clj2.python :as py]
         '[libpython-clj2.python.np-array]
         '[libpython-clj2.python.fn :as py-fn]
         '[libpython-clj2.python.ffi :as py-ffi]
         '[libpython-clj2.python.protocols :as py-proto]
         '[libpython-clj2.python.class :as py-class]
         '[tech.v3.datatype :as dtype]
         '[tech.v3.datatype.functional :as dfn]
         '[tech.v3.tensor :as dtt])

(py/initialize!)
(def np (py/import-module "numpy"))

(def results (atom {}))
(defn note! [k v] (swap! results assoc k v))

;; numpy -> tensor, no copy (libpython-clj's numpy-and-back test)
(let [jvm-tens (dtt/->tensor (->> (range 9) (partition 3)) :datatype :float64)
      py-tens (py/->python jvm-tens)]
  (note! :python-type (py/python-type py-tens))
  (note! :as-tensor (dtt/->jvm (dtt/as-tensor py-tens)))
  (let [py-trans (py/call-attr py-tens "transpose" [1 0])]
    (note! :transposed (dtt/->jvm (dtt/as-tensor py-trans)))
    (dtype/copy! [5 6 7] (nth (dtt/as-tensor py-trans) 0))
    (note! :written-through-tensor (dtt/->jvm (dtt/as-tensor py-tens))))
  (let [globals (py/module-dict (py/add-module "__main__"))]
    (py/set-item! globals "np_ary" py-tens)
    (py/run-simple-string "np_ary[2,2] = 100")
    (note! :written-by-python (dtt/->jvm (dtt/as-tensor py-tens)))))

;; libpython-clj's numpy_test: dfn on numpy arrays
(let [np-ary (py/$a np array [[1 2] [3 4]])]
  (note! :ensure-tensor-equals (boolean (dfn/equals (dtt/ensure-tensor np-ary) (dtt/->tensor [[1 2] [3 4]]))))
  (note! :shape (vec (dtype/shape np-ary)))
  (note! :elemwise-datatype (dtype/elemwise-datatype np-ary))
  (note! :ecount (dtype/ecount np-ary)))

;; zero copy, measured: the tensor's address is the array's
(let [a (py/call-attr np "arange" 5.0)
      t (dtt/as-tensor a)]
  (note! :same-memory (= (long (py/get-attr (py/get-attr a "ctypes") "data"))
                         (.address ^tech.v3.datatype.native_buffer.NativeBuffer (dtype/->native-buffer t)))))

;; ->jvm of a numpy array: a tensor holding a copy
(let [a (py/call-attr np "arange" 4)
      t (py/->jvm a)]
  (py/run-simple-string "pass")
  (note! :->jvm-is-tensor (instance? tech.v3.datatype.NDBuffer t))
  (note! :->jvm (dtt/->jvm t)))

;; a tensor as a call argument: a numpy array
(note! :sum-of-tensor (py/call-attr np "sum" (dtt/->tensor [[1.5 2.5] [3.0 4.0]] :datatype :float64)))
(note! :int32-dtype (str (py/get-attr (py/->python (dtt/->tensor [1 2 3] :datatype :int32)) "dtype")))

;; the other sub-namespaces load and work
(note! :fn-call-attr (py-fn/call-attr (py/import-module "math") "hypot" [3 4]))
(note! :ffi-with-gil (py-ffi/with-gil (py/->jvm (py/call-attr (py/import-module "builtins") "len" [1 2 3]))))
(note! :proto-type (py-proto/python-type nil))
(note! :class (let [Pt (py-class/create-class
                         "Pt" nil
                         {"__init__" (py-class/make-tuple-instance-fn
                                       (fn [self x] (py/set-attr! self "x" x) nil))})]
                (py/get-attr (Pt 7) "x")))

;; the working directory on sys.path, as libpython-clj: a module next to the program imports
(spit "np_program_local_mod.py" "VALUE = 'imported from the working directory'\n")
(note! :cwd-import (py/get-attr (py/import-module "np_program_local_mod") "VALUE"))

(prn @results)
(shutdown-agents)
(System/exit 0)
