package org.pybridge;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * Python classes implementing Java interfaces ({@code @pybridge.implements},
 * issue 25 point 1): one {@link java.lang.reflect.Proxy} per Python object,
 * every method, default methods, the object protocol, exceptions both ways,
 * identity, lifetime and threads.
 */
public class PythonImplementsJavaTest {

    @BeforeClass
    public static void start() {
        Python.initialize();
        Python.exec(String.join(
                "\n",
                "def check(cond, what):",
                "    if not cond:",
                "        raise AssertionError(what)",
                "def raises(exc, f, *a):",
                "    try:",
                "        f(*a)",
                "    except exc as e:",
                "        return e",
                "    raise AssertionError('%r did not raise %s' % (f, exc.__name__))",
                "import pybridge",
                "from pybridge import implements, jsuper",
                "from org.pybridge import PythonImplementsJavaTest as T",
                "Listener, Keeper = T.Listener, T.Keeper",
                "from java.util import Comparator, ArrayList, Collections",
                ""));
    }

    private static void py(String... lines) {
        Python.exec(String.join("\n", lines));
    }

    /** A listener with two abstract methods and a default one. */
    public interface Listener {
        String started(String what);

        int progress(int done, int total) throws IOException;

        default String describe() {
            return "listener:" + started("describe");
        }
    }

    /** Java code that keeps Python objects and calls them later. */
    public static class Keeper {
        public final List<Object> kept = new ArrayList<>();

        public void keep(Listener l) {
            kept.add(l);
        }

        public void keepAny(Object o) {
            kept.add(o);
        }

        public Object get(int i) {
            return kept.get(i);
        }

        public int size() {
            return kept.size();
        }

        public void clear() {
            kept.clear();
        }

        public String run(Listener l) throws IOException {
            return l.started("job") + "/" + l.progress(3, 4) + "/" + l.describe();
        }

        public static boolean same(Object a, Object b) {
            return a == b;
        }

        public static String protocol(Object a, Object b) {
            Set<Object> s = new HashSet<>();
            s.add(a);
            return a.equals(b) + " " + s.contains(b) + " " + a.hashCode() + " " + a;
        }

        public static int progressOf(Listener l) {
            try {
                return l.progress(1, 0);
            } catch (IOException e) {
                return -1;
            } catch (PythonException e) {
                return -2;
            }
        }

        public static String sorted(List<String> words, Comparator<String> c) {
            List<String> copy = new ArrayList<>(words);
            copy.sort(c);
            copy.add("|");
            List<String> rev = new ArrayList<>(words);
            rev.sort(c.reversed());
            copy.addAll(rev);
            return String.join(",", copy);
        }
    }

    @Test
    public void aPythonClassImplementsAnInterfaceWithSeveralMethodsAndADefault() {
        py(
                "@implements(Listener)",
                "class L:",
                "    def started(self, what):",
                "        return 'started ' + what",
                "    def progress(self, done, total):",
                "        return done * 100 // total",
                "k = Keeper()",
                "r = k.run(L())",
                "check(r == 'started job/75/listener:started describe', r)",
                "check(isinstance(L(), Listener), 'isinstance asks the declared interfaces')");
    }

    @Test
    public void comparatorsSortInJavaAndDefaultMethodsRunThroughJsuper() {
        py(
                "@implements(Comparator)",
                "class ByLength:",
                "    def compare(self, a, b):",
                "        return len(a) - len(b)",
                "r = Keeper.sorted(['ccc', 'a', 'bb'], ByLength())",
                "check(r == 'a,bb,ccc,|,ccc,bb,a', r)",
                "c = ByLength()",
                "rev = jsuper(c).reversed()",
                "check(rev.compare('a', 'bb') > 0, 'the Java default reversed() runs on the proxy')",
                "lst = ArrayList(); lst.addAll(['ccc', 'a', 'bb'])",
                "Collections.sort(lst, c)",
                "check(list(lst) == ['a', 'bb', 'ccc'], list(lst))",
                "raises(AttributeError, lambda: jsuper(c).nosuchdefault())");
    }

    @Test
    public void equalsHashCodeAndToStringFollowThePythonObject() {
        py(
                "@implements(Listener)",
                "class Named:",
                "    def __init__(self, name): self.name = name",
                "    def started(self, what): return what",
                "    def progress(self, d, t): return 0",
                "    def __eq__(self, other): return isinstance(other, Named) and other.name == self.name",
                "    def __hash__(self): return 42",
                "    def __str__(self): return 'Named(%s)' % self.name",
                "r = Keeper.protocol(Named('x'), Named('x'))",
                "check(r == 'true true 42 Named(x)', r)",
                "r = Keeper.protocol(Named('x'), Named('y'))",
                "check(r == 'false false 42 Named(x)', r)");
    }

    @Test
    public void exceptionsCrossBothWays() {
        py(
                "@implements(Listener)",
                "class Failing:",
                "    def started(self, what):",
                "        return Keeper().get(5)", // Java throws into Python, and back out through Java
                "    def progress(self, d, t):",
                "        return d // t",
                "e = raises(IndexError, Keeper().run, Failing())",
                "check(type(e).__name__ == 'IndexOutOfBoundsException', type(e))",
                "check(Keeper.progressOf(Failing()) == -2, 'ZeroDivisionError reaches Java as a PythonException')",
                "@implements(Listener)",
                "class Dividing:",
                "    def started(self, what): return str(1 // 0)",
                "    def progress(self, d, t): return 0",
                "raises(ZeroDivisionError, Keeper().run, Dividing())");
    }

