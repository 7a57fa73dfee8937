package org.pybridge;

/**
 * How a Python result comes back to Java, for the methods that take one
 * ({@link PyObject#getAttr(String, Conversion)}, {@link PyObject#getItem(Object, Conversion)},
 * {@link PyObject#callWith}, {@link PyObject#callAttrWith}, {@link PyObject#toJava(Conversion)},
 * {@link PyObject#iterator(Conversion)}).
 */
public enum Conversion {
    /** Always a {@link PyObject} handle, nothing converted (as {@code getAttr(name)}). */
    HANDLE(Contract.Mode.HANDLE),
    /**
     * Scalars ({@code None}, {@code bool}, {@code int}, {@code float},
     * {@code str}, numpy scalars, Java functions) as Java values; anything
     * else (lists, dicts, tuples, sets, objects) as a {@link PyObject}
     * handle, never copied. What live views are built on.
     */
    SHALLOW(Contract.Mode.SHALLOW),
    /**
     * A {@code list} or {@code tuple} as a {@code java.util.List} of
     * {@link #SHALLOW} items, in one call; anything else as {@link #SHALLOW}.
     */
    ELEMENTS(Contract.Mode.ELEMENTS),
    /** A deep copy into Java values, as {@link PyObject#toJava()}. */
    DEEP(Contract.Mode.CONVERT);

    final byte code;

    Conversion(byte code) {
        this.code = code;
    }
}
