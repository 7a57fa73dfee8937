package org.pybridge;

/**
 * Which protocol a Python object's type follows first, as
 * {@link PyObject#kind()} decides it (cached per type): what a generic
 * bridge (the Clojure layer's {@code as-jvm}) should turn it into.
 */
public enum PyKind {
    /** {@code None}, {@code bool}, numbers, {@code str}, {@code bytes}: values, not containers. */
    SCALAR,
    /** A {@code collections.abc.Mapping}, or a type with {@code keys}, {@code __getitem__}, {@code __len__}. */
    MAPPING,
    /** A {@code collections.abc.Sequence}, or a type with {@code __getitem__} and {@code __len__} (numpy arrays). */
    SEQUENCE,
    /** Callable (functions, methods, classes, objects with {@code __call__}). */
    CALLABLE,
    /** Iterable but none of the above (generators, iterators, sets, files). */
    ITERABLE,
    /** Anything else. */
    OTHER
}
