(ns pybridge.python.libpython-clj-api-test
  "libpython-clj2.python's public vars, with their arities and the
  semantics libpython-clj's own test suite checks, on pybridge.python."
  (:require
   [clojure.string :as str]
   [clojure.test :refer [deftest is testing use-fixtures]]
   [pybridge.python :as py :refer [py* py** py. py.- py..]]
   [pybridge.test-support :as ts])
  (:import
   (java.util List Map)
   (org.pybridge PyObject PyObjectReleasedException)))

(use-fixtures :once ts/fixture)

(def libpython-clj-publics
  "The public vars of libpython-clj2.python (HEAD 97dff5c), with the
  arities of the fns (nil for macros)."
  '{initialize! [[& opts]] stack-resource-context nil with-gil nil with-gil-stack-rc-context nil
    with-manual-gil nil with-manual-gil-stack-rc-context nil in-py-ctx [[supplier]]
    import-module [[m]] add-module [[m]] module-dict [[m]] dir [[o]]
    call-attr [[o a & args]] call-attr-kw [[o a args kw]] get-attr [[o a]] set-attr! [[o a v]]
    set-attrs! [[o s]] has-attr? [[o a]] get-item [[o k]] set-item! [[o k v]] has-item? [[o k]]
    set-items! [[o s]] ->python [[v]] as-python [[v]] ->jvm [[v] [v opts]] as-jvm [[v] [v opts]]
    as-map [[o]] as-list [[o]] python-type [[v]] attr-type-map [[o]] import-as nil from-import nil
    is-instance? [[i c]] callable? [[o]] ->py-list [[v]] ->py-tuple [[v]] ->py-dict [[v]]
    run-simple-string [[p & opts]] make-callable [[f] [f opts]] make-tuple-fn [[f & opts]]
    make-instance-fn [[f] [f opts]] make-kw-instance-fn [[f] [f opts]] make-tuple-instance-fn [[f & opts]]
    create-class [[n b m]] cfn [[f & args]] afn [[o a & args]] make-fastcallable [[f]]
    with nil $a nil $c nil py.- nil py. nil py* nil py** nil py.. nil path->py-obj [[p & opts]]
    def-unpack nil})

