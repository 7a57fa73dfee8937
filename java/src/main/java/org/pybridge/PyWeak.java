package org.pybridge;

/**
 * A weak reference to a Python object ({@link PyObject#weak()}): it does not
 * keep the object alive. {@link #get()} gives a new strong handle, or
 * {@code null} once Python has freed the object.
 */
public final class PyWeak implements AutoCloseable {
    private final PyObject ref;

    PyWeak(PyObject ref) {
        this.ref = ref;
    }

    /**
     * A strong handle to the object, or {@code null} if it is gone.
     *
     * @return the result, a new handle
     */
    public PyObject get() {
        if (!Support.fn("alive").callAs(Boolean.class, ref)) {
            return null;
        }
        return Support.fn("deref").call(ref);
    }

    /** Releases the weak reference itself. */
    @Override
    public void close() {
        ref.close();
    }
}
