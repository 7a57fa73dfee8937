package org.pybridge;

import static org.junit.Assert.assertEquals;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.Test;

/**
 * {@code pybridge.synchronized} between threads, in a JVM of its own (a
 * wrong monitor or a GIL held while waiting for one hangs): a Java thread
 * synchronizing on the object waits while Python holds its monitor, from a
 * JVM thread and from a thread Python started; and Python waiting for a
 * monitor lets go of the GIL, so that a Java thread holding it can call
 * into Python before releasing it. Ordering is asserted, never timing: the
 * waiting thread is seen {@code BLOCKED} on the monitor.
 */
public class JavaMonitorE2ETest {

    /** What the Python code of {@link Child} drives. */
    public static final class Fixture {
        private Fixture() {}

        public static final Object LOCK = new Object();
        public static final List<String> ORDER = Collections.synchronizedList(new ArrayList<>());
        private static final CountDownLatch HOLDER_IN = new CountDownLatch(1);
        private static volatile Thread contender;
        private static volatile boolean sawBlocked;

        public static void record(String s) {
            ORDER.add(s);
        }

        public static void reset() {
            ORDER.clear();
        }

        /** A Java thread that synchronizes on {@link #LOCK} and records "java" inside. */
        public static void startContender() {
            Thread t = new Thread(() -> {
                synchronized (LOCK) {
                    ORDER.add("java");
                }
            });
            t.setDaemon(true);
            contender = t;
            t.start();
        }

        /** Whether the contender came to wait for the monitor (BLOCKED on it). */
        public static boolean contenderBlocked() throws InterruptedException {
            return awaitBlocked(contender);
        }

        public static boolean joinContender() throws InterruptedException {
            contender.join(60_000);
            return !contender.isAlive();
        }

        /**
         * A Java thread that takes {@link #LOCK}, waits until the calling
         * thread is blocked on it, then runs Python code (which needs the
         * GIL) before releasing it.
         */
        public static void startHolder() {
            Thread caller = Thread.currentThread();
            Thread t = new Thread(() -> {
                synchronized (LOCK) {
                    HOLDER_IN.countDown();
                    try {
                        sawBlocked = awaitBlocked(caller);
                    } catch (InterruptedException e) {
                        return;
                    }
                    Python.exec("events.append('holder')");
                }
            });
            t.setDaemon(true);
            t.start();
        }

        public static boolean awaitHolderIn() throws InterruptedException {
            return HOLDER_IN.await(60, TimeUnit.SECONDS);
        }

        public static boolean sawBlocked() {
            return sawBlocked;
        }

        private static boolean awaitBlocked(Thread t) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (t.getState() != Thread.State.BLOCKED) {
                if (System.nanoTime() > deadline || !t.isAlive()) {
                    return false;
                }
                Thread.sleep(1);
            }
            return true;
        }
    }

    public static final class Child {
        public static void main(String[] args) {
            Python.initialize();
            Python.exec(String.join(
                    "\n",
                    "import pybridge, threading",
                    "from org.pybridge import JavaMonitorE2ETest",
                    "F = JavaMonitorE2ETest.Fixture",
                    "events = []",
                    // The calling thread (a JVM thread) holds the monitor.
                    "with pybridge.synchronized(F.LOCK):",
                    "    F.startContender()",
                    "    blocked1 = F.contenderBlocked()",
                    "    F.record('python')",
                    "joined1 = F.joinContender()",
                    "order1 = '/'.join(F.ORDER)",
                    "F.reset()",
                    // A thread Python started holds it (attached for the block's length).
                    "res = {}",
                    "def worker():",
                    "    with pybridge.synchronized(F.LOCK):",
                    "        F.startContender()",
                    "        res['blocked'] = F.contenderBlocked()",
                    "        F.record('pythread')",
                    "    res['joined'] = F.joinContender()",
                    "t = threading.Thread(target=worker)",
                    "t.start()",
                    "t.join()",
                    "order2 = '/'.join(F.ORDER)",
                    // A Java thread holds it and calls Python: waiting for it must not hold the GIL.
                    "F.startHolder()",
                    "holder_in = F.awaitHolderIn()",
                    "with pybridge.synchronized(F.LOCK):",
                    "    events.append('main')",
                    "order3 = '/'.join(events)",
                    "summary = 'blocked1=%s joined1=%s order1=%s blocked2=%s joined2=%s order2=%s holderIn=%s"
                            + " sawBlocked=%s order3=%s' % (blocked1, joined1, order1, res.get('blocked'),"
                            + " res.get('joined'), order2, holder_in, F.sawBlocked(), order3)",
                    ""));
            System.out.println("RESULT monitors " + Python.eval("summary", String.class));
        }
    }

    @Test
    public void javaWaitsWhilePythonHoldsTheMonitorAndPythonWaitsWithoutTheGil() {
        ChildJvm.Result r = ChildJvm.run(Child.class, null, List.of(), 180);
        E2E.assertChildOk(r, "RESULT monitors");
        Map<String, String> f = E2E.fields(r, "RESULT monitors");
        assertEquals(r.toString(), "True", f.get("blocked1"));
        assertEquals(r.toString(), "True", f.get("joined1"));
        assertEquals(r.toString(), "python/java", f.get("order1"));
        assertEquals(r.toString(), "True", f.get("blocked2"));
        assertEquals(r.toString(), "True", f.get("joined2"));
        assertEquals(r.toString(), "pythread/java", f.get("order2"));
        assertEquals(r.toString(), "True", f.get("holderIn"));
        assertEquals(r.toString(), "True", f.get("sawBlocked"));
        assertEquals(r.toString(), "holder/main", f.get("order3"));
    }
}
