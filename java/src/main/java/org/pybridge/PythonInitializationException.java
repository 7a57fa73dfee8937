package org.pybridge;

/**
 * Python could not be found or started. The message says what was tried and
 * how to point pybridge at a working Python (for example with
 * {@code PYBRIDGE_PYTHON=/path/to/python3}). The JVM keeps running.
 */
public class PythonInitializationException extends PyBridgeException {
    private static final long serialVersionUID = 1L;

    public PythonInitializationException(String message) {
        super(message);
    }

    public PythonInitializationException(String message, Throwable cause) {
        super(message, cause);
    }
}
