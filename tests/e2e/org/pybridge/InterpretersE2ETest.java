package org.pybridge;

import static org.junit.Assert.assertEquals;
import static org.junit.Assume.assumeTrue;
import static org.pybridge.E2E.check;
import static org.pybridge.E2E.checkEq;
import static org.pybridge.E2E.expect;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.Test;

/**
 * Sub-interpreters ({@link Interpreter}), each scenario in a child JVM.
 *
 * <p>On the project's Python (3.11 today) the shared-GIL mode runs and the
 * isolated option is refused with a clear error. The isolated scenarios
 * (own GIL, PEP 684) need a Python 3.12+ build of pybridge: a python
 * executable ({@code -Dpybridge.test.python312} or
 * {@code PYBRIDGE_TEST_PYTHON312}) and the native library built against it
 * ({@code -Dpybridge.test.native312} or {@code PYBRIDGE_TEST_NATIVE312});
 * by default {@code .venv312/bin/python} and
 * {@code target312/release/libpybridge.so} in the project, when both exist.
 * Without one they are skipped, saying so.
 */
public class InterpretersE2ETest {

    // ---- any Python: the shared-GIL mode, and the isolated option on < 3.12 ----------------

    @Test
    public void sharedInterpreterOnTheProjectPython() {
        ChildJvm.Result r = ChildJvm.run(Scenarios.class, Map.of(), 300, "shared");
        E2E.assertChildOk(r, "RESULT ok interpreters-shared");
    }

    @Test
    public void misuseAndCloseOnTheProjectPython() {
        ChildJvm.Result r = ChildJvm.run(Scenarios.class, Map.of(), 300, "misuse", "shared");
        E2E.assertChildOk(r, "RESULT ok interpreters-misuse");
    }

    /** The oldest supported Python: the shared-GIL mode, pybridge's types included; isolated refused. */
    @Test
    public void sharedInterpreter39() throws IOException {
        ChildJvm.Result r = runBuild("3.9", 300, "shared");
        E2E.assertChildOk(r, "RESULT ok interpreters-shared");
    }

    @Test
    public void sharedInterpreter310() throws IOException {
        ChildJvm.Result r = runBuild("3.10", 300, "shared");
        E2E.assertChildOk(r, "RESULT ok interpreters-shared");
    }

    // ---- Python 3.12+: isolated interpreters with their own GIL ---------------------------

    @Test
    public void isolatedInterpreters312() throws IOException {
        ChildJvm.Result r = run312(300, "isolated");
        E2E.assertChildOk(r, "RESULT ok interpreters-isolated");
    }

    @Test
    public void sharedInterpreter312() throws IOException {
        ChildJvm.Result r = run312(300, "shared");
        E2E.assertChildOk(r, "RESULT ok interpreters-shared");
    }

    @Test
    public void misuseAndClose312() throws IOException {
        ChildJvm.Result r = run312(300, "misuse", "isolated");
        E2E.assertChildOk(r, "RESULT ok interpreters-misuse");
    }

    /**
     * Where Jep's isolated interpreters crash (ninia/jep#599): 8 threads
     * creating, using (json, re, decimal, datetime) and closing isolated
     * interpreters at once, 1,000 rounds in all: no crash, no failure, no
     * handle or thread state left, memory flat.
     */
    @Test
    public void eightThreadsCreateUseClose1000Isolated312() throws IOException {
        ChildJvm.Result r = run312(1200, "stress", "8", "1000");
        E2E.assertChildOk(r, "RESULT ok interpreters-stress");
        assertEquals(r.toString(), "1000", E2E.line(r, "RESULT rounds="));
        assertEquals(r.toString(), "0", E2E.line(r, "RESULT failures="));
    }

    // ---- Python 3.13: the same, on its build -------------------------------------------------

    @Test
    public void isolatedInterpreters313() throws IOException {
        ChildJvm.Result r = run313(300, "isolated");
        E2E.assertChildOk(r, "RESULT ok interpreters-isolated");
    }

    @Test
    public void misuseAndClose313() throws IOException {
        ChildJvm.Result r = run313(300, "misuse", "isolated");
        E2E.assertChildOk(r, "RESULT ok interpreters-misuse");
    }

    /** The concurrent create/use/close stress on 3.13, shorter (the 1,000 rounds run on 3.12). */
    @Test
    public void eightThreadsCreateUseClose240Isolated313() throws IOException {
        ChildJvm.Result r = run313(600, "stress", "8", "240");
        E2E.assertChildOk(r, "RESULT ok interpreters-stress");
        assertEquals(r.toString(), "240", E2E.line(r, "RESULT rounds="));
        assertEquals(r.toString(), "0", E2E.line(r, "RESULT failures="));
    }

    // ---- Python 3.14 and 3.15: the same, on their builds ----------------------------------------

    @Test
    public void isolatedInterpreters314() throws IOException {
        ChildJvm.Result r = runBuild("3.14", 300, "isolated");
        E2E.assertChildOk(r, "RESULT ok interpreters-isolated");
    }

    @Test
    public void misuseAndClose314() throws IOException {
        ChildJvm.Result r = runBuild("3.14", 300, "misuse", "isolated");
        E2E.assertChildOk(r, "RESULT ok interpreters-misuse");
    }

