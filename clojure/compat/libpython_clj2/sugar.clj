(ns libpython-clj2.sugar
  "libpython-clj's pyxfn on pybridge: delegates to pybridge.sugar (see
  there). Unlike libpython-clj's, loading this namespace does not start
  Python.

      (require '[libpython-clj2.sugar :refer [pyxfn]])
      (into [] (pyxfn python-generator-fn) (range 3))"
  (:require
   [pybridge.sugar :as sugar]))

(def ^{:doc (:doc (meta #'sugar/pyxfn)) :arglists (:arglists (meta #'sugar/pyxfn))} pyxfn sugar/pyxfn)
