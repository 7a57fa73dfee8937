package org.pybridge;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A Python exception raised by code pybridge ran. Carries the qualified
 * Python type name ({@code json.decoder.JSONDecodeError}), the message
 * ({@code str(exc)}), the formatted Python traceback, and, for
 * {@code SyntaxError}, the line and offset. The Python frames are also put
 * on top of this exception's Java stack trace (declaring class
 * {@code <python>}), so a plain {@code printStackTrace()} shows both sides.
 *
 * <p>{@code SystemExit} raised by Python code arrives here too: it never
 * exits the JVM.
 */
public class PythonException extends PyBridgeException {
    private static final long serialVersionUID = 1L;

    /** One frame of the Python traceback. */
    public static final class Frame {
        /** The source file, as Python reports it ({@code "<string>"} for code given as text). */
        public final String file;
        /** The line number in {@code file}. */
        public final int line;
        /** The function's name ({@code "<module>"} at the top level). */
        public final String function;

        Frame(String file, int line, String function) {
            this.file = file;
            this.line = line;
            this.function = function;
        }

        @Override
        public String toString() {
            return "File \"" + file + "\", line " + line + ", in " + function;
        }
    }

    /** @serial the qualified Python type name. */
    private final String pythonType;
    /** @serial {@code str()} of the Python exception. */
    private final String pythonMessage;
    /** @serial the traceback as Python formats it. */
    private final String pythonTraceback;
    /** @serial for a {@code SyntaxError}, the line; else -1. */
    private final int line;
    /** @serial for a {@code SyntaxError}, the column offset; else -1. */
    private final int offset;
    /** @serial the Python frames, outermost first. */
    private final List<Frame> frames;

    PythonException(
            String pythonType, String pythonMessage, String pythonTraceback, int line, int offset, List<Frame> frames) {
        super(pythonType + (pythonMessage.isEmpty() ? "" : ": " + pythonMessage));
        this.pythonType = pythonType;
        this.pythonMessage = pythonMessage;
        this.pythonTraceback = pythonTraceback;
        this.line = line;
        this.offset = offset;
        this.frames = Collections.unmodifiableList(new ArrayList<>(frames));
        if (!frames.isEmpty()) {
            StackTraceElement[] java = getStackTrace();
            StackTraceElement[] all = new StackTraceElement[frames.size() + java.length];
            // Innermost first, as Java prints stacks.
            for (int i = 0; i < frames.size(); i++) {
                Frame f = frames.get(frames.size() - 1 - i);
                all[i] = new StackTraceElement("<python>", f.function, f.file, f.line);
            }
            System.arraycopy(java, 0, all, frames.size(), java.length);
            setStackTrace(all);
        }
    }

    /**
     * Qualified Python type name, e.g. {@code ValueError}, {@code json.decoder.JSONDecodeError}.
     *
     * @return the qualified Python type name
     */
    public String pythonType() {
        return pythonType;
    }

    /**
     * {@code str()} of the Python exception.
     *
     * @return {@code str()} of the Python exception
     */
    public String pythonMessage() {
        return pythonMessage;
    }

    /**
     * The traceback as Python formats it ({@code traceback.format_exception}).
     *
     * @return the traceback as Python formats it ({@code traceback.format_exception})
     */
    public String pythonTraceback() {
        return pythonTraceback;
    }

    /**
     * Python frames, outermost first (as in a Python traceback).
     *
     * @return the Python frames, outermost first (as in a Python traceback)
     */
    public List<Frame> pythonFrames() {
        return frames;
    }

    /**
     * For a {@code SyntaxError}: the line of the error, else -1.
     *
     * @return the line, or -1
     */
    public int line() {
        return line;
    }

    /**
     * For a {@code SyntaxError}: the column offset of the error, else -1.
     *
     * @return the offset, or -1
     */
    public int offset() {
        return offset;
    }

    /**
     * Whether the Python exception is of the given (qualified) type name.
     *
     * @param qualifiedType a qualified Python type name, e.g. {@code "builtins.ValueError"}
     * @return whether the Python exception is of the given (qualified) type name
     */
    public boolean is(String qualifiedType) {
        return pythonType.equals(qualifiedType);
    }
}
