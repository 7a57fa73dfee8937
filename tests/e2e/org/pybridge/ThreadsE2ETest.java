package org.pybridge;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.pybridge.E2E.check;
import static org.pybridge.E2E.checkEq;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.junit.Test;

/**
 * Threads end to end, in child JVMs: sixteen threads racing to start the
 * interpreter, and ten thousand short-lived threads whose thread states must
 * all be freed without memory growth.
 */
public class ThreadsE2ETest {

    // ---- 4. initialization race -------------------------------------------------------------

    @Test
    public void sixteenThreadsRaceToInitialize() {
        ChildJvm.Result r = ChildJvm.run(InitRace.class, Map.of(), 120, "16");
        E2E.assertChildOk(r, "RESULT ok init-race");
        assertEquals(r.toString(), "16", E2E.line(r, "RESULT succeeded="));
        assertEquals(r.toString(), "1", E2E.line(r, "RESULT distinctInfos="));
    }

    /** Child: N threads released together; half call initialize(), half go straight to eval. */
    public static final class InitRace {
        public static void main(String[] args) {
            E2E.child("init-race", args, a -> {
                int n = Integer.parseInt(a[0]);
                check(!Python.isInitialized(), "not initialized at start");
                CountDownLatch ready = new CountDownLatch(n);
                CountDownLatch go = new CountDownLatch(1);
                AtomicReferenceArray<PythonInfo> infos = new AtomicReferenceArray<>(n);
                AtomicReference<Throwable> failure = new AtomicReference<>();
                AtomicLong ok = new AtomicLong();
                Thread[] ts = new Thread[n];
                for (int i = 0; i < n; i++) {
                    final int k = i;
                    ts[i] = new Thread(
                            () -> {
                                try {
                                    ready.countDown();
                                    go.await();
                                    if (k % 2 == 0) {
                                        infos.set(k, Python.initialize());
                                    }
                                    long v = Python.eval("sum(range(" + (k + 1) + "))", Long.class);
                                    checkEq((long) k * (k + 1) / 2, v, "eval on thread " + k);
                                    if (k % 2 == 1) {
                                        infos.set(k, Python.info());
                                    }
                                    ok.incrementAndGet();
                                } catch (Throwable t) {
                                    failure.compareAndSet(null, t);
                                }
                            },
                            "init-race-" + i);
                    ts[i].start();
                }
                ready.await();
                go.countDown();
                for (Thread t : ts) {
                    t.join(60_000);
                    check(!t.isAlive(), t.getName() + " finished");
                }
                if (failure.get() != null) {
                    throw new AssertionError("a racing thread failed", failure.get());
                }
                System.out.println("RESULT succeeded=" + ok.get());
                Set<PythonInfo> distinct = Collections.newSetFromMap(new IdentityHashMap<>());
                for (int i = 0; i < n; i++) {
                    check(infos.get(i) != null, "info of thread " + i);
                    distinct.add(infos.get(i));
                }
                System.out.println("RESULT distinctInfos=" + distinct.size());
                PythonInfo first = infos.get(0);
                System.out.println("INFO " + first);
                checkEq(first.version(), Python.eval("__import__('sys').version", String.class), "sys.version");
                Stats s = Python.stats();
                System.out.println("INFO " + s);
            });
        }
    }

    // ---- 5. ten thousand short-lived threads ----------------------------------------------------

    @Test
    public void tenThousandShortLivedThreadsFreeTheirThreadStates() {
        ChildJvm.Result r = ChildJvm.run(ManyThreads.class, Map.of(), 240, "10000", "1000", "8");
        E2E.assertChildOk(r, "RESULT ok many-threads");
        Map<String, String> f = E2E.fields(r, "RESULT threads ");
        assertEquals(r.toString(), f.get("before"), f.get("after"));
        assertEquals(r.toString(), f.get("interpBefore"), f.get("interpAfter"));
        assertTrue(r.toString(), Long.parseLong(f.get("freed")) >= 10_000);
        assertEquals(r.toString(), "10000", f.get("calls"));
        long growthKb = Long.parseLong(E2E.fields(r, "RESULT rss ").get("growthKb"));
        assertTrue("RSS grew by " + growthKb + " kB (limit 30 MB): " + r, growthKb <= 30 * 1024);
    }

    /** Child: args: threads, warm-up threads, batch size. */
    public static final class ManyThreads {
        public static void main(String[] args) {
            E2E.child("many-threads", args, a -> {
                int n = Integer.parseInt(a[0]);
                int warm = Integer.parseInt(a[1]);
                int batch = Integer.parseInt(a[2]);
                Python.initialize();
                checkEq(2L, Python.eval("1 + 1", Long.class), "main thread call");

                long base = Python.stats().threadStates();
                checkEq((long) warm, runBatches(warm, batch), "warm-up calls");
                check(settle(base), "thread states back to " + base + " after the warm-up: " + Python.stats());
                System.gc();
                long rssWarm = E2E.rssKb();

                Stats s0 = Python.stats();
                long before = s0.threadStates();
                long interpBefore = Python.interpreterThreadStates();
                long freedBefore = s0.threadStatesFreed();
                long t0 = System.nanoTime();
                long calls = runBatches(n, batch);
                long ms = (System.nanoTime() - t0) / 1_000_000;
                boolean settled = settle(before);
                Stats s1 = Python.stats();
                long interpAfter = Python.interpreterThreadStates();
                System.gc();
                long rssAfter = E2E.rssKb();
                System.out.println("INFO " + n + " threads in " + ms + " ms; settled=" + settled + "; " + s1);
                System.out.println("RESULT threads before=" + before + " after=" + s1.threadStates()
                        + " interpBefore=" + interpBefore + " interpAfter=" + interpAfter
                        + " freed=" + (s1.threadStatesFreed() - freedBefore) + " calls=" + calls);
                System.out.println(
                        "RESULT rss warmKb=" + rssWarm + " afterKb=" + rssAfter + " growthKb=" + (rssAfter - rssWarm));
            });
        }

        /** Starts {@code n} threads, {@code batch} at a time, each making one call; returns the calls that returned 2. */
        static long runBatches(int n, int batch) throws InterruptedException {
            AtomicLong good = new AtomicLong();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread[] ts = new Thread[batch];
            for (int done = 0; done < n; done += batch) {
                int m = Math.min(batch, n - done);
                for (int i = 0; i < m; i++) {
                    ts[i] = new Thread(() -> {
                        try {
                            if (Python.eval("1+1", Long.class) == 2L) {
                                good.incrementAndGet();
                            }
                        } catch (Throwable t) {
                            failure.compareAndSet(null, t);
                        }
                    });
                    ts[i].start();
                }
                for (int i = 0; i < m; i++) {
                    ts[i].join(30_000);
                    check(!ts[i].isAlive(), "a short-lived thread did not finish in 30 s");
                }
                if (failure.get() != null) {
                    throw new AssertionError("a short-lived thread failed", failure.get());
                }
            }
            return good.get();
        }

        /** Waits up to 5 s for the thread-exit teardown to bring threadStates back to {@code target}. */
        static boolean settle(long target) throws InterruptedException {
            return E2E.waitFor(5_000, () -> Python.stats().threadStates() == target);
        }
    }
}