    /** The concurrent create/use/close stress on 3.14, shorter (the 1,000 rounds run on 3.12). */
    @Test
    public void eightThreadsCreateUseClose240Isolated314() throws IOException {
        ChildJvm.Result r = runBuild("3.14", 600, "stress", "8", "240");
        E2E.assertChildOk(r, "RESULT ok interpreters-stress");
        assertEquals(r.toString(), "240", E2E.line(r, "RESULT rounds="));
        assertEquals(r.toString(), "0", E2E.line(r, "RESULT failures="));
    }

    /** 3.15's build: given in the Debian unstable root's run (build.gradle's compat-3.15-jdk21). */
    @Test
    public void isolatedInterpreters315() throws IOException {
        ChildJvm.Result r = runBuild("3.15", 300, "isolated");
        E2E.assertChildOk(r, "RESULT ok interpreters-isolated");
    }

    @Test
    public void misuseAndClose315() throws IOException {
        ChildJvm.Result r = runBuild("3.15", 300, "misuse", "isolated");
        E2E.assertChildOk(r, "RESULT ok interpreters-misuse");
    }

    @Test
    public void eightThreadsCreateUseClose240Isolated315() throws IOException {
        ChildJvm.Result r = runBuild("3.15", 600, "stress", "8", "240");
        E2E.assertChildOk(r, "RESULT ok interpreters-stress");
        assertEquals(r.toString(), "240", E2E.line(r, "RESULT rounds="));
        assertEquals(r.toString(), "0", E2E.line(r, "RESULT failures="));
    }

    /** The 3.12 build to test with, or the test is skipped saying why. */
    static ChildJvm.Result run312(long timeout, String... args) throws IOException {
        return runBuild("3.12", timeout, args);
    }

    /** The 3.13 build to test with ({@code pybridge.test.python313}/{@code native313}), or skipped. */
    static ChildJvm.Result run313(long timeout, String... args) throws IOException {
        return runBuild("3.13", timeout, args);
    }

    /** The build of pybridge for Python {@code minor} ("3.12"), or the test is skipped saying why. */
    static ChildJvm.Result runBuild(String minor, long timeout, String... args) throws IOException {
        return runBuild(Scenarios.class, minor, timeout, args);
    }

