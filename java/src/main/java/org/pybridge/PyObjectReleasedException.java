package org.pybridge;

/**
 * A {@link PyObject} was used after its Python reference was released: it
 * was closed, or the {@link ResourceScope} that owned it was closed. Call
 * {@link PyObject#keep()} inside the scope to make a handle outlive it.
 */
public class PyObjectReleasedException extends PyBridgeException {
    private static final long serialVersionUID = 1L;
    /** @serial the qualified Python type of the object the handle referred to. */
    private final String pythonType;

    /**
     * A use of a released handle.
     *
     * @param pythonType the qualified Python type of the object the handle referred to
     * @param message what was used, and why it was released
     */
    public PyObjectReleasedException(String pythonType, String message) {
        super(message);
        this.pythonType = pythonType;
    }

    /**
     * The qualified Python type of the object the handle referred to.
     *
     * @return the qualified Python type of the object the handle referred to
     */
    public String pythonType() {
        return pythonType;
    }
}
