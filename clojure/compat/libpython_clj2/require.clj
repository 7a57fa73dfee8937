(ns libpython-clj2.require
  "libpython-clj's require-python on pybridge: delegates to pybridge.require
  (see there).

      (require '[libpython-clj2.require :refer [require-python]])
      (require-python '[math :as pymath])
      (pymath/sqrt 16)  ;=> 4.0"
  (:require
   [pybridge.require :as req]))

(def ^{:doc (:doc (meta #'req/require-python)) :arglists (:arglists (meta #'req/require-python))}
  require-python req/require-python)

(def ^{:doc (:doc (meta #'req/import-python)) :arglists (:arglists (meta #'req/import-python))}
  import-python req/import-python)

(def ^{:doc (:doc (meta #'req/pydafy))} pydafy
  ;; the same multimethod: defmethods on either name extend both
  req/pydafy)

(def ^{:doc (:doc (meta #'req/pynav))} pynav req/pynav)

(def ^:private parse-flags @#'req/parse-flags)
(def ^:private req-transform @#'req/req-transform)
