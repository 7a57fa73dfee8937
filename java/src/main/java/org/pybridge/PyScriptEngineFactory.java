package org.pybridge;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import javax.script.ScriptEngine;
import javax.script.ScriptEngineFactory;

/**
 * pybridge as a JSR-223 ({@code javax.script}) language: found by
 * {@code ScriptEngineManager} through {@code META-INF/services}, so a host
 * that only knows {@code javax.script} runs Python with pybridge on its
 * class path.
 *
 * <pre>{@code
 * ScriptEngine py = new ScriptEngineManager().getEngineByName("python");
 * py.put("n", 20);
 * Object r = py.eval("def fib(k):\n    return k if k < 2 else fib(k - 1) + fib(k - 2)\nfib(n)");  // 6765L
 * long again = (Long) ((Invocable) py).invokeFunction("fib", 10);                       // 55L
 * }</pre>
 *
 * <p>Names {@code python}, {@code python3}, {@code Python}, {@code pybridge};
 * extension {@code py}; MIME types {@code text/x-python},
 * {@code application/x-python}, {@code text/x-script.python}. Its engines
 * share the main interpreter (each {@code ScriptContext} has a namespace of
 * its own). {@link Isolated} (names {@code python-isolated},
 * {@code pybridge-isolated}) makes each engine a sub-interpreter of its own.
 *
 * <p>{@code getParameter("THREADING")} is {@code "MULTITHREADED"}: an
 * engine may be used from any number of threads at once (Python's GIL, or
 * the sub-interpreter's own thread, orders them), and what one thread's
 * script binds is seen by the others using the same context.
 */
public class PyScriptEngineFactory implements ScriptEngineFactory {
    private static final List<String> NAMES =
            Collections.unmodifiableList(Arrays.asList("python", "python3", "Python", "pybridge"));
    private static final List<String> ISOLATED_NAMES =
            Collections.unmodifiableList(Arrays.asList("python-isolated", "pybridge-isolated"));
    private static final List<String> EXTENSIONS = Collections.singletonList("py");
    private static final List<String> MIME_TYPES = Collections.unmodifiableList(
            Arrays.asList("text/x-python", "application/x-python", "text/x-script.python"));

    /**
     * The engine parameter (and {@link #getParameter} key) saying whether this
     * factory's engines are sub-interpreters of their own: {@code "true"} or
     * {@code "false"}.
     */
    public static final String ISOLATED = "pybridge.isolated";

    private final boolean isolated;

    /** The factory of engines sharing the main interpreter (what {@code META-INF/services} names). */
    public PyScriptEngineFactory() {
        this(false);
    }

    PyScriptEngineFactory(boolean isolated) {
        this.isolated = isolated;
    }

    /**
     * Engines that are each a sub-interpreter of their own: isolated, with
     * its own GIL, on Python 3.12+ (scripts of two such engines run in
     * parallel); a sub-interpreter sharing the main GIL (its own modules and
     * globals) before 3.12. Found by the names {@code python-isolated} and
     * {@code pybridge-isolated}. Close such an engine
     * ({@code ((AutoCloseable) engine).close()}) to end its interpreter.
     *
     * <pre>{@code
     * ScriptEngine own = new ScriptEngineManager().getEngineByName("python-isolated");
     * try (AutoCloseable c = (AutoCloseable) own) {
     *     own.eval("import sys\nx = 1");
     * }
     * }</pre>
     */
    public static final class Isolated extends PyScriptEngineFactory {
        /** The factory of engines that are sub-interpreters of their own. */
        public Isolated() {
            super(true);
        }
    }

    boolean isolated() {
        return isolated;
    }

    @Override
    public String getEngineName() {
        return isolated ? "pybridge (sub-interpreter per engine)" : "pybridge";
    }

    @Override
    public String getEngineVersion() {
        String v = PyScriptEngineFactory.class.getPackage().getImplementationVersion();
        return v != null ? v : "dev";
    }

    @Override
    public List<String> getExtensions() {
        return EXTENSIONS;
    }

    @Override
    public List<String> getMimeTypes() {
        return MIME_TYPES;
    }

    @Override
    public List<String> getNames() {
        return isolated ? ISOLATED_NAMES : NAMES;
    }

    @Override
    public String getLanguageName() {
        return "python";
    }

    /** The embedded Python's version, e.g. {@code 3.11.7} (starts Python if needed). */
    @Override
    public String getLanguageVersion() {
        if (!Python.isInitialized()) {
            Python.initialize();
        }
        String v = Python.info().version();
        int sp = v.indexOf(' ');
        return sp < 0 ? v : v.substring(0, sp);
    }

    @Override
    public Object getParameter(String key) {
        switch (key) {
            case ScriptEngine.ENGINE:
                return getEngineName();
            case ScriptEngine.ENGINE_VERSION:
                return getEngineVersion();
            case ScriptEngine.NAME:
                return getNames().get(0);
            case ScriptEngine.LANGUAGE:
                return getLanguageName();
            case ScriptEngine.LANGUAGE_VERSION:
                return getLanguageVersion();
            case "THREADING":
                return "MULTITHREADED";
            case ISOLATED:
                return Boolean.toString(isolated);
            default:
                return null;
        }
    }

    @Override
    public String getMethodCallSyntax(String obj, String m, String... args) {
        return obj + "." + m + "(" + String.join(", ", args) + ")";
    }

    @Override
    public String getOutputStatement(String toDisplay) {
        StringBuilder b = new StringBuilder("print(\"");
        for (int i = 0; i < toDisplay.length(); i++) {
            char c = toDisplay.charAt(i);
            switch (c) {
                case '\\':
                    b.append("\\\\");
                    break;
                case '"':
                    b.append("\\\"");
                    break;
                case '\n':
                    b.append("\\n");
                    break;
                case '\r':
                    b.append("\\r");
                    break;
                case '\t':
                    b.append("\\t");
                    break;
                default:
                    if (c < 0x20) {
                        b.append(String.format("\\x%02x", (int) c));
                    } else {
                        b.append(c);
                    }
            }
        }
        return b.append("\")").toString();
    }

    @Override
    public String getProgram(String... statements) {
        return String.join("\n", statements) + "\n";
    }

    /** A new engine: on the main interpreter, or (for {@link Isolated}) on a new sub-interpreter. */
    @Override
    public ScriptEngine getScriptEngine() {
        return new PyScriptEngine(this);
    }
}
