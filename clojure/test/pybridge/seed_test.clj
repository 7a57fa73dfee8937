(ns pybridge.seed-test
  "The forms of libpython-clj's \"Scopes and Garbage Collection\" document
  (../shared/seeds/000_526560f53e668e12.txt), run as written with only the
  require changed, and what they must give."
  (:require
   [clojure.test :refer [deftest is testing]]
   [pybridge.python :as py]))

(def ^:private expected (vec (repeat 1000 {"a" 1, "b" 2})))

(deftest seed-initialize
  (is (= :ok (py/initialize!))))

(deftest seed-stack-resource-context
  (py/initialize!)
  (is (= {"a" 1, "b" 2}
         (py/stack-resource-context
           (-> (py/->py-dict {:a 1 :b 2})
               ;; Note - Without this call you guarantee a crash. (Not here.)
               (py/->jvm))))))

(deftest seed-returning-a-bridged-object-does-not-crash
  (py/initialize!)
  (let [d (py/stack-resource-context (py/->py-dict {:a 1 :b 2}))]
    (is (= {"a" 1, "b" 2} (py/->jvm d)))
    (is (= 1 (get d "a")))))

(deftest seed-dict-seq
  (py/initialize!)
  (let [dict-seq (py/as-jvm (py/->py-list (repeat 1000 (py/->py-dict {:a 1 :b 2}))))]
    (testing "(mapv py/->jvm dict-seq)"
      (is (= expected (mapv py/->jvm dict-seq))))
    (testing "inside py/with-gil"
      (is (= expected (py/with-gil (mapv py/->jvm dict-seq)))))))

(deftest seed-with-gil-stack-rc-context
  (py/initialize!)
  (let [before (py/stats)
        result (py/with-gil-stack-rc-context
                 (->> (repeatedly 1000 #(py/->py-dict {:a 1 :b 2}))
                      (py/->py-list)
                      (py/as-jvm)
                      (mapv py/->jvm)))
        after (py/stats)]
    (is (= expected result))
    (testing "everything made inside was released when it ended"
      (is (>= (- (:released-by-scope after) (:released-by-scope before)) 2001))
      (is (= (:open-scopes before) (:open-scopes after))))))
