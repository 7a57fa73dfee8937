(ns pybridge.python.class-test
  "Python classes whose methods are Clojure fns."
  (:require
   [clojure.edn :as edn]
   [clojure.test :refer [deftest is testing use-fixtures]]
   [pybridge.python :as py]
   [pybridge.test-support :as ts]))

(use-fixtures :once ts/fixture)

(defn- stock-class []
  (py/create-class
    "Stock" nil
    {"__init__" (py/make-instance-fn
                  (fn [self name shares price]
                    (py/set-attrs! self {"name" name "shares" shares "price" price})
                    nil))
     "cost" (py/make-instance-fn (fn [self] (* (py/py.- self shares) (py/py.- self price))) {:name "cost"})
     "__str__" (py/make-instance-fn (fn [self] (pr-str {"name" (py/py.- self name) "shares" (py/py.- self shares)})))
     "kw_fn" (py/make-kw-instance-fn
               (fn [pos-args kw-args]
                 (apply + (double (py/py.- (first pos-args) price)) (get kw-args "a" 5) (rest pos-args))))
     :clsattr 55}))

(deftest instance-methods
  (let [Stock (stock-class)
        acme (Stock "ACME" 50 90)]
    (is (= 4500 (py/$a acme cost)))
    (is (= 55 (py/py.- acme clsattr)))
    (is (= {"name" "ACME" "shares" 50} (edn/read-string (str acme))))
    (is (= 116.0 (py/call-attr-kw acme "kw_fn" [1 2 3] {:a 20})))
    (is (= 101.0 (py/call-attr-kw acme "kw_fn" [1 2 3] nil)))
    (is (= "cost" (py/py.. acme -cost -__name__)))
    (is (= "Stock" (py/py.. Stock -__name__)))
    (is (py/is-instance? acme Stock))))

(deftest keyword-init-and-bases
  (let [Base (py/create-class "Base" nil {"hello" (py/make-instance-fn (fn [_self] "hello"))})
        Kw (py/create-class
             "Kw" [Base]
             {"__init__" (py/make-kw-instance-fn
                           (fn [[self & args] kwargs]
                             (py/set-attr! self "args" (vec args))
                             (py/set-attr! self "kwargs" kwargs)
                             nil))})
        inst (py/cfn Kw "ACME" 50 :a 1 :b 2)]
    (is (= {"a" 1 "b" 2} (py/->jvm (py/get-attr inst "kwargs"))))
    (is (= ["ACME" 50] (py/->jvm (py/get-attr inst "args"))))
    (is (= "hello" (py/call-attr inst "hello")) "inherited from a class made the same way"))
  (testing "plain fns are callables without self; older names work"
    (let [C (py/create-class "C" nil {"static" inc
                                      "m" (py/make-tuple-instance-fn (fn [_self x] (* 2 x)) :name "m")})]
      (is (= 2 (py/call-attr (C) "static" 1)))
      (is (= 6 (py/call-attr (C) "m" 3))))))

(deftest exceptions-in-methods
  (let [C (py/create-class "Raises" nil {"boom" (py/make-instance-fn (fn [_self] (throw (ex-info "boom" {:x 1}))))})
        e (is (thrown? clojure.lang.ExceptionInfo (py/call-attr (C) "boom")))]
    (is (= {:x 1} (ex-data (ex-cause (ex-cause e)))))))