    @Test
    public void aDeclaredJavaExceptionThrownThroughPythonReachesJavaAsItself() throws Exception {
        py(
                "from java.nio.file import Files, Paths",
                "@implements(Listener)",
                "class Io:",
                "    def started(self, what): return what",
                "    def progress(self, d, t):",
                "        Files.readAllBytes(Paths.get('/nonexistent/pybridge/file'))",
                "        return 0");
        Object o = Python.eval("Keeper.progressOf(Io())").toJava();
        assertEquals(-1L, o);
    }

    @Test
    public void theSameObjectIsTheSameProxyAndComesBackAsItself() {
        py(
                "@implements(Listener)",
                "class L2:",
                "    def started(self, what): return what",
                "    def progress(self, d, t): return 1",
                "a = L2()",
                "check(Keeper.same(a, a), 'one proxy per object')",
                "check(not Keeper.same(a, L2()), 'two objects, two proxies')",
                "k = Keeper(); k.keep(a); k.keepAny(a)",
                "check(Keeper.same(k.get(0), k.get(1)), 'kept twice: the same proxy')",
                "check(k.get(0) is a, 'back in Python: the object itself')",
                "m = pybridge.jclass('java.util.HashMap')(); m['x'] = a",
                "check(m['x'] is a and Keeper.same(m.get('x'), k.get(0)), 'through a map too')");
    }

    @Test
    public void javaKeepsTheObjectAliveExactlyAsLongAsItHoldsIt() throws Exception {
        py(
                "import gc, weakref",
                "@implements(Listener)",
                "class Held:",
                "    def started(self, what): return what",
                "    def progress(self, d, t): return 2",
                "gc.collect()");
        System.gc();
        Thread.sleep(100);
        int before = PyImplements.registered();
        Keeper k = new Keeper();
        Python.mainModule().setAttr("k2", Python.bridge(k));
        py(
                "objs = [Held() for _ in range(500)]",
                "refs = [weakref.ref(o) for o in objs]",
                "for o in objs: k2.keep(o)",
                "del objs, o",
                "gc.collect()",
                "check(all(r() is not None for r in refs), 'Java holds them: alive')");
        assertEquals(before + 500, PyImplements.registered());
        long handlesHeld = Python.stats().liveHandles();
        assertEquals(2, ((Listener) k.get(499)).progress(0, 0));
        k.clear();
        long deadline = System.currentTimeMillis() + 30_000;
        boolean freed = false;
        while (System.currentTimeMillis() < deadline) {
            System.gc();
            Thread.sleep(50);
            py("gc.collect()");
            if (Boolean.TRUE.equals(
                    Python.eval("all(r() is None for r in refs)").toJava())) {
                freed = true;
                break;
            }
        }
        assertTrue("the Python objects are released once Java drops the proxies", freed);
        assertTrue(
                "registry back to the baseline " + before + ": " + PyImplements.registered(),
                PyImplements.registered() <= before);
        assertTrue(
                "handles released: " + Python.stats().liveHandles() + " < " + handlesHeld,
                Python.stats().liveHandles() <= handlesHeld - 500);
        py("del refs");
    }

    @Test
    public void javaThreadsCallThePythonObject() throws Exception {
        Keeper k = new Keeper();
        Python.mainModule().setAttr("k3", Python.bridge(k));
        py(
                "import threading",
                "lock = threading.Lock()",
                "@implements(Listener)",
                "class Counting:",
                "    n = 0",
                "    def started(self, what): return what",
                "    def progress(self, d, t):",
                "        with lock:",
                "            Counting.n += 1",
                "        return Counting.n",
                "k3.keep(Counting())");
        Listener l = (Listener) k.get(0);
        List<Thread> ts = new ArrayList<>();
        AtomicInteger failures = new AtomicInteger();
        for (int t = 0; t < 4; t++) {
            Thread th = new Thread(() -> {
                for (int i = 0; i < 100; i++) {
                    try {
                        l.progress(i, 1);
                    } catch (Exception e) {
                        failures.incrementAndGet();
                    }
                }
            });
            ts.add(th);
            th.start();
        }
        for (Thread th : ts) {
            th.join();
        }
        assertEquals(0, failures.get());
        assertEquals(400L, Python.eval("Counting.n").toJava());
    }

    @Test
    public void onlyInterfacesCanBeImplemented() {
        py(
                "e = raises(TypeError, implements, ArrayList)",
                "check('not a Java interface' in str(e), str(e))",
                "raises(TypeError, implements, 42)");
    }

    @Test
    public void aMissingMethodIsAnUnsupportedOperationInJava() {
        py("@implements(Listener)", "class Half:", "    def started(self, what): return what");
        try {
            Python.eval("Keeper().run(Half())");
            fail("progress is missing");
        } catch (PythonException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("progress"));
        }
    }
}
