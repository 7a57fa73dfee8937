(ns pybridge.python.async-test
  "pybridge.python.async: coroutine functions called from Clojure, deref-able."
  (:require
   [clojure.test :refer [deftest is testing use-fixtures]]
   [pybridge.python :as py]
   [pybridge.python.async :as pa]
   [pybridge.test-support :as ts])
  (:import
   (java.util.concurrent CompletableFuture ExecutionException)
   (org.pybridge PythonException)))

(use-fixtures :once ts/fixture)

(defn- main-fn [name]
  (py/get-attr (py/add-module "__main__") name))

(defn- define! []
  (py/run-simple-string
    (str "import asyncio, threading\n"
         "async def slow_add(a, b):\n    await asyncio.sleep(0.01)\n    return a + b\n"
         "async def pair(a, b=0):\n    return {'a': a, 'b': b}\n"
         "async def fails():\n    raise KeyError('nope')\n"
         "clj_cancelled = threading.Event()\n"
         "async def forever():\n    try:\n        await asyncio.sleep(3600)\n"
         "    except asyncio.CancelledError:\n        clj_cancelled.set()\n        raise\n"
         "async def await_java(fut):\n    return (await fut) * 2\n")))

(deftest deref-gives-the-result
  (define!)
  (let [f (pa/call-async (main-fn "slow_add") 2 3)]
    (is (= 5 @f))
    (is (realized? f))
    (is (= 5 (deref f 1000 :timeout))))
  (testing "other objects are bridged as py/call bridges them"
    (let [r @(pa/call-async-on nil (main-fn "pair") [1] {:b 2})]
      (is (= {"a" 1 "b" 2} (py/->jvm r)))))
  (testing "deref with a timeout"
    (is (= :timeout (deref (pa/call-async (main-fn "forever")) 20 :timeout)))))

(deftest a-python-exception-is-rethrown-by-deref
  (define!)
  (let [f (pa/call-async (main-fn "fails"))
        e (try @f nil (catch ExecutionException e e))]
    (is (instance? PythonException (.getCause ^Exception e)))
    (is (= "KeyError" (.pythonType ^PythonException (.getCause ^Exception e))))))

(deftest future-cancel-cancels-the-task
  (define!)
  (py/run-simple-string "clj_cancelled.clear()")
  (let [f (pa/call-async (main-fn "forever"))]
    (Thread/sleep 50)
    (is (future-cancel f))
    (is (future-cancelled? f))
    (is (true? (py/call-attr (py/get-attr (py/add-module "__main__") "clj_cancelled") "wait" 30)))))

(deftest python-awaits-a-java-future
  (define!)
  (let [java (CompletableFuture.)
        f (pa/call-async (main-fn "await_java") java)]
    (.complete java 21)
    (is (= 42 (deref f 30000 :timeout)))))
