package org.pybridge;

import java.lang.ref.PhantomReference;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Who owns each handle: the innermost open {@link ResourceScope} of the
 * creating thread, or else the JVM garbage collector (a phantom reference
 * that holds only the id). The {@code pybridge-reclaimer} daemon thread
 * drains the reference queue in batches into the native release queue
 * (a call that never takes the GIL).
 */
final class Lifetimes {
    private Lifetimes() {}

    static final ThreadLocal<ResourceScope> CURRENT = new ThreadLocal<>();

    /** A phantom reference holding only the handle id, never the wrapper. */
    static final class Tracker extends PhantomReference<PyObject> {
        final long id;
        final int slot;

        Tracker(PyObject o, ReferenceQueue<? super PyObject> q) {
            super(o, q);
            this.id = o.id;
            this.slot = o.slot;
        }

        @Override
        public int hashCode() {
            long h = id * 0x9E3779B97F4A7C15L;
            return (int) (h ^ (h >>> 32));
        }

        @Override
        public boolean equals(Object o) {
            return o == this;
        }
    }

    private static final ReferenceQueue<PyObject> QUEUE = new ReferenceQueue<>();
    /** Keeps trackers reachable until their wrapper dies or is released. */
    private static final Set<Tracker> TRACKED = ConcurrentHashMap.newKeySet();
    private static final AtomicLong TRACKED_LIVE = new AtomicLong();
    static final AtomicLong GC_NUDGES = new AtomicLong();
    static final AtomicLong RECLAIMED = new AtomicLong();

    private static volatile long nudgeThreshold = PythonConfig.DEFAULT_GC_NUDGE_THRESHOLD;
    private static volatile long nextNudgeAt = PythonConfig.DEFAULT_GC_NUDGE_THRESHOLD;
    private static volatile long lastNudgeNanos;
    private static final long MIN_NUDGE_INTERVAL_NANOS = 20_000_000L;

    private static Thread reclaimer;

    static synchronized void start(long threshold) {
        nudgeThreshold = threshold;
        nextNudgeAt = threshold;
        if (reclaimer != null) {
            return;
        }
        reclaimer = new Thread(Lifetimes::reclaimLoop, "pybridge-reclaimer");
        reclaimer.setDaemon(true);
        reclaimer.start();
    }

    /**
     * Runs {@code body} as if no scope were open on this thread: handles it
     * makes are GC-tracked, for objects whose lifetime is not the caller's
     * scope (pybridge's own helpers, namespaces).
     */
    static <T> T unscoped(java.util.function.Supplier<T> body) {
        ResourceScope saved = CURRENT.get();
        CURRENT.set(null);
        try {
            return body.get();
        } finally {
            CURRENT.set(saved);
        }
    }

    static void adopt(PyObject o) {
        ResourceScope s = CURRENT.get();
        if (s != null) {
            s.add(o);
        } else {
            track(o);
        }
    }

    static void track(PyObject o) {
        Tracker t = new Tracker(o, QUEUE);
        o.owner = t;
        TRACKED.add(t);
        long live = TRACKED_LIVE.incrementAndGet();
        if (live >= nextNudgeAt && nudgeThreshold > 0) {
            nudge(live);
        }
    }

    /**
     * Native pressure: the JVM does not feel Python's memory, so when many
     * GC-tracked handles stay alive, ask for a collection (rate-limited).
     */
    private static void nudge(long live) {
        long now = System.nanoTime();
        synchronized (Lifetimes.class) {
            if (live < nextNudgeAt || now - lastNudgeNanos < MIN_NUDGE_INTERVAL_NANOS) {
                return;
            }
            lastNudgeNanos = now;
            nextNudgeAt = live + nudgeThreshold;
        }
        GC_NUDGES.incrementAndGet();
        System.gc();
    }

    /** Called when the wrapper is released by close(): no GC work left for it. */
    static void detach(PyObject o) {
        Object ow = o.owner;
        if (ow instanceof Tracker) {
            untrack((Tracker) ow);
        }
        // A scope skips released wrappers when it closes.
    }

    private static void untrack(Tracker t) {
        if (TRACKED.remove(t)) {
            TRACKED_LIVE.decrementAndGet();
        }
        t.clear();
    }

    static void keep(PyObject o) {
        Object ow = o.owner;
        if (ow instanceof ResourceScope) {
            ResourceScope s = (ResourceScope) ow;
            s.remove(o);
            ResourceScope p = s.openParent();
            if (p != null) {
                p.add(o);
            } else {
                track(o);
            }
        }
    }

    static long trackedLive() {
        return TRACKED_LIVE.get();
    }

    private static void reclaimLoop() {
        long[] batch = new long[4096];
        int[] slots = new int[4096];
        while (true) {
            try {
                Reference<? extends PyObject> r = QUEUE.remove(1000);
                // Also, at least once a second: forget Java functions Python freed.
                Callbacks.drainFreed();
                if (r == null) {
                    continue;
                }
                int n = 0;
                do {
                    Tracker t = (Tracker) r;
                    if (TRACKED.remove(t)) {
                        batch[n] = t.id;
                        slots[n++] = t.slot;
                    }
                } while (n < batch.length && (r = QUEUE.poll()) != null);
                if (n > 0) {
                    TRACKED_LIVE.addAndGet(-n);
                    RECLAIMED.addAndGet(n);
                    long live = TRACKED_LIVE.get();
                    synchronized (Lifetimes.class) {
                        if (nextNudgeAt > live + nudgeThreshold) {
                            nextNudgeAt = Math.max(nudgeThreshold, live + nudgeThreshold);
                        }
                    }
                    enqueue(batch, slots, n);
                }
            } catch (InterruptedException e) {
                return;
            } catch (Throwable t) {
                System.err.println("pybridge-reclaimer: " + t);
            }
        }
    }

    /** Hands ids to the native release queue (no GIL taken, never blocks on Python). */
    static void enqueue(long[] ids, int[] slots, int n) {
        Buf b = Buf.acquire();
        try {
            b.ensure(4 + 12 * n);
            b.bb.putInt(n);
            for (int i = 0; i < n; i++) {
                b.bb.putLong(ids[i]);
                b.bb.putInt(slots[i]);
            }
            b.invoke(Native.ENQUEUE);
        } finally {
            b.release();
        }
    }

    /** Releases ids now, in chunks, with the GIL taken once per chunk. */
    static long releaseNow(long[] ids, int[] slots, int n, int path) {
        long done = 0;
        int off = 0;
        while (off < n) {
            int k = Math.min(n - off, 16384);
            Buf b = Buf.acquire();
            try {
                b.ensure(8 + 12 * k);
                b.bb.putInt(path);
                b.bb.putInt(k);
                for (int i = 0; i < k; i++) {
                    b.bb.putLong(ids[off + i]);
                    b.bb.putInt(slots[off + i]);
                }
                b.invoke(Native.RELEASE_BATCH);
                done += b.getLong();
            } finally {
                b.release();
            }
            off += k;
        }
        return done;
    }
}
