package org.pybridge;

/**
 * The GIL held by this thread across many calls ({@link Python#acquireGil()}).
 * Reentrant: nested leases just count. Close it on the same thread, in a
 * try-with-resources block. Calls made while it is held skip taking the GIL.
 *
 * <p>If a thread ends while still holding it, pybridge releases it when the
 * thread's native state is torn down, logs an error, and counts it in
 * {@link Stats#gilAbandoned()}; other threads go on.
 */
public final class Gil implements AutoCloseable {
    private final Thread owner;
    private boolean closed;

    Gil() {
        this.owner = Thread.currentThread();
        Buf b = Buf.acquire();
        try {
            Wire.writeString(b, owner.getName());
            b.invoke(Native.GIL_ACQUIRE);
        } finally {
            b.release();
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (Thread.currentThread() != owner) {
            throw new IllegalStateException("the GIL lease must be closed on the thread that took it ("
                    + owner.getName() + ")");
        }
        closed = true;
        Buf b = Buf.acquire();
        try {
            b.invoke(Native.GIL_RELEASE);
        } finally {
            b.release();
        }
    }

    /** How many GIL leases the calling thread holds (0 = none). */
    static int depth() {
        if (!Python.isInitialized()) {
            return 0;
        }
        Buf b = Buf.acquire();
        try {
            b.invoke(Native.GIL_DEPTH);
            return b.getInt();
        } finally {
            b.release();
        }
    }
}
