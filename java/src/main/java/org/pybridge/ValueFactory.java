package org.pybridge;

import java.math.BigInteger;

/**
 * Builds the Java values of a deep conversion ({@link PyObject#toJava(ValueFactory)})
 * in one pass, for callers that want their own collection types (the
 * Clojure layer builds persistent maps and vectors this way, with no
 * intermediate {@code java.util} copy). Scalars ({@code null}, Boolean,
 * Long, Double, String, byte[]) are passed through; the methods below decide
 * the rest. The arrays handed in are fresh and may be kept.
 */
public interface ValueFactory {
    /**
     * A Python list ({@code tuple == false}) or tuple.
     *
     * @param items the elements, already converted
     * @param tuple whether the Python value was a tuple (else a list)
     * @return a Python list ({@code tuple == false}) or tuple
     */
    Object list(Object[] items, boolean tuple);

    /**
     * A Python dict: keys and values alternate, in Python's order.
     *
     * @param keysAndValues keys and values alternating, already converted
     * @return a Python dict
     */
    Object map(Object[] keysAndValues);

    /**
     * A Python set or frozenset.
     *
     * @param items the elements, already converted
     * @param frozen whether the Python value was a frozenset (else a set)
     * @return a Python set or frozenset
     */
    Object set(Object[] items, boolean frozen);

    /**
     * A Python int beyond 64 bits.
     *
     * @param value the integer
     * @return a Python int beyond 64 bits
     */
    default Object bigInteger(BigInteger value) {
        return value;
    }

    /**
     * A Python object with no Java counterpart (a new handle).
     *
     * @param handle the handle of the Python object
     * @return a Python object with no Java counterpart (a new handle)
     */
    default Object object(PyObject handle) {
        return handle;
    }
}
