(ns pybridge.python.with-test
  "py/with: Python's with statement, with the exception __exit__ receives."
  (:require
   [clojure.test :refer [deftest is testing use-fixtures]]
   [pybridge.python :as py]
   [pybridge.test-support :as ts]))

(use-fixtures :once ts/fixture)

(defn- recorder [suppress? log]
  (py/call-attr (ts/testcode) "Recorder" suppress? log))

(deftest body-value-enter-and-exit
  (let [log (py/->py-list [])]
    (is (= 1 (py/with [r (recorder false log)] (py/call-attr r "ok"))))
    (is (= ["enter" "exit None None"] (py/->jvm log))))
  (testing "the name is bound to what __enter__ returned"
    (let [opener (py/call-attr (ts/testcode) "Opener" "some text")]
      (is (= "some text" (py/with [f opener] (py/call-attr f "read"))))
      (is (true? (py/get-attr opener "closed"))))))

(deftest python-exception-reaches-exit-as-itself
  (testing "suppressed: with is nil"
    (let [log (py/->py-list [])
          r (recorder true log)]
      (is (nil? (py/with [x r] (py/call-attr x "fail"))))
      (is (= ["enter" "exit ValueError ('no', 'good')"] (py/->jvm log)))
      (testing "the exception object itself: its args and traceback"
        (let [[exc-type exc tb] (py/get-attr r "last")]
          (is (= ["no" "good"] (py/->jvm (py/get-attr exc "args"))))
          (is (= "ValueError" (py/get-attr exc-type "__name__")))
          (is (some? tb))))))
  (testing "not suppressed: the ex-info the call threw, unchanged"
    (let [log (py/->py-list [])
          e (is (thrown? clojure.lang.ExceptionInfo
                         (py/with [x (recorder false log)] (py/call-attr x "fail"))))]
      (is (= "ValueError" (:python-type (ex-data e))))
      (is (= ["enter" "exit ValueError ('no', 'good')"] (py/->jvm log)))))
  (testing "from every kind of call the body makes"
    (doseq [body [#(py/get-attr (py/import-module "math") "no_such_attr")
                  #(py/get-item (py/->py-dict {}) "missing")
                  #((py/get-attr (py/import-module "builtins") "int") "x")
                  #(py/$a (py/import-module "builtins") int "x")]]
      (let [log (py/->py-list [])]
        (is (nil? (py/with [_ (recorder true log)] (body))))
        (is (re-matches #"exit (AttributeError|KeyError|ValueError) .+" (second (py/->jvm log))))))))

(deftest clojure-exception-reaches-exit
  (let [log (py/->py-list [])
        e (is (thrown? clojure.lang.ExceptionInfo
                       (py/with [_ (recorder false log)] (throw (ex-info "boom" {:k 1})))))]
    (is (= {:k 1} (ex-data e)) "the original exception")
    (is (= ["enter" "exit ExceptionInfo boom"] (py/->jvm log))))
  (let [log (py/->py-list [])]
    (is (nil? (py/with [_ (recorder true log)] (throw (IllegalStateException. "x")))))
    (is (= ["enter" "exit IllegalStateException x"] (py/->jvm log)))))

(deftest errors-of-the-manager-itself
  (py/run-simple-string "
class BadExit:
    def __enter__(self):
        return self
    def __exit__(self, *a):
        raise KeyError('from exit')
class NotAManager:
    pass")
  (let [g (:globals (py/run-simple-string "pass"))]
    (is (= "KeyError" (:python-type (ex-data (is (thrown? clojure.lang.ExceptionInfo
                                                   (py/with [_ ((get g "BadExit"))] 1)))))))
    (is (thrown? clojure.lang.ExceptionInfo (py/with [_ ((get g "NotAManager"))] 1)))
    (is (thrown? clojure.lang.ExceptionInfo (py/with [_ ((get g "BadExit"))] (throw (ex-info "inner" {}))))))
  (is (thrown? Exception (macroexpand '(pybridge.python/with [a] 1)))))

(deftest nested-and-in-scopes
  (let [log (py/->py-list [])]
    (is (= 2 (py/with [a (recorder false log)]
               (py/with [b (recorder false log)]
                 (+ (py/call-attr a "ok") (py/call-attr b "ok"))))))
    (is (= ["enter" "enter" "exit None None" "exit None None"] (py/->jvm log))))
  (testing "a with in a scope: what it returns is kept"
    (let [d (py/with-gil-stack-rc-context
              (py/with [_ (recorder false (py/->py-list []))] (py/->py-dict {:a 1})))]
      (is (= {"a" 1} (py/->jvm d))))))
