(ns pybridge.python.with
  "Python's with statement for Clojure (pybridge.python/with). The body runs
  inside a real Python `with`, as a callback: __enter__ and __exit__ are
  called exactly as Python calls them, and the exception __exit__ receives
  is the one the body raised: a Python exception raised by a call the body
  made through pybridge.python is that exception itself (captured on its way
  out, see pybridge.python.base/capturing?), a Clojure or Java exception is
  a pybridge.JavaException standing for it. When __exit__ returns true the
  exception is suppressed and the with form is nil; otherwise the original
  exception is rethrown. Internal: the public API is `pybridge.python/with`."
  (:require
   [pybridge.python.base :as base]
   [pybridge.python.bridge-as-jvm :as jvm]
   [pybridge.python.ops :as ops])
  (:import
   (org.pybridge Conversion PyCallback PyObject PythonException)))

(set! *warn-on-reflection* true)

(def ^:private support "pybridge/clojure/support.py")
(base/defhelper with-run-fn support "with_run")
(base/defhelper take-captured-fn support "take_captured")

(defn- python-exception
  "The PythonException t stands for (t itself, or the ex-info pybridge made
  of it), or nil."
  ^PythonException [^Throwable t]
  (cond
    (instance? PythonException t) t
    (and (= :pybridge/python-error (:type (ex-data t))) (instance? PythonException (.getCause t))) (.getCause t)
    :else nil))

(defn with*
  "Runs (body-fn value) inside `with manager as value`."
  [manager body-fn]
  (let [cm (ops/->pyobject manager)
        result (volatile! nil)
        thrown (volatile! nil)
        body (reify PyCallback
               (call [_ args _]
                 (let [value (jvm/bridge (.getAttr ^PyObject (aget ^objects args 0) "value" Conversion/SHALLOW))]
                   (.incrementAndGet base/active-withs)
                   (try
                     (vreset! result (binding [base/*capture* true] (body-fn value)))
                     nil
                     (catch Throwable t
                       (vreset! thrown t)
                       (if-let [pe (python-exception t)]
                         ;; handed back to Python, which raises it in the with block
                         (base/call-helper @take-captured-fn Conversion/HANDLE (.pythonType pe) (.pythonMessage pe))
                         ;; a JVM exception: raised in Python as a pybridge.JavaException
                         (throw t)))
                     (finally (.decrementAndGet base/active-withs))))))]
    (try
      (.callWith ^PyObject @with-run-fn Conversion/HANDLE nil (object-array [cm body]))
      @result
      (catch PythonException e
        (let [^Throwable t @thrown
              pe (some-> t python-exception)]
          (cond
            ;; the body's exception came back out of __exit__ unsuppressed
            (and t (identical? (.getCause e) t)) (throw t)
            (and pe (= (.pythonType pe) (.pythonType e)) (= (.pythonMessage pe) (.pythonMessage e))) (throw t)
            ;; __enter__ or __exit__ raised
            :else (throw (base/python-ex-info e))))))))
