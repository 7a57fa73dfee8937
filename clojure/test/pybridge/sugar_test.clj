(ns pybridge.sugar-test
  "pybridge.sugar/pyxfn: Python generator functions as transducers."
  (:require
   [clojure.test :refer [deftest is use-fixtures]]
   [pybridge.python :as py]
   [pybridge.sugar :refer [pyxfn]]
   [pybridge.test-support :as ts]))

(use-fixtures :once ts/fixture)

(def ^:private generators
  "
def doubled(xs):
    for x in xs:
        yield x + x

def plus(xs, n):
    for x in xs:
        yield x + n

def plus_kw(xs, *, n=None):
    if n is None:
        raise ValueError('n is required')
    for x in xs:
        yield x + n

def as_str(xs):
    for x in xs:
        yield str(x)

def shout(xs):
    for x in xs:
        yield x + '!'

def greedy(xs):
    a = next(xs)
    b = next(xs)
    yield a + b
")

(deftest generators-as-transducers
  (let [{{:strs [doubled plus plus_kw as_str shout]} :globals} (py/run-simple-string generators)]
    (is (= (mapv #(* 2 %) (range 10)) (into [] (pyxfn doubled) (range 10))))
    (is (= [1 2 3 4 5] (into [] (pyxfn plus 1) (range 5))))
    (is (= [1 2 3 4 5] (into [] (pyxfn plus_kw :n 1) (range 5))))
    (is (= ["00!" "11!" "22!" "33!"]
           (transduce (comp (pyxfn as_str) (pyxfn doubled) (pyxfn shout)) (completing conj) [] (range 4))))
    (is (= [["22!" "33!"] ["00!" "11!"]]
           (transduce (comp (pyxfn as_str) (pyxfn doubled) (pyxfn shout) (partition-all 2))
                      (fn ([r] (vec (reverse r))) ([r x] (conj r x)))
                      [] (range 4))))
    (is (= [0 2] (sequence (comp (pyxfn doubled) (take 2)) (range))) "lazy, on an infinite seq")))

(deftest generator-errors
  (let [{{:strs [plus_kw greedy]} :globals} (py/run-simple-string generators)]
    (is (thrown? clojure.lang.ExceptionInfo (into [] (pyxfn plus_kw) (range 3))))
    (is (thrown-with-msg? clojure.lang.ExceptionInfo #"more input"
                          (into [] (pyxfn greedy) (range 3))))))
