(ns pybridge.python-test
  "Every public var of pybridge.python, and the libpython-clj behaviours
  users rely on."
  (:require
   [clojure.string :as str]
   [clojure.test :refer [deftest is testing use-fixtures]]
   [clojure.walk]
   [pybridge.python :as py])
  (:import
   (org.pybridge PyObject PyObjectReleasedException Python PythonException)))

;; Evaluated when the namespace loads, before any fixture runs.
(def ^:private python-started-at-load (Python/isInitialized))

(use-fixtures :once (fn [t] (py/initialize!) (t)))

(defn- builtins [] (py/import-module "builtins"))

(defn- py-eval
  "Evaluates a Python expression in __main__, bridged."
  [expr]
  (py/get-item (:globals (py/run-simple-string (str "_pybridge_test_value = " expr))) "_pybridge_test_value"))

(deftest loading-does-not-start-python
  (is (false? python-started-at-load)))

(deftest initialize-returns-ok-and-is-idempotent
  (is (= :ok (py/initialize!)))
  (is (= :ok (py/initialize! {:redirect-output? true})))
  (is (= :ok (py/initialize! :sys-path [])))
  (is (thrown-with-msg? IllegalArgumentException #":release-policy"
                        (py/initialize! :release-policy :sometimes))))

(deftest import-module-and-attributes
  (let [math (py/import-module "math")]
    (is (= 4.0 (py/call-attr math "sqrt" 16)))
    (is (= Math/PI (py/get-attr math "pi")))
    (is (= Math/PI (py/get-attr math :pi)))
    (is (= Math/PI (py/get-attr math 'pi)))
    (is (true? (py/has-attr? math "sqrt")))
    (is (false? (py/has-attr? math :no-such-thing)))
    (is (some #{"sqrt"} (py/dir math)))
    (is (vector? (py/dir math))))
  (testing "set-attr! returns the object and the attribute is visible in Python"
    (py/run-simple-string "class Box:\n    pass\nbox = Box()")
    (let [box (py-eval "box")]
      (is (identical? box (py/set-attr! box :size 3)))
      (is (= 3 (py/get-attr box "size")))
      (is (= 3 (py-eval "box.size")))))
  (testing "a missing module is an ex-info naming the Python type"
    (let [e (is (thrown? clojure.lang.ExceptionInfo (py/import-module "no_such_module_xyz")))]
      (is (= "ModuleNotFoundError" (:python-type (ex-data e)))))))

(deftest run-simple-string-returns-globals
  (let [{:keys [globals locals]} (py/run-simple-string "x = 6 * 7")]
    (is (= 42 (get globals "x")))
    (is (= 42 (get locals "x")))
    (is (instance? java.util.Map globals))))

(deftest to-py-conversions
  (testing "map -> dict with keyword keys as names"
    (let [d (py/->py {:a 1 :b [1 2] :c {:d "x"}})]
      (is (= :dict (py/python-type d)))
      (is (= {"a" 1 "b" [1 2] "c" {"d" "x"}} (py/->jvm d)))))
  (testing "vector, list, seq -> list, whatever the size"
    (doseq [x [[] [1] [1 2 3] '(1 2) (map inc (range 3)) (range 5) (range 100)]]
      (is (= :list (py/python-type (py/->py x))) (pr-str x))
      (is (= (vec x) (py/->jvm (py/->py x))))))
  (testing "set -> set, keyword/symbol -> str, nil -> None"
    (is (= :set (py/python-type (py/->py #{1 2}))))
    (is (= #{1 2} (py/->jvm (py/->py #{1 2}))))
    (is (= "abc" (py/->jvm (py/->py :abc))))
    (is (= "abc" (py/->jvm (py/->py 'abc))))
    (is (= :none-type (py/python-type (py/->py nil))))
    (is (nil? (py/->jvm (py/->py nil)))))
  (testing "numbers"
    (is (= :int (py/python-type (py/->py 1))))
    (is (= :float (py/python-type (py/->py 1.5))))
    (is (= (bigint (.pow (biginteger 2) 70)) (py/->jvm (py/->py (bigint (.pow (biginteger 2) 70))))))
    (is (= 0.5 (py/->jvm (py/->py 1/2)))))
  (testing "a bridged object passes as itself"
    (let [d (py/->py-dict {:a 1})]
      (is (identical? d (py/->py d))))))

(deftest to-jvm-conversions
  (is (= {"a" 1, "b" 2} (py/->jvm (py/->py-dict {:a 1 :b 2}))))
  (is (map? (py/->jvm (py/->py-dict {:a 1}))))
  (is (vector? (py/->jvm (py/->py-list [1 2]))))
  (is (= [1 "a" "b"] (py/->jvm (py/->py-tuple [1 "a" :b]))))
  (is (vector? (py/->jvm (py/->py-tuple [1]))))
  (is (= #{"x"} (py/->jvm (py-eval "{'x'}"))))
  (is (= 9223372036854775807 (py/->jvm (py-eval "2**63 - 1"))))
  (is (instance? Long (py/->jvm (py-eval "2**63 - 1"))))
  (is (instance? clojure.lang.BigInt (py/->jvm (py-eval "2**63"))))
  (is (= (bigint (.pow (biginteger 2) 63)) (py-eval "2**63")))
  (is (= [nil true 1.5 "s"] (py/->jvm (py-eval "[None, True, 1.5, 's']"))))
  (testing "maps of every size and key type"
    (is (= (zipmap (map str (range 20)) (range 20)) (py/->jvm (py-eval "{str(i): i for i in range(20)}"))))
    (is (= {[1 2] "t" 3 "i" 1.5 "f"} (py/->jvm (py-eval "{(1, 2): 't', 3: 'i', 1.5: 'f'}"))))
    (is (= {nil 1 true 2} (py/->jvm (py-eval "{None: 1, True: 2}")))))
  (testing "Clojure data is returned as it is"
    (is (= {:a 1} (py/->jvm {:a 1}))))
  (testing "objects with no Clojure counterpart come back bridged"
    (is (instance? PyObject (py/->jvm (py/import-module "math"))))))

(deftest keyword-keys-to-strings-and-back
  (let [m {:name "x" :tags [:a :b] :nested {:k 1}}]
    (is (= {"name" "x" "tags" ["a" "b"] "nested" {"k" 1}} (py/->jvm (py/->py m))))
    (is (= m (clojure.walk/keywordize-keys
               (update (py/->jvm (py/->py m)) "tags" #(mapv keyword %)))))))

(deftest py-dict-list-tuple-constructors
  (is (= :dict (py/python-type (py/->py-dict {:a 1}))))
  (is (= :dict (py/python-type (py/->py-dict [[:a 1] [:b 2]]))))
  (is (= {"a" 1 "b" 2} (py/->jvm (py/->py-dict [[:a 1] [:b 2]]))))
  (is (= :list (py/python-type (py/->py-list #{1}))))
  (is (= :list (py/python-type (py/->py-list nil))))
  (is (= [0 1 2] (py/->jvm (py/->py-list (range 3)))))
  (is (= :tuple (py/python-type (py/->py-tuple '(1 2)))))
  (is (= "(1, 'a', 'b')" (str (py/->py-tuple [1 "a" :b])))))

(deftest dict-views
  (let [d (py/as-jvm (py/->py-dict {:a 1 :b {:c 2}}))]
    (testing "java.util.Map, get, ILookup, IFn, count, seq"
      (is (instance? java.util.Map d))
      (is (= 1 (get d "a")))
      (is (= 1 (get d :a)))
      (is (= 1 (d "a")))
      (is (= :none (get d "zz" :none)))
      (is (= 2 (count d)))
      (is (= #{"a" "b"} (set (keys d))))
      (is (= 2 (get-in d ["b" "c"])))
      (is (= 2 (get (get d :b) :c))))
    (testing "destructuring, a missing key is nil"
      (let [{:keys [a missing] {:keys [c]} :b} d]
        (is (= [1 nil 2] [a missing c]))))
    (testing "live: writes through the view are visible in Python and back"
      (.put ^java.util.Map d "z" 26)
      (is (= 26 (py/get-item d "z")))
      (py/set-item! d "y" 25)
      (is (= 25 (get d "y")))
      (.remove ^java.util.Map d "y")
      (is (nil? (get d "y"))))
    (testing "nested containers are live views too"
      (.put ^java.util.Map (get d "b") "c" 3)
      (is (= 3 (py/->jvm (py/get-item (py/get-item d "b") "c"))))))
  (testing "print as str, compare with ==, hash with hash"
    (let [d (py/->py-dict {:a 1})]
      (is (= "{'a': 1}" (str d) (pr-str d)))
      (is (= d (py/->py-dict {:a 1})))
      (is (not= d (py/->py-dict {:a 2})))
      (is (= (hash (py/->py-tuple [1 2])) (hash (py/->py-tuple [1 2]))))
      (is (= (Long/hashCode (py-eval "hash((1, 2))")) (.hashCode ^Object (py/->py-tuple [1 2])))
          "a tuple's hash is Python's hash folded to an int")
      (is (contains? #{(py/->py-tuple [1 2])} (py/->py-tuple [1 2]))))))

(deftest list-views
  (let [l (py/as-jvm (py/->py-list [3 1 2]))]
    (is (instance? java.util.List l))
    (is (= 3 (count l)))
    (is (= 3 (nth l 0)))
    (is (= :nf (nth l 10 :nf)))
    (is (thrown? IndexOutOfBoundsException (nth l 10)))
    (is (= [3 1 2] (seq l)))
    (is (= [3 1 2] l))
    (is (= 6 (reduce + l)))
    (is (= 6 (reduce + 0 l)))
    (is (= [4 2 3] (mapv inc l)))
    (testing "java.util.List.sort sorts the Python list in place"
      (.sort ^java.util.List l nil)
      (is (= [1 2 3] (py/->jvm l)))
      (is (= "[1, 2, 3]" (str l))))
    (testing "add and set are visible in Python"
      (.add ^java.util.List l 4)
      (.set ^java.util.List l 0 0)
      (is (= [0 2 3 4] (py/->jvm l)))))
  (testing "large lists are read in chunks, lazily"
    (let [l (py/as-jvm (py/->py-list (range 5000)))]
      (is (= (range 5000) (seq l)))
      (is (= (reduce + (range 5000)) (reduce + l)))
      (is (= 10 (count (take 10 l))))))
  (testing "numpy arrays are sequences"
    (let [a (py/call-attr (py/import-module "numpy") "arange" 4)]
      (is (= :ndarray (py/python-type a)))
      (is (= [0 1 2 3] (vec (py/as-jvm a)))))))

(deftest iterables-are-lazy-seqs
  (py/run-simple-string "def naturals():\n    i = 0\n    while True:\n        yield i\n        i += 1")
  (let [gen (py/call (py-eval "naturals"))]
    (is (= [0 1 2 3 4] (take 5 (py/as-jvm gen)))))
  (is (= [0 1 2] (take 3 (py/as-jvm (py/call-attr (py/import-module "itertools") "count")))))
  (is (= #{1 2} (set (py/as-jvm (py/->py #{1 2})))))
  (testing "the seq outlives the scope it was made in"
    (let [s (py/stack-resource-context (py/as-jvm (py/call (py-eval "naturals"))))]
      (is (= [0 1 2] (take 3 s))))))

(deftest callables-are-ifns
  (let [sorted (py/get-attr (builtins) "sorted")]
    (is (ifn? sorted))
    (is (= [1 2 3] (sorted [3 1 2])))
    (testing "trailing :kw value pairs are keyword arguments"
      (is (= [3 2 1] (sorted [3 1 2] :reverse true)))
      (is (= ["ccc" "bb" "a"] (sorted ["bb" "a" "ccc"] :key (fn [s] (- (count s)))))))
    (is (= [3 2 1] (apply sorted [[1 2 3] :reverse true]))))
  (testing "a class is callable"
    (py/run-simple-string "class Point:\n    def __init__(self, x, y=0):\n        self.x, self.y = x, y")
    (let [p ((py-eval "Point") 1 :y 2)]
      (is (= [1 2] [(py/get-attr p "x") (py/get-attr p "y")])))))

(deftest calls
  (let [b (builtins)]
    (is (= 3 (py/call (py/get-attr b "len") [1 2 3])))
    (is (= 255 (py/call-kw (py/get-attr b "int") ["ff"] {:base 16})))
    (is (= 255 (py/call-kw (py/get-attr b "int") ["ff"] {"base" 16})))
    (is (= ["a" "b"] (py/call-attr (py/->py "a,b") "split" ",")))
    (is (= [3 2 1] (py/call-attr-kw b "sorted" [[3 1 2]] {:reverse true})))
    (testing "a Clojure fn as Python's sorted(key=...)"
      (is (= [3 2 1] (py/call-attr-kw b "sorted" [[3 1 2]] {:key (fn [x] (- x))}))))
    (testing "get-item / set-item!"
      (let [d (py/->py-dict {:a 1})]
        (is (= 1 (py/get-item d "a")))
        (is (= 1 (py/get-item d :a)))
        (is (identical? d (py/set-item! d :b 2)))
        (is (= {"a" 1 "b" 2} (py/->jvm d)))
        (is (= 20 (py/get-item (py/->py-list [10 20]) 1)))))))

(deftest clojure-fns-in-python
  (let [b (builtins)
        add (py/->py-fn (fn [x y] (+ x y)))]
    (is (= :java-function (py/python-type add)))
    (is (= 5 (py/call add 2 3)))
    (is (= [2 3 4] (py/->jvm (py/call (py/get-attr b "list") (py/call (py/get-attr b "map") inc [1 2 3])))))
    (testing "Python keyword arguments arrive as trailing :kw value pairs"
      (py/run-simple-string "def call_with_kw(f):\n    return f(1, scale=10)")
      (is (= 10 (py/call (py-eval "call_with_kw") (fn [x & {:keys [scale]}] (* x scale))))))
    (testing "Python dicts arrive as Clojure maps"
      (is (= {"a" 1} (py/call (py/->py-fn identity) (py/->py-dict {:a 1}))))
      (is (= {"a" 1} (py/call (py-eval "lambda f: f({'a': 1})") (fn [m] m))))))
  (testing "a Clojure exception surfaces in Python, and back out as the cause"
    (py/run-simple-string
      "def catch_it(f):\n    try:\n        f()\n    except Exception as e:\n        return type(e).__module__ + '.' + type(e).__name__")
    (is (= "clojure.lang.ExceptionInfo" (py/call (py-eval "catch_it") (fn [] (throw (ex-info "inner" {:k 1}))))))
    (let [e (is (thrown? clojure.lang.ExceptionInfo
                         (py/call (py/->py-fn (fn [] (throw (ex-info "inner" {:k 1})))))))
          cause (ex-cause e)]
      (is (instance? PythonException cause))
      (is (= {:k 1} (ex-data (ex-cause cause))))
      (is (= "inner" (ex-message (ex-cause cause)))))))

(deftest infinite-clojure-seqs-are-lazy-python-iterators
  (let [itertools (py/import-module "itertools")
        to-list (py/get-attr (builtins) "list")]
    (testing "itertools.islice over an infinite (range)"
      (is (= [0 1 2 3 4] (py/->jvm (to-list (py/call-attr itertools "islice" (range) 5))))))
    (testing "realized one item at a time"
      (let [n (atom 0)
            counted (map (fn [x] (swap! n inc) x) (iterate inc 0))]
        (is (= [0 1 2] (py/->jvm (to-list (py/call-attr itertools "islice" (py/->py-iterator counted) 3)))))
        (is (<= @n 4) (str "realized " @n " items"))))
    (is (= [7 7 7] (py/->jvm (to-list (py/call-attr itertools "islice" (repeat 7) 3)))))
    (is (= [1 2 1] (py/->jvm (to-list (py/call-attr itertools "islice" (cycle [1 2]) 3)))))
    (is (= :list (py/python-type (py/->py (repeat 3 7)))) "a finite repeat is a list")))

(deftest python-output-goes-to-out-and-err
  (is (= "hello 42\n" (with-out-str (py/run-simple-string "print('hello', 6 * 7)"))))
  (testing "a partial line is handed over by a flush"
    (is (= "a" (with-out-str (py/run-simple-string "print('a', end='', flush=True)")))))
  (testing "the streams answer fileno() with the real descriptors (faulthandler, subprocess)"
    (let [sys (py/import-module "sys")]
      (is (= 1 (py/->jvm (py/call-attr (py/get-attr sys "stdout") "fileno"))))
      (is (= 2 (py/->jvm (py/call-attr (py/get-attr sys "stderr") "fileno"))))))
  (let [w (java.io.StringWriter.)]
    (binding [*err* w]
      (py/run-simple-string "import sys\nprint('oops', file=sys.stderr)"))
    (is (= "oops\n" (str w))))
  (testing "from a Python thread too (to the root *out*)"
    (let [out (java.io.ByteArrayOutputStream.)
          w (java.io.OutputStreamWriter. out "UTF-8")
          root (.getRawRoot #'*out*)]
      (alter-var-root #'*out* (constantly w))
      (try
        (py/run-simple-string
          "import threading\nt = threading.Thread(target=lambda: print('from thread', flush=True))\nt.start()\nt.join()")
        (finally (alter-var-root #'*out* (constantly root))))
      (.flush w)
      (is (str/includes? (.toString out "UTF-8") "from thread")))))

(deftest errors-are-ex-info
  (let [e (is (thrown? clojure.lang.ExceptionInfo (py/run-simple-string "raise ValueError('boom')")))
        data (ex-data e)]
    (is (= "ValueError" (:python-type data)))
    (is (= "boom" (:message data)))
    (is (= :pybridge/python-error (:type data)))
    (is (str/includes? (:traceback data) "ValueError"))
    (is (instance? PythonException (ex-cause e))))
  (let [e (is (thrown? clojure.lang.ExceptionInfo (py/get-item (py/->py-dict {}) "missing")))]
    (is (= "KeyError" (:python-type (ex-data e)))))
  (let [e (is (thrown? clojure.lang.ExceptionInfo (py/call-attr (py/->py 1) "no_such_method")))]
    (is (= "AttributeError" (:python-type (ex-data e))))))

(deftest python-type-keywords
  (let [np (py/import-module "numpy")]
    (is (= :dict (py/python-type (py/->py-dict {}))))
    (is (= :list (py/python-type (py/->py-list []))))
    (is (= :tuple (py/python-type (py/->py-tuple []))))
    (is (= :str (py/python-type "s")))
    (is (= :int (py/python-type 1)))
    (is (= :float (py/python-type 1.0)))
    (is (= :bool (py/python-type true)))
    (is (= :none-type (py/python-type nil)))
    (is (= :ndarray (py/python-type (py/call-attr np "zeros" 2))))
    (is (= :module (py/python-type np)))
    (is (= :builtin-function-or-method (py/python-type (py/get-attr (builtins) "len"))))
    (is (= :ordered-dict (py/python-type (py/call (py/get-attr (py/import-module "collections") "OrderedDict")))))))

(deftest sugar-macros
  (let [math (py/import-module "math")
        os (py/import-module "os")]
    (is (= 4.0 (py/py. math sqrt 16)))
    (is (= [3 2 1] (py/py. (builtins) sorted [1 2 3] :reverse true)))
    (is (= Math/PI (py/py.- math pi)))
    (is (= "a/b" (py/py.. os -path (join "a" "b"))))
    (is (= "A,B" (py/py.. (py/->py "a,b") upper)))
    (is (= ["A" "B"] (py/py.. (py/->py "a,b") upper (split ","))))))

(deftest gil-and-scopes
  (testing "with-gil is reentrant and returns the body's value"
    (is (= [1 2] (py/with-gil (py/with-gil (py/->jvm (py/->py [1 2])))))))
  (testing "stack-resource-context releases what it made, keeps what it returns"
    (let [before (:released-by-scope (py/stats))
          kept (py/stack-resource-context
                 (dotimes [_ 10] (py/->py-dict {:a 1}))
                 (py/->py-dict {:kept true}))]
      (is (>= (- (:released-by-scope (py/stats)) before) 10))
      (is (= {"kept" true} (py/->jvm kept)))))
  (testing "bridged objects directly inside a returned collection are kept"
    (let [[a b] (py/stack-resource-context [(py/->py-dict {:a 1}) (py/->py-list [1])])
          m (py/stack-resource-context {:d (py/->py-dict {:x 1})})]
      (is (= {"a" 1} (py/->jvm a)))
      (is (= [1] (py/->jvm b)))
      (is (= {"x" 1} (py/->jvm (:d m))))))
  (testing "what is not kept is released: using it is an exception, not a crash"
    (let [leaked (atom nil)]
      (py/stack-resource-context (reset! leaked (py/->py-dict {:a 1})) :done)
      (is (thrown? PyObjectReleasedException (py/->jvm @leaked)))))
  (testing "with-gil-stack-rc-context"
    (is (= {"a" 1} (py/with-gil-stack-rc-context (py/->jvm (py/->py-dict {:a 1})))))
    (is (= 0 (:open-scopes (py/stats))))))

(deftest gc-collect-and-stats
  (py/run-simple-string
    "import gc\ngc.disable()\nclass Cyc:\n    pass\nfor _ in range(10):\n    c = Cyc(); c.me = c\ndel c\ngc.enable()")
  (is (>= (py/gc-collect!) 10))
  (let [s (py/stats)]
    (doseq [k [:live-handles :created :released-by-close :released-by-scope :released-by-gc
               :queued-releases :table-size :open-scopes :java-functions :thread-states]]
      (is (contains? s k) (str k)))
    (is (pos? (:created s)))
    (is (= (:live-handles s) (:table-size s)))))

(deftest every-public-var-has-a-docstring-with-an-example
  (let [publics (ns-publics 'pybridge.python)]
    (is (<= 30 (count publics)))
    (doseq [[sym v] publics]
      (is (string? (:doc (meta v))) (str sym " has no docstring"))
      (is (re-find #"\(py/|=>" (or (:doc (meta v)) "")) (str sym "'s docstring has no example")))
    (testing "the names the starting design promises"
      (doseq [sym '[initialize! import-module run-simple-string ->py ->jvm as-jvm ->py-dict ->py-list
                    ->py-tuple ->py-fn get-attr set-attr! has-attr? call-attr call-attr-kw call get-item
                    set-item! py. py.- py.. python-type dir with-gil stack-resource-context
                    with-gil-stack-rc-context gc-collect! stats]]
        (is (contains? publics sym) (str sym))))))
