(ns pybridge.require
  "Python modules as Clojure namespaces, as libpython-clj2.require makes
  them: `require-python` imports a module (or a class) and makes a namespace
  of the same name with a var for each of its attributes (docstrings,
  arglists, file and line as metadata), then aliases and refers as
  `require` does.

      (require '[pybridge.require :refer [require-python]])
      (require-python '[math :as pymath :refer [sqrt]])
      (pymath/floor 10.1)  ;=> 10
      (sqrt 16)            ;=> 4.0

  The vars hold the attributes' values when the module was required
  (bridged as pybridge.python returns values: functions and classes are
  IFns). Loading this namespace does not start Python; the first
  require-python does (see pybridge.python/initialize!). The Python side
  is pybridge/require.py: one call describes every attribute of a module."
  (:refer-clojure :exclude [doc fn?])
  (:require
   [clojure.core.protocols :as clj-proto]
   [clojure.string :as str]
   [pybridge.python :as py]
   [pybridge.python.base :as base]
   [pybridge.python.bridge-as-jvm :as jvm]
   [pybridge.python.ops :as ops])
  (:import
   (java.io File)
   (java.util List)
   (org.pybridge Conversion PyObject Python)
   (pybridge.python.bridge_as_jvm PyDict PyFn PyIterable PyList)))

(set! *warn-on-reflection* true)

(def ^:private helpers "pybridge/clojure/require.py")
(base/defhelper describe-fn helpers "describe")
(base/defhelper values-fn helpers "values")
(base/defhelper has-all-fn helpers "has_all")
(base/defhelper all-names-fn helpers "all_names")
(base/defhelper is-class-fn helpers "is_class")
(base/defhelper is-module-fn helpers "is_module")
(base/defhelper push-path-fn helpers "push_path")
(base/defhelper pop-path-fn helpers "pop_path")
(base/defhelper source-file-fn helpers "source_file")
(base/defhelper type-key-fn "pybridge/clojure/support.py" "type_key")

(defn- ensure-python!
  "Starts Python as initialize! does, unless it runs already."
  []
  (when-not (Python/isInitialized) (py/initialize!)))

(defn- helper [f conv & args]
  (apply base/call-helper @f conv (map #(or (base/py-object %) %) args)))

;; ---------------------------------------------------------------------------
;; Metadata

(defn- arglists
  "Clojure :arglists from [required optional varargs kwonly varkw]."
  [[required optional varargs kwonly varkw]]
  (let [req (mapv symbol required)
        opt (mapv symbol optional)
        base (for [i (range (inc (count opt)))] (into req (take i opt)))
        full (into req opt)
        tail (cond
               varargs [(conj full '& (symbol varargs))]
               (or (seq kwonly) varkw)
               [(conj full '& (cond-> {}
                                (seq kwonly) (assoc :keys (mapv symbol kwonly))
                                varkw (assoc :as (symbol varkw))))]
               :else nil)]
    (apply list (concat base tail))))

(defn- var-meta
  [[nm type-name doc file line sig] no-arglists?]
  (cond-> {:name (symbol nm)}
    type-name (assoc :type (base/type-keyword type-name))
    doc (assoc :doc doc)
    file (assoc :file file)
    line (assoc :line line)
    (and sig (not no-arglists?)) (assoc :arglists (arglists sig))))

(defn- make-namespace!
  "Creates (or refills) the namespace ns-sym with a var for each attribute
  of the module or class pyobj."
  [ns-sym pyobj no-arglists?]
  (let [o (base/py-object pyobj)
        [own entries] (jvm/jvm-value (base/call-helper @describe-fn Conversion/DEEP o (not no-arglists?)))
        names (mapv first entries)
        ^List vals (base/call-helper @values-fn Conversion/ELEMENTS o names)
        the-ns (create-ns ns-sym)]
    (when-let [d (nth own 2)]
      (alter-meta! the-ns assoc :doc d))
    (dotimes [i (count entries)]
      (let [entry (nth entries i)
            sym (symbol (first entry))]
        (ns-unmap the-ns sym)
        (intern the-ns (with-meta sym (var-meta entry no-arglists?)) (jvm/bridge (.get vals i)))))
    ns-sym))

;; ---------------------------------------------------------------------------
;; require-python

(defn- parse-flags
  "The set of boolean flags among reqs (e.g. '[math :reload :as m]): a
  supported flag is on, or set by the boolean after it; the last mention
  wins. A keyword that is neither a supported flag nor an option
  (:as :refer :exclude :* :all :bind-ns :path) is an error."
  [supported-flags reqs]
  (let [known (into supported-flags [:as :refer :exclude :* :all :bind-ns :path])]
    (when-let [bad (seq (filter #(and (keyword? %) (not (known %))) reqs))]
      (throw (IllegalArgumentException. (str "require-python: unsupported flags: " (set bad))))))
  (loop [reqs (seq reqs) flags #{}]
    (if-not reqs
      flags
      (let [x (first reqs)]
        (if (supported-flags x)
          (let [v (second reqs)
                [on? more] (if (boolean? v) [v (nnext reqs)] [true (next reqs)])]
            (recur more (if on? (conj flags x) (disj flags x))))
          (recur (next reqs) flags))))))

(defn- req-transform
  "Prefix lists: (a b [c :as d]) -> (a.b [a.c :as d]); with a prefix, a
  symbol req is prefixed (and may not contain a dot)."
  ([req]
   (if (symbol? req)
     req
     (map #(req-transform (first req) %) (rest req))))
  ([prefix req]
   (cond
     (and (symbol? req) (str/includes? (name req) "."))
     (throw (IllegalArgumentException.
              (str "require-python: in a prefix list, " req " may not contain a period")))
     (symbol? req) (symbol (str prefix "." req))
     :else (let [[base & opts] req
                 aliased? (some (fn [[a b]] (and (= :as a) b)) (partition 2 1 opts))]
             (if aliased?
               (into [(symbol (str prefix "." base))] opts)
               (into [(req-transform prefix base)] opts))))))

(defn- refer-symbols
  [refer pyobj publics]
  (cond
    (or (refer :all) (and (refer :*) (not (helper has-all-fn Conversion/DEEP pyobj))))
    (keys publics)
    (refer :*)
    (filter #(contains? publics %) (map symbol (helper all-names-fn Conversion/DEEP pyobj)))
    :else
    (do (when-let [missing (seq (remove #(contains? publics %) refer))]
          (throw (IllegalArgumentException.
                   (str "require-python: 'refer' symbols not found: " (vec missing)))))
        refer)))

(defn- with-path
  "Calls f with dir first on sys.path (libpython-clj changes directory)."
  [dir f]
  (if dir
    (let [dir (.getAbsolutePath (File. (str dir)))]
      (base/call-helper @push-path-fn Conversion/DEEP dir)
      (try (f) (finally (base/call-helper @pop-path-fn Conversion/DEEP dir))))
    (f)))

(def ^:private ^:dynamic *path*
  "The directory (:from) the modules being required are found in."
  nil)

(defn- require-one
  [[module-name & etc]]
  (let [flags (parse-flags #{:reload :no-arglists :bind-ns} etc)
        etc (->> etc (remove #{:reload :no-arglists :bind-ns}) (remove boolean?))
        _ (when (odd? (count etc))
            (throw (IllegalArgumentException.
                     (str "require-python: options must come in pairs: " (pr-str (vec etc))))))
        opts (apply hash-map etc)
        reload? (flags :reload)
        alias-name (:as opts)
        exclude (set (:exclude opts))
        refer-data (let [r (:refer opts)]
                     (cond (= :all r) #{:all} (= :* r) #{:*} :else (set r)))
        pyobj (with-path (or (:path opts) *path*)
                #(py/path->py-obj (str module-name) :reload? reload?))
        existing? (find-ns module-name)]
    (when (flags :bind-ns)
      (let [import-name (str (or alias-name module-name))]
        (when (str/includes? import-name ".")
          (throw (IllegalArgumentException.
                   (str "require-python: :bind-ns of " import-name
                        " needs an :as alias without periods"))))
        (intern *ns* (with-meta (symbol import-name)
                       {:file (helper source-file-fn Conversion/DEEP pyobj) :line 1})
                pyobj)))
    (when (or (not existing?) reload?)
      (make-namespace! module-name pyobj (flags :no-arglists)))
    (when-let [syms (seq (refer-symbols refer-data pyobj (ns-publics module-name)))]
      (refer module-name :exclude exclude :only syms))
    (when alias-name
      (alias alias-name module-name))))

(defn require-python
  "Requires Python modules as Clojure namespaces (libpython-clj's
  require-python): each req is a symbol or a vector as in `require`.

      (require-python 'math)                 (math/sin 1.0)  ;=> 0.8414709848078965
      (require-python '[math :as pymath :refer [cos] :exclude [sin]])
      (require-python '[numpy :as np :no-arglists])
      (require-python '(os [path :as osp]))  ; prefix list: os.path as osp
      (require-python 'builtins.list)        ; a class: a namespace of its methods
      (require-python '[socket :bind-ns])    ; also defines socket here, the module
      (require-python :from \"dir\" 'mymod)    ; dir first on sys.path meanwhile

  Options: :as, :refer [syms] (or :all, or :* for __all__), :exclude,
  :reload (reimport and refill the namespace; otherwise a namespace that
  exists is reused), :no-arglists, :bind-ns, :path \"dir\". The
  namespace's vars hold the attributes (bridged values), with :doc,
  :arglists, :file and :line. Returns :ok."
  ([req]
   (ensure-python!)
   (cond
     (list? req) (doseq [r (req-transform req)] (require-python r))
     (symbol? req) (require-one [req])
     (vector? req) (require-one req)
     :else (throw (IllegalArgumentException. (str "require-python: invalid argument: " (pr-str req)))))
   :ok)
  ([req & reqs]
   (cond
     (and (map? req) (contains? req :from)) (binding [*path* (:from req)] (apply require-python reqs))
     (= :from req) (binding [*path* (first reqs)] (apply require-python (rest reqs)))
     (and (string? req) (.isFile (File. ^String req)))
     (binding [*path* (.getParent (.getAbsoluteFile (File. ^String req)))] (apply require-python reqs))
     (string? req) (binding [*path* req] (apply require-python reqs))
     :else (do (require-python req)
               (when (seq reqs) (apply require-python reqs))))
   :ok))

(defn import-python
  "Requires builtins as the namespace `python` (and its types as
  python.list, python.dict, python.set, python.tuple, python.frozenset,
  python.str). Returns :ok.

      (import-python)
      (python/len [1 2 3])  ;=> 3"
  []
  (require-python '(builtins [list :as python.list] [dict :as python.dict] [set :as python.set]
                             [tuple :as python.tuple] [frozenset :as python.frozenset]
                             [str :as python.str])
                  '[builtins :as python])
  :ok)

;; ---------------------------------------------------------------------------
;; datafy / nav

(defn- type-symbol
  "module.QualName of x's Python type, as a symbol: 'builtins.list."
  [x]
  (symbol (base/call-helper @type-key-fn Conversion/DEEP (ops/->pyobject x))))

(defmulti pydafy
  "Python object -> Clojure data, for clojure.datafy/datafy of bridged
  objects, dispatched on the symbol of the Python type ('builtins.list,
  'numpy.ndarray...). Defaults: sequences -> vectors, mappings -> maps,
  sets -> sets, modules and classes -> a map of their attributes' metadata,
  other objects as they are.

      (defmethod pydafy 'builtins.range [r] (vec r))"
  type-symbol)

(defmulti pynav
  "nav on datafied Python objects, dispatched as pydafy: (pynav coll k v).
  The default navigates a module's or class's metadata to the object named.

      (defmethod pynav 'builtins.module [coll k v] v)"
  (fn [coll _k _v] (type-symbol coll)))

(defn- describe-obj [x]
  (let [[own entries] (jvm/jvm-value (base/call-helper @describe-fn Conversion/DEEP (ops/->pyobject x) true))]
    (into (var-meta own false)
          (map (fn [e] [(first e) (var-meta e false)]))
          entries)))

(defmethod pydafy :default [x]
  (cond
    (instance? PyDict x) (into {} (map (fn [[k v]] [k (clj-proto/datafy v)])) x)
    (instance? PyList x) (mapv clj-proto/datafy x)
    (or (helper is-class-fn Conversion/DEEP x) (helper is-module-fn Conversion/DEEP x)) (describe-obj x)
    (and (instance? PyIterable x) (= :set (py/python-type x))) (set x)
    (and (instance? PyIterable x) (= :frozenset (py/python-type x))) (set x)
    :else x))

(defmethod pynav :default [coll k v]
  (if (and (map? v) (string? k) (helper is-module-fn Conversion/DEEP coll))
    (py/get-attr coll k)
    v))

(defn- with-nav [x data]
  (if (instance? clojure.lang.IObj data)
    (vary-meta data assoc `clj-proto/nav (fn [_ k v] (pynav x k v)))
    data))

(extend-protocol clj-proto/Datafiable
  PyObject (datafy [x] (with-nav x (pydafy x)))
  PyDict (datafy [x] (with-nav x (pydafy x)))
  PyList (datafy [x] (with-nav x (pydafy x)))
  PyFn (datafy [x] (with-nav x (pydafy x)))
  PyIterable (datafy [x] (with-nav x (pydafy x))))
