(ns pybridge.test-support
  "What the Clojure test namespaces share: starting Python once with the
  test Python code (clojure/test/python) importable."
  (:require
   [clojure.java.io :as io]
   [pybridge.python :as py]))

(defonce ^{:doc "How many times python.edn's :pre-initialize-fn / :post-initialize-fn ran."}
  python-edn-calls (atom {:pre 0 :post 0}))

(defn record-pre-initialize! [] (swap! python-edn-calls update :pre inc))

(defn record-post-initialize! [] (swap! python-edn-calls update :post inc))

(defn python-dir
  "clojure/test/python, where the tests' Python modules are."
  []
  (.getParent (io/file (.toURI (io/resource "python/pybridge_testcode.py")))))

(defn start!
  "Starts Python and puts the test modules on sys.path (idempotent)."
  []
  (py/initialize!)
  (let [sys-path (py/get-attr (py/import-module "sys") "path")
        dir (python-dir)]
    (when-not (some #{dir} sys-path)
      (py/call-attr sys-path "insert" 0 dir)))
  :ok)

(defn fixture [t] (start!) (t))

(defn testcode [] (py/import-module "pybridge_testcode"))
