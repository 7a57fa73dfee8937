(ns pybridge.python.gc
  "Lifetimes: resource scopes that release what was made inside except what
  they return, the collectors, and pybridge's counters. Internal: the public
  API is `pybridge.python` (stack-resource-context, with-gil-stack-rc-context,
  gc-collect!, stats)."
  (:require
   [pybridge.python.base :refer [py-try]]
   [pybridge.python.bridge-as-jvm])
  (:import
   (clojure.lang IPersistentCollection)
   (org.pybridge Gil PyBacked PyObject Python ResourceScope Stats)
   (pybridge.python.bridge_as_jvm PyDict PyFn PyList)))

(set! *warn-on-reflection* true)

(defn- keep-one! [x]
  ;; Class checks first: a failed interface check costs a scan of the
  ;; class's interfaces, and results are mostly Clojure data.
  (cond
    (instance? PyObject x) (.keep ^PyObject x)
    (or (instance? PyDict x) (instance? PyList x) (instance? PyFn x)) (.keep (.pyObject ^PyBacked x))
    (instance? IPersistentCollection x) nil
    (instance? PyBacked x) (.keep (.pyObject ^PyBacked x))
    :else nil))

(defn keep-escaping!
  "Keeps what leaves a scope: a bridged object returned as it is, and the
  bridged objects directly inside a returned vector, list, set or map (keys
  and values). Deeper ones are released with the scope (using them later is
  a PyObjectReleasedException, never a crash); keep() them explicitly."
  [x]
  (keep-one! x)
  (cond
    (or (instance? PyObject x) (instance? PyBacked x)) nil
    (map? x) (reduce-kv (fn [_ k v] (keep-one! k) (keep-one! v) nil) nil x)
    (or (vector? x) (set? x) (list? x)) (reduce (fn [_ e] (keep-one! e) nil) nil x)
    :else nil)
  x)

(defn run-in-scope
  "Calls f in a new resource scope (holding the GIL throughout when gil?);
  what f returns is kept (keep-escaping!)."
  [gil? f]
  (let [g (when gil? (Python/acquireGil))]
    (try
      (let [scope (Python/openScope)]
        (try
          (keep-escaping! (f))
          (finally (.close ^ResourceScope scope))))
      (finally (when g (.close ^Gil g))))))

(defn gc-collect!
  "Drains the release queue, then runs Python's collector."
  []
  (Python/drainReleaseQueue)
  (py-try (.collect (Python/gc))))

(defn stats
  "pybridge's counters as a map."
  []
  (let [^Stats s (Python/stats)]
    {:live-handles (.liveHandles s)
     :created (.created s)
     :released-by-close (.releasedByClose s)
     :released-by-scope (.releasedByScope s)
     :released-by-gc (.releasedByGc s)
     :queued-releases (.queuedReleases s)
     :release-batches (.releaseBatches s)
     :release-errors (.releaseErrors s)
     :table-size (.tableSize s)
     :gc-tracked (.gcTracked s)
     :gc-nudges (.gcNudges s)
     :open-scopes (.openScopes s)
     :thread-states (.threadStates s)
     :thread-states-freed (.threadStatesFreed s)
     :gil-abandoned (.gilAbandoned s)
     :java-functions (.javaFunctions s)}))