(defn- arities [v]
  (set (map (fn [al] (if (some #{'&} al) [:variadic (count (take-while #(not= '& %) al))] (count al)))
            (:arglists (meta v)))))

(deftest every-libpython-clj-var-exists-with-its-arities
  (is (= 56 (count libpython-clj-publics)))
  (doseq [[sym arglists] libpython-clj-publics
          :let [v (get (ns-publics 'pybridge.python) sym)]]
    (is (some? v) (str sym " is missing"))
    (when v
      (is (string? (:doc (meta v))) (str sym " has no docstring"))
      (if (nil? arglists)
        (is (:macro (meta v)) (str sym " is a macro in libpython-clj"))
        (is (every? (arities v) (map (fn [al] (if (some #{'&} al)
                                                [:variadic (count (take-while #(not= '& %) al))]
                                                (count al)))
                                  arglists))
            (str sym ": libpython-clj's arities " arglists ", pybridge's " (:arglists (meta v))))))))

;; ---------------------------------------------------------------------------
;; Conversions

(deftest to-python-copies
  (let [d (py/->python {:a 1 :b 2})]
    (is (= :dict (py/python-type d)))
    (is (= 2 (py/call-attr d "__len__")))
    (is (= {"a" 1 "b" 2} (py/->jvm d)))
    (testing "a sequence inside a map is expanded into a list"
      (is (= 8 (py/call-attr (py/get-item (py/->python {:a (seq [1 2 3 4 5 7 8 9])}) "a") "__len__"))))
    (testing "characters are strings, booleans the Python singletons"
      (is (= "c" (py/->jvm (py/->python \c))))
      (is (= [false true] (py/->jvm (py/->py-list '(false true))))))))

(deftest vectors-as-map-keys-are-tuples
  (let [d (py/->python {["a" "b"] 1 ["c" "d"] 2})]
    (is (= #{["a" "b"] ["c" "d"]} (set (map vec (keys (py/as-jvm d))))))
    (is (= :tuple (py/python-type (first (keys (py/as-jvm d))))))
    (is (= {["a" "b"] 1 ["c" "d"] 2} (py/->jvm d))))
  (testing "at any depth, in sets too, and nested keys are tuples all the way down"
    (is (= {"outer" {[1 [2 3]] "x"}} (py/->jvm (py/->py {:outer {[1 [2 3]] "x"}}))))
    (is (= #{[1 2]} (py/->jvm (py/->py #{[1 2]}))))
    (is (= "{frozenset({1}): 'y'}" (str (py/->py {#{1} "y"})))))
  (testing "as call arguments and item keys"
    (is (= 1 (py/call (py/get-attr (py/->python {[1 2] 1}) "get") (py/->py-tuple [1 2]))))
    (is (thrown? clojure.lang.ExceptionInfo (py/call (py/get-attr (py/->python {[1 2] 1}) "get") [1 2]))
        "a vector argument is a list (libpython-clj makes vectors of fewer than 8 items tuples)")
    (is (= 1 (py/get-item (py/->python {[1 2] 1}) [1 2]))))
  (testing "elsewhere a vector stays a list"
    (is (= :list (py/python-type (py/->py [1 2]))))
    (is (= "{'k': [1, 2]}" (str (py/->py {:k [1 2]}))))))

(deftest to-jvm-and-as-jvm-with-opts
  (is (nil? (py/->jvm nil)))
  (is (nil? (py/as-jvm nil)))
  (is (= {"a" 1} (py/->jvm (py/->py-dict {:a 1}) {})))
  (is (instance? clojure.lang.PersistentArrayMap (py/->jvm (py/as-jvm (py/->py-dict {:a 1 :b 2})))))
  (is (= {"a" 1} (py/as-jvm {"a" 1} {})))
  (testing "nested dicts copy as the dict itself does"
    (py/run-simple-string "nested_data = {'links': {'jpeg': {'url': 'u'}}, 'ratings': {'road': 4}, 'tags': ['t']}")
    (let [d (get-in (py/run-simple-string "pass") [:globals "nested_data"])]
      (is (= (get (py/->jvm d) "ratings") (py/->jvm (py/get-item d "ratings"))))))
  (testing "objects with no Clojure counterpart"
    (let [alias (py. (py/import-module "typing") GenericAlias list str)]
      (is (= :generic-alias (:type (py/->jvm alias {:unconvertible :type-map}))))
      (is (= :generic-alias (py/python-type (:value (py/->jvm alias {:unconvertible :type-map})))))
      (is (not (map? (py/->jvm alias))) "bridged by default"))
    (is (= :module (:type (py/->jvm (py/import-module "math") {:unconvertible :type-map}))))
    (is (= :type (:type (py/->jvm (py/get-attr (py/import-module "builtins") "dict") {:unconvertible :type-map}))))))

(deftest other-mappings-and-sequences-copy-through-their-items
  (py/run-simple-string "import types\nproxy = types.MappingProxyType({'a': 1, 'b': [1, 2]})")
  (is (= {"a" 1 "b" [1 2]} (py/->jvm (get-in (py/run-simple-string "pass") [:globals "proxy"]))))
  (is (= {"k" [1 2]} (py/->jvm (py/as-python {:k [1 2]})))))

(deftest as-python-bridges-are-live
  (let [tc (ts/testcode)
        abc (py/import-module "collections.abc")]
    (is (= [1 2 3 4 5] (py/->jvm (py/call-attr tc "collect" (py/as-python [1 2 3 4 5])))))
    (is (= ["a" "b" "c"] (py/->jvm (py/call-attr tc "collect" (py/as-python {"a" 1 "b" 2 "c" 3})))))
    (testing "they are the collections.abc types they implement"
      (is (py/is-instance? (py/->python {"a" 1}) (py/get-attr abc "Mapping")))
      (is (py/is-instance? (py/as-python {"a" 1}) (py/get-attr abc "Mapping")))
      (is (py/is-instance? (py/as-python (repeat 5 1)) (py/get-attr abc "Iterable")))
      (is (py/is-instance? (py/as-python (vec (range 10))) (py/get-attr abc "Sequence")))
      (is (py/is-instance? (py/as-python #{1}) (py/get-attr abc "Set"))))
    (testing "no copy: Python sees later changes of a mutable JVM collection, and writes to it"
      (let [m (java.util.HashMap. {"a" 1})
            l (java.util.ArrayList. [1 2])
            pm (py/as-python m)
            pl (py/as-python l)]
        (.put m "b" 2)
        (.add l 3)
        (is (= 2 (py/get-item pm "b")))
        (is (= 3 (py/call (py/get-attr (py/import-module "builtins") "len") pl)))
        (py/set-item! pm "c" 3)
        (py/call-attr pl "append" 4)
        (is (= {"a" 1 "b" 2 "c" 3} (into {} m)))
        (is (= [1 2 3 4] (vec l)))))
    (testing "keyword keys answer str lookups; nested values are bridged too"
      (let [pm (py/as-python {:a {:b [1 2]}})]
        (is (= [1 2] (py/->jvm (py/get-item (py/get-item pm "a") "b"))))
        (is (py/has-item? pm "a"))
        (is (= "{:a {:b [1 2]}}" (str pm)))))
    (testing "an infinite seq is a lazy iterable; an iterator an iterator"
      (let [islice (py/get-attr (py/import-module "itertools") "islice")]
        (is (= [0 1 2] (py/->jvm (py/call (py/get-attr (py/import-module "builtins") "list")
                                          (islice (py/as-python (range)) 3)))))
        (is (= [1 2] (vec (py/as-python (.iterator ^List [1 2])))))))
    (testing "fns are callables, scalars plain values"
      (is (= 3 (py/call (py/as-python +) 1 2)))
      (is (= "s" (py/->jvm (py/as-python "s"))))
      (is (= :int (py/python-type (py/as-python 1)))))
    (is (py. (py/as-python {}) __iter__) "iterating an empty map")))

(deftest iterators-and-generators-are-bridged
  (let [islice (py/get-attr (py/import-module "itertools") "islice")]
    (is (= (vec (range 10)) (-> (range) (islice 0 10) vec)))
    (is (every? #(instance? Long %) (-> (range) (islice 0 10) vec))))
  (let [tc (ts/testcode)
        bmap (py/get-attr (py/import-module "builtins") "map")]
    (is (= (range 1 11) (vec (py/call-attr tc "twice" (bmap inc (range 10))))) "a map object is consumed once")
    (is (= (concat (range 1 11) (range 1 11)) (vec (py/call-attr tc "twice" (map inc (range 10))))))
    (is (= 10 (reduce (fn [_ x] x) 0 (py/call-attr tc "twice" (bmap inc (range 10))))))
    (is (= [1 2] (take 2 (py/call-attr tc "twice" [1 2 3]))))
    (is (= #{1 2} (set (py/->py #{1 2}))))))

(deftest as-map-and-as-list
  (let [m (py/as-map (py/module-dict (py/import-module "math")))]
    (is (instance? Map m))
    (is (= Math/PI (get m "pi"))))
  (let [l (py/as-list (py/->py-tuple [1 2 3]))]
    (is (instance? List l))
    (is (= [1 2 3] (vec l)))))

(deftest numpy-values
  (let [np (py/import-module "numpy")]
    (doseq [t ["float64" "float32" "int8" "int16" "int32" "int64" "uint8" "uint16" "uint32" "uint64"]]
      (is (= 3.0 (double (py/call-attr np t 3.0))) t))
    (is (= [true false true] (vec (for [a (py/call-attr np "array" [true false true])] a))))
    (is (true? (py/call-attr np "all" (py/call-attr np "array" [true true true]))))
    (is (false? (py/call-attr np "all" (py/call-attr np "array" [true false true]))))
    (let [a (py/call-attr np "array" [1 2 3])]
      (is (== 14 ((py/get-attr np "dot") a a))))
    (is (= [5 2] (py/->jvm (py/get-attr ((py/get-attr np "transpose") (py/$a np full [2 5] 7)) "shape"))))
    (is (= [8 6] (py/->jvm (py/get-attr (py/call-attr (py/get-attr np "random") :randn 8 6) "shape"))))
    (is (= [[1 2 3] [4 5 6]] (mapv vec (py/$a np array [[1 2 3] [4 5 6]]))))
    (is (= (range 10) (vec (py/$a np array (range 10)))))
    (is (= :float (py/python-type (py/call-attr np "float64" 1.0))) "numpy scalars cross as Python scalars")
    (is (= :ndarray (py/python-type (py/call-attr np "zeros" 1))))))

;; ---------------------------------------------------------------------------
;; Modules and code

(deftest modules-and-code
  (let [main (py/add-module "__main__")
        ^Map globals (py/as-jvm (py/module-dict main))]
    (.put globals "item" 100)
    (py/set-item! globals "item2" 200)
    (py/run-simple-string "item3 = item + item2")
    (is (= 300 (globals "item3"))))
  (testing "add-module makes a module that did not exist"
    (let [m (py/add-module "pybridge_made_here")]
      (is (= :module (py/python-type m)))
      (is (= "pybridge_made_here" (py/get-attr (py/import-module "pybridge_made_here") "__name__")))))
  (testing "run-simple-string with :globals and :locals"
    (let [g (py/->py-dict {:a 1})
          {:keys [globals locals]} (py/run-simple-string "b = a + 1" :globals g)]
      (is (= 2 (get globals "b")))
      (is (= 2 (get g "b")))
      (is (= globals locals)))
    (let [{:keys [globals locals]} (py/run-simple-string "c = a * 10" :globals {:a 2} :locals {})]
      (is (= 20 (get locals "c")))
      (is (nil? (get globals "c"))))
    (is (thrown? Exception (py/run-simple-string "import sys\nprint('hey', stderr"))))
  (testing "path->py-obj: modules, attributes, :reload?"
    (is (= :module (py/python-type (py/path->py-obj "os.path"))))
    (is (= :type (py/python-type (py/path->py-obj "builtins.list"))))
    (is (= "a/b" ((py/path->py-obj "os.path.join") "a" "b")))
    (is (= :module (py/python-type (py/path->py-obj "json" :reload? true))))
    (is (thrown? Exception (py/path->py-obj "os.path.no_such_thing"))))
  (testing "import-as, from-import"
    (binding [*ns* (the-ns 'pybridge.python.libpython-clj-api-test)]
      (eval '(pybridge.python/import-as os.path pybridge-test-ospath))
      (is (= "a/b" (py/call-attr @(resolve 'pybridge-test-ospath) "join" "a" "b")))
      (is (str/includes? (:doc (meta (resolve 'pybridge-test-ospath))) "path"))
      (eval '(pybridge.python/from-import math sqrt floor))
      (is (= 3.0 (@(resolve 'sqrt) 9)))
      (is (string? (:doc (meta (resolve 'floor))))))))

(deftest def-unpack-and-in-py-ctx
  (binding [*ns* (the-ns 'pybridge.python.libpython-clj-api-test)]
    (eval '(pybridge.python/def-unpack [unpacked-a unpacked-b unpacked-c] (pybridge.python/->py-tuple [1 2 3])))
    (is (= [1 2 3] (map (comp deref resolve) '[unpacked-a unpacked-b unpacked-c]))))
  (is (= [1 2] (py/in-py-ctx (reify java.util.function.Supplier (get [_] (py/->py [1 2])))))))

;; ---------------------------------------------------------------------------
;; Attributes, items, introspection

(deftest attributes-and-items
  (py/run-simple-string "class Box:\n    pass\nbox = Box()")
  (let [box (get-in (py/run-simple-string "pass") [:globals "box"])]
    (is (identical? box (py/set-attrs! box {"x" 1 :y 2})))
    (is (= [1 2] [(py/get-attr box "x") (py/get-attr box "y")]))
    (is (= :int (get (py/attr-type-map box) "x")))
    (is (sorted? (py/attr-type-map box))))
  (let [d (py/->py-dict {:a 1})]
    (is (identical? d (py/set-items! d [["b" 2] [:c 3]])))
    (is (= {"a" 1 "b" 2 "c" 3} (py/->jvm d)))
    (is (true? (py/has-item? d "a")))
    (is (false? (py/has-item? d "z")))
    (is (false? (py/has-item? (py/import-module "math") "pi")) "a module has no items")
    (is (nil? ((py/as-jvm (py/->python {:a 1})) nil)) "a missing (None) key is nil"))
  (let [{:keys [a b]} (py/as-jvm (py/->python {:a 1}))]
    (is (= [1 nil] [a b]))))

(deftest type-checks
  (let [builtins (py/import-module "builtins")]
    (is (py/is-instance? (py/->py-dict {}) (py/get-attr builtins "dict")))
    (is (py/is-instance? 1 [(py/get-attr builtins "str") (py/get-attr builtins "int")]))
    (is (not (py/is-instance? "s" (py/get-attr builtins "int"))))
    (is (py/callable? (py/get-attr builtins "len")))
    (is (py/callable? inc))
    (is (not (py/callable? (py/import-module "math"))))
    (is (not (py/callable? 1))))
  (testing "type keywords are spelled as libpython-clj spells them"
    (is (= :none-type (py/python-type (py/->py nil))))
    (is (= :builtin-function-or-method (py/python-type (py/get-attr (py/import-module "builtins") "len"))))
    (py/run-simple-string "class HTTPResponse2:\n    pass\nclass float64_thing:\n    pass")
    (is (= :http-response-2 (py/python-type (py/call (get-in (py/run-simple-string "pass") [:globals "HTTPResponse2"])))))
    (is (= :float-64-thing (py/python-type (py/call (get-in (py/run-simple-string "pass") [:globals "float64_thing"]))))))
  (is (int? (py.. (py/import-module "sys") -path __len__))))

;; ---------------------------------------------------------------------------
;; Calls and sugar

(deftest calling-conventions
  (let [np (py/import-module "numpy")
        linspace (py.. np -linspace)
        expected [2.0 2.25 2.5 2.75 3.0]]
    (is (= expected (vec (linspace 2 3 :num 5))))
    (is (= expected (vec (py/$c linspace 2 3 :num 5))))
    (is (= expected (vec (py/$a np linspace 2 3 :num 5))))
    (is (= expected (vec (py/cfn linspace 2 3 :num 5))))
    (is (= expected (vec (py/afn np "linspace" 2 3 :num 5)))))
  (let [tc (ts/testcode)
        expect (fn [call] (py/->jvm (py/call-attr-kw tc "signature" (:args call) (:kw call))))]
    (is (= (expect {:args [1 2] :kw {:c 10 :d 10 :e 10}})
           (py/->jvm (py/$a tc signature 1 2 :c 10 :d 10 :e 10))
           (py/->jvm (apply py/afn tc "signature" [1 2 :c 10 :d 10 :e 10]))))
    (is (= {"a" 1 "b" 2 "c" 10 "args" [11 12] "d" 10 "kwargs" {"e" 10}}
           (py/->jvm (py/$a tc signature 1 2 10 11 12 :d 10 :e 10))
           (py/->jvm (apply py/afn tc "signature" [1 2 10 11 12 :d 10 :e 10])))))
  (testing "libpython-clj's rule: keywords pair with the next argument"
    (is (thrown? IllegalArgumentException (py/cfn (py/get-attr (py/import-module "builtins") "len") :a)))
    (is (thrown? IllegalArgumentException (py/cfn (py/get-attr (py/import-module "builtins") "len") :a 1 2)))))

(deftest sugar-macros
  (let [np (py/import-module "numpy")]
    (is (= (str (py.- np linspace)) (str (py/get-attr np "linspace"))))
    (is (= (str (py.. np -random -shuffle)) (str (-> (py/get-attr np "random") (py/get-attr "shuffle"))))))
  (let [l (py/call-attr (py/import-module "builtins") "list")]
    (is (= 0 (py. l __len__)))
    (py. l append 1)
    (py.. l (extend [1 2 3]))
    (is (= 4 ((py.- l __len__)))))
  (let [Chain (get-in (py/run-simple-string "
class Chain:
    def __init__(self, a, b):
        self.a, self.b, self._res = a, b, []
    def res(self):
        return self._res
    def extend(self, xs):
        self._res.extend(xs)
        return self
    def count(self):
        return len(self._res)
    def append(self, *xs):
        return self.extend(xs)
    def math(self, c):
        return self.append(self.a + self.b + c)
") [:globals "Chain"])
        f (Chain 1 2)]
    (is (= [] ((py.- f res)) (py. f res)))
    (is (= 6 (py.. f (append 1) (append 2) (math 3) (extend [4 5 6]) count)))
    (is (= [1 2 6 4 5 6] (py. f res)))
    (is (= 6 (py.. f res __len__) ((py.. f res -__len__)) ((py.. f -count)))))
  (let [d ((py/get-attr (py/import-module "builtins") "dict"))]
    (py* d update nil {:a 1})
    (is (= 1 (py* d get [:a])))
    (py* d update [[[:a 2]]])
    (is (= 2 (py* d get [:a])))
    (py* d update [[[:a 1] [:b 2]]] {:name "taco"})
    (is (= {"name" "taco" "a" 1 "b" 2} d))
    (py. d clear)
    (py** d update {:a 1})
    (is (= {"a" 1} d))
    (py** d update [[:a 2]] {:c 3})
    (is (= {"a" 2 "c" 3} d))
    (py. d clear)
    (doto d
      (py.. (*update nil {:a 1}))
      (py.. (*update [[[:b 2]]]))
      (py.. (**update {:c 3}))
      (py.. (**update [[:d 4]] {:e 5})))
    (is (= {"a" 1 "b" 2 "c" 3 "d" 4 "e" 5} d)))
  (testing "py. splits keyword arguments when it compiles: a keyword value is positional"
    (let [k :a
          d (py/->py-dict {:a 1})]
      (is (= 1 (py. d get k))))))

(deftest fastcallables
  (let [hypot (py/get-attr (py/import-module "math") "hypot")
        f (py/make-fastcallable hypot)]
    (is (= 5.0 (f 3 4)))
    (is (= 5.0 (apply f [3 4])))
    (with-open [g (py/make-fastcallable (get-in (py/run-simple-string "def spread(b, a):\n    return b - a")
                                                [:globals "spread"]))]
      (is (= -1 (py/with-gil (last (repeatedly 100 #(g 1 2)))))))
    (.close ^java.lang.AutoCloseable f)
    (is (thrown? IllegalStateException (f 3 4)) "use after close is an exception")
    (is (thrown? IllegalArgumentException (py/make-fastcallable (py/import-module "math"))))))

(deftest callables-from-clojure-fns
  (let [add (py/make-callable (fn [a b] (+ a b)) {:name "add" :doc "adds"})]
    (is (= 3 (add 1 2)))
    (is (= "add" (py/get-attr add "__name__")))
    (is (= "adds" (py/get-attr add "__doc__"))))
  (is (= 3 ((py/make-callable (fn [a b] (+ a b))) 1 2)))
  (is (= 5 ((py/make-callable (fn [a] a) {:arg-converter #(* 2 %) :result-converter inc}) 2)) "converters")
  (is (= 2 ((py/make-tuple-fn inc :name "inc") 1))))

(deftest gil-forms
  (is (= [1 2] (py/with-manual-gil (py/->jvm (py/->py [1 2])))))
  (is (= {"a" 1} (py/with-manual-gil-stack-rc-context (py/->jvm (py/->py-dict {:a 1})))))
  (testing "a scope still keeps what it returns, and releases the rest"
    (let [leaked (atom nil)
          kept (py/with-manual-gil-stack-rc-context
                 (reset! leaked (py/as-python {:a 1}))
                 (py/->py-dict {:k 1}))]
      (is (= {"k" 1} (py/->jvm kept)))
      (is (thrown? PyObjectReleasedException (py/->jvm @leaked))))))

(deftest python-edn-hooks-ran-once
  ;; clojure/test/python.edn, read when the first test namespace started Python
  (is (= {:pre 1 :post 1} @ts/python-edn-calls)))

(deftest initialize-accepts-libpython-clj-options
  (is (= :ok (py/initialize! :no-io-redirect? false)))
  (is (= :ok (py/initialize! {:python-executable (.executable (org.pybridge.Python/info))})))
  (is (= :ok (py/initialize! :library-path (.libpython (org.pybridge.Python/info)))))
  (is (thrown? Exception (py/initialize! :library-path "/nonexistent/lib/libpython3.11.so"))))