    /** As {@link #runBuild(String, long, String...)}, running the child class {@code main}. */
    static ChildJvm.Result runBuild(Class<?> main, String minor, long timeout, String... args) throws IOException {
        String tag = minor.replace(".", "");
        String py = setting("pybridge.test.python" + tag, "PYBRIDGE_TEST_PYTHON" + tag);
        String lib = setting("pybridge.test.native" + tag, "PYBRIDGE_TEST_NATIVE" + tag);
        if (py == null || lib == null) {
            Path root = Path.of(System.getProperty("pybridge.project.dir", ".")).toAbsolutePath();
            Path p = root.resolve(".venv" + tag + "/bin/python");
            Path l = root.resolve("target" + tag + "/release/libpybridge.so");
            if (Files.isExecutable(p) && Files.isRegularFile(l)) {
                py = p.toString();
                lib = l.toString();
            }
        }
        assumeTrue(
                "no Python " + minor + " build of pybridge to test interpreters with: set"
                        + " pybridge.test.python" + tag + " and pybridge.test.native" + tag
                        + " (or PYBRIDGE_TEST_PYTHON"
                        + tag + " and PYBRIDGE_TEST_NATIVE" + tag + "), or make .venv" + tag + " and target" + tag
                        + " as docs/decisions/interpreters.md says; skipped",
                py != null && lib != null);
        String version;
        try {
            version = E2E.runPython(py, "import sys; print('%d.%d' % sys.version_info[:2])")
                    .trim();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        // The library of this build says which Python it is for; the jar's
        // resource (on the test classpath) says the project's: this one goes first.
        Path props = Files.createTempDirectory("pybridge-" + tag + "-props");
        Path dir = Files.createDirectories(props.resolve(NativeLoader.RESOURCE_DIR.substring(1)));
        Files.write(
                dir.resolve("pybridge-build.properties"),
                ("python.version=" + version + "\n").getBytes(StandardCharsets.UTF_8));
        try {
            return ChildJvm.run(
                    main,
                    Map.of("PYBRIDGE_PYTHON", py),
                    List.of("-Dpybridge.native=" + lib),
                    null,
                    List.of(props),
                    timeout,
                    args);
        } finally {
            E2E.deleteTree(props);
        }
    }

    private static String setting(String prop, String env) {
        String v = System.getProperty(prop);
        if (v == null || v.isEmpty()) {
            v = System.getenv(env);
        }
        return v == null || v.isEmpty() ? null : v;
    }

    // ---- the child side --------------------------------------------------------------------

    /** Child scenarios; the first argument names one. */
    public static final class Scenarios {
        public static void main(String[] args) {
            String which = args[0];
            E2E.child("interpreters-" + which, args, a -> {
                Python.initialize();
                switch (which) {
                    case "shared":
                        shared();
                        break;
                    case "isolated":
                        isolated();
                        break;
                    case "misuse":
                        misuse("isolated".equals(a[1]));
                        break;
                    case "stress":
                        stress(Integer.parseInt(a[1]), Integer.parseInt(a[2]));
                        break;
                    default:
                        throw new IllegalArgumentException(which);
                }
            });
        }

        static boolean is312() {
            String[] v = Python.info().version().split(" ")[0].split("\\.");
            return Integer.parseInt(v[1]) >= 12;
        }

        /** What every kind of interpreter must do. */
        static void basics(Interpreter sub) {
            sub.exec("import json, re, decimal, datetime\nx = 41");
            checkEq(42L, sub.eval("x + 1", Long.class), "eval in the sub-interpreter");
            checkEq("{\"a\": [1, 2]}", sub.eval("json.dumps({'a': [1, 2]})", String.class), "json");
            checkEq("2.50", sub.eval("str(decimal.Decimal('1.25') * 2)", String.class), "decimal");
            checkEq(3L, sub.eval("len(re.findall('a', 'banana'))", Long.class), "re");
            checkEq(2026L, sub.eval("datetime.date(2026, 1, 1).year", Long.class), "datetime");
            // Its own __main__ and modules: x is not the main interpreter's.
            Python.exec("x = 'main'");
            checkEq("main", Python.eval("x", String.class), "main's x untouched");
            checkEq(42L, sub.eval("x + 1", Long.class), "sub's x untouched");
            checkEq(
                    Boolean.FALSE,
                    sub.eval("'pybridge_marker_mod' in __import__('sys').modules", Boolean.class),
                    "own sys.modules");
            // Inside a task, pybridge's calls run in the sub-interpreter.
            long n = sub.call(() -> {
                PyObject f = Python.eval("lambda k: sum(i * i for i in range(k))");
                try (ResourceScope s = Python.openScope()) {
                    PyObject lst = Python.toPython(List.of(1, 2, 3));
                    checkEq(3L, lst.len(), "list made in the task");
                }
                return f.callAs(Long.class, 10);
            });
            checkEq(285L, n, "function called in a task");
            // A value submitted asynchronously.
            CompletableFuture<Long> fut = sub.submit(() -> Python.eval("x * 2", Long.class));
            checkEq(82L, fut.join(), "submit");
            // copyOf: picklable objects and buffers, both ways.
            PyObject d = Python.eval("{'k': [1, 2.5, 'three']}");
            PyObject copy = sub.copyOf(d);
            checkEq(sub, copy.interpreter(), "the copy belongs to the sub-interpreter");
            checkEq("{k=[1, 2.5, three]}", sub.call(() -> String.valueOf(copy.toJava())), "copy's value");
            PyObject back = Interpreter.main().copyOf(sub.eval("memoryview(b'xyz')"));
            checkEq("xyz", new String((byte[]) back.toJava(), StandardCharsets.US_ASCII), "a buffer copied back");
            // Interpreter.main().call from a task: the main interpreter, its result converted there.
            Python.exec("def main_only(v):\n    return v * 3");
            long fromMain = sub.call(() -> Interpreter.main()
                    .call(() -> Python.mainModule().getAttr("main_only").callAs(Long.class, 14)));
            checkEq(42L, fromMain, "a main-interpreter function called from a sub-interpreter task");
            javaInside(sub);
            helpersInside(sub);
        }

        /** The Java API built on pybridge's Python helpers works inside a task (each interpreter has its own). */
        static void helpersInside(Interpreter sub) {
            sub.run(() -> {
                PyObject d = Python.eval("{'a': 1}");
                checkEq(PyKind.MAPPING, d.kind(), "kind() in a task");
                check(d.equals(Python.eval("{'a': 1}")), "equals() in a task");
                checkEq(
                        Python.eval("(1, 'x')").hashCode(),
                        Python.eval("(1, 'x')").hashCode(),
                        "hashCode() in a task");
                try (PyNamespace ns = Python.newNamespace()) {
                    ns.exec("y = 6 * 7");
                    checkEq(42L, ns.get("y", Long.class), "a namespace in a task");
                }
                checkEq(
                        "[1, 2]",
                        Python.resolve("json.dumps").callAs(String.class, List.of(1, 2)),
                        "resolve in a task");
                PyObject obj = Python.eval("type('T', (), {})()");
                try (PyWeak w = obj.weak();
                        PyObject again = w.get()) {
                    check(again != null && again.equals(obj), "a weak reference in a task");
                }
                checkEq("b", Python.eval("{'b': 2}").asMap().keySet().iterator().next(), "a map view in a task");
            });
        }

        /**
         * pybridge's Java types in a sub-interpreter (its own heap types):
         * callbacks, re-entrantly and from its Python threads; Java
         * exceptions; opaque Java objects; zero-copy buffers; what Python
         * holds of them is let go when the interpreter closes (see
         * {@link #javaTypesFreedOnClose}).
         */
        static void javaInside(Interpreter sub) {
            Function<Long, Long> twice = x -> x * 2;
            checkEq(
                    41L,
                    sub.call(() -> Python.eval("lambda f, x: f(x) + 1").callAs(Long.class, twice, 20L)),
                    "a Java function called from the sub-interpreter");
            checkEq(
                    "JavaFunction",
                    sub.call(() -> Python.eval("lambda f: type(f).__qualname__").callAs(String.class, twice)),
                    "its type is pybridge.JavaFunction");
            checkEq(
                    Boolean.TRUE,
                    sub.call(() -> Python.eval("lambda f: type(f) is __import__('pybridge').JavaFunction")
                            .callAs(Boolean.class, twice)),
                    "the sub-interpreter's own pybridge.JavaFunction");
            // Re-entrant: Python -> Java -> Python (the same interpreter) -> Java.
            sub.exec("depth_marker = 'sub'");
            Function<Long, String> reenter = n -> Python.eval("depth_marker", String.class) + ":"
                    + Python.eval("lambda g, k: g(k)").callAs(Long.class, twice, n);
            checkEq(
                    "sub:14",
                    sub.call(() -> Python.eval("lambda f: f(7)").callAs(String.class, reenter)),
                    "a callback that calls back into the same sub-interpreter");
            // A Java exception: a Python exception there, catchable, and the original when it comes out.
            Supplier<Object> thrower = () -> {
                throw new IllegalStateException("from Java");
            };
            checkEq(
                    "IllegalStateException:from Java",
                    sub.call(() -> define(
                                    "def catch(f):\n"
                                            + "    try:\n"
                                            + "        f()\n"
                                            + "    except __import__('pybridge').JavaException as e:\n"
                                            + "        return type(e).__name__ + ':' + str(e)\n",
                                    "catch")
                            .callAs(String.class, thrower)),
                    "a Java exception caught in the sub-interpreter");
            PythonException out = expect(
                    PythonException.class,
                    "a Java exception out of the sub-interpreter",
                    () -> sub.call(() -> Python.eval("lambda f: f()").call(thrower)));
            check(out.getCause() instanceof IllegalStateException, "the original exception is the cause: " + out);
            // A Python thread of the sub-interpreter calls Java.
            AtomicLong hits = new AtomicLong();
            Consumer<Long> count = hits::addAndGet;
            sub.call(() -> define(
                            "def in_thread(f):\n"
                                    + "    import threading\n"
                                    + "    ts = [threading.Thread(target=lambda: [f(1) for _ in range(100)]) for _ in"
                                    + " range(3)]\n"
                                    + "    [t.start() for t in ts]\n"
                                    + "    [t.join() for t in ts]\n",
                            "in_thread")
                    .call(count));
            checkEq(300L, hits.get(), "Java called from the sub-interpreter's own Python threads");
            // An opaque Java object: opaque there, and the same object when it comes back.
            Object token = new Token();
            checkEq(
                    Boolean.TRUE,
                    sub.call(() -> Python.eval("lambda o: o").callAs(Object.class, token) == token),
                    "a Java object goes back to Java as itself");
            checkEq(
                    Token.class.getName(),
                    sub.call(() -> Python.eval("lambda o: o.java_class").callAs(String.class, token)),
                    "java_class");
            checkEq(
                    "TypeError",
                    sub.call(() -> define(
                                    "def make():\n"
                                            + "    try:\n"
                                            + "        __import__('pybridge').JavaObject()\n"
                                            + "    except TypeError:\n"
                                            + "        return 'TypeError'\n",
                                    "make")
                            .callAs(String.class)),
                    "Python cannot make a JavaObject");
            // A zero-copy buffer, viewed by the sub-interpreter and the main one at once.
            // (main-interpreter objects in a scope: released at once, not left to the GC)
            try (ResourceScope scope = Python.openScope()) {
                ByteBuffer bb = ByteBuffer.allocateDirect(4);
                PyObject mainView = Python.toPython(bb);
                sub.run(() -> {
                    PyObject view = Python.toPython(bb);
                    Python.eval("lambda m: m.__setitem__(0, 42)").call(view);
                    checkEq(4L, view.len(), "the view's length");
                });
                checkEq((byte) 42, bb.get(0), "written through the sub-interpreter's view, without a copy");
                bb.put(1, (byte) 7);
                checkEq(
                        7L,
                        sub.call(() -> Python.eval("lambda m: m[1]").callAs(Long.class, bb)),
                        "Java's write seen by the sub-interpreter's view");
                checkEq(42L, Python.eval("lambda m: m[0]").callAs(Long.class, mainView), "and by the main one's");
                ByteBuffer ro = ByteBuffer.allocateDirect(2).asReadOnlyBuffer();
                checkEq(
                        "TypeError",
                        sub.call(() -> define(
                                        "def w(m):\n    try:\n        m[0] = 1\n"
                                                + "    except TypeError:\n        return 'TypeError'\n",
                                        "w")
                                .callAs(String.class, ro)),
                        "a read-only ByteBuffer stays read-only");
            }
        }

        /** A Java object with no conversion to Python. */
        static final class Token {}

        /** Runs {@code code} in the current interpreter's {@code __main__}; returns its {@code name}. */
        static PyObject define(String code, String name) {
            Python.exec(code);
            return Python.mainModule().getAttr(name);
        }

        /** A sub-interpreter's Java functions and objects are let go when it closes. */
        static void javaTypesFreedOnClose(InterpreterConfig cfg) {
            long before = Python.stats().javaFunctions();
            Interpreter in = Python.newInterpreter(cfg);
            Function<Long, Long> inc = x -> x + 1;
            in.run(() -> {
                define("kept = []\ndef keep(f, o):\n    kept.append((f, o))\n", "keep")
                        .call(inc, new Object());
            });
            check(
                    Python.stats().javaFunctions() >= before + 2,
                    "held by the sub-interpreter: " + Python.stats().javaFunctions() + " vs " + before);
            in.close();
            checkEq(before, (long) Python.stats().javaFunctions(), "Java objects let go when the interpreter closed");
        }

        static void shared() throws Exception {
            if (!is312()) {
                PyBridgeException e = expect(
                        PyBridgeException.class,
                        "isolated before 3.12",
                        () -> Python.newInterpreter(InterpreterConfig.isolated()));
                check(
                        e.getMessage().contains("3.12") && e.getMessage().contains("InterpreterConfig.shared()"),
                        "the refusal says why and what to do: " + e.getMessage());
                try (Interpreter d = Python.newInterpreter()) {
                    check(!d.isIsolated(), "the default before 3.12 shares the GIL");
                }
            }
            Path dir = Files.createTempDirectory("pybridge-subpath");
            Files.write(dir.resolve("submod_marker.py"), "VALUE = 7\n".getBytes(StandardCharsets.UTF_8));
            try (Interpreter sub = Python.newInterpreter(
                    InterpreterConfig.shared().withName("shared-one").withSysPath(List.of(dir.toString())))) {
                check(!sub.isIsolated(), "shared");
                checkEq("shared-one", sub.name(), "name");
                basics(sub);
                checkEq(7L, sub.eval("__import__('submod_marker').VALUE", Long.class), "its own sys.path");
                checkEq(
                        Boolean.FALSE,
                        Python.eval("'" + dir + "' in __import__('sys').path", Boolean.class),
                        "main's sys.path untouched");
            }
            pool(InterpreterConfig.shared());
            javaTypesFreedOnClose(InterpreterConfig.shared());
            lifecycle(InterpreterConfig.shared(), 200);
            E2E.deleteTree(dir);
        }

        static void isolated() throws Exception {
            check(is312(), "this scenario runs on Python 3.12+");
            try (Interpreter d = Python.newInterpreter()) {
                check(d.isIsolated(), "the default on 3.12+ is isolated");
                basics(d);
            }
            // numpy (single-phase init) is refused in an isolated interpreter, saying what to do.
            boolean hasNumpy =
                    Python.eval("__import__('importlib.util').util.find_spec('numpy') is not None", Boolean.class);
            if (hasNumpy) {
                try (Interpreter sub = Python.newInterpreter(InterpreterConfig.isolated())) {
                    PythonException e = expect(
                            PythonException.class, "numpy in an isolated interpreter", () -> sub.importModule("numpy"));
                    check(
                            e.getMessage().contains("InterpreterConfig.shared()")
                                    && e.getMessage().contains("main interpreter"),
                            "numpy's refusal explains: " + e);
                    checkEq(6L, sub.eval("1 + 5", Long.class), "the interpreter still works after the refusal");
                }
                System.out.println("RESULT numpy-refusal=checked");
            } else {
                System.out.println("RESULT numpy-refusal=skipped (no numpy in this Python)");
            }
            // Two isolated interpreters run Python at once: both inside a busy loop together.
            try (Interpreter a = Python.newInterpreter();
                    Interpreter b = Python.newInterpreter()) {
                String code = "import threading\ndef spin(n):\n    s = 0\n    for i in range(n):\n"
                        + "        s += i\n    return s\n";
                a.exec(code);
                b.exec(code);
                CompletableFuture<Long> fa = a.submit(() -> Python.eval("spin(3000000)", Long.class));
                CompletableFuture<Long> fb = b.submit(() -> Python.eval("spin(3000000)", Long.class));
                checkEq(fa.join(), fb.join(), "both computed");
            }
            // Callbacks into Java from two isolated interpreters at once.
            try (Interpreter a = Python.newInterpreter();
                    Interpreter b = Python.newInterpreter()) {
                AtomicLong total = new AtomicLong();
                Function<Long, Long> add = x -> total.addAndGet(x);
                String code = "def loop(f, n):\n    s = 0\n    for i in range(n):\n        s = f(1)\n    return n\n";
                a.exec(code);
                b.exec(code);
                CompletableFuture<Long> fa =
                        a.submit(() -> Python.mainModule().getAttr("loop").callAs(Long.class, add, 20000));
                CompletableFuture<Long> fb =
                        b.submit(() -> Python.mainModule().getAttr("loop").callAs(Long.class, add, 20000));
                checkEq(40000L, fa.join() + fb.join(), "both loops ran");
                checkEq(40000L, total.get(), "every callback reached Java");
            }
            javaTypesFreedOnClose(InterpreterConfig.isolated());
            pool(InterpreterConfig.isolated());
            lifecycle(InterpreterConfig.isolated(), 200);
        }

        /** A pool: start-up code in every member, tasks spread over them, results right. */
        static void pool(InterpreterConfig cfg) {
            try (InterpreterPool pool = InterpreterPool.create(
                    3, cfg.withStartupCode("import threading\ndef sq(x):\n    return x * x\n"))) {
                checkEq(3, pool.size(), "members");
                List<CompletableFuture<Long>> fs = new ArrayList<>();
                for (int i = 0; i < 60; i++) {
                    long x = i;
                    fs.add(pool.submit(() -> Python.mainModule().getAttr("sq").callAs(Long.class, x)));
                }
                for (int i = 0; i < 60; i++) {
                    checkEq((long) i * i, fs.get(i).join(), "pool task " + i);
                }
                pool.execAll("def cube(x):\n    return x * x * x");
                for (int m = 0; m < 3; m++) {
                    checkEq(
                            27L,
                            pool.submitTo(m, () -> Python.eval("cube(3)", Long.class))
                                    .join(),
                            "member " + m);
                }
                Set<Long> ids = new HashSet<>();
                for (Interpreter in : pool.members()) {
                    ids.add(in.pythonId());
                }
                checkEq(3, ids.size(), "three distinct interpreters");
            }
        }

        /**
         * Lets the main interpreter's release thread run once (it keeps a thread
         * state from its first batch on) and release what the GC found, so that
         * counts taken after are a baseline.
         */
        static void settle() throws InterruptedException {
            for (int i = 0; i < 100 && Python.stats().releasedByGc() == 0; i++) {
                Python.eval("object()");
                System.gc();
                Thread.sleep(50);
            }
            // Then until what earlier steps left to the GC is released: live handles stable.
            long prev = -1;
            for (int i = 0, stable = 0; i < 100 && stable < 3; i++) {
                System.gc();
                Thread.sleep(50);
                long live = Python.stats().liveHandles();
                stable = live == prev ? stable + 1 : 0;
                prev = live;
            }
            Thread.sleep(100);
        }

        /** Create/use/close cycles: thread states and handles flat; RSS printed. */
        static void lifecycle(InterpreterConfig cfg, int cycles) throws Exception {
            settle();
            long states0 = Python.interpreterThreadStates();
            long live0 = Python.stats().liveHandles();
            long rssWarm = 0;
            for (int i = 0; i < cycles; i++) {
                try (Interpreter sub = Python.newInterpreter(cfg)) {
                    sub.exec("import json\nd = json.loads('[1, 2, 3]')");
                    PyObject keep = sub.eval("d");
                    checkEq(3L, sub.call(keep::len), "len in cycle " + i);
                    // Left for the GC and the close to release.
                    for (int k = 0; k < 20; k++) {
                        sub.eval("[" + k + "]");
                    }
                }
                if (i == cycles / 5) {
                    System.gc();
                    rssWarm = E2E.rssKb();
                }
            }
            System.gc();
            Thread.sleep(300);
            long rssEnd = E2E.rssKb();
            checkEq(
                    states0,
                    Python.interpreterThreadStates(),
                    "main interpreter's thread states after " + cycles + " interpreters");
            Stats st = Python.stats();
            checkEq(live0, st.liveHandles(), "live handles after closing every interpreter");
            // What the JVM collects of a closed interpreter was released by its close: it is
            // not queued (where nothing would ever release it again).
            for (int k = 0; k < 100 && Python.stats().queuedReleases() != 0; k++) {
                System.gc();
                Thread.sleep(50);
            }
            checkEq(0L, (long) Python.stats().queuedReleases(), "releases queued after every interpreter closed");
            long measured = cycles - cycles / 5;
            long growth = rssEnd - rssWarm;
            long control = cpythonOwnGrowthKb(cfg.ownGil != null && cfg.ownGil, cycles);
            System.out.printf(
                    "RESULT lifecycle cycles=%d rssWarmKb=%d rssEndKb=%d growthKb=%d perCycleKb=%.1f"
                            + " cpythonAloneGrowthKb=%d cpythonAlonePerCycleKb=%.1f%n",
                    cycles, rssWarm, rssEnd, growth, growth / (double) measured, control, control / (double) measured);
            // pybridge adds nothing per interpreter: what grows is CPython's own (3.12's isolated
            // interpreters leak their allocator's arenas, cpython#110411, fixed in 3.13), measured
            // alongside by the same cycles without pybridge.
            check(
                    growth <= control + control / 4 + 16 * 1024,
                    "RSS grew by " + growth + " kB over " + measured + " create/use/close cycles, CPython alone by "
                            + control + " kB");
        }

        /**
         * RSS growth of the same create/use/destroy cycles done by CPython alone
         * ({@code _xxsubinterpreters}, on one thread of the main interpreter), over the
         * last 80% of them: what CPython itself keeps per interpreter.
         */
        static long cpythonOwnGrowthKb(boolean isolated, int cycles) throws Exception {
            return cpythonOwnGrowthKb(isolated, cycles, "import json\nd = json.loads('[1, 2, 3]')");
        }

        /**
         * The same for {@code code}, run in each interpreter after the code
         * pybridge runs in every interpreter it makes (its {@code pybridge} module).
         */
        static long cpythonOwnGrowthKb(boolean isolated, int cycles, String code) throws Exception {
            Python.exec("import pybridge\n"
                    + "try:\n"
                    + "    import _interpreters as _xx\n" // 3.13+
                    + "except ImportError:\n"
                    + "    import _xxsubinterpreters as _xx\n"
                    + "def _pyb_new(isolated):\n"
                    + "    try:\n"
                    + "        return _xx.create(isolated=isolated)\n"
                    + "    except TypeError:\n"
                    + "        pass\n"
                    + "    try:\n"
                    + "        return _xx.create('isolated' if isolated else 'legacy')\n"
                    + "    except TypeError:\n"
                    + "        return _xx.create()\n"
                    + "def _pyb_control(n, isolated, code):\n"
                    + "    code = pybridge._setup_source + '\\n' + code\n"
                    + "    for i in range(n):\n"
                    + "        iid = _pyb_new(isolated)\n"
                    + "        _xx.run_string(iid, code)\n"
                    + "        _xx.destroy(iid)\n");
            PyObject f = Python.mainModule().getAttr("_pyb_control");
            f.call(cycles / 5, isolated, code);
            System.gc();
            long before = E2E.rssKb();
            f.call(cycles - cycles / 5, isolated, code);
            System.gc();
            Thread.sleep(300);
            return E2E.rssKb() - before;
        }

        static void misuse(boolean isolated) throws Exception {
            if (isolated) {
                check(is312(), "this scenario runs on Python 3.12+");
            }
            InterpreterConfig cfg = isolated ? InterpreterConfig.isolated() : InterpreterConfig.shared();
            Interpreter a = Python.newInterpreter(cfg.withName("A"));
            Interpreter b = Python.newInterpreter(cfg.withName("B"));
            PyObject ofA = a.eval("[1, 2, 3]");
            PyObject ofMain = Python.eval("{'m': 1}");
            // A's object on the main thread, in B, and main's object in A: refused, naming both.
            WrongInterpreterException e1 =
                    expect(WrongInterpreterException.class, "A's object in main", () -> ofA.len());
            check(e1.getMessage().contains("'A'") && e1.getMessage().contains("main interpreter"), e1.getMessage());
            WrongInterpreterException e2 =
                    expect(WrongInterpreterException.class, "A's object in B", () -> b.call(ofA::len));
            check(e2.getMessage().contains("'A'") && e2.getMessage().contains("'B'"), e2.getMessage());
            expect(
                    WrongInterpreterException.class,
                    "A's object as an argument in B",
                    () -> b.call(() -> Python.eval("len").call(ofA)));
            WrongInterpreterException e3 = expect(
                    WrongInterpreterException.class, "main's object in A", () -> a.call(() -> ofMain.getItem("m")));
            check(
                    e3.getMessage().contains("main interpreter")
                            && e3.getMessage().contains("'A'"),
                    e3.getMessage());
            expect(
                    WrongInterpreterException.class,
                    "callLong across",
                    () -> a.call(() -> {
                        PyObject f = Python.eval("abs"); // A's own: fine
                        checkEq(5L, f.callLong(-5), "A's function in A");
                        return Python.mainInterpreter().call(() -> f.callLong(-5));
                    }));
            expect(WrongInterpreterException.class, "a scope of A opened on the main thread", a::openScope);
            checkEq(3L, a.call(ofA::len), "A's object in A still works");
            // A Java function and a zero-copy buffer made into Python objects of A are A's:
            // used from main or B, refused like any of A's objects; passed as Java values, fine anywhere.
            Function<Long, Long> neg = x -> -x;
            PyObject fnOfA = a.call(() -> Python.toPython(neg));
            PyObject bufOfA = a.call(() -> Python.toPython(ByteBuffer.allocateDirect(8)));
            expect(WrongInterpreterException.class, "A's Java function called from main", () -> fnOfA.call(1L));
            expect(
                    WrongInterpreterException.class,
                    "A's Java function in B",
                    () -> b.call(() -> Python.eval("lambda f: f(1)").call(fnOfA)));
            expect(WrongInterpreterException.class, "A's buffer view in B", () -> b.call(bufOfA::len));
            checkEq(-3L, a.call(() -> fnOfA.callAs(Long.class, 3L)), "A's Java function in A");
            checkEq(
                    -4L,
                    b.call(() -> Python.eval("lambda f: f(4)").callAs(Long.class, neg)),
                    "the same Java function passed to B as a Java value");
            checkEq(8L, a.call(bufOfA::len), "A's buffer view in A");
            // Calls that would wait for ever (A waits for B, whose task calls A; A -> main -> A): refused.
            IllegalStateException cycle = expect(
                    IllegalStateException.class, "A -> B -> A", () -> a.call(() -> b.call(() -> a.call(() -> 1L))));
            check(
                    cycle.getMessage().contains("wait for ever")
                            && cycle.getMessage().contains("'A'"),
                    cycle.getMessage());
            expect(
                    IllegalStateException.class,
                    "A -> main -> A",
                    () -> a.call(() -> Interpreter.main().call(() -> a.call(() -> 1L))));
            expect(
                    IllegalStateException.class,
                    "main thread -> A -> main-call thread -> A",
                    () -> a.call(() ->
                            Interpreter.main().call(() -> Interpreter.main().call(() -> a.call(() -> 1L)))));
            checkEq(2L, a.call(() -> b.call(() -> Interpreter.main().call(() -> 2L))), "a chain without a cycle");
            // A main-interpreter buffer copied into A: a copy, refused nowhere.
            ByteBuffer direct = ByteBuffer.allocateDirect(4);
            direct.put(new byte[] {1, 2, 3, 4});
            direct.flip();
            PyObject mainBuf = Python.toPython(direct);
            checkEq(4L, a.call(() -> a.copyOf(mainBuf).len()), "a Java buffer's bytes copied into A");
            // close() from inside its own task: refused; the interpreter goes on.
            expect(IllegalStateException.class, "close from its own task", () -> a.run(a::close));
            // A close from another thread while a task runs: the task finishes, then it closes.
            CountDownLatch inTask = new CountDownLatch(1);
            CompletableFuture<Long> slow = a.submit(() -> {
                inTask.countDown();
                return Python.eval("__import__('time').sleep(0.3) or 7", Long.class);
            });
            inTask.await();
            AtomicReference<Throwable> closer = new AtomicReference<>();
            Thread t = new Thread(() -> {
                try {
                    a.close();
                } catch (Throwable x) {
                    closer.set(x);
                }
            });
            t.start();
            checkEq(7L, slow.join(), "the task running when close() came finished");
            t.join();
            check(closer.get() == null, "close from another thread: " + closer.get());
            check(a.isClosed(), "closed");
            a.close(); // idempotent
            // Objects of a closed interpreter: released, naming it; tasks refused.
            check(ofA.isReleased(), "A's object is released");
            PyObjectReleasedException r1 =
                    expect(PyObjectReleasedException.class, "A's object after close", () -> b.call(ofA::len));
            check(r1.getMessage().contains("'A'") && r1.getMessage().contains("closed"), r1.getMessage());
            ofA.close(); // a no-op, not a crash
            PyBridgeException r2 = expect(PyBridgeException.class, "a task after close", () -> a.exec("1"));
            check(r2.getMessage().contains("closed"), r2.getMessage());
            // Closing is refused while its own Python threads run; fine once they end.
            b.exec("import threading\nev = threading.Event()\nth = threading.Thread(target=ev.wait)\nth.start()");
            IllegalStateException busy =
                    expect(IllegalStateException.class, "close with a running Python thread", b::close);
            check(busy.getMessage().contains("thread"), busy.getMessage());
            check(!b.isClosed(), "still open");
            b.exec("ev.set()\nth.join()");
            // A handle closed from another thread is released on B's thread.
            PyObject ofB = b.eval("object()");
            long before = Python.stats().liveHandles();
            ofB.close();
            b.exec("pass");
            checkEq(before - 1, Python.stats().liveHandles(), "closed off-thread, released by B");
            b.close();
            check(b.isClosed(), "B closed");
            expect(UnsupportedOperationException.class, "closing the main interpreter", Interpreter.main()::close);
            checkEq(2L, Python.eval("1 + 1", Long.class), "the main interpreter goes on");
        }

        static String stressCode(long k) {
            return "import json, re, decimal, datetime\n"
                    + "v = json.loads(json.dumps({'n': " + k + "}))['n']\n"
                    + "s = re.sub('[0-9]', 'd', str(decimal.Decimal(v) / 7))\n"
                    + "y = datetime.date(2000 + v % 100, 1, 1).year";
        }

        static void stress(int threads, int rounds) throws Exception {
            check(is312(), "this scenario runs on Python 3.12+");
            settle();
            long states0 = Python.interpreterThreadStates();
            long live0 = Python.stats().liveHandles();
            AtomicLong done = new AtomicLong();
            AtomicLong failures = new AtomicLong();
            AtomicReference<Throwable> first = new AtomicReference<>();
            AtomicLong next = new AtomicLong();
            long[] rss = new long[2];
            List<Thread> ts = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int i = 0; i < threads; i++) {
                Thread t = new Thread(() -> {
                    long k;
                    while ((k = next.getAndIncrement()) < rounds) {
                        try (Interpreter sub = Python.newInterpreter(InterpreterConfig.isolated())) {
                            sub.exec(stressCode(k));
                            long y = sub.eval("y", Long.class);
                            if (y != 2000 + k % 100) {
                                throw new IllegalStateException("round " + k + ": " + y);
                            }
                            sub.eval("[s, v]"); // a handle left to the close
                            done.incrementAndGet();
                        } catch (Throwable x) {
                            failures.incrementAndGet();
                            first.compareAndSet(null, x);
                        }
                        if (k == rounds / 5) {
                            try {
                                rss[0] = E2E.rssKb();
                            } catch (IOException ignored) {
                                // reported as 0
                            }
                        }
                    }
                });
                ts.add(t);
                t.start();
            }
            for (Thread t : ts) {
                t.join();
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            System.gc();
            Thread.sleep(300);
            rss[1] = E2E.rssKb();
            if (first.get() != null) {
                first.get().printStackTrace(System.out);
            }
            System.out.println("RESULT rounds=" + done.get());
            System.out.println("RESULT failures=" + failures.get());
            System.out.printf(
                    "RESULT stress threads=%d rounds=%d secs=%.1f rssAt20pctKb=%d rssEndKb=%d%n",
                    threads, rounds, secs, rss[0], rss[1]);
            checkEq(states0, Python.interpreterThreadStates(), "main interpreter's thread states");
            checkEq(live0, Python.stats().liveHandles(), "live handles");
            // CPython's own growth per interpreter, from 250 cycles, scaled to the rounds measured.
            long control = cpythonOwnGrowthKb(true, 250, stressCode(7)) * (rounds - rounds / 5) / 200;
            System.out.printf(
                    "RESULT stress rssGrowthKb=%d cpythonAloneGrowthKb=%d (scaled to as many interpreters)%n",
                    rss[1] - rss[0], control);
            check(
                    rss[1] - rss[0] <= control + control / 4 + 32 * 1024,
                    "RSS grew by " + (rss[1] - rss[0]) + " kB over 80% of the rounds, CPython alone by " + control
                            + " kB");
        }
    }
}
