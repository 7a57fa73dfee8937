package org.pybridge;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The Java half of GIL leases ({@link Gil}; the native half is
 * {@code rust/src/gil/lease.rs}, which explains the model).
 *
 * <ul>
 * <li>A call that finds another thread's lease running Java code comes back
 *     with {@code LEASE_BUSY} having done nothing; the caller waits here
 *     ({@link #waitTurn}: parking, so that a virtual thread unmounts instead
 *     of blocking its carrier) and sends it again, until
 *     {@link PythonConfig#gilLeaseWait} has passed, then gives up naming the
 *     holder.</li>
 * <li>A virtual thread's lease is a slot in the native table, not the GIL
 *     (a virtual thread may move to another carrier whenever it blocks, and
 *     the GIL belongs to an OS thread): its calls are tagged with the slot,
 *     kept in a {@code ThreadLocal} (which belongs to the virtual thread).</li>
 * </ul>
 */
final class Leases {
    private Leases() {}

    /** Virtual-thread leases open in the JVM (calls skip the thread-local lookup while 0). */
    private static final AtomicInteger VIRTUAL = new AtomicInteger();

    private static volatile int virtualOpen;
    /** Per virtual thread: {slot, nesting depth}. */
    private static final ThreadLocal<int[]> VT = ThreadLocal.withInitial(() -> new int[2]);
    /** Slot → the virtual thread holding it, to notice one that died holding it. */
    private static final Map<Integer, Thread> OWNERS = new ConcurrentHashMap<>();
    /** {@link PythonConfig#gilLeaseWait}, set at start-up. */
    static volatile long waitMillis = PythonConfig.DEFAULT_GIL_LEASE_WAIT_MILLIS;

    private static final MethodHandle IS_VIRTUAL = isVirtualHandle();

    private static MethodHandle isVirtualHandle() {
        try {
            return MethodHandles.publicLookup()
                    .findVirtual(Thread.class, "isVirtual", MethodType.methodType(boolean.class));
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null; // before JDK 21: no virtual threads
        }
    }

    /** Whether {@code t} is a virtual thread (JDK 21+). */
    static boolean isVirtual(Thread t) {
        if (IS_VIRTUAL == null) {
            return false;
        }
        try {
            return (boolean) IS_VIRTUAL.invokeExact(t);
        } catch (Throwable e) {
            return false;
        }
    }

    /**
     * What tags a call from this thread: its virtual-thread lease slot,
     * shifted into place ({@code op | opFlags()}), or 0.
     */
    static int opFlags() {
        if (virtualOpen == 0) {
            return 0;
        }
        return VT.get()[0] << Contract.Limit.LEASE_SLOT_SHIFT;
    }

    /** Whether this thread is a virtual thread holding a lease. */
    static boolean virtualHolder() {
        return virtualOpen != 0 && VT.get()[0] != 0;
    }

    /** This virtual thread's lease depth (0 on other threads). */
    static int virtualDepth() {
        return virtualOpen == 0 ? 0 : VT.get()[1];
    }

    /**
     * Waits for a call that came back {@code LEASE_BUSY}: {@code since} is
     * what the previous wait of this call returned (0 the first time), or -1
     * for {@code LEASE_WAIT} (a lease holder's call runs Python: the wait is
     * not counted against {@link PythonConfig#gilLeaseWait}). Returns the
     * value to pass next time.
     *
     * @throws IllegalStateException once the call has waited
     *     {@link PythonConfig#gilLeaseWait} for a lease running Java code:
     *     a lease that was never closed?
     */
    static long waitTurn(long since) {
        if (since < 0) {
            LockSupport.parkNanos(50_000L);
            return 0;
        }
        long now = System.nanoTime();
        if (since == 0) {
            Thread.onSpinWait();
            return now;
        }
        long waited = now - since;
        long limit = waitMillis;
        if (limit > 0 && waited >= limit * 1_000_000L) {
            throw stuck(waited);
        }
        if (!OWNERS.isEmpty()) {
            breakDeadOwners();
        }
        // 20 µs at first, up to 1 ms: a lease whose holder makes calls
        // opens often; a lease held across long Java work needs no polling.
        LockSupport.parkNanos(Math.min(1_000_000L, Math.max(20_000L, waited / 8)));
        return since;
    }

    private static IllegalStateException stuck(long waitedNanos) {
        String who = "another thread";
        double heldFor = -1;
        Object[] info = Ops.leaseInfo();
        if (info != null) {
            who = "thread '" + info[0] + "'";
            heldFor = (Double) info[1];
        }
        return new IllegalStateException(String.format(
                "%s has held the GIL through acquireGil()/withGil() and run Java code%s, without calling"
                        + " Python or releasing it, for the %.1f s this call waited (a lease that was never"
                        + " closed?); this call gave up. Close the lease (try-with-resources), or raise"
                        + " PythonConfig.gilLeaseWait.",
                who, heldFor >= 0 ? String.format(" (its lease is %.1f s old)", heldFor) : "", waitedNanos / 1e9));
    }

    /** A virtual thread that ended holding a lease: end it, so the others go on. */
    private static void breakDeadOwners() {
        for (Map.Entry<Integer, Thread> e : OWNERS.entrySet()) {
            if (!e.getValue().isAlive() && OWNERS.remove(e.getKey(), e.getValue())) {
                try {
                    Ops.leaseBreak(e.getKey());
                } catch (RuntimeException x) {
                    // already ended
                }
                closeVirtualSlot();
            }
        }
    }

    private static void closeVirtualSlot() {
        virtualOpen = VIRTUAL.decrementAndGet();
    }

    /** A lease on this virtual thread (nested: just counted). */
    static void acquireVirtual(Thread self) {
        int[] st = VT.get();
        if (st[1] > 0) {
            st[1]++;
            return;
        }
        int slot = Ops.gilAcquire(self.getName().isEmpty() ? self.toString() : self.getName(), true);
        virtualOpen = VIRTUAL.incrementAndGet();
        OWNERS.put(slot, self);
        st[0] = slot;
        try {
            reenter();
        } catch (RuntimeException | Error e) {
            endVirtual(st);
            throw e;
        }
        st[1] = 1;
    }

    /** Ends one level of this virtual thread's lease. */
    static void releaseVirtual() {
        int[] st = VT.get();
        if (st[1] == 0) {
            throw new IllegalStateException("the GIL is not held by this thread through acquireGil()/withGil()"
                    + " (closed twice, or closed on another thread)");
        }
        if (--st[1] == 0) {
            endVirtual(st);
        }
    }

    private static void endVirtual(int[] st) {
        int slot = st[0];
        try {
            Ops.gilRelease(); // tagged with the slot
        } finally {
            st[0] = 0;
            st[1] = 0;
            if (OWNERS.remove(slot) != null) {
                closeVirtualSlot();
            }
        }
    }

    /**
     * This virtual thread's lease takes its exclusive right back (after a
     * call that ended while another lease ran Java code, or after
     * {@code releaseGilWhile}), waiting for its turn.
     */
    static void reenter() {
        Ops.gilResume(); // tagged with the slot; LEASE_BUSY waits in Buf.invoke
    }
}
