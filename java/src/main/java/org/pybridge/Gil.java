package org.pybridge;

/**
 * The GIL held by this thread across many calls ({@link Python#acquireGil()}):
 * while it is open, no other JVM thread runs Python while this thread runs
 * Java code, as with a C extension holding the GIL; when Python itself gives
 * the GIL up inside one of this thread's calls ({@code time.sleep}, I/O,
 * numpy, a call back into Java), other threads may run Python until the
 * call wants it back, as CPython promises. Reentrant: nested leases just
 * count. Close it on the same thread, in a try-with-resources block. Calls
 * made while it is held skip taking the GIL.
 *
 * <p>On a virtual thread (JDK 21+) the lease belongs to the virtual thread,
 * whichever carrier runs it: it keeps the other JVM threads out while its
 * Java code runs, and it blocks no carrier (callers that wait park). It does
 * not hold the GIL itself between calls (a virtual thread may move to another
 * carrier whenever it blocks), so Python's own threads
 * ({@code threading.Thread}) may run meanwhile.
 *
 * <p>If a thread ends while still holding it, pybridge releases it when the
 * thread's native state is torn down, logs an error, and counts it in
 * {@link Stats#gilAbandoned()}; other threads go on.
 */
public final class Gil implements AutoCloseable {
    private final Thread owner;
    private final boolean virtual;
    private boolean closed;

    Gil() {
        this.owner = Thread.currentThread();
        this.virtual = Leases.isVirtual(owner);
        if (virtual) {
            Leases.acquireVirtual(owner);
            return;
        }
        Ops.gilAcquire(owner.getName(), false);
    }

    /**
     * Ends this lease. A second close is a no-op. A close that fails (on the
     * wrong thread, or inside {@link Python#releaseGilWhile}) changes
     * nothing: the lease stays open and a later close on its thread ends it.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (Thread.currentThread() != owner) {
            throw new IllegalStateException(
                    "the GIL lease must be closed on the thread that took it (" + owner.getName() + ")");
        }
        if (virtual) {
            Leases.releaseVirtual();
        } else {
            Ops.gilRelease();
        }
        // Only once the native side has let go: a failed release leaves the
        // lease open, to be closed properly later.
        closed = true;
    }

    /** How many GIL leases the calling thread holds (0 = none). */
    static int depth() {
        if (!Python.isInitialized()) {
            return 0;
        }
        if (Leases.virtualHolder()) {
            return Leases.virtualDepth();
        }
        return Ops.gilDepth();
    }
}
