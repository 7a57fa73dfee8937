package org.pybridge;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * Long strings take their own paths across the boundary:
 * <ul>
 * <li>Java to Python: a String the JVM stores as Latin-1 is copied from its
 * own bytes ({@code rust/src/jni/strings.rs copy_latin1_string}), and Python's
 * str is made with one vectorised ASCII scan ({@code convert::big_latin1_str},
 * from 4096 chars);</li>
 * <li>Python to Java: a str of at least 32 KiB of 1- or 2-byte characters
 * crosses as {@code STR_REF}: Java copies straight out of the str, which a
 * short-lived handle keeps alive.</li>
 * </ul>
 * These tests check every character arrives, that the str's kind (ASCII or
 * not) is right, at the sizes around each threshold and above the size where
 * copies are split across cores, and that no handle is left behind.
 * {@link LargeStringsE2ETest} runs the same checks in a child JVM with
 * {@code -XX:-CompactStrings}, where the portable path is taken.
 */
public class LargeStringsTest {

    static final String ASCII = "abcdefghijklmnopqrstuvwxyz0123456789 .,;:!?";
    static final String LATIN1 = "abc\u00e9\u00ff\u00a0xyz";
    static final String BMP = "ab\u4e2d\u00e9cd";

    /** {@code alphabet} repeated to exactly {@code n} chars; Python's {@code gen} makes the same. */
    static String gen(String alphabet, int n) {
        StringBuilder b = new StringBuilder(n);
        while (b.length() < n) {
            b.append(alphabet, 0, Math.min(alphabet.length(), n - b.length()));
        }
        return b.toString();
    }

    /** Sizes around the thresholds: big_latin1_str (4096), STR_REF (32 KiB), the split copy (896 KiB). */
    static final int[] SIZES = {4095, 4096, 4097, 16_383, 16_384, 32_767, 32_768, 100_003, 917_503, 917_504, 1_000_000};

    static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }

    /** Every check; throws AssertionError on the first failure (also run in the child JVM). */
    static void checkAll() {
        Python.exec("def _ls_gen(alphabet, n):\n"
                + "    return (alphabet * (n // len(alphabet) + 1))[:n]\n"
                + "def _ls_check(s, alphabet, n, tail):\n"
                + "    want = _ls_gen(alphabet, n) + tail\n"
                + "    return (s == want, s.isascii() == want.isascii(), len(s))\n");
        long live0 = LifetimeSupport.settle().liveHandles();
        try (PyObject pyGen = Python.eval("_ls_gen");
                PyObject pyCheck = Python.eval("_ls_check")) {
            for (int n : SIZES) {
                // Java -> Python: ASCII, Latin-1 with the only non-ASCII char
                // last (the scan's tail), Latin-1 throughout, and UTF-16.
                String[][] cases = {{ASCII, ""}, {ASCII, "\u00e9"}, {LATIN1, ""}, {BMP, ""}, {ASCII, "\ud800"}};
                for (String[] c : cases) {
                    String s = gen(c[0], n) + c[1];
                    List<?> r = pyCheck.callAs(List.class, s, c[0], n, c[1]);
                    check(Boolean.TRUE.equals(r.get(0)), "Java -> Python: wrong characters, " + describe(c, n));
                    check(Boolean.TRUE.equals(r.get(1)), "Java -> Python: wrong ASCII-ness, " + describe(c, n));
                    check(
                            r.get(2).equals((long) s.codePointCount(0, s.length())),
                            "Java -> Python: wrong length, " + describe(c, n));
                }
                // Python -> Java: 1-byte (ASCII and Latin-1) and 2-byte strs.
                for (String alphabet : new String[] {ASCII, LATIN1, BMP}) {
                    String got = pyGen.callAs(String.class, alphabet, n);
                    check(
                            gen(alphabet, n).equals(got),
                            "Python -> Java: wrong characters, " + alphabet.length() + "-char alphabet "
                                    + escapeHead(alphabet) + ", " + n + " chars");
                }
            }
            // A 2-byte str that starts with a lone surrogate keeps it.
            String lone = Python.eval("'\\ud800' + 'x\\u4e2d' * 20000", String.class);
            check(
                    lone.length() == 40_001 && lone.charAt(0) == '\ud800' && lone.charAt(2) == '\u4e2d',
                    "Python -> Java: lone surrogate lost");
            // Several large strs in one reply, in a list and as dict values.
            List<?> several = Python.eval(
                    "[_ls_gen('ab', 50000), _ls_gen('\\u00e9z', 60000), 'small'," + " _ls_gen('x\\u4e2d', 70000)]",
                    List.class);
            check(
                    several.equals(
                            Arrays.asList(gen("ab", 50_000), gen("\u00e9z", 60_000), "small", gen("x\u4e2d", 70_000))),
                    "Python -> Java: a list of large strs");
            Map<?, ?> m = Python.eval("{'k': _ls_gen('kv', 40000), _ls_gen('key', 33000): 1}", Map.class);
            check(
                    gen("kv", 40_000).equals(m.get("k")) && Long.valueOf(1).equals(m.get(gen("key", 33_000))),
                    "Python -> Java: large strs as dict key and value");
            // A large str as the argument of a Java callback (read on the
            // Python thread's way out, while it has let the GIL go).
            AtomicReference<String> seen = new AtomicReference<>();
            Function<String, Integer> f = s -> {
                seen.set(s);
                return s.length();
            };
            try (PyObject call = Python.eval("lambda f: f(_ls_gen('cb\\u00e9', 300000))")) {
                check(
                        Long.valueOf(300_000).equals(call.callAs(Long.class, f))
                                && gen("cb\u00e9", 300_000).equals(seen.get()),
                        "Python -> Java: a large str passed to a callback");
            }
        }
        long live1 = LifetimeSupport.settle().liveHandles();
        check(live1 == live0, "handles left behind: " + live0 + " before, " + live1 + " after");
    }

    private static String describe(String[] c, int n) {
        return n + " chars of " + escapeHead(c[0]) + " + " + escapeHead(c[1]);
    }

    private static String escapeHead(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char ch : s.substring(0, Math.min(8, s.length())).toCharArray()) {
            b.append(ch >= 0x20 && ch < 0x7f ? String.valueOf(ch) : String.format("\\u%04x", (int) ch));
        }
        return b.append('"').toString();
    }

    @BeforeClass
    public static void init() {
        Python.initialize();
    }

    @Test
    public void largeStringsCrossWholeBothWaysAndLeaveNoHandle() {
        checkAll();
    }

    @Test
    public void largeStringsCrossFromSeveralThreadsAtOnce() throws Exception {
        String s = gen(LATIN1, 1_000_000);
        Throwable[] err = new Throwable[3];
        Thread[] ts = new Thread[3];
        try (PyObject echo = Python.eval("lambda s: s + ''")) {
            for (int k = 0; k < ts.length; k++) {
                final int kk = k;
                ts[k] = new Thread(() -> {
                    try {
                        for (int i = 0; i < 40; i++) {
                            check(s.equals(echo.callAs(String.class, s)), "round trip " + i + " on thread " + kk);
                        }
                    } catch (Throwable e) {
                        err[kk] = e;
                    }
                });
                ts[k].start();
            }
            for (Thread t : ts) {
                t.join();
            }
        }
        for (Throwable e : err) {
            if (e != null) {
                throw new AssertionError(e);
            }
        }
    }
}
