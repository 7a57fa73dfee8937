(ns libpython-clj2.python.class
  "libpython-clj's libpython-clj2.python.class on pybridge (the compatibility
  jar): Python classes from Clojure fns, delegating to pybridge.python.

      (require '[libpython-clj2.python.class :as py-class])
      (def Point (py-class/create-class \"Point\" nil
                   {\"__init__\" (py-class/make-tuple-instance-fn
                                  (fn [self x] (py/set-attr! self \"x\" x) nil))}))"
  (:require
   [pybridge.python :as py]))

(defn create-class
  "A Python class named name, with bases (a sequence, or nil) and cls-hashmap
  (attribute name -> value, methods made with make-tuple-instance-fn or
  make-kw-instance-fn)."
  [name bases cls-hashmap]
  (py/create-class name bases cls-hashmap))

(defn make-tuple-instance-fn
  "A method of a Clojure fn called with self and the positional arguments."
  [clj-fn & opts]
  (apply py/make-tuple-instance-fn clj-fn opts))

(defn make-kw-instance-fn
  "A method of a Clojure fn called with self, the positional arguments and a
  map of the keyword arguments."
  [clj-fn & opts]
  (apply py/make-kw-instance-fn clj-fn opts))

(defn py-fn->instance-fn
  "A Python callable as a method (bound to the instance it is read from)."
  [py-fn]
  (py/make-instance-fn py-fn))
