(ns pybridge.python
  "CPython in the JVM, for Clojure: a thin layer over pybridge's Java API
  (`org.pybridge`), with libpython-clj's names.

      (require '[pybridge.python :as py])
      (py/initialize!)                                   ;=> :ok
      (def np (py/import-module \"numpy\"))
      (py/py. np sum (py/py. np arange 10))              ;=> 45
      (py/stack-resource-context
        (py/->jvm (py/->py-dict {:a 1 :b 2})))           ;=> {\"a\" 1, \"b\" 2}

  Values coming back from Python are *bridged*: None, bools, numbers and
  strings become Clojure values; dicts, lists and callables become live views
  (`as-jvm`); other objects stay `org.pybridge.PyObject` handles. `->jvm` makes
  a deep copy into persistent Clojure data.

  Lifetimes: a Python object is released when its handle is collected by the
  JVM, or, deterministically, at the end of the `stack-resource-context` /
  `with-gil-stack-rc-context` it was made in. Returning a bridged object (or
  a Clojure collection holding some) from such a context keeps it: it is never
  released under your feet, and using a released one is an exception, never a
  crash.

  Errors: a Python exception arrives as an `ex-info` whose `ex-data` holds
  `:python-type` (e.g. \"ValueError\"), `:message` and `:traceback`; its
  cause is the `org.pybridge.PythonException`, whose own cause is the Clojure
  or Java exception if one was thrown in a callback.

  Loading this namespace does not start Python; `initialize!` does (other
  functions start it on first use, without the `*out*` redirection)."
  (:refer-clojure :exclude [dir])
  (:require [clojure.string :as str]
            [pybridge.python.base :as base]
            [pybridge.python.bridge-as-jvm :as jvm]
            [pybridge.python.copy :as copy]
            [pybridge.python.fn :as py-fn]
            [pybridge.python.gc :as gc]
            [pybridge.python.init :as init]
            [pybridge.python.ops :as ops])
  (:import (org.pybridge Gil Python)))

(set! *warn-on-reflection* true)

;; The namespace layout (DESIGN-NOTES.md, "The Clojure layer"): this facade
;; holds the public vars, each delegating to one internal namespace:
;;   base           errors, the .py helpers, unwrapping, type keywords
;;   copy           Clojure data into Python: arguments, lazy iterators
;;   bridge-as-jvm  Python objects as live JVM values; ->py / ->jvm / as-jvm
;;   fn             Clojure fns as Python callables, converter registration
;;   ops            modules, attributes, items, calls, introspection
;;   gc             scopes, collectors, counters
;;   io-redirect    sys.stdout / sys.stderr to *out* / *err*
;;   init           initialize!

;; ---------------------------------------------------------------------------
;; Starting Python

(defn initialize!
  "Starts Python (once per JVM; later calls only check the options) and
  returns :ok. Options (a map or keyword arguments):

    :python-executable   path of the python to use (default: PYBRIDGE_PYTHON,
                         an active virtualenv, or python3 on PATH)
    :sys-path            extra sys.path entries (a seq of strings)
    :release-policy      :dedicated-thread (default) or :caller-threads
    :gc-nudge-threshold  GC-tracked handles before pybridge nudges the JVM GC
    :gil-lease-wait-ms   how long a call waits for a GIL lease held elsewhere
    :redirect-output?    Python's sys.stdout/sys.stderr write to Clojure's
                         *out*/*err* of the calling thread (default true)

      (py/initialize!)                                    ;=> :ok
      (py/initialize! :python-executable \".venv/bin/python\") ;=> :ok"
  [& {:as opts}]
  (init/initialize! opts))

;; ---------------------------------------------------------------------------
;; Conversion

(defn ->py
  "A Python object copied from Clojure data: map -> dict (keyword keys become
  their name), vector/list/seq -> list (always), set -> set, keyword/symbol
  -> str, nil -> None, numbers and strings as in Java, a fn -> a Python
  callable (see ->py-fn). Infinite seqs ((range), (repeat x), (cycle ..),
  (iterate ..)) become lazy Python iterators. A bridged object passes as
  itself. The result is bridged (dicts and lists as live views).

      (py/->py {:a 1 :b [1 2]})  ;=> {'a': 1, 'b': [1, 2]}
      (py/python-type (py/->py #{1}))  ;=> :set"
  [x]
  (jvm/->py x))

(defn ->jvm
  "A deep copy of a Python value into persistent Clojure data: dict -> map
  with the keys as Python has them (strings stay strings), list/tuple ->
  vector, set -> set, int -> long (bigint beyond 64 bits), float -> double,
  str -> string, None -> nil, bytes -> byte[]. Objects with no Clojure
  counterpart come back bridged. Clojure data is returned as it is.

      (py/->jvm (py/->py-dict {:a 1 :b 2}))  ;=> {\"a\" 1, \"b\" 2}"
  [x]
  (jvm/->jvm x))

(defn as-jvm
  "A live view of a Python object (no copy): a dict is a java.util.Map that
  also works with get, keyword destructuring (keywords look up their name),
  count and seq; a list, tuple or other sequence is a java.util.List,
  indexable with nth, countable, seqable, reducible; a generator or other
  iterable is a lazy seq (an infinite one works with take); a callable is an
  IFn (trailing `:kw value` pairs are keyword arguments). Views print as
  Python's str, compare with Python ==, hash with Python hash. Clojure data
  is returned as it is.

      (def d (py/as-jvm (py/->py-dict {:a 1})))
      (let [{:keys [a b]} d] [a b])                 ;=> [1 nil]
      (take 3 (py/as-jvm (py/run-simple-string \"...\")))"
  [x]
  (jvm/as-jvm x))

(defn ->py-dict
  "A new Python dict from a Clojure map (or seq of pairs); keyword keys become
  their name.

      (py/->py-dict {:a 1 :b 2})  ;=> {'a': 1, 'b': 2}"
  [m]
  (jvm/->py-dict m))

(defn ->py-list
  "A new Python list from any Clojure collection or seq (always a list).

      (py/->py-list (range 3))  ;=> [0, 1, 2]"
  [coll]
  (jvm/->py-list coll))

(defn ->py-tuple
  "A new Python tuple from any Clojure collection or seq.

      (py/->py-tuple [1 \"a\" :b])  ;=> (1, 'a', 'b')"
  [coll]
  (jvm/->py-tuple coll))

(defn ->py-fn
  "A Python callable that calls the Clojure fn f with Python's positional
  arguments (as Clojure data) followed by its keyword arguments as trailing
  `:kw value` pairs. A Clojure exception thrown inside is raised in Python
  (as a pybridge.JavaException subclass named after its class); if it comes
  back out, it is the cause of the PythonException behind the ex-info. Any
  fn passed to Python is converted this way automatically.

      (py/call-attr-kw (py/import-module \"builtins\") \"sorted\" [[3 1 2]] {:key (fn [x] (- x))})
      ;=> [3 2 1]"
  [f]
  (py-fn/->py-fn f))

(defn ->py-iterator
  "A lazy Python iterator over a Clojure seqable: items are realized one at a
  time, as Python asks for them, so infinite seqs work.

      (py/->jvm (py/call-attr (py/import-module \"itertools\") \"islice\" (py/->py-iterator (range)) 3))
      ;=> [0 1 2]  (after list(); islice itself is lazy)"
  [coll]
  (copy/->py-iterator coll))

;; ---------------------------------------------------------------------------
;; Modules, code, attributes, items, calls

(defn import-module
  "Imports a Python module (bridged).

      (def np (py/import-module \"numpy\"))
      (py/py. np sqrt 16.0)  ;=> 4.0"
  [module-name]
  (ops/import-module module-name))

(defn run-simple-string
  "Runs Python statements in __main__ and returns {:globals :locals}, both
  the live __main__ dict (as-jvm).

      (py/run-simple-string \"x = 6 * 7\")
      (get (:globals (py/run-simple-string \"y = 1\")) \"x\")  ;=> 42"
  [code]
  (ops/run-simple-string code))

(defn get-attr
  "getattr(obj, name), bridged; the name is a string, keyword or symbol.

      (py/get-attr (py/import-module \"math\") :pi)  ;=> 3.141592653589793"
  [obj attr]
  (ops/get-attr obj attr))

(defn set-attr!
  "setattr(obj, name, value) (value converted with ->py); returns obj.

      (py/set-attr! obj :x 1)"
  [obj attr value]
  (ops/set-attr! obj attr value))

(defn has-attr?
  "hasattr(obj, name).

      (py/has-attr? (py/import-module \"math\") \"pi\")  ;=> true"
  [obj attr]
  (ops/has-attr? obj attr))

(defn call
  "Calls a Python callable with positional arguments (converted with ->py);
  the result is bridged.

      (py/call (py/get-attr (py/import-module \"builtins\") \"len\") [1 2 3])  ;=> 3"
  [callable & args]
  (ops/call callable args))

(defn call-kw
  "Calls a Python callable with positional arguments and a map of keyword
  arguments (keys: keywords, strings or symbols).

      (py/call-kw (py/get-attr (py/import-module \"builtins\") \"int\") [\"ff\"] {:base 16})  ;=> 255"
  [callable args kwargs]
  (ops/call-kw callable args kwargs))

(defn call-attr
  "obj.name(*args): calls a method with positional arguments; bridged result.

      (py/call-attr (py/->py \"a,b\") \"split\" \",\")  ;=> ['a', 'b'] (a list view)"
  [obj attr & args]
  (ops/call-attr obj attr args))

(defn call-attr-kw
  "obj.name(*args, **kwargs): a method call with a vector of positional
  arguments and a map of keyword arguments.

      (py/call-attr-kw (py/import-module \"builtins\") \"sorted\" [[3 1 2]] {:reverse true})  ;=> [3, 2, 1]"
  [obj attr args kwargs]
  (ops/call-attr-kw obj attr args kwargs))

(defn get-item
  "obj[key], bridged.

      (py/get-item (py/->py-dict {:a 1}) \"a\")  ;=> 1"
  [obj key]
  (ops/get-item obj key))

(defn set-item!
  "obj[key] = value; returns obj.

      (py/set-item! d \"b\" 2)"
  [obj key value]
  (ops/set-item! obj key value))

(defn- method-call-form [obj method args]
  `(ops/call-with-kw-pairs ~obj ~(base/attr-name method) [~@args]))

(defmacro py.
  "Method call sugar: (py. obj method arg1 arg2 :kw value).

      (py/py. (py/import-module \"math\") sqrt 16)  ;=> 4.0"
  [obj method & args]
  (method-call-form obj method args))

(defmacro py.-
  "Attribute sugar: (py.- obj attr).

      (py/py.- (py/import-module \"math\") pi)  ;=> 3.141592653589793"
  [obj attr]
  `(get-attr ~obj ~(base/attr-name attr)))

(defmacro py..
  "Chained access: (py.. obj -attr (method arg) method2); -name reads an
  attribute, (name args...) and bare names call methods.

      (py/py.. (py/import-module \"os\") -path (join \"a\" \"b\"))  ;=> \"a/b\""
  [obj & steps]
  (reduce (fn [acc step]
            (cond
              (and (symbol? step) (str/starts-with? (name step) "-"))
              `(get-attr ~acc ~(subs (name step) 1))
              (symbol? step) (method-call-form acc step nil)
              (seq? step) (method-call-form acc (first step) (rest step))
              :else (throw (IllegalArgumentException. (str "py..: cannot use " (pr-str step) " as a step")))))
          obj steps))

;; ---------------------------------------------------------------------------
;; Introspection

(defn python-type
  "The Python type of a value as a keyword: :dict, :list, :tuple, :str, :int,
  :float, :bool, :none-type, :ndarray, :function, :module, :ordered-dict…

      (py/python-type (py/->py-dict {}))  ;=> :dict
      (py/python-type nil)               ;=> :none-type"
  [x]
  (ops/python-type x))

(defn dir
  "dir(obj): the attribute names, as a vector of strings.

      (some #{\"sqrt\"} (py/dir (py/import-module \"math\")))  ;=> \"sqrt\""
  [obj]
  (ops/dir obj))

;; ---------------------------------------------------------------------------
;; The GIL, scopes, the collector, counters

(defmacro with-gil
  "Runs body holding the GIL (reentrant): calls inside skip taking it, which
  makes batches of small calls faster. Other threads wait for Python meanwhile.

      (py/with-gil (mapv py/->jvm dict-seq))"
  [& body]
  `(let [g# (Python/acquireGil)]
     (try ~@body
          (finally (.close ^Gil g#)))))

(defmacro stack-resource-context
  "Runs body in a resource scope: every Python object made on this thread
  inside is released when body ends (taking the GIL once for all of them),
  except what body returns: a bridged object, or the bridged objects
  directly inside a returned vector, list, set or map, are kept (anything
  else used after the scope is a clear exception, never a crash).

      (py/stack-resource-context
        (-> (py/->py-dict {:a 1 :b 2}) (py/->jvm)))  ;=> {\"a\" 1, \"b\" 2}"
  [& body]
  `(gc/run-in-scope false (fn [] ~@body)))

(defmacro with-gil-stack-rc-context
  "with-gil and stack-resource-context together: for batch work.

      (py/with-gil-stack-rc-context
        (->> (repeatedly 1000 #(py/->py-dict {:a 1 :b 2}))
             (py/->py-list) (py/as-jvm) (mapv py/->jvm)))"
  [& body]
  `(gc/run-in-scope true (fn [] ~@body)))

(defn gc-collect!
  "Drops the Python objects whose handles the JVM already collected, then
  runs Python's collector; returns the number of unreachable objects found.

      (py/gc-collect!)  ;=> 0"
  []
  (gc/gc-collect!))

(defn stats
  "pybridge's counters as a map (no GIL taken): live handles, releases by
  path, queued releases, thread states, GC nudges, Java functions Python
  holds…

      (:live-handles (py/stats))  ;=> 12"
  []
  (gc/stats))
