;; Runs libpython-clj's own clojure.test namespaces (named on the command line)
;; on the compatibility jar, as `lein test` runs them (np-array loaded, as
;; another test namespace of theirs loads it), and prints one EDN map:
;; {:test N :pass N :fail N :error N :problems #{deftest names}}.
(require 'clojure.test)
(def nss (map symbol *command-line-args*))
(require 'libpython-clj2.python.np-array)
(apply require nss)
(def problems (atom #{}))
(defmethod clojure.test/report :error [m]
  (swap! problems conj (-> clojure.test/*testing-vars* first meta :name))
  (clojure.test/inc-report-counter :error))
(defmethod clojure.test/report :fail [m]
  (swap! problems conj (-> clojure.test/*testing-vars* first meta :name))
  (clojure.test/inc-report-counter :fail))
(let [r (apply clojure.test/run-tests nss)]
  (prn (assoc (select-keys r [:test :pass :fail :error]) :problems @problems))
  (shutdown-agents)
  (System/exit 0))
