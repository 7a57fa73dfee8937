package org.pybridge;

/**
 * A Python object (or scope) was used in an interpreter it does not belong
 * to: objects never cross interpreters (see {@link Interpreter}). Nothing
 * was done with it. The message names both interpreters and what to do.
 */
public class WrongInterpreterException extends PyBridgeException {
    private static final long serialVersionUID = 1L;

    /**
     * An exception with this message.
     *
     * @param message which object, which interpreters, and what to do
     */
    public WrongInterpreterException(String message) {
        super(message);
    }
}
