package org.pybridge;

/**
 * Python could not be found or started. The message says what was tried and
 * how to point pybridge at a working Python (for example with
 * {@code PYBRIDGE_PYTHON=/path/to/python3}). The JVM keeps running.
 */
public class PythonInitializationException extends PyBridgeException {
    private static final long serialVersionUID = 1L;

    /**
     * A start-up failure with this message.
     *
     * @param message what was tried and how to fix it
     */
    public PythonInitializationException(String message) {
        super(message);
    }

    /**
     * A start-up failure with this message and cause.
     *
     * @param message what was tried and how to fix it
     * @param cause the error behind it
     */
    public PythonInitializationException(String message, Throwable cause) {
        super(message, cause);
    }
}
