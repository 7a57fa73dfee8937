;; A small program written for libpython-clj, the way its README and
;; examples write them. pybridge.compat-test runs it, unedited, in a child
;; JVM with only pybridge's jar, the compatibility jar and Clojure on the
;; classpath, and checks what it prints.
(ns lpc-program
  (:require
   [libpython-clj2.python :as py :refer [py. py.- py..]]
   [libpython-clj2.require :refer [require-python]]
   [libpython-clj2.sugar :refer [pyxfn]]))

(def init-result (py/initialize!))

(require-python '[numpy :as np])
(require-python '[builtins :as python])
(require-python 'os.path)
(require-python '[math :refer [sqrt]])

(def Greeter
  (py/create-class "Greeter" nil
                   {"__init__" (py/make-instance-fn
                                 (fn [self name] (py/set-attr! self "name" name) nil))
                    "greet" (py/make-instance-fn
                              (fn [self] (str "hello " (py/get-attr self "name"))))}))

(let [{{:strs [doubled]} :globals}
      (py/run-simple-string "def doubled(xs):\n    for x in xs:\n        yield 2 * x")]
  (prn {:init init-result
        :init-again (py/initialize!)
        :sum (py. (np/arange 10) sum)
        :linspace (vec (np/linspace 2 3 :num 5))
        :dict (py/->jvm (py/->py-dict {:a 1 :b 2}))
        :tuple-keys (py/with-gil-stack-rc-context
                      (py/->jvm (py/->python {[1 2] "pair"})))
        :join (os.path/join "a" "b")
        :attr (py.. (py/import-module "os") -path (join "x" "y"))
        :sqrt (sqrt 16)
        :module-type (:type (py/->jvm (py/import-module "math")))
        :none-type (py/python-type nil)
        :islice (-> (range) ((py/get-attr (py/import-module "itertools") "islice") 0 5) vec)
        :with (py/with [f (py/call-attr (py/import-module "io") "StringIO" "text")]
                (py/call-attr f "read"))
        :greet (py/$a (Greeter "pybridge") greet)
        :len (python/len [1 2 3])
        :pyxfn (into [] (pyxfn doubled) (range 3))
        :py- (py.- (py/import-module "math") pi)}))
(flush)
(shutdown-agents)
(System/exit 0)
