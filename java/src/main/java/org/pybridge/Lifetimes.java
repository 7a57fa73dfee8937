package org.pybridge;

import java.lang.ref.PhantomReference;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

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

    /**
     * A phantom reference kept reachable in {@link #TRACKED}: an intrusive
     * doubly-linked list per stripe, so that adding and removing (a handle
     * made and closed at once is the common case) is a short uncontended
     * lock and two pointer writes, not a hash-set insert and remove.
     */
    abstract static class Linked<T> extends PhantomReference<T> {
        Linked<?> prev;
        Linked<?> next;
        /** The stripe it is linked in, or -1. Changes only under that stripe's lock. */
        volatile int stripe = -1;

        Linked(T referent, ReferenceQueue<? super T> q) {
            super(referent, q);
        }
    }

    /** The live trackers, in 16 stripes chosen by the adding thread. */
    static final class Tracked {
        private static final int STRIPES = 16;
        private final Object[] locks = new Object[STRIPES];
        private final Linked<?>[] heads = new Linked<?>[STRIPES];

        Tracked() {
            for (int i = 0; i < STRIPES; i++) {
                locks[i] = new Object();
            }
        }

        void add(Linked<?> r) {
            int s = (int) (Thread.currentThread().getId() & (STRIPES - 1));
            synchronized (locks[s]) {
                r.stripe = s;
                r.prev = null;
                r.next = heads[s];
                if (heads[s] != null) {
                    heads[s].prev = r;
                }
                heads[s] = r;
            }
        }

        /** Unlinks {@code ref}; true if this call did it (exactly once). */
        boolean remove(Reference<?> ref) {
            if (!(ref instanceof Linked)) {
                return false;
            }
            Linked<?> r = (Linked<?>) ref;
            int s = r.stripe;
            if (s < 0) {
                return false;
            }
            synchronized (locks[s]) {
                if (r.stripe != s) {
                    return false;
                }
                if (r.prev != null) {
                    r.prev.next = r.next;
                } else {
                    heads[s] = r.next;
                }
                if (r.next != null) {
                    r.next.prev = r.prev;
                }
                r.prev = null;
                r.next = null;
                r.stripe = -1;
            }
            return true;
        }
    }

    /** A tracker that releases one handle (id, slot) when its referent is unreachable. */
    abstract static class HandleRef<T> extends Linked<T> {
        final long id;
        final int slot;

        HandleRef(T referent, long id, int slot, ReferenceQueue<? super T> q) {
            super(referent, q);
            this.id = id;
            this.slot = slot;
        }
    }

    /** A phantom reference holding only the handle id, never the wrapper. */
    static final class Tracker extends HandleRef<PyObject> {
        Tracker(PyObject o, ReferenceQueue<? super PyObject> q) {
            super(o, o.id, o.slot, q);
        }
    }

    /**
     * The handles one reply made, GC-tracked together: each member wrapper's
     * owner is this token, and one phantom reference watches the token, so
     * the GC and the reclaimer do one unit of work per reply instead of one
     * per handle. The group is released when all its members are
     * unreachable; a member closed earlier is skipped. Groups hold at most
     * {@link #GROUP_MAX} handles, so one element kept alive pins few others.
     */
    static final class Group {
        final GroupState state;

        Group(GroupState state) {
            this.state = state;
        }
    }

    static final class GroupState {
        final long[] ids;
        final int[] slots;
        final boolean[] closed;
        int open;
        GroupTracker tracker;

        GroupState(long[] ids, int[] slots) {
            this.ids = ids;
            this.slots = slots;
            this.closed = new boolean[ids.length];
            this.open = ids.length;
        }
    }

    static final class GroupTracker extends Linked<Group> {
        final GroupState state;

        GroupTracker(Group g, ReferenceQueue<Object> q) {
            super(g, q);
            this.state = g.state;
        }
    }

    /**
     * Keeps a handle (a memoryview exporting Python memory) until a direct
     * ByteBuffer over that memory is unreachable ({@link PyObject#asBuffer()}).
     * Buffers derived from it (slices, views, read-only copies) reference it,
     * so they keep the memory valid too.
     */
    static final class BufferTracker extends HandleRef<ByteBuffer> {
        BufferTracker(ByteBuffer b, long id, int slot, ReferenceQueue<Object> q) {
            super(b, id, slot, q);
        }
    }

    /** Releases handle (id, slot) once {@code b} is unreachable. */
    static void trackBuffer(ByteBuffer b, long id, int slot) {
        TRACKED.add(new BufferTracker(b, id, slot, QUEUE));
        TRACKED_LIVE.incrementAndGet();
    }

    static final int GROUP_MAX = 1024;

    /** Handles being decoded from one reply on this thread (see {@link #beginBatch}). */
    private static final class Batch {
        int depth;
        PyObject[] items = new PyObject[16];
        int n;

        void add(PyObject o) {
            if (n == items.length) {
                items = Arrays.copyOf(items, n * 2);
            }
            items[n++] = o;
        }
    }

    private static final ThreadLocal<Batch> BATCH = ThreadLocal.withInitial(Batch::new);

    private static final ReferenceQueue<Object> QUEUE = new ReferenceQueue<>();
    /** Keeps trackers reachable until their wrapper (or group) dies or is released. */
    private static final Tracked TRACKED = new Tracked();

    private static final AtomicLong TRACKED_LIVE = new AtomicLong();
    static final AtomicLong GC_NUDGES = new AtomicLong();
    static final AtomicLong RECLAIMED = new AtomicLong();

    private static volatile long nudgeThreshold = PythonConfig.DEFAULT_GC_NUDGE_THRESHOLD;
    private static volatile long nextNudgeAt = PythonConfig.DEFAULT_GC_NUDGE_THRESHOLD;
    private static volatile long lastNudgeNanos;
    private static final long MIN_NUDGE_INTERVAL_NANOS = 20_000_000L;

    private static volatile Thread reclaimer;
    /**
     * Interrupts the reclaimer ignored, errors it survived, and times it had
     * to be started again ({@link Stats#reclaimerRecoveries()}).
     */
    static final AtomicLong RECLAIMER_RECOVERIES = new AtomicLong();

    static synchronized void start(long threshold) {
        nudgeThreshold = threshold;
        nextNudgeAt = threshold;
        ensureReclaimer();
    }

    /**
     * Starts the {@code pybridge-reclaimer} thread, or starts it again if it
     * is gone: it survives interrupts and any Throwable, but a thread can
     * still be lost (an error thrown while it handles one), and the GC path
     * must never stop.
     */
    static void ensureReclaimer() {
        Thread t = reclaimer;
        if (t != null && t.isAlive()) {
            return;
        }
        synchronized (Lifetimes.class) {
            t = reclaimer;
            if (t != null && t.isAlive()) {
                return;
            }
            if (t != null) {
                RECLAIMER_RECOVERIES.incrementAndGet();
            }
            t = new Thread(Lifetimes::reclaimerMain, "pybridge-reclaimer");
            t.setDaemon(true);
            reclaimer = t;
            t.start();
        }
    }

    private static void reclaimerMain() {
        while (true) {
            try {
                reclaimLoop();
            } catch (Throwable e) {
                // reclaimLoop catches everything itself; an error thrown while
                // it handled one ends up here: count it and go on.
                RECLAIMER_RECOVERIES.incrementAndGet();
            }
        }
    }

    /**
     * Runs {@code body} as if no scope were open on this thread: handles it
     * makes are GC-tracked, for objects whose lifetime is not the caller's
     * scope (pybridge's own helpers, namespaces).
     */
    static <T> T unscoped(Supplier<T> body) {
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
        } else if (o.interp != null && o.interp.channel != null) {
            o.interp.channel.track(o); // released in its process, by its worker
        } else {
            Batch b = BATCH.get();
            if (b.depth > 0) {
                b.add(o);
            } else {
                track(o);
            }
        }
    }

    /**
     * Starts collecting the GC-tracked handles this thread decodes (a reply
     * that may hold many); {@link #endBatch()} (in a finally) tracks them as
     * groups. Nests.
     */
    static void beginBatch() {
        BATCH.get().depth++;
    }

    static void endBatch() {
        Batch b = BATCH.get();
        if (--b.depth > 0) {
            return;
        }
        int n = b.n;
        b.n = 0;
        if (n == 0) {
            return;
        }
        PyObject[] items = b.items;
        // A handle closed meanwhile (by code that ran during the decode, a
        // nested call) needs no tracking.
        int live = 0;
        for (int i = 0; i < n; i++) {
            if (!items[i].isReleased()) {
                items[live++] = items[i];
            }
        }
        Arrays.fill(items, live, n, null);
        n = live;
        if (n == 0) {
            return;
        }
        if (n == 1) {
            track(items[0]);
        } else {
            for (int off = 0; off < n; off += GROUP_MAX) {
                trackGroup(items, off, Math.min(n, off + GROUP_MAX));
            }
        }
        Arrays.fill(items, 0, n, null);
        if (items.length > 4096) {
            b.items = new PyObject[16];
        }
    }

    private static void trackGroup(PyObject[] items, int from, int to) {
        int k = to - from;
        if (k == 1) {
            track(items[from]);
            return;
        }
        long[] ids = new long[k];
        int[] slots = new int[k];
        for (int i = 0; i < k; i++) {
            ids[i] = items[from + i].id;
            slots[i] = items[from + i].slot;
        }
        GroupState st = new GroupState(ids, slots);
        Group g = new Group(st);
        GroupTracker t = new GroupTracker(g, QUEUE);
        st.tracker = t;
        for (int i = 0; i < k; i++) {
            items[from + i].owner = g;
        }
        TRACKED.add(t);
        long live = TRACKED_LIVE.addAndGet(k);
        if (live >= nextNudgeAt && nudgeThreshold > 0) {
            nudge(live);
        }
    }

    static void track(PyObject o) {
        Tracker t = new Tracker(o, QUEUE);
        o.owner = t;
        TRACKED.add(t);
        long live = TRACKED_LIVE.incrementAndGet();
        if (live >= nextNudgeAt && nudgeThreshold > 0) {
            nudge(live);
        } else if ((live & 4095) == 0) {
            ensureReclaimer();
        }
    }

    /**
     * Native pressure: the JVM does not feel Python's memory, so when many
     * GC-tracked handles stay alive, ask for a collection (rate-limited).
     */
    private static void nudge(long live) {
        ensureReclaimer();
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
        } else if (ow instanceof Group) {
            GroupState st = ((Group) ow).state;
            boolean last = false;
            synchronized (st) {
                for (int i = 0; i < st.ids.length; i++) {
                    if (st.ids[i] == o.id && !st.closed[i]) {
                        st.closed[i] = true;
                        st.open--;
                        TRACKED_LIVE.decrementAndGet();
                        last = st.open == 0;
                        break;
                    }
                }
            }
            if (last && TRACKED.remove(st.tracker)) {
                st.tracker.clear();
            }
        }
        // A scope skips released wrappers when it closes.
    }

    private static void untrack(Tracker t) {
        if (TRACKED.remove(t)) {
            TRACKED_LIVE.decrementAndGet();
            // No clear() (a native call, ~20 ns): unlinked, the tracker is
            // reachable only through its own referent (the wrapper's owner
            // field), so the GC never finds it to enqueue; and the reclaimer
            // skips any tracker that is no longer linked.
            return;
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

    /**
     * Hands {@code o} to the garbage collector whatever scope owns it: its
     * Python reference lives exactly as long as Java can reach the wrapper
     * (proxies of Python objects Java keeps, {@link PyImplements}).
     */
    static void gcOwned(PyObject o) {
        Object ow = o.owner;
        if (ow instanceof ResourceScope) {
            ((ResourceScope) ow).remove(o);
            track(o);
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
                Reference<?> r = QUEUE.remove(1000);
                // Also, at least once a second: forget Java functions Python freed.
                Callbacks.drainFreed();
                if (r == null) {
                    continue;
                }
                int n = 0;
                long reclaimed = 0;
                do {
                    if (!TRACKED.remove(r)) {
                        continue;
                    }
                    if (r instanceof HandleRef) {
                        HandleRef<?> t = (HandleRef<?>) r;
                        batch[n] = t.id;
                        slots[n++] = t.slot;
                        reclaimed++;
                    } else {
                        GroupState st = ((GroupTracker) r).state;
                        synchronized (st) {
                            for (int i = 0; i < st.ids.length; i++) {
                                if (!st.closed[i]) {
                                    st.closed[i] = true;
                                    if (n == batch.length) {
                                        flush(batch, slots, n);
                                        n = 0;
                                    }
                                    batch[n] = st.ids[i];
                                    slots[n++] = st.slots[i];
                                    reclaimed++;
                                }
                            }
                            st.open = 0;
                        }
                    }
                } while (n < batch.length && (r = QUEUE.poll()) != null);
                if (reclaimed > 0) {
                    TRACKED_LIVE.addAndGet(-reclaimed);
                    RECLAIMED.addAndGet(reclaimed);
                }
                if (n > 0) {
                    flush(batch, slots, n);
                }
            } catch (InterruptedException e) {
                // Someone interrupted pybridge's own thread (a pool shutting
                // down "all" threads, say): the GC path must go on.
                RECLAIMER_RECOVERIES.incrementAndGet();
            } catch (Throwable t) {
                RECLAIMER_RECOVERIES.incrementAndGet();
                System.err.println(
                        "pybridge-reclaimer: " + t + " (recovered; handles the GC collected are" + " still released)");
            }
        }
    }

    private static void flush(long[] batch, int[] slots, int n) {
        long live = TRACKED_LIVE.get();
        synchronized (Lifetimes.class) {
            if (nextNudgeAt > live + nudgeThreshold) {
                nextNudgeAt = Math.max(nudgeThreshold, live + nudgeThreshold);
            }
        }
        enqueue(batch, slots, n);
    }

    /** Hands ids to the native release queue (no GIL taken, never blocks on Python). */
    static void enqueue(long[] ids, int[] slots, int n) {
        Ops.enqueue(ids, slots, n);
    }

    /** Releases ids now, in chunks, with the GIL taken once per chunk. */
    static long releaseNow(long[] ids, int[] slots, int n, int path) {
        return Ops.releaseNow(ids, slots, n, path);
    }
}
