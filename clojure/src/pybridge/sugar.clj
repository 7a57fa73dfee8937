(ns pybridge.sugar
  "Python generator functions as Clojure transducers (libpython-clj2.sugar).
  Loading this namespace does not start Python.

      (require '[pybridge.sugar :refer [pyxfn]])
      ;; def double(xs):
      ;;     for x in xs:
      ;;         yield x + x
      (into [] (pyxfn double) (range 5))  ;=> [0 2 4 6 8]"
  (:require
   [pybridge.python.base :as base]
   [pybridge.python.bridge-as-jvm :as jvm]
   [pybridge.python.copy :as copy]
   [pybridge.python.ops :as ops])
  (:import
   (java.util List)
   (org.pybridge Conversion PyObject)))

(set! *warn-on-reflection* true)

(base/defhelper start-fn "pybridge/clojure/sugar.py" "start")
(base/defhelper step-fn "pybridge/clojure/sugar.py" "step")

(defn pyxfn
  "A transducer from a Python generator function g(xs, *args, **kwargs)
  that yields one item for each item it reads from xs: each input is fed
  to the generator, and the item it yields next goes on down the
  transformation. args as a bridged callable takes them (trailing `:kw
  value` pairs are keyword arguments).

      (into [] (pyxfn addx 1) (range 5))        ;=> [1 2 3 4 5]   ; addx(xs, x)
      (into [] (pyxfn addxkw :x 1) (range 5))   ;=> [1 2 3 4 5]   ; addxkw(xs, *, x)
      (transduce (comp (pyxfn stringify) (pyxfn addbang)) conj [] (range 2))  ;=> [\"0!\" \"1!\"]"
  [g & args]
  (let [[pos kw] (copy/split-kw-pairs args)]
    (fn [rf]
      (let [^List started (base/call-helper @start-fn Conversion/ELEMENTS (ops/->pyobject g)
                                            (vec pos) (or (copy/kw-map kw) {}))
            feed (.get started 0)
            gen (.get started 1)]
        (fn
          ([] (rf))
          ([result] (rf result))
          ([result input]
           (rf result (jvm/bridge (base/call-helper @step-fn Conversion/SHALLOW feed gen input)))))))))
