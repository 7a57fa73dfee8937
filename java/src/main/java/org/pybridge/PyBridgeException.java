package org.pybridge;

/**
 * Base class of every exception pybridge throws. Also thrown directly for
 * internal failures (a Rust panic at the native boundary, malformed data):
 * the JVM and the interpreter keep running and the call that failed changed
 * nothing visible to Java.
 */
public class PyBridgeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * An error with this message.
     *
     * @param message what went wrong and what to do
     */
    public PyBridgeException(String message) {
        super(message);
    }

    /**
     * An error with this message and cause.
     *
     * @param message what went wrong and what to do
     * @param cause the error behind it
     */
    public PyBridgeException(String message, Throwable cause) {
        super(message, cause);
    }
}
