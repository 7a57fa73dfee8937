(ns pybridge.sub-interpreters-test
  "pybridge.interpreters: sub-interpreters and pools from Clojure (on the
  project's Python: interpreters that share the main GIL; isolated ones are
  tested in tests/e2e InterpretersE2ETest on a 3.12 build)."
  (:require
   [clojure.test :refer [deftest is testing use-fixtures]]
   [pybridge.interpreters :as pi]
   [pybridge.python :as py]
   [pybridge.test-support :as ts])
  (:import
   (org.pybridge Interpreter Python WrongInterpreterException)))

(use-fixtures :once ts/fixture)

(def ^:private shared {:isolated false})

(def ^:dynamic *conveyed* :root)

(deftest with-interpreter-runs-its-own-python
  (pi/with-interpreter [sub (assoc shared :name "clj-sub" :startup-code ["base = 10"])]
    (is (= "clj-sub" (.name sub)))
    (pi/exec! sub "def add(x):\n    return base + x")
    (is (= 17 (pi/call-fn sub "add" 7)))
    (is (= [1 2 3] (pi/eval-py sub "[1, 2, 3]")))
    (testing "its own __main__"
      (is (false? (Python/eval "'add' in globals()" Boolean))))
    (testing "in-interpreter: the Java API inside uses the sub-interpreter"
      (is (= 12 (pi/in-interpreter sub (pi/call-fn "add" 2)))))
    (testing "its objects stay in it"
      (let [obj (pi/in-interpreter sub (Python/eval "object()"))]
        (is (thrown? WrongInterpreterException (.repr ^org.pybridge.PyObject obj)))))))

(deftest pools-spread-tasks
  (with-open [pool (pi/pool 2 (assoc shared :startup-code ["def sq(x):\n    return x * x"]))]
    (is (= (mapv #(* % %) (range 10))
           (mapv deref (doall (for [i (range 10)] (pi/submit pool #(pi/call-fn "sq" i)))))))
    (is (= :bound (binding [*conveyed* :bound] @(pi/submit pool (fn [] *conveyed*)))))
    (pi/exec-all! pool "def cube(x):\n    return x ** 3")
    (is (= 27 @(pi/submit pool #(pi/call-fn "cube" 3))))))

(deftest java-functions-called-from-a-sub-interpreter
  (pi/with-interpreter [sub shared]
    (pi/exec! sub "def twice(f, x):\n    return f(f(x))\ndef kind(f):\n    return type(f).__qualname__")
    (let [add5 (reify java.util.function.Function (apply [_ x] (+ x 5)))]
      (is (= 12 (pi/call-fn sub "twice" add5 2)))
      (is (= "JavaFunction" (pi/call-fn sub "kind" add5))))
    (testing "re-entrant: the callback calls the same sub-interpreter"
      (pi/exec! sub "base = 100")
      (let [f (reify java.util.function.Function
                (apply [_ x] (+ x (Python/eval "base" Long))))]
        (is (= 302 (pi/call-fn sub "twice" f 102)))))))

(deftest the-facade-inside-a-sub-interpreter
  (pi/with-interpreter [sub shared]
    (testing "tasks see the caller's dynamic bindings (clojure.test's counters among them)"
      (is (= :bound (binding [*conveyed* :bound] (pi/in-interpreter sub *conveyed*)))))
    (pi/in-interpreter sub
      (let [math (py/import-module "math")]
        (is (= 4.0 (py/call-attr math "sqrt" 16)))
        (is (true? (py/has-attr? math "sqrt")))
        (is (some #{"sqrt"} (py/dir math))))
      (let [{:keys [globals]} (py/run-simple-string "x = 6 * 7")]
        (is (= 42 (get globals "x"))))
      (let [d (py/->py {:a 1 :b [1 2]})]
        (is (= :dict (py/python-type d)))
        (is (= {"a" 1 "b" [1 2]} (py/->jvm d))))
      (testing "a Clojure fn called from Python in the sub-interpreter"
        (py/run-simple-string "def apply2(f, x):\n    return f(x) * 2")
        (is (= 22 (py/call-attr (py/import-module "__main__") "apply2" inc 10))))))
  (testing "each interpreter has its own helpers: the main one still works after"
    (is (= 5.0 (py/call-attr (py/import-module "math") "sqrt" 25)))))
