(ns pybridge.python
  "CPython in the JVM, for Clojure: a thin layer over pybridge's Java API
  (`org.pybridge`), with libpython-clj's names: every public var of
  `libpython-clj2.python`, plus pybridge's own.

      (require '[pybridge.python :as py])
      (py/initialize!)                                   ;=> :ok
      (def np (py/import-module \"numpy\"))
      (py/py. np sum (py/py. np arange 10))              ;=> 45
      (py/stack-resource-context
        (py/->jvm (py/->py-dict {:a 1 :b 2})))           ;=> {\"a\" 1, \"b\" 2}

  Values coming back from Python are *bridged*: None, bools, numbers and
  strings become Clojure values; dicts, lists and callables become live views
  (`as-jvm`), sets, iterators and generators iterables; other objects stay
  `org.pybridge.PyObject` handles. `->jvm` makes a deep copy into persistent
  Clojure data.

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
  functions start it on first use, without the `*out*` redirection).

  Layout: this namespace is the facade; each var delegates to one of
  `pybridge.python.*`: base (errors, the .py helpers, type keywords), copy
  (Clojure data into Python), bridge-as-jvm (Python objects as live JVM
  values, ->jvm), bridge-as-python (JVM collections as live Python objects),
  fn (Clojure fns as callables), class (Python classes of Clojure fns), ops
  (modules, attributes, items, calls), with (the with statement), gc
  (scopes, counters), io-redirect (sys.stdout to *out*), init (initialize!).
  Python modules as namespaces are `pybridge.require`; `pybridge.sugar`
  has pyxfn."
  (:refer-clojure :exclude [dir])
  (:require
   [clojure.string :as str]
   [pybridge.python.base :as base]
   [pybridge.python.bridge-as-jvm :as jvm]
   [pybridge.python.copy :as copy]
   [pybridge.python.fn :as py-fn]
   [pybridge.python.gc :as gc]
   [pybridge.python.ops :as ops])
  (:import
   (java.util.function Supplier)
   (org.pybridge Gil Python)))

(set! *warn-on-reflection* true)

;; ---------------------------------------------------------------------------
;; How the vars delegate

(defmacro ^:private defapi
  "A public var holding target's value, with a docstring and arglists: the
  facade's fns delegate without a wrapper fn (each fn is a class, and loading
  classes is most of the time (require 'pybridge.python) takes)."
  [sym doc arglists target]
  `(def ~(vary-meta sym assoc :doc doc :arglists (list 'quote arglists)) ~target))

(defn- lazy
  "The var sym (fully qualified), its namespace loaded on first use: the
  namespaces behind initialize!, as-python, with and the class functions
  are not loaded with this one. A thread Python started has no context
  class loader; it borrows this namespace's for the load."
  [sym]
  (or (resolve sym)
      (let [t (Thread/currentThread)
            cl (.getContextClassLoader t)]
        (when-not cl (.setContextClassLoader t (.getClassLoader (class lazy))))
        (try
          (locking lazy (require (symbol (namespace sym))))
          (resolve sym)
          (finally (when-not cl (.setContextClassLoader t nil)))))))

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

  libpython-clj's options work too: :no-io-redirect? (= :redirect-output?
  false); :library-path (or :python-library-path) and :python-home choose
  the Python whose bin/python3 lies beside them (pybridge always loads the
  libpython of the executable it runs, and says so if that is not the
  library asked for); a python.edn file in the working directory (or at the
  classpath root) supplies options, with :pre-initialize-fn and
  :post-initialize-fn (symbols of fns run before and after the first start).
  :program-name, :signals? (pybridge never installs Python signal handlers)
  and Windows options are ignored. Unlike libpython-clj, which answers
  :already-initialized once Python runs, this returns :ok every time (the
  libpython-clj2.python compatibility namespace answers as libpython-clj).

      (py/initialize!)                                    ;=> :ok
      (py/initialize! :python-executable \".venv/bin/python\") ;=> :ok"
  [& {:as opts}]
  ((lazy 'pybridge.python.init/initialize!) opts)
  :ok)

;; ---------------------------------------------------------------------------
;; Conversion

(defapi ->py
  "A Python object copied from Clojure data: map -> dict (keyword keys become
  their name), vector/list/seq -> list (always), set -> set, keyword/symbol
  -> str, nil -> None, numbers and strings as in Java, a fn -> a Python
  callable (see ->py-fn). A vector (or list, or set) used as a map key or
  set member becomes a tuple (a frozenset), so that Python can hash it.
  Infinite seqs ((range), (repeat x), (cycle ..), (iterate ..)) become lazy
  Python iterators. A bridged object passes as itself. The result is
  bridged (dicts and lists as live views).

      (py/->py {:a 1 :b [1 2]})  ;=> {'a': 1, 'b': [1, 2]}
      (py/->py {[1 2] :x})       ;=> {(1, 2): 'x'}
      (py/python-type (py/->py #{1}))  ;=> :set"
  ([x])
  jvm/->py)

(defapi ->python
  "A copy of a JVM value in Python (libpython-clj's name for ->py; see
  there): maps are dicts, vectors lists, a vector used as a map key a tuple.

      (py/python-type (py/->python {:a 1}))  ;=> :dict"
  ([x])
  jvm/->py)

(defn as-python
  "A live bridge of a JVM value into Python, not a copy: a map is a Python
  collections.abc.MutableMapping, a vector a MutableSequence, a set a Set,
  another seq an Iterable (lazy, so infinite seqs work), an Iterator an
  Iterator, a fn a callable; scalars and Python objects are as ->python
  makes them. Python reads (and, for mutable Java collections, writes) the
  JVM object itself; what it reads from it is bridged the same way. A str
  key that a map does not hold is looked up as a keyword too.

      (py/call (py/get-attr (py/import-module \"builtins\") \"list\") (py/as-python {:a 1 :b 2}))
      ;=> ['a', 'b']
      (py/is-instance? (py/as-python [1 2])
                       (py/get-attr (py/import-module \"collections.abc\") \"Sequence\"))  ;=> true"
  [x]
  ((lazy 'pybridge.python.bridge-as-python/as-python) x))

(defapi ->jvm
  "A deep copy of a Python value into persistent Clojure data: dict -> map
  with the keys as Python has them (strings stay strings), list/tuple ->
  vector, set -> set, int -> long (bigint beyond 64 bits), float -> double,
  str -> string, None -> nil, bytes -> byte[]; other mappings and sequences
  (mappingproxy, as-python bridges...) through their items. Objects with no
  Clojure counterpart come back bridged; with opts {:unconvertible
  :type-map} as libpython-clj gives them: {:type :module, :value obj}.
  Clojure data is returned as it is.

      (py/->jvm (py/->py-dict {:a 1 :b 2}))  ;=> {\"a\" 1, \"b\" 2}
      (:type (py/->jvm (py/import-module \"math\") {:unconvertible :type-map}))  ;=> :module"
  ([x] [x opts])
  jvm/->jvm)

(defapi as-jvm
  "A live view of a Python object (no copy): a dict is a java.util.Map that
  also works with get, keyword destructuring (keywords look up their name),
  count and seq; a list, tuple or other sequence is a java.util.List,
  indexable with nth, countable, seqable, reducible; a generator or other
  iterable is a lazy seq (an infinite one works with take); a callable is an
  IFn (trailing `:kw value` pairs are keyword arguments). Views print as
  Python's str, compare with Python ==, hash with Python hash. Clojure data
  is returned as it is. opts (libpython-clj's second argument) are accepted
  and ignored.

      (def d (py/as-jvm (py/->py-dict {:a 1})))
      (let [{:keys [a b]} d] [a b])                 ;=> [1 nil]
      (take 3 (py/as-jvm (py/call-attr (py/import-module \"itertools\") \"count\")))  ;=> (0 1 2)"
  ([x] [x opts])
  jvm/as-jvm)

(defapi as-map
  "Any Python object as a live java.util.Map of its items (keys, get,
  __getitem__, __setitem__), whatever its type.

      (get (py/as-map (py/module-dict (py/import-module \"math\"))) \"pi\")  ;=> 3.141592653589793"
  ([obj])
  ops/as-map)

(defapi as-list
  "Any Python object as a live java.util.List of its items (__len__,
  __getitem__), whatever its type.

      (vec (py/as-list (py/->py-tuple [1 2])))  ;=> [1 2]"
  ([obj])
  ops/as-list)

(defapi ->py-dict
  "A new Python dict from a Clojure map (or seq of pairs); keyword keys become
  their name.

      (py/->py-dict {:a 1 :b 2})  ;=> {'a': 1, 'b': 2}"
  ([m])
  jvm/->py-dict)

(defapi ->py-list
  "A new Python list from any Clojure collection or seq (always a list).

      (py/->py-list (range 3))  ;=> [0, 1, 2]"
  ([coll])
  jvm/->py-list)

(defapi ->py-tuple
  "A new Python tuple from any Clojure collection or seq.

      (py/->py-tuple [1 \"a\" :b])  ;=> (1, 'a', 'b')"
  ([coll])
  jvm/->py-tuple)

(defapi ->py-fn
  "A Python callable that calls the Clojure fn f with Python's positional
  arguments (as Clojure data) followed by its keyword arguments as trailing
  `:kw value` pairs. A Clojure exception thrown inside is raised in Python
  (as a pybridge.JavaException subclass named after its class); if it comes
  back out, it is the cause of the PythonException behind the ex-info. Any
  fn passed to Python is converted this way automatically.

      (py/call-attr-kw (py/import-module \"builtins\") \"sorted\" [[3 1 2]] {:key (fn [x] (- x))})
      ;=> [3 2 1]"
  ([f])
  py-fn/->py-fn)

(defapi ->py-iterator
  "A lazy Python iterator over a Clojure seqable: items are realized one at a
  time, as Python asks for them, so infinite seqs work.

      (py/->jvm (py/call-attr (py/import-module \"itertools\") \"islice\" (py/->py-iterator (range)) 3))
      ;=> [0 1 2]  (after list(); islice itself is lazy)"
  ([coll])
  copy/->py-iterator)

;; ---------------------------------------------------------------------------
;; Clojure fns and classes in Python

(defapi make-callable
  "A Python callable calling the Clojure fn f (as ->py-fn does), with
  options: :arg-converter (applied to each positional argument, which
  arrives as Clojure data), :result-converter (applied to f's result before
  Python gets it), :name and :doc (the function's __name__ and __doc__).
  Python's keyword arguments arrive as trailing `:kw value` pairs.

      (def add (py/make-callable (fn [a b] (+ a b)) {:name \"add\"}))
      (add 1 2)                  ;=> 3
      (py/get-attr add \"__name__\") ;=> \"add\""
  ([f] [f opts])
  py-fn/make-callable)

(defn make-tuple-fn
  "libpython-clj's older name for make-callable, options as keyword
  arguments.

      ((py/make-tuple-fn inc :name \"inc\") 1)  ;=> 2"
  [f & {:as opts}]
  (py-fn/make-callable f opts))

(defn make-instance-fn
  "A Python function whose first argument is the instance it is called on
  (`self`), calling the Clojure fn f: put in a class (create-class) it is a
  method. Options as make-callable (:arg-converter, :result-converter,
  :name, :doc).

      (py/make-instance-fn (fn [self x] (* x (py/get-attr self \"k\"))))"
  ([f] (make-instance-fn f nil))
  ([f opts]
   ((lazy 'pybridge.python.class/make-instance-fn) f opts)))

(defn make-tuple-instance-fn
  "libpython-clj's older name for make-instance-fn, options as keyword
  arguments.

      (py/make-tuple-instance-fn (fn [self] 1) :name \"one\")"
  [f & {:as opts}]
  ((lazy 'pybridge.python.class/make-instance-fn) f opts))

(defn make-kw-instance-fn
  "A method (see make-instance-fn) whose Clojure fn receives two arguments:
  the vector of positional arguments, self first, and the map of keyword
  arguments (string keys). Its result is bridged into Python with
  as-python unless :result-converter says otherwise.

      (py/make-kw-instance-fn (fn [[self & args] kwargs] (get kwargs \"a\" 5)))"
  ([f] (make-kw-instance-fn f nil))
  ([f opts]
   ((lazy 'pybridge.python.class/make-kw-instance-fn) f opts)))

(defn create-class
  "A new Python class: type(name, bases, members). Members are converted
  with ->python (keyword keys become their name); a fn made with
  make-instance-fn or make-kw-instance-fn is a method, other fns are
  plain callables (no self). bases is a seq of classes, or nil.

      (def Point (py/create-class \"Point\" nil
                   {\"__init__\" (py/make-instance-fn
                                 (fn [self x y] (py/set-attrs! self {\"x\" x \"y\" y}) nil))
                    \"norm2\" (py/make-instance-fn
                              (fn [self] (+ (* (py/get-attr self \"x\") (py/get-attr self \"x\"))
                                            (* (py/get-attr self \"y\") (py/get-attr self \"y\")))))}))
      (py/call-attr (Point 3 4) \"norm2\")  ;=> 25"
  [name bases members]
  ((lazy 'pybridge.python.class/create-class) name bases members))

(defapi make-fastcallable
  "A Python callable as an IFn for tight loops with positional arguments
  only (no keyword splitting). It is AutoCloseable, as libpython-clj's is:
  calling it after close is an IllegalStateException (the Python callable
  itself is not released).

      (with-open [f (py/make-fastcallable (py/get-attr (py/import-module \"math\") \"hypot\"))]
        (f 3 4))  ;=> 5.0"
  ([item])
  py-fn/make-fastcallable)

;; ---------------------------------------------------------------------------
;; Modules and code

(defapi import-module
  "Imports a Python module (bridged).

      (def np (py/import-module \"numpy\"))
      (py/py. np sqrt 16.0)  ;=> 4.0"
  ([module-name])
  ops/import-module)

(defapi add-module
  "The module called module-name, created (empty, in sys.modules) when
  there is none, as PyImport_AddModule does.

      (py/add-module \"__main__\")  ;=> <module '__main__'>"
  ([module-name])
  ops/add-module)

(defapi module-dict
  "A module's namespace dict (live: a PyDict view).

      (get (py/module-dict (py/import-module \"math\")) \"pi\")  ;=> 3.141592653589793"
  ([module])
  ops/module-dict)

(defmacro import-as
  "Imports a module and defines varname as it, with the module's docstring
  as the var's.

      (py/import-as os.path pypath)
      (py/call-attr pypath \"join\" \"a\" \"b\")  ;=> \"a/b\""
  [module-path varname]
  `(let [mod# (import-module ~(name module-path))]
     (def ~varname mod#)
     (alter-meta! (var ~varname) assoc :doc (get-attr mod# "__doc__"))
     (var ~varname)))

(defmacro from-import
  "Python's `from module import a, b`: defines a var for each item, with its
  docstring.

      (py/from-import math sqrt pi)
      (sqrt pi)  ;=> 1.7724538509055159"
  [module-path item & items]
  (let [m (gensym "module")]
    `(let [~m (import-module ~(name module-path))]
       ~@(for [v (cons item items)]
           `(let [value# (get-attr ~m ~(name v))]
              (def ~v value#)
              (alter-meta! (var ~v) assoc :doc (when (has-attr? value# "__doc__") (get-attr value# "__doc__")))
              (var ~v))))))

(defapi path->py-obj
  "A module or an attribute by dotted path: \"builtins\" is the module,
  \"builtins.list\" the class in it (a module path is tried first, then its
  parent's attribute). With :reload? true the module is reloaded.

      (py/path->py-obj \"os.path.join\")  ;=> <function join ...>"
  ([item-path & {:keys [reload?]}])
  ops/path->py-obj)

(defapi run-simple-string
  "Runs Python statements and returns {:globals :locals}, live dicts
  (as-jvm). By default in __main__, where globals and locals are the same
  dict; :globals and :locals (dicts, or Clojure maps, copied) run it
  elsewhere (locals default to globals). As in CPython, the value of an
  expression is never returned: read the variable it set.

      (py/run-simple-string \"x = 6 * 7\")
      (get (:globals (py/run-simple-string \"y = 1\")) \"x\")  ;=> 42
      (get (:globals (py/run-simple-string \"z = a + 1\" :globals {:a 1})) \"z\")  ;=> 2"
  ([code & {:keys [globals locals]}])
  ops/run-simple-string)

(defn in-py-ctx
  "Calls the Supplier in a scope holding the GIL and returns its result
  copied with ->jvm (nothing Python escapes). For Java callers of
  libpython-clj.

      (py/in-py-ctx (reify java.util.function.Supplier (get [_] (py/->py [1 2]))))  ;=> [1 2]"
  [^Supplier supplier]
  (gc/run-in-scope true #(jvm/->jvm (.get supplier))))

;; ---------------------------------------------------------------------------
;; Attributes and items

(defapi get-attr
  "getattr(obj, name), bridged; the name is a string, keyword or symbol.

      (py/get-attr (py/import-module \"math\") :pi)  ;=> 3.141592653589793"
  ([obj attr])
  ops/get-attr)

(defapi set-attr!
  "setattr(obj, name, value) (value converted with ->py); returns obj.

      (py/set-attr! obj :x 1)"
  ([obj attr value])
  ops/set-attr!)

(defapi set-attrs!
  "set-attr! for each [name value] of a map or seq of pairs; returns obj.

      (py/set-attrs! obj {\"x\" 1 \"y\" 2})"
  ([obj attr-seq])
  ops/set-attrs!)

(defapi has-attr?
  "hasattr(obj, name).

      (py/has-attr? (py/import-module \"math\") \"pi\")  ;=> true"
  ([obj attr])
  ops/has-attr?)

(defapi get-item
  "obj[key], bridged. A vector key is a tuple, as Python writes a[1, 2].

      (py/get-item (py/->py-dict {:a 1}) \"a\")  ;=> 1"
  ([obj key])
  ops/get-item)

(defapi set-item!
  "obj[key] = value; returns obj.

      (py/set-item! d \"b\" 2)"
  ([obj key value])
  ops/set-item!)

(defapi set-items!
  "set-item! for each [key value] of a map or seq of pairs; returns obj.

      (py/set-items! d {\"b\" 2 \"c\" 3})"
  ([obj item-seq])
  ops/set-items!)

(defapi has-item?
  "`key in obj` (false when obj does not support `in`). libpython-clj's
  answers hasattr instead; this is what its docstring promises.

      (py/has-item? (py/->py-dict {:a 1}) \"a\")  ;=> true"
  ([obj key])
  ops/has-item?)

;; ---------------------------------------------------------------------------
;; Calls

(defapi call
  "Calls a Python callable with positional arguments (converted with ->py);
  the result is bridged.

      (py/call (py/get-attr (py/import-module \"builtins\") \"len\") [1 2 3])  ;=> 3"
  ([callable & args])
  ops/call)

(defapi call-kw
  "Calls a Python callable with positional arguments and a map of keyword
  arguments (keys: keywords, strings or symbols).

      (py/call-kw (py/get-attr (py/import-module \"builtins\") \"int\") [\"ff\"] {:base 16})  ;=> 255"
  ([callable args kwargs])
  ops/call-kw)

(defapi call-attr
  "obj.name(*args): calls a method with positional arguments; bridged result.

      (py/call-attr (py/->py \"a,b\") \"split\" \",\")  ;=> ['a', 'b'] (a list view)"
  ([obj attr & args])
  ops/call-attr)

(defapi call-attr-kw
  "obj.name(*args, **kwargs): a method call with a vector of positional
  arguments and a map of keyword arguments.

      (py/call-attr-kw (py/import-module \"builtins\") \"sorted\" [[3 1 2]] {:reverse true})  ;=> [3, 2, 1]"
  ([obj attr args kwargs])
  ops/call-attr-kw)

(defapi cfn
  "Calls a Python callable; each keyword argument and the one after it are
  a Python keyword argument (libpython-clj's rule: a keyword without a value
  after it, or a positional argument after a keyword argument, is an error).

      (py/cfn (py/get-attr (py/import-module \"builtins\") \"int\") \"ff\" :base 16)  ;=> 255"
  ([item & args])
  ops/cfn)

(defapi afn
  "Calls a method by name, arguments as cfn takes them.

      (py/afn (py/import-module \"builtins\") \"sorted\" [3 1 2] :reverse true)  ;=> [3, 2, 1]"
  ([item attr & args])
  ops/afn)

(defn- split-literal-args
  "Macro arguments as [positional-forms kw-map-form] by cfn's rule, decided
  when the macro expands (keywords must be literals)."
  [args]
  (let [[pos kw] (copy/args->pos-kw-args args)]
    [(vec pos) kw]))

(defmacro $a
  "Calls a method (name: symbol, string or keyword); literal keywords in
  the arguments start keyword arguments, decided when the form compiles:
  (py/$a obj method 1 2 :kw 3) is obj.method(1, 2, kw=3).

      (py/$a (py/import-module \"builtins\") sorted [3 1 2] :reverse true)  ;=> [3, 2, 1]"
  [item attr & args]
  (let [[pos kw] (split-literal-args args)]
    `(call-attr-kw ~item ~(base/attr-name attr) ~pos ~kw)))

(defmacro $c
  "Calls a callable, literal keywords starting keyword arguments as in $a.

      (py/$c (py/get-attr (py/import-module \"builtins\") \"int\") \"ff\" :base 16)  ;=> 255"
  [item & args]
  (let [[pos kw] (split-literal-args args)]
    `(call-kw ~item ~pos ~kw)))

(defmacro py.
  "Method call sugar: (py. obj method arg1 arg2 :kw value) is
  obj.method(arg1, arg2, kw=value) (literal keywords start keyword
  arguments, as in $a).

      (py/py. (py/import-module \"math\") sqrt 16)  ;=> 4.0"
  [obj method & args]
  `($a ~obj ~method ~@args))

(defmacro py.-
  "Attribute sugar: (py.- obj attr) is obj.attr.

      (py/py.- (py/import-module \"math\") pi)  ;=> 3.141592653589793"
  [obj attr]
  `(get-attr ~obj ~(base/attr-name attr)))

(defmacro py*
  "obj.method(*args, **kwargs) with args a seq and kwargs a map, both
  computed at run time.

      (py/py* (py/import-module \"builtins\") sorted [[3 1 2]] {:reverse true})  ;=> [3, 2, 1]"
  ([obj method args] `(call-attr-kw ~obj ~(base/attr-name method) ~args nil))
  ([obj method args kwargs] `(call-attr-kw ~obj ~(base/attr-name method) ~args ~kwargs)))

(defmacro py**
  "Like py*, with the positional arguments written out and the last
  argument the kwargs map: (py** obj method a b kwargs) is
  obj.method(a, b, **kwargs).

      (py/py** (py/import-module \"builtins\") sorted [3 1 2] {:reverse true})  ;=> [3, 2, 1]"
  ([obj method kwargs] `(call-attr-kw ~obj ~(base/attr-name method) nil ~kwargs))
  ([obj method arg & args]
   (let [all (cons arg args)]
     `(call-attr-kw ~obj ~(base/attr-name method) [~@(butlast all)] ~(last all)))))

(defn- pydotdot-step [acc step]
  (let [form (if (seq? step) step (list step))
        [member & args] form
        s (if (or (symbol? member) (string? member) (keyword? member))
            (name member)
            (throw (IllegalArgumentException. (str "py..: cannot use " (pr-str step) " as a step"))))]
    (cond
      (str/starts-with? s "-") `(get-attr ~acc ~(subs s 1))
      (str/starts-with? s "**") `(py** ~acc ~(symbol (subs s 2)) ~@args)
      (str/starts-with? s "*") `(py* ~acc ~(symbol (subs s 1)) ~@args)
      :else `($a ~acc ~s ~@args))))

(defmacro py..
  "Chained access, like Clojure's `..`: (py.. obj -attr (method arg) method2);
  -name reads an attribute, (name args...) and bare names call methods,
  (*name args kwargs) calls name(*args, **kwargs) as py* does and
  (**name a b kwargs) as py** does.

      (py/py.. (py/import-module \"os\") -path (join \"a\" \"b\"))  ;=> \"a/b\""
  [obj & steps]
  (reduce pydotdot-step obj steps))

(defmacro with
  "Python's with statement: (py/with [f (open ...)] body) enters the context
  manager, binds f to what __enter__ returned, runs body and calls
  __exit__. An exception thrown by body reaches __exit__ (a Python exception
  as itself, with its traceback; a Clojure one as a pybridge.JavaException);
  if __exit__ returns true it is suppressed and with returns nil, otherwise
  it is rethrown as it was. Otherwise with returns body's value.

      (py/with [f (py/call-attr (py/import-module \"io\") \"StringIO\" \"text\")]
        (py/call-attr f \"read\"))  ;=> \"text\""
  [bindings & body]
  (when-not (and (vector? bindings) (= 2 (count bindings)))
    (throw (IllegalArgumentException. "py/with takes a binding vector of 2 forms: [name manager]")))
  `((#'lazy 'pybridge.python.with/with*) ~(second bindings) (fn [~(first bindings)] ~@body)))

(defmacro def-unpack
  "Defines each symbol as the matching item of a sequence (Python's
  `a, b, c = t`).

      (py/def-unpack [a b c] (py/->py-tuple [1 2 3]))
      [a b c]  ;=> [1 2 3]"
  [symbols input]
  `(let [~symbols ~input]
     ~@(for [s symbols] `(def ~s ~s))))

;; ---------------------------------------------------------------------------
;; Introspection

(defapi python-type
  "The Python type of a value as a keyword, spelled as libpython-clj spells
  it: :dict, :list, :tuple, :str, :int, :float, :bool, :none-type,
  :ndarray, :float-64, :function, :module, :ordered-dict…

      (py/python-type (py/->py-dict {}))  ;=> :dict
      (py/python-type nil)               ;=> :none-type"
  ([x])
  ops/python-type)

(defapi dir
  "dir(obj): the attribute names, as a vector of strings.

      (some #{\"sqrt\"} (py/dir (py/import-module \"math\")))  ;=> \"sqrt\""
  ([obj])
  ops/dir)

(defapi attr-type-map
  "A sorted map of obj's attribute names to their python-type.

      (get (py/attr-type-map (py/import-module \"math\")) \"pi\")  ;=> :float"
  ([obj])
  ops/attr-type-map)

(defapi is-instance?
  "isinstance(inst, cls) (note the order: the instance first); cls may be a
  vector of classes.

      (py/is-instance? (py/->py-dict {}) (py/get-attr (py/import-module \"builtins\") \"dict\"))  ;=> true"
  ([inst cls])
  ops/is-instance?)

(defapi callable?
  "Whether x can be called: any IFn (Clojure fns and collections, bridged
  callables), or a Python object for which callable() is true.

      (py/callable? (py/get-attr (py/import-module \"builtins\") \"len\"))  ;=> true"
  ([x])
  ops/callable?)

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

(defmacro with-manual-gil
  "libpython-clj's form for its manual-GIL mode: here the same as with-gil
  (pybridge takes the GIL by itself for every call, and holds it across
  the body here).

      (py/with-manual-gil (py/->jvm (py/->py [1 2])))  ;=> [1 2]"
  [& body]
  `(with-gil ~@body))

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

(defmacro with-manual-gil-stack-rc-context
  "with-manual-gil and stack-resource-context together (= with-gil-stack-rc-context).

      (py/with-manual-gil-stack-rc-context (py/->jvm (py/->py-dict {:a 1})))  ;=> {\"a\" 1}"
  [& body]
  `(gc/run-in-scope true (fn [] ~@body)))

(defapi gc-collect!
  "Drops the Python objects whose handles the JVM already collected, then
  runs Python's collector; returns the number of unreachable objects found.

      (py/gc-collect!)  ;=> 0"
  ([])
  gc/gc-collect!)

(defapi stats
  "pybridge's counters as a map (no GIL taken): live handles, releases by
  path, queued releases, thread states, GC nudges, Java functions Python
  holds…

      (:live-handles (py/stats))  ;=> 12"
  ([])
  gc/stats)
