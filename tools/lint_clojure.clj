;; The Clojure lint (./dev test runs it as `gradle lintClojure`): clj-kondo's core checks,
;; computed from the ASTs of org.clojure/tools.analyzer.jvm (Maven Central). clj-kondo
;; itself comes from Clojars or GitHub, which this project's machines cannot reach: see
;; docs/decisions/shape.md.
;;
;; For every namespace file under the directories given, it reads each top-level form with
;; tools.reader (which puts :line on symbols too), analyzes and evaluates it as the compiler
;; would (so the files must be loadable: libraries and test namespaces, not scripts that
;; run a program when loaded), and reports:
;;   - wrong arity: a call of a var or a local fn with a number of arguments that none of
;;     its arglists takes;
;;   - unused binding: a let, loop, letfn or fn-parameter name written in the source and
;;     never read (names starting with _ are exempt, as in clj-kondo; so are catch
;;     bindings, a fn's own name and the fields and `this` of deftype/reify methods);
;;   - unused require: a namespace required :as an alias (or with :refer) whose alias,
;;     or referred names, the rest of the file never uses;
;;   - a namespace under a --warn-on-reflection directory that does not
;;     (set! *warn-on-reflection* true) (the AOT build then fails on any reflection warning).
;; Prints FILE:LINE: message per finding; exits 1 when there is any.
;;
;; Usage: java -cp <clojure, tools.analyzer.jvm, the sources and classes>
;;          clojure.main tools/lint_clojure.clj [--warn-on-reflection DIR]... DIR...
(ns lint-clojure
  (:require [clojure.java.io :as io]
            [clojure.string :as str]
            [clojure.tools.analyzer.ast :as ast]
            [clojure.tools.analyzer.jvm :as ana]
            [clojure.tools.reader :as reader]
            [clojure.tools.reader.reader-types :as rt])
  (:import (java.io File StringWriter)))

(set! *warn-on-reflection* true)

(defn- clj-files [dirs]
  (->> dirs
       (mapcat #(file-seq (io/file %)))
       (filter #(and (.isFile ^File %) (str/ends-with? (.getName ^File %) ".clj")))
       (sort-by #(.getPath ^File %))))

(defn- source-binding?
  "A binding name that the source wrote (tools.reader gave it a line), not one a macro made."
  [sym]
  (and (symbol? sym)
       (:line (meta sym))
       (not (str/starts-with? (name sym) "_"))
       (not= '& sym)))

(defn- libspecs
  "[lib alias refers] of each :require libspec of an ns form (prefix lists expanded);
  alias nil when there is none, refers a set of symbols or :all."
  [ns-form]
  (for [clause (filter seq? ns-form)
        :when (= :require (first clause))
        spec (rest clause)
        [lib opts] (cond
                     (symbol? spec) [[spec nil]]
                     (vector? spec) [[(first spec) (apply hash-map (rest spec))]]
                     (seq? spec) (for [s (rest spec)]
                                   (if (vector? s)
                                     [(symbol (str (first spec) "." (first s))) (apply hash-map (rest s))]
                                     [(symbol (str (first spec) "." s)) nil]))
                     :else [])]
    [lib (:as opts) (let [r (:refer opts)] (if (= :all r) :all (set r)))]))

(defn- used-names
  "The symbols and keywords anywhere in forms (metadata included: type hints)."
  [forms]
  (let [acc (transient #{})]
    (letfn [(walk [x]
              (when (instance? clojure.lang.IMeta x)
                (when-let [m (meta x)]
                  (walk (dissoc m :line :column :end-line :end-column :file :source))))
              (cond
                (or (symbol? x) (keyword? x)) (conj! acc x)
                (map? x) (doseq [[k v] x] (walk k) (walk v))
                (coll? x) (doseq [y x] (walk y))
                :else nil))]
      (walk forms))
    (persistent! acc)))

(defn- unused-requires [ns-form later-forms]
  (let [used (used-names later-forms)
        used-ns (set (keep namespace used))
        plain (set (map name (filter #(nil? (namespace %)) (filter symbol? used))))]
    (for [[lib alias refers] (libspecs ns-form)
          :let [alias-used? (and alias (or (used-ns (name alias)) (used-ns (name lib))))
                refer-used? (and (set? refers) (seq refers)
                                 (some #(or (plain (name %)) (used-ns (name lib))) refers))]
          :when (and (or alias (and (set? refers) (seq refers)))
                     (not alias-used?)
                     (not refer-used?))]
      (str "unused require " lib (when alias (str " :as " alias))))))

(defn- read-form [rdr]
  (binding [reader/*read-eval* false
            reader/*alias-map* (ns-aliases *ns*)]
    (reader/read {:eof ::eof :read-cond :allow :features #{:clj}} rdr)))

(defn- lint-file
  "The findings of one file, [line message] pairs."
  [^File file warn-dirs]
  (let [findings (atom [])
        report! (fn [line msg] (swap! findings conj [(or line 0) msg]))
        text (slurp file)
        rdr (rt/indexing-push-back-reader text 1 (.getPath file))
        opts {:passes-opts (assoc ana/default-passes-opts :validate/throw-on-arity-mismatch false)}]
    (binding [*ns* *ns*
              *file* (.getPath file)
              *warn-on-reflection* false
              *err* (StringWriter.)]         ; the analyzer's own reflection notes: the AOT build judges those
      (loop [forms []]
        (let [form (read-form rdr)]
          (if (= form ::eof)
            (let [[ns-form & later] forms]
              (when (and (seq? ns-form) (= 'ns (first ns-form)))
                (doseq [msg (unused-requires ns-form later)]
                  (report! (:line (meta ns-form)) msg))
                (when (and (some #(str/starts-with? (.getPath file) %) warn-dirs)
                           (not (some #(= '(set! *warn-on-reflection* true) %) later)))
                  (report! 1 "no (set! *warn-on-reflection* true)"))))
            (let [tree (ana/analyze+eval form (ana/empty-env) opts)
                  _ (set! *warn-on-reflection* false)   ; the ns's own (set! ... true) just ran
                  nodes (ast/nodes tree)
                  read-locals (set (keep #(when (= :local (:op %)) (:name %)) nodes))]
              (doseq [n nodes
                      :when (:maybe-arity-mismatch n)
                      :let [f (:fn n)]]
                (report! (or (:line (:env n)) (:line (meta (:form n))))
                         (str "wrong arity: " (or (:var f) (:form f)) " called with "
                              (count (:args n)) " argument(s); its arglists: " (pr-str (:arglists f)))))
              (doseq [n nodes
                      :when (= :binding (:op n))
                      :let [sym (:form n)]
                      :when (and (source-binding? sym)
                                 (not (#{:field :this :catch :fn} (:local n)))
                                 (not (read-locals (:name n))))]
                (report! (:line (meta sym)) (str "unused binding " sym)))
              (recur (conj forms form)))))))
    @findings))

(defn- missing-optional-dependency
  "The optional library a namespace refused to load without (ex-data :missing anywhere in
  the cause chain), or nil."
  [^Throwable e]
  (some #(:missing (ex-data %)) (take-while some? (iterate #(.getCause ^Throwable %) e))))

(defn -main [& args]
  (let [[warn-dirs dirs] (loop [args args warn [] dirs []]
                           (cond
                             (empty? args) [warn dirs]
                             (= "--warn-on-reflection" (first args)) (recur (nnext args) (conj warn (second args)) dirs)
                             :else (recur (next args) warn (conj dirs (first args)))))
        files (clj-files dirs)
        total (atom 0)]
    (doseq [^File f files]
      (let [findings (try
                       (lint-file f warn-dirs)
                       (catch Throwable e
                         (if-let [dep (missing-optional-dependency e)]
                           ;; a namespace that needs a library the user adds (np-array: dtype-next),
                           ;; absent from this classpath: said, not a problem of the code
                           (do (println (str (.getPath f) ": skipped, needs " dep " (not on this classpath)"))
                               [])
                           [[0 (str "could not analyze: " (.getMessage e)
                                    (when-let [c (.getCause e)] (str " (" (.getMessage c) ")")))]])))]
        (doseq [[line msg] (sort-by first findings)]
          (swap! total inc)
          (println (str (.getPath f) ":" line ": " msg)))))
    (println (str "lint-clojure: " @total " problem(s) in " (count files) " files"))
    (flush)
    (shutdown-agents)
    (System/exit (if (zero? @total) 0 1))))

(apply -main *command-line-args*)
