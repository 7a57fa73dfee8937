package org.pybridge;

import static org.pybridge.E2E.check;
import static org.pybridge.E2E.checkEq;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.Test;

/**
 * Issue 12, class 2: legal Python code never overflows the native stack.
 * Recursion under Python's recursion limit through C code ({@code map()},
 * {@code __getattr__}, {@code sorted(key=...)}) and deeply nested source
 * ({@code eval("-" * 20000 + "1")}) give what plain CPython gives on a thread
 * with a large stack (how deep counts as under the limit differs between
 * CPython versions), an exception past the limit, on JVM threads with 256 KiB, 512 KiB, the default and 4 MiB of stack.
 * Before the fix a thread with 512-640 KiB died with SIGSEGV and no hs_err.
 * Each thread size runs in its own child JVM, so a crash is a red test.
 */
public class NativeStackE2ETest {

    /** Python code that recurses through C, up to Python's recursion limit. */
    static final String CODE = String.join(
            "\n",
            "import sys",
            "def via_map(n):",
            "    return 0 if n == 0 else 1 + sum(map(via_map, [n - 1]))",
            "class Deep:",
            "    def __getattr__(self, name):",
            "        return getattr(self, name)",
            "def via_sorted(n):",
            "    return 0 if n == 0 else 1 + sorted([n - 1], key=via_sorted)[0]",
            "def outcome(f):",
            "    try:",
            "        return 'ok %r' % (f(),)",
            "    except RecursionError as e:",
            "        return 'RecursionError'",
            "    except MemoryError as e:",
            "        return 'MemoryError'",
            "    except SyntaxError as e:",
            "        return 'SyntaxError'",
            // What plain CPython gives for the same code, on a thread of its own with a 64 MiB
            // stack: how deep is "under the limit" differs between versions (3.9, 3.10 and 3.12
            // count the C calls in via_map too, and refuse via_map(900) themselves).
            "def reference(expr):",
            "    import threading",
            "    out = []",
            "    threading.stack_size(64 << 20)",
            "    try:",
            "        t = threading.Thread(target=lambda: out.append(outcome(eval('lambda: ' + expr))))",
            "        t.start()",
            "        t.join()",
            "    finally:",
            "        threading.stack_size(0)",
            "    return out[0]",
            "");

    private void runOnStack(long stackBytes) {
        ChildJvm.Result r = ChildJvm.run(DeepCode.class, Map.of(), 180, String.valueOf(stackBytes));
        E2E.assertChildOk(r, "RESULT ok deep-code");
    }

    @Test
    public void on256KiBThreads() {
        runOnStack(256 << 10);
    }

    @Test
    public void on512KiBThreads() {
        runOnStack(512 << 10);
    }

    @Test
    public void onDefaultThreads() {
        runOnStack(0);
    }

    @Test
    public void on4MiBThreads() {
        runOnStack(4 << 20);
    }

    /** Child: every deep case on a thread of the given stack size (0: the JVM's default). */
    public static final class DeepCode {
        public static void main(String[] args) {
            E2E.child("deep-code", args, a -> {
                long stack = Long.parseLong(a[0]);
                Python.initialize();
                Python.exec(CODE);
                AtomicReference<Object> out = new AtomicReference<>();
                Thread t = new Thread(
                        null,
                        () -> {
                            try {
                                List<String> got = new ArrayList<>();
                                // under the limit: works, as in CPython
                                got.add(Python.eval("outcome(lambda: via_map(900))", String.class));
                                // past the limit: RecursionError, as in CPython
                                got.add(Python.eval("outcome(lambda: via_map(100000))", String.class));
                                got.add(Python.eval("outcome(lambda: Deep().missing)", String.class));
                                got.add(Python.eval("outcome(lambda: via_sorted(450))", String.class));
                                // nested source: the parser's or compiler's own limit
                                got.add(Python.eval("outcome(lambda: eval('-' * 20000 + '1'))", String.class));
                                try {
                                    Python.eval("-1");
                                    Python.eval(new String(new char[20000]).replace('\0', '-') + "1");
                                    got.add("eval ok");
                                } catch (PythonException e) {
                                    got.add("eval " + e.pythonType());
                                }
                                // and straight from Java, the same recursion
                                try {
                                    got.add("java->map ok "
                                            + Python.eval("via_map").callAs(Long.class, 900L));
                                } catch (PythonException e) {
                                    got.add("java->map " + e.pythonType());
                                }
                                try {
                                    Python.eval("via_map").callAs(Long.class, 100000L);
                                    got.add("java->map deep ok");
                                } catch (PythonException e) {
                                    got.add("java->map deep " + e.pythonType());
                                }
                                // under the limit on every version
                                got.add(Python.eval("outcome(lambda: via_map(300))", String.class));
                                out.set(got);
                            } catch (Throwable x) {
                                out.set(x);
                            }
                        },
                        "deep-" + stack,
                        stack);
                t.start();
                t.join(120_000);
                check(!t.isAlive(), "the thread finished");
                Object o = out.get();
                check(o instanceof List, "no Java exception: " + o);
                @SuppressWarnings("unchecked")
                List<String> got = (List<String>) o;
                System.out.println("INFO stack " + stack + ": " + got);
                String map900 = Python.eval("reference('via_map(900)')", String.class);
                String sorted450 = Python.eval("reference('via_sorted(450)')", String.class);
                System.out.println("INFO plain CPython: via_map(900) " + map900 + ", via_sorted(450) " + sorted450);
                checkEq(map900, got.get(0), "via_map(900) as plain CPython");
                checkEq("RecursionError", got.get(1), "via_map past the limit");
                checkEq("RecursionError", got.get(2), "__getattr__ recursion");
                checkEq(sorted450, got.get(3), "sorted(key=) recursion as plain CPython");
                check(
                        List.of("RecursionError", "MemoryError", "SyntaxError").contains(got.get(4)),
                        "20,000 nested unary minus in Python's eval: " + got.get(4));
                check(
                        got.get(5).startsWith("eval ") && !got.get(5).equals("eval ok"),
                        "20,000 nested unary minus from Java: " + got.get(5));
                checkEq("java->map " + map900, got.get(6), "from Java, as plain CPython");
                checkEq("java->map deep RecursionError", got.get(7), "from Java, past the limit");
                checkEq("ok 300", got.get(8), "via_map(300), under the limit on every version");
                checkEq(3L, Python.eval("1 + 2", Long.class), "the JVM goes on");
            });
        }
    }
}
