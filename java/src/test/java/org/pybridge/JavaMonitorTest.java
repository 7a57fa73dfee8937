package org.pybridge;

import static org.junit.Assert.assertFalse;

import org.junit.BeforeClass;
import org.junit.Test;

/**
 * {@code pybridge.synchronized} (issue 25, point 6): the JVM monitor of a
 * Java object held from Python on the calling thread, re-entrant and
 * released by an exception. Blocking between threads, and the GIL while
 * waiting for a monitor, are tested in a JVM of their own
 * ({@code JavaMonitorE2ETest}).
 */
public class JavaMonitorTest {

    @BeforeClass
    public static void start() {
        Python.initialize();
        Python.exec(String.join(
                "\n", "def check(cond, what):", "    if not cond:", "        raise AssertionError(what)", ""));
    }

    private static void py(String... lines) {
        Python.exec(String.join("\n", lines));
    }

    /** The object Python synchronizes on, and whether this thread holds its monitor. */
    public static final Object LOCK = new Object();

    public static boolean held() {
        return Thread.holdsLock(LOCK);
    }

    @Test
    public void theBlockHoldsTheObjectsOwnMonitorReentrantly() {
        py(
                "import pybridge",
                "from org.pybridge import JavaMonitorTest as T",
                "lock = T.LOCK",
                "check(not T.held(), 'not held before')",
                "with pybridge.synchronized(lock) as o:",
                "    check(pybridge.same(o, lock), 'the block gets the object')",
                "    check(T.held(), 'Java sees the calling thread hold the monitor')",
                "    lock.notifyAll()  # IllegalMonitorStateException unless the monitor is held",
                "    with pybridge.synchronized(lock):",
                "        check(T.held(), 're-entered')",
                "    check(T.held(), 'still held after the inner block')",
                "check(not T.held(), 'released after the block')");
        assertFalse(held());
    }

    @Test
    public void anExceptionReleasesTheMonitor() {
        py(
                "import pybridge",
                "from org.pybridge import JavaMonitorTest as T",
                "try:",
                "    with pybridge.synchronized(T.LOCK):",
                "        with pybridge.synchronized(T.LOCK):",
                "            raise ValueError('inside')",
                "except ValueError:",
                "    pass",
                "check(not T.held(), 'released by the exception, both entries')");
        assertFalse(held());
    }

    @Test
    public void waitAndNotifyNeedTheMonitorAsInJava() {
        py(
                "import pybridge",
                "from org.pybridge import JavaMonitorTest as T",
                "try:",
                "    T.LOCK.notify()",
                "    raise AssertionError('notify without the monitor')",
                "except pybridge.JavaException as e:",
                "    check(e.java_class == 'java.lang.IllegalMonitorStateException', e.java_class)",
                "with pybridge.synchronized(T.LOCK):",
                "    T.LOCK.wait(1)  # releases and re-acquires the monitor",
                "    check(T.held(), 'held again after wait')",
                "try:",
                "    pybridge.synchronized(T.LOCK).__exit__(None, None, None)",
                "    raise AssertionError('exiting a monitor not held')",
                "except pybridge.JavaException as e:",
                "    check(e.java_class == 'java.lang.IllegalMonitorStateException', e.java_class)");
    }

    @Test
    public void onlyJavaObjectsAreAccepted() {
        py(
                "import pybridge",
                "for v in ('text', 5, object()):",
                "    try:",
                "        pybridge.synchronized(v)",
                "        raise AssertionError('accepted %r' % (v,))",
                "    except TypeError as e:",
                "        check('needs a Java object' in str(e), str(e))");
    }
}
