(ns pybridge.interpreters
  "Sub-interpreters and pools of them, for Clojure (org.pybridge.Interpreter,
  InterpreterPool): Python in parallel, one core per isolated interpreter
  (Python 3.12+; before 3.12 only interpreters that share the main GIL).

      (require '[pybridge.interpreters :as pi])
      (pi/with-interpreter [sub {:isolated true}]
        (pi/exec! sub \"def sq(x):\\n    return x * x\")
        (pi/call-fn sub \"sq\" 7))                           ;=> 49
      (with-open [pool (pi/pool 4 {:startup-code [\"def sq(x):\\n    return x * x\"]})]
        (mapv deref (for [i (range 8)] (pi/submit pool #(pi/call-fn \"sq\" i)))))

  A sub-interpreter runs on a thread of its own; its objects never leave it.
  The functions here convert every result to Java values inside the
  interpreter. `in-interpreter` runs a body there: inside it, the Java API
  (org.pybridge.Python, PyObject) uses that interpreter. pybridge.python's
  facade keeps helper functions in the main interpreter, so inside a body
  use this namespace or the Java API rather than pybridge.python."
  (:import
   (java.util.concurrent Callable CompletableFuture)
   (org.pybridge Interpreter InterpreterConfig InterpreterPool PyObject Python)))

(set! *warn-on-reflection* true)

(defn config
  "An InterpreterConfig from a map: :isolated (true: own GIL, 3.12+; false:
  the main GIL shared; absent: isolated on 3.12+), :name, :sys-path (a
  seq of directories), :threads, :daemon-threads, :fork, :exec (booleans),
  :startup-code (a seq of code strings run at start)."
  ^InterpreterConfig [opts]
  (let [{:keys [isolated name sys-path threads daemon-threads fork exec startup-code]} opts
        c (InterpreterConfig/defaults)
        c (if (nil? isolated) c (.withOwnGil c (boolean isolated)))
        c (if name (.withName c (str name)) c)
        c (if sys-path (.withSysPath c (mapv str sys-path)) c)
        c (if (nil? threads) c (.withThreads c (boolean threads)))
        c (if (nil? daemon-threads) c (.withDaemonThreads c (boolean daemon-threads)))
        c (if (nil? fork) c (.withFork c (boolean fork)))
        c (if (nil? exec) c (.withExec c (boolean exec)))]
    (reduce (fn [^InterpreterConfig c code] (.withStartupCode c (str code))) c startup-code)))

(defn new-interpreter
  "A new sub-interpreter (close it with .close, or use with-interpreter)."
  (^Interpreter [] (new-interpreter {}))
  (^Interpreter [opts] (Python/newInterpreter (config opts))))

(defmacro with-interpreter
  "Binds sym to a new sub-interpreter made from opts (see `config`), runs
  body, and closes it."
  [[sym opts] & body]
  `(with-open [~(vary-meta sym assoc :tag `Interpreter) (new-interpreter ~opts)]
     ~@body))

(defn- callable
  "f as a Callable for an interpreter's thread, carrying the caller's
  dynamic bindings there (as future does)."
  ^Callable [f]
  (let [f (bound-fn* f)]
    (reify Callable (call [_] (f)))))

(defn in-interpreter*
  "Runs (f) inside interp, on its thread, with the caller's dynamic
  bindings, and returns the result (which must not hold the interpreter's
  objects: convert them)."
  [^Interpreter interp f]
  (.call interp (callable f)))

(defmacro in-interpreter
  "Runs body inside interp (see in-interpreter*)."
  [interp & body]
  `(in-interpreter* ~interp (fn [] ~@body)))

(defn exec!
  "Runs statements in interp's __main__."
  [^Interpreter interp ^String code]
  (.exec interp code)
  nil)

(defn eval-py
  "Evaluates an expression in interp, the result converted to Java values."
  [^Interpreter interp ^String expr]
  (.eval interp expr Object))

(defn- call-global [^String fname args]
  (let [^PyObject f (.getAttr (Python/mainModule) fname)]
    (.callAs f Object (object-array args))))

(defn call-fn
  "Calls the global function fname of interp's __main__ with args (Java
  values), the result converted. Without interp: in the interpreter whose
  task is running (inside in-interpreter or a pool task)."
  ([fname] (call-global fname []))
  ([a b & more]
   (if (instance? Interpreter a)
     (let [^Interpreter interp a]
       (.call interp (callable #(call-global (str b) more))))
     (call-global (str a) (cons b more)))))

(defn pool
  "An InterpreterPool of n interpreters made from opts (see `config`); close it with .close or with-open."
  (^InterpreterPool [n] (pool n {}))
  (^InterpreterPool [n opts] (InterpreterPool/create (int n) (config opts))))

(defn submit
  "Runs (f) in the pool member with the fewest tasks in flight; a
  CompletableFuture (deref it) of its result."
  ^CompletableFuture [^InterpreterPool pool f]
  (.submit pool (callable f)))

(defn exec-all!
  "Runs code in every member of the pool."
  [^InterpreterPool pool ^String code]
  (.execAll pool code)
  nil)
