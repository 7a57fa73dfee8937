(ns pybridge.require-test
  "pybridge.require: Python modules as Clojure namespaces."
  (:require
   [clojure.datafy :refer [datafy nav]]
   [clojure.test :refer [deftest is testing use-fixtures]]
   [pybridge.python :as py]
   [pybridge.require :as req :refer [import-python pydafy require-python]]
   [pybridge.test-support :as ts]))

(use-fixtures :once ts/fixture)

(ts/start!)

(require-python '[math :refer :* :exclude [sin cos] :as pymath])
(require-python '[builtins :as python] '[builtins.list :as python.pylist])
(require-python '[json :as pyjson])
(require-python '[numpy :as np :refer [linspace]])

(defmacro ^:private in-this-ns
  "Runs body with *ns* this namespace (where require-python aliases and refers)."
  [& body]
  `(binding [*ns* (the-ns 'pybridge.require-test)] ~@body))

(deftest refer-alias-exclude
  (let [publics (ns-publics 'math)]
    (is (contains? publics 'sin))
    (is (nil? (ns-resolve 'pybridge.require-test 'sin)) ":exclude")
    (is (= 10 (floor 10.1)))
    (is (= 2.0 (pymath/sqrt 4)))
    (is (= Math/PI @(ns-resolve 'math 'pi))))
  (in-this-ns
    (is (thrown? Exception (require-python '[math :refer [no_such_name]])))
    (is (thrown? Exception (require-python '[math :no-such-flag])))
    (is (thrown? Exception (require-python '[no_such_module_here])))))

(deftest metadata-of-vars
  (let [m (meta (ns-resolve 'math 'sqrt))]
    (is (string? (:doc m)))
    (is (= 'sqrt (:name m))))
  (let [m (meta (ns-resolve 'json 'dumps))]
    (is (string? (:file m)))
    (is (int? (:line m)))
    (is (some #(= '& (nth % (- (count %) 2) nil)) (:arglists m)) "keyword-only arguments")
    (is (= '[obj] (first (:arglists m)))))
  (is (= "{\"a\": 1}" (pyjson/dumps {:a 1})))
  (is (string? (:doc (meta (find-ns 'json))))))

(deftest modules-classes-and-prefix-lists
  (let [l (python/list)]
    (is (= [] (vec l)))
    (python.pylist/append l 1)
    (python.pylist/append l 3)
    (is (= [1 3] (vec l)))
    (python.pylist/clear l)
    (is (= (python/list) (vec l))))
  (in-this-ns
    (require-python 'csv.DictWriter)
    (is (every? #(ns-resolve 'csv.DictWriter %) '[__init__ writeheader writerow writerows]))
    (require-python '(os [path :as pb-osp]))
    (is (= "a/b" (@(ns-resolve 'os.path 'join) "a" "b")))
    (is (= "a/b" ((ns-resolve 'pybridge.require-test 'pb-osp/join) "a" "b")))
    (is (= :ok (import-python)))
    (is (= 3 ((ns-resolve 'pybridge.require-test 'python/len) [1 2 3])))
    (is (= {"a" nil} (py/->jvm ((ns-resolve 'pybridge.require-test 'python.dict/fromkeys) ["a"]))))))

(deftest bind-ns-and-source-metadata
  (in-this-ns
    (require-python '[socket :bind-ns true])
    (require-python 'socket.SocketIO))
  (let [{:keys [line file]} (meta (ns-resolve 'pybridge.require-test 'socket))]
    (is (= 1 line))
    (is (string? file)))
  (is (= :module (py/python-type @(ns-resolve 'pybridge.require-test 'socket))))
  (doseq [v [(ns-resolve 'socket 'SocketIO) (ns-resolve 'socket '_intenum_converter)
             (ns-resolve 'socket.SocketIO 'readable)]]
    (is (int? (:line (meta v))) (str v))
    (is (string? (:file (meta v))) (str v)))
  (is (thrown? Exception (in-this-ns (require-python '[os.path :bind-ns])))))

(deftest reload-and-paths
  (let [dir (java.io.File/createTempFile "pybridge-req" "")
        _ (.delete dir)
        _ (.mkdirs dir)
        f (java.io.File. dir "pybridge_reloadme.py")]
    (in-this-ns
      (try
        (spit f "VALUE = 1\ndef f(x):\n    return x + VALUE\n")
        (require-python :from (str dir) '[pybridge_reloadme :as rl])
        (is (= 2 ((ns-resolve 'pybridge.require-test 'rl/f) 1)))
        (spit f "VALUE = 10\ndef f(x):\n    return x + VALUE\n")
        (require-python {:from (str dir)} '[pybridge_reloadme :as rl])
        (is (= 2 ((ns-resolve 'pybridge.require-test 'rl/f) 1)) "no :reload: the namespace is reused")
        (require-python (str dir) '[pybridge_reloadme :reload :as rl])
        (is (= 11 ((ns-resolve 'pybridge.require-test 'rl/f) 1)))
        (is (not-any? #{(str dir)} (py/get-attr (py/import-module "sys") "path")) "sys.path restored")
        (finally (doseq [x (reverse (file-seq dir))] (.delete ^java.io.File x)))))))

(deftest numpy-as-a-namespace
  (is (= [0 1 2] (vec (np/arange 3))))
  (is (= [2.0 2.5 3.0] (vec (linspace 2 3 :num 3))))
  (is (seq (:arglists (meta #'np/linspace))))
  (in-this-ns (require-python '[numpy.random :as npr :no-arglists]))
  (is (nil? (:arglists (meta (ns-resolve 'numpy.random 'randn))))))

(deftest flags-and-prefix-lists
  (let [parse-flags #'req/parse-flags
        req-transform #'req/req-transform]
    (is (= #{:reload} (parse-flags #{:reload} '[:reload x])))
    (is (= #{:reload} (parse-flags #{:reload} '[x :reload :as y])))
    (is (= #{} (parse-flags #{:reload} '[:reload false])))
    (is (= #{:reload} (parse-flags #{:reload} '[:reload false :reload])))
    (is (= #{} (parse-flags #{:reload} '[:reload true :reload false])))
    (is (= #{:a :b} (parse-flags #{:a :b} '[:a :b true])))
    (is (= #{:b} (parse-flags #{:a :b} '[:b :a false])))
    (is (thrown? Exception (parse-flags #{:a} '[:c])))
    (is (= 'a (req-transform 'a)))
    (is (= '(a.b a.c) (req-transform '(a b c))))
    (is (= '([a.b :as c :refer [x]] a.d) (req-transform '(a [b :as c :refer [x]] d))))
    (is (= 'a.b.c (req-transform 'a.b 'c)))
    (is (thrown? Exception (req-transform 'a.b 'c.d)))))

(deftest datafy-of-python-objects
  (is (vector? (datafy (python/list [1 2 3]))))
  (is (= #{1 2 3} (datafy (python/frozenset [1 2 3]))))
  (is (= {"a" [1]} (datafy (py/->py-dict {:a [1]}))))
  (let [m (datafy (py/import-module "json"))]
    (is (map? (get m "dumps")))
    (is (= :function (:type (get m "dumps"))))
    (is (= :function (py/python-type (nav m "dumps" (get m "dumps"))))))
  (defmethod pydafy 'builtins.range [r] {:range (vec r)})
  (try
    (is (= {:range [0 1 2]} (datafy (python/range 3))))
    (finally (remove-method pydafy 'builtins.range))))
