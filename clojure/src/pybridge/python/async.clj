(ns pybridge.python.async
  "async Python from Clojure: call a coroutine function and get something to
  deref.

      (require '[pybridge.python :as py] '[pybridge.python.async :as pa])
      (py/run-simple-string \"import asyncio
      async def slow_add(a, b):
          await asyncio.sleep(0.1)
          return a + b\")
      (def f (pa/call-async (py/get-attr (py/add-module \"__main__\") \"slow_add\") 2 3))
      @f                 ;=> 5
      (deref f 1000 :timeout)
      (future-cancel f)  ; cancels the asyncio task

  The coroutine runs on pybridge's event loop of the interpreter (see
  org.pybridge.PyAsync: one per interpreter, on a thread of its own, stopped
  with the interpreter), or on the loop given to call-async-on. Arguments
  convert as pybridge.python's calls convert them; the result is bridged as
  theirs are (scalars as Clojure values, other objects as views). A Python
  exception is rethrown by deref (as an ExecutionException whose cause is the
  PythonException)."
  (:require
   [pybridge.python.base :refer [py-try]]
   [pybridge.python.bridge-as-jvm :as jvm]
   [pybridge.python.copy :as copy]
   [pybridge.python.ops :as ops])
  (:import
   (clojure.lang IBlockingDeref IDeref IPending)
   (java.util.concurrent CompletableFuture Future TimeUnit TimeoutException)
   (org.pybridge Conversion PyAsync PyObject)))

(set! *warn-on-reflection* true)

(defn- deref-able
  "The task's future as Clojure derefs it (deref, deref with a timeout,
  realized?, future-cancel, future-done?), results bridged."
  [^CompletableFuture f]
  (reify
    IDeref
    (deref [_] (jvm/bridge (.get f)))
    IBlockingDeref
    (deref [_ ms timeout-val]
      (try (jvm/bridge (.get f ms TimeUnit/MILLISECONDS))
           (catch TimeoutException _ timeout-val)))
    IPending
    (isRealized [_] (.isDone f))
    Future
    (get [_] (jvm/bridge (.get f)))
    (get [_ t unit] (jvm/bridge (.get f t unit)))
    (isCancelled [_] (.isCancelled f))
    (isDone [_] (.isDone f))
    (cancel [_ interrupt?] (.cancel f interrupt?))))

(defn call-async-on
  "As call-async, on the asyncio event loop `loop` (running on some thread;
  nil: pybridge's own), with keyword arguments `kwargs` (a map, or nil)."
  [loop f args kwargs]
  (copy/with-hashable-keys [args kwargs]
    (deref-able
      (py-try (PyAsync/callOnWith (when loop (ops/->pyobject loop)) Conversion/SHALLOW (ops/->pyobject f)
                                  (copy/kw-map kwargs) (copy/args-array args))))))

(defn call-async
  "Calls the async function f with args and runs the coroutine on pybridge's
  event loop; returns a deref-able future of its result (also a
  java.util.concurrent.Future: future-cancel cancels the task)."
  [f & args]
  (call-async-on nil f args nil))

(defn completable-future
  "The java.util.concurrent.CompletableFuture of call-async's result, for
  composing with Java (thenApply, allOf); results are not bridged there."
  ^CompletableFuture [f & args]
  (copy/with-hashable-keys [args]
    (py-try (PyAsync/callOnWith nil Conversion/SHALLOW (ops/->pyobject f) nil (copy/args-array args)))))
