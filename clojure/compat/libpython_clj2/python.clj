(ns libpython-clj2.python
  "libpython-clj's API (libpython-clj2.python) on pybridge: code written for
  libpython-clj runs with no edit when this compatibility jar
  (pybridge-libpython-clj-compat) and pybridge's jar are on the classpath
  instead of libpython-clj. Every var delegates to pybridge.python (see
  there for each var's documentation); three answer as libpython-clj does
  where pybridge.python answers otherwise:

    initialize!  :already-initialized once Python runs (pybridge.python: :ok)
    ->jvm        objects with no Clojure counterpart as {:type :module,
                 :value obj} maps (pybridge.python: the bridged object)
    python-type  :py-none for nil (pybridge.python: :none-type)

      (require '[libpython-clj2.python :as py])
      (py/initialize!)                       ;=> :ok
      (py/py. (py/import-module \"math\") sqrt 16)  ;=> 4.0

  Never put this jar on a classpath that holds libpython-clj itself: both
  define these namespaces. pybridge's own namespaces coexist with
  libpython-clj (they have other names)."
  (:refer-clojure :exclude [dir])
  (:require
   [pybridge.python :as py]
   [pybridge.python.init :as init]))

(defmacro ^:private defalias
  "Defines each sym as the pybridge.python var of the same name: its value
  (a macro stays a macro), its docstring and arglists."
  [& syms]
  `(do ~@(for [s syms
               :let [target (symbol "pybridge.python" (name s))]]
           `(do (def ~s @(var ~target))
                (alter-meta! (var ~s) merge (select-keys (meta (var ~target)) [:doc :arglists :macro]))))))

(defalias
  stack-resource-context with-gil with-gil-stack-rc-context with-manual-gil
  with-manual-gil-stack-rc-context in-py-ctx import-module add-module module-dict dir call-attr
  call-attr-kw get-attr set-attr! set-attrs! has-attr? get-item set-item! has-item? set-items!
  ->python as-python as-jvm as-map as-list attr-type-map import-as from-import is-instance?
  callable? ->py-list ->py-tuple ->py-dict run-simple-string make-callable make-tuple-fn
  make-instance-fn make-kw-instance-fn make-tuple-instance-fn create-class cfn afn
  make-fastcallable with $a $c py.- py. py* py** py.. path->py-obj def-unpack)

(defn- working-directory-on-path!
  "As libpython-clj (which starts Python with PySys_SetArgvEx(0, ..., 1)): the
  current working directory ('' in sys.path, resolved at each import) is
  searched first, so a mymod.py next to the program imports. pybridge's own
  API leaves sys.path as Python sets it."
  []
  (let [path (py/get-attr (py/import-module "sys") "path")]
    (when-not (py/call-attr path "__contains__" "")
      (py/call-attr path "insert" 0 ""))))

(defn initialize!
  "Starts Python as pybridge.python/initialize! does (same options, python.edn
  included), answering as libpython-clj does: :ok when this call started
  Python, :already-initialized when it was running. As in libpython-clj, the
  working directory is then on sys.path (first).

      (py/initialize!)                                 ;=> :ok
      (py/initialize! :python-executable \"env/bin/python\") ;=> :already-initialized"
  [& {:as opts}]
  (let [r (init/initialize! opts)]
    (working-directory-on-path!)
    r))

(defn ->jvm
  "A deep copy of a Python value into Clojure data, as pybridge.python/->jvm
  makes it, except that objects with no Clojure counterpart are
  libpython-clj's {:type <python-type> :value <the object>} maps.

      (py/->jvm (py/->py-dict {:a 1}))                   ;=> {\"a\" 1}
      (:type (py/->jvm (py/import-module \"math\")))        ;=> :module"
  ([v] (py/->jvm v {:unconvertible :type-map}))
  ([v opts] (py/->jvm v (merge {:unconvertible :type-map} opts))))

(defn python-type
  "The Python type of a value as a keyword (pybridge.python/python-type);
  nil is :py-none, as in libpython-clj.

      (py/python-type (py/->py-dict {}))  ;=> :dict
      (py/python-type nil)               ;=> :py-none"
  [v]
  (if (nil? v) :py-none (py/python-type v)))
