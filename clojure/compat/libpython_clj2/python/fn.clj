(ns libpython-clj2.python.fn
  "libpython-clj's libpython-clj2.python.fn on pybridge (the compatibility
  jar): calling Python and making Python callables from Clojure fns, each var
  delegating to pybridge.python (see there for its documentation).

      (require '[libpython-clj2.python.fn :as py-fn])
      (py-fn/call-attr (py/import-module \"math\") \"hypot\" [3 4])  ;=> 5.0

  As in libpython-clj, call-attr and call-attr-kw here take the positional
  arguments as one sequence (libpython-clj2.python/call-attr takes them
  spread)."
  (:require
   [pybridge.python :as py]
   [pybridge.python.copy :as copy]))

(defn call
  "f(*args): the arguments spread, as libpython-clj2.python.fn/call takes them."
  [f & args]
  (apply py/call f args))

(defn call-kw
  "f(*args, **kw-args): args a sequence, kw-args a map."
  [f args kw-args]
  (py/call-kw f (vec args) kw-args))

(defn call-attr
  "obj.attr(*args): args a sequence (libpython-clj's fn namespace form)."
  [obj attr args]
  (apply py/call-attr obj attr args))

(defn call-attr-kw
  "obj.attr(*args, **kw-args): args a sequence, kw-args a map."
  [obj attr args kw-args]
  (py/call-attr-kw obj attr (vec args) kw-args))

(defn args->pos-kw-args
  "Splits [1 2 :k v] into [[1 2] {:k v}]: positional arguments, then keyword
  arguments introduced by keywords."
  [arglist]
  (copy/args->pos-kw-args arglist))

(defn cfn
  "f(*pos, **kw) from an argument list with keywords: (cfn f 1 2 :k v)."
  [f & args]
  (apply py/cfn f args))

(defn afn
  "obj.attr(*pos, **kw) from an argument list with keywords."
  [obj attr & args]
  (apply py/afn obj attr args))

(defn make-tuple-fn
  "A Python callable of a Clojure fn taking its arguments positionally."
  [f & opts]
  (apply py/make-tuple-fn f opts))

(defn make-kw-fn
  "A Python callable of a Clojure fn called with the positional arguments and
  then a map of the keyword arguments."
  [f & _opts]
  (py/make-callable f))

(defn make-fastcallable
  "A callable for repeated calls (see pybridge.python/make-fastcallable)."
  [f]
  (py/make-fastcallable f))
