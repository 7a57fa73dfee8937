package org.pybridge;

/**
 * A Java object that stands for a Python object (a live view such as
 * {@link PyObject#asList()} / {@link PyObject#asMap()}, or a Clojure
 * {@code as-jvm} view). Passed to Python, it is that Python object itself,
 * not a copy.
 */
public interface PyBacked {
    /**
     * The Python object this stands for.
     *
     * @return the result, a new handle
     */
    PyObject pyObject();
}
