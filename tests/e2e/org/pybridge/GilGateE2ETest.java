package org.pybridge;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.junit.Test;

/**
 * The call gate in front of the GIL ({@link PythonConfig#gilSpin(long)}): a
 * spin lock that hands Python from one JVM thread to the next in bursts. It
 * is a hint, never needed for correctness: these tests check that it never
 * deadlocks, that a call blocked inside Python costs the other threads one
 * spin rather than one per call, that callbacks out of Python let other JVM
 * threads in, and that turning it off turns it off. Each runs in a child JVM
 * so that a hang is a red test with a timeout, not a stuck runner.
 */
public class GilGateE2ETest {

    static long waits() {
        return Python.stats().gilGateWaits();
    }

    static long fallbacks() {
        return Python.stats().gilGateFallbacks();
    }

    /** Two JVM threads calling f(i) at once: correct sums; report the gate counters. */
    public static final class TwoThreads {
        public static void main(String[] args) throws Exception {
            long spin = Long.parseLong(args[0]);
            Python.initialize(new PythonConfig().gilSpin(spin));
            Python.exec("def f(x): return x");
            PyObject f = Python.eval("f");
            int n = 300_000;
            long w0 = waits(), fb0 = fallbacks();
            CyclicBarrier start = new CyclicBarrier(2);
            long[] sums = new long[2];
            Throwable[] err = new Throwable[2];
            Thread[] ts = new Thread[2];
            for (int k = 0; k < 2; k++) {
                final int kk = k;
                ts[k] = new Thread(() -> {
                    try {
                        f.callLong(0); // pin the thread state before the race
                        start.await();
                        long s = 0;
                        for (int i = 0; i < n; i++) {
                            s += f.callLong(i);
                        }
                        sums[kk] = s;
                    } catch (Throwable e) {
                        err[kk] = e;
                    }
                });
                ts[k].start();
            }
            for (Thread t : ts) {
                t.join();
            }
            if (err[0] != null || err[1] != null) {
                throw new AssertionError("a worker failed: " + Arrays.toString(err), err[0] != null ? err[0] : err[1]);
            }
            long want = (long) n * (n - 1) / 2;
            System.out.println("RESULT two ok=" + (sums[0] == want && sums[1] == want) + " waits=" + (waits() - w0)
                    + " fallbacks=" + (fallbacks() - fb0) + " cpus="
                    + Runtime.getRuntime().availableProcessors());
            System.exit(0);
        }
    }

    /**
     * Thread A's call blocks inside Python (queue.get releases the GIL but A
     * keeps the gate); thread B then makes many calls and finally feeds the
     * queue. B (the main thread, polling and then calling) must get through,
     * and only its first call may wait the spin budget out: the blocked
     * holding is marked stale and skipped after that.
     */
    public static final class BlockedHolder {
        public static void main(String[] args) throws Exception {
            Python.initialize(new PythonConfig().gilSpin(2_000));
            Python.exec(String.join(
                    "\n",
                    "import queue, threading",
                    "q = queue.Queue()",
                    "entered = threading.Event()",
                    "def wait_for_item():",
                    "    entered.set()",
                    "    return q.get()",
                    "def f(x): return x"));
            PyObject waitForItem = Python.eval("wait_for_item");
            PyObject f = Python.eval("f");
            PyObject q = Python.eval("q");
            AtomicLong got = new AtomicLong(-1);
            long fb0 = fallbacks();
            Thread a = new Thread(() -> got.set(waitForItem.callAs(Long.class)), "blocked-in-python");
            a.start();
            while (!Python.eval("entered.is_set()", Boolean.class)) {
                Thread.sleep(1);
            }
            long t0 = System.nanoTime();
            long s = 0;
            int n = 2_000;
            for (int i = 0; i < n; i++) {
                s += f.callLong(i);
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            long fb = fallbacks() - fb0;
            q.callAttr("put", 42);
            a.join(30_000);
            System.out.println("RESULT blocked ok=" + (s == (long) n * (n - 1) / 2) + " got=" + got.get()
                    + " fallbacks=" + fb + " ms=" + ms + " aliveA=" + a.isAlive());
            System.exit(0);
        }
    }

    /**
     * Thread A's Python code calls a Java callback that runs calls into
     * Python on thread B and waits for them: A gave the gate up before
     * leaving Python, so B never has to wait for it.
     */
    public static final class CallbackOtherThread {
        public static void main(String[] args) throws Exception {
            Python.initialize(new PythonConfig().gilSpin(2_000));
            Python.exec("def f(x): return x\ndef outer(cb, x): return cb(x) + 1");
            PyObject f = Python.eval("f");
            PyObject outer = Python.eval("outer");
            Function<Object, Object> cb = x -> {
                long[] r = new long[1];
                Thread b = new Thread(() -> {
                    for (int i = 0; i < 50; i++) {
                        r[0] += f.callLong((Long) x);
                    }
                });
                b.start();
                try {
                    b.join();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                return r[0];
            };
            long fb0 = fallbacks();
            boolean ok = true;
            for (int i = 0; i < 200; i++) {
                ok &= outer.callAs(Long.class, cb, (long) i) == 50L * i + 1;
            }
            System.out.println("RESULT callback ok=" + ok + " fallbacks=" + (fallbacks() - fb0));
            System.exit(0);
        }
    }

    /**
     * A Python thread burning CPU (it takes the GIL by CPython's own rules,
     * not through the gate) beside two JVM threads calling in: everyone
     * finishes.
     */
    public static final class BesidePythonThread {
        public static void main(String[] args) throws Exception {
            Python.initialize();
            Python.exec(String.join(
                    "\n",
                    "import threading",
                    "stop = False",
                    "spins = 0",
                    "def burn():",
                    "    global spins",
                    "    while not stop:",
                    "        spins += 1",
                    "t = threading.Thread(target=burn)",
                    "t.start()",
                    "def f(x): return x"));
            PyObject f = Python.eval("f");
            CountDownLatch done = new CountDownLatch(2);
            long[] sums = new long[2];
            for (int k = 0; k < 2; k++) {
                final int kk = k;
                new Thread(() -> {
                            long s = 0;
                            for (int i = 0; i < 20_000; i++) {
                                s += f.callLong(i);
                            }
                            sums[kk] = s;
                            done.countDown();
                        })
                        .start();
            }
            done.await();
            Python.exec("stop = True\nt.join()");
            long want = 20_000L * 19_999 / 2;
            System.out.println("RESULT beside ok=" + (sums[0] == want && sums[1] == want) + " spins="
                    + Python.eval("spins", Long.class));
            System.exit(0);
        }
    }

    @Test
    public void twoThreadsCallingMeetAtTheGate() {
        ChildJvm.Result r = ChildJvm.run(TwoThreads.class, null, 120, "200");
        E2E.assertChildOk(r, "RESULT two");
        Map<String, String> f = E2E.fields(r, "RESULT two");
        assertEquals(r.toString(), "true", f.get("ok"));
        if (Integer.parseInt(f.get("cpus")) > 1) {
            // 2 x 300k calls at once on two CPUs: they cannot all miss each other.
            assertTrue("no call waited at the gate: " + f, Long.parseLong(f.get("waits")) > 0);
        }
    }

    @Test
    public void gilSpinZeroTurnsTheGateOff() {
        ChildJvm.Result r = ChildJvm.run(TwoThreads.class, null, 120, "0");
        E2E.assertChildOk(r, "RESULT two");
        Map<String, String> f = E2E.fields(r, "RESULT two");
        assertEquals(r.toString(), "true", f.get("ok"));
        assertEquals("gate counters with the gate off: " + f, "0", f.get("waits"));
        assertEquals("gate counters with the gate off: " + f, "0", f.get("fallbacks"));
    }

    @Test
    public void aCallBlockedInPythonCostsTheOthersOneSpinNotADeadlock() {
        ChildJvm.Result r = ChildJvm.run(BlockedHolder.class, null, 120);
        E2E.assertChildOk(r, "RESULT blocked");
        Map<String, String> f = E2E.fields(r, "RESULT blocked");
        assertEquals(r.toString(), "true", f.get("ok"));
        assertEquals(r.toString(), "42", f.get("got"));
        assertEquals(r.toString(), "false", f.get("aliveA"));
        long fb = Long.parseLong(f.get("fallbacks"));
        if (Runtime.getRuntime().availableProcessors() > 1) {
            // The first call waits the budget out and marks the blocked call
            // stale; the other 1,999 skip the gate.
            assertTrue("fallbacks " + fb + " (expected 1, a few at most): " + f, fb >= 1 && fb <= 5);
        }
    }

    @Test
    public void aCallbackOutOfPythonLetsOtherJvmThreadsPastTheGate() {
        ChildJvm.Result r = ChildJvm.run(CallbackOtherThread.class, null, 120);
        E2E.assertChildOk(r, "RESULT callback");
        Map<String, String> f = E2E.fields(r, "RESULT callback");
        assertEquals(r.toString(), "true", f.get("ok"));
        assertEquals(
                "threads waited out the spin budget behind a thread that was in a Java callback: " + f,
                "0",
                f.get("fallbacks"));
    }

    @Test
    public void jvmThreadsAndAPythonThreadAllFinish() {
        ChildJvm.Result r = ChildJvm.run(BesidePythonThread.class, null, 120);
        E2E.assertChildOk(r, "RESULT beside");
        Map<String, String> f = E2E.fields(r, "RESULT beside");
        assertEquals(r.toString(), "true", f.get("ok"));
        assertTrue(r.toString(), Long.parseLong(f.get("spins")) > 0);
    }
}
