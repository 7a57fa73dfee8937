package org.pybridge;

import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A thread's channel to the native side: a direct little-endian buffer
 * whose address the native code writes to. One per thread, reused; a nested
 * call on the same thread (Python calling back into Java, or a Clojure lazy
 * seq realized while a request is encoded) takes the next one of a short
 * per-thread chain, also reused; nesting deeper than the chain gets a fresh
 * buffer.
 */
final class Buf implements AutoCloseable {
    private static final int INITIAL = 4096;
    /** Buffers grown past this are dropped after use, not kept per thread. */
    private static final int KEEP_MAX = 1 << 20;
    /** Nested buffers kept per thread (deeper nesting allocates). */
    private static final int CHAIN_MAX = 8;

    private static final ThreadLocal<Buf> LOCAL = ThreadLocal.withInitial(() -> new Buf(INITIAL));

    ByteBuffer bb;
    long addr;
    int cap;
    private boolean inUse;
    private final boolean pooled;
    /** The buffer a nested call on this thread uses (pooled ones only). */
    private Buf nested;

    private int level;
    /** Bytes for decoding strings (see {@link #scratch}); made on first use. */
    private byte[] scratch;

    private int scratchUsed;
    private int scratchSmallUses;

    private Buf(int cap) {
        this(cap, true);
    }

    private Buf(int cap, boolean pooled) {
        this.pooled = pooled;
        alloc(cap);
    }

    private void alloc(int n) {
        bb = ByteBuffer.allocateDirect(n).order(ByteOrder.LITTLE_ENDIAN);
        addr = Native.bufferAddress(bb);
        cap = n;
    }

    /**
     * A buffer over native memory the caller keeps valid ({@code bb} is a
     * direct buffer at {@code addr}); writing past its end moves it to a Java
     * buffer of its own, which shows as a changed {@link #addr}. Not pooled.
     */
    static Buf over(ByteBuffer bb, long addr) {
        return new Buf(bb.order(ByteOrder.LITTLE_ENDIAN), addr);
    }

    private Buf(ByteBuffer direct, long addr) {
        this.pooled = false;
        this.bb = direct;
        this.addr = addr;
        this.cap = direct.capacity();
    }

    /** The calling thread's buffer, cleared for a new request. */
    static Buf acquire() {
        Buf b = LOCAL.get();
        while (b.inUse) {
            if (b.nested == null) {
                if (b.level + 1 >= CHAIN_MAX) {
                    b = new Buf(INITIAL, false);
                    break;
                }
                Buf n = new Buf(INITIAL, true);
                n.level = b.level + 1;
                b.nested = n;
            }
            b = b.nested;
        }
        b.inUse = true;
        b.used = 0;
        b.scratchUsed = 0;
        b.bb.clear();
        return b;
    }

    /** Ends this acquisition ({@code try (Buf b = Buf.acquire()) {...}}): the buffer may be reused. */
    @Override
    public void close() {
        inUse = false;
        if (npins != 0) {
            unpin();
        }
        if (scratch != null && scratch.length > KEEP_MAX) {
            // The same policy as the buffer's: a large scratch array is kept
            // while large strings keep coming, and dropped after a run of small uses.
            if (scratchUsed * 4L < scratch.length) {
                if (++scratchSmallUses > 64) {
                    scratch = null;
                    scratchSmallUses = 0;
                }
            } else {
                scratchSmallUses = 0;
            }
        }
        if (pooled && cap > KEEP_MAX) {
            // Keep a grown buffer while it is being used (a loop passing large
            // strings or arrays would otherwise allocate, and zero, a new
            // direct buffer on every call); give it back after a run of small uses.
            int u = Math.max(used, bb.position());
            if (u * 4L < cap) {
                if (++smallUses > 64) {
                    alloc(INITIAL);
                    smallUses = 0;
                }
            } else {
                smallUses = 0;
            }
        }
    }

    /**
     * Objects whose handles the request being encoded names ({@link #pin}):
     * strongly reachable from this buffer until it is released, so that the
     * GC cannot release a temporary argument's handle between its encoding
     * and the native call that takes its own reference to the object.
     */
    private Object[] pins = new Object[8];

    int npins;

    /**
     * Keeps {@code o} (a {@link PyObject} written into the request) reachable
     * until this acquisition ends ({@link #release()}, after the native call).
     */
    void pin(Object o) {
        if (npins == pins.length) {
            pins = Arrays.copyOf(pins, npins * 2);
        }
        pins[npins++] = o;
    }

    /** Hands the pinned objects over (and forgets them here): a reply Java writes for Python. */
    Object[] takePins() {
        Object[] p = Arrays.copyOf(pins, npins);
        unpin();
        return p;
    }

    private void unpin() {
        Arrays.fill(pins, 0, npins, null);
        npins = 0;
        if (pins.length > 1024) {
            pins = new Object[8];
        }
    }

    /** Bytes used by this acquisition (request or reply, whichever is larger). */
    private int used;

    private int smallUses;

    /** Makes room for {@code n} more bytes at the current position. */
    void ensure(int n) {
        if (bb.remaining() < n) {
            grow(bb.position() + n);
        }
    }

    private void grow(int need) {
        long want = Math.max((long) cap * 2, need);
        if (want > Integer.MAX_VALUE - 8) {
            if (need > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("value too large to cross to Python (over 2 GB encoded)");
            }
            want = Integer.MAX_VALUE - 8;
        }
        ByteBuffer old = bb;
        int pos = old.position();
        alloc((int) want);
        old.flip();
        bb.put(old);
        bb.position(pos);
    }

    /**
     * Sends the request (bytes 0..position) and leaves the reply readable
     * from position 0. Throws the exception the native side reported.
     */
    void invoke(int op) {
        invoke(op, 0, 0);
    }

    /** {@link #invoke(int)} on a handle. */
    void invoke(int op, PyObject o) {
        Interpreter.check(o);
        invoke(op, o.id, o.slot);
    }

    void invoke(int op, long id, int slot) {
        if (ProcessChannel.used) {
            Thread t = Thread.currentThread();
            if (t instanceof Interpreter.Worker) {
                ProcessChannel c = ((Interpreter.Worker) t).interp.channel;
                if (c != null) {
                    // A process interpreter's worker: the same request, to its child.
                    c.invoke(this, op, id, slot);
                    return;
                }
            }
        }
        if (PyDebug.active) {
            PyDebug.onCall(); // a JVM thread's first call once a debugger listens (Python.debug)
        }
        int reqLen = bb.position();
        int tagged = op | Leases.opFlags();
        long r = Native.invoke(tagged, id, slot, addr, reqLen, cap);
        int status = (int) (r >>> 32);
        if (status == Contract.Status.LEASE_BUSY || status == Contract.Status.LEASE_WAIT) {
            // Another thread's GIL lease runs Java (or Python) code: nothing
            // was done and the request is intact; wait for a turn, send it again.
            long since = 0;
            while (status == Contract.Status.LEASE_BUSY || status == Contract.Status.LEASE_WAIT) {
                since = Leases.waitTurn(status == Contract.Status.LEASE_BUSY ? since : -1);
                r = Native.invoke(tagged, id, slot, addr, reqLen, cap);
                status = (int) (r >>> 32);
            }
        }
        Reference.reachabilityFence(bb);
        int len = (int) r;
        used = Math.max(used, Math.max(reqLen, len));
        if (len > cap) {
            takePending(len);
        }
        bb.clear();
        bb.limit(len);
        if (status == Contract.Status.OK_REENTER) {
            // This virtual thread's call ended while another lease ran Java
            // code: its own Java code waits for its turn before going on.
            Leases.reenter();
            status = Contract.Status.OK;
        }
        if (status != Contract.Status.OK) {
            throw Wire.readError(status, this);
        }
    }

    /** Copies the reply of {@code len} bytes the native side parked into this buffer (grown if needed). */
    private void takePending(int len) {
        bb.clear();
        if (len > cap) {
            grow(len);
        }
        int got = Native.takePending(addr, cap);
        Reference.reachabilityFence(bb);
        if (got != len) {
            throw new PyBridgeException("internal error: lost a native reply of " + len + " bytes");
        }
    }

    /**
     * Loads the reply a {@link Native#callLong} parked (its result was not an
     * int fitting in a long, or it failed): {@code st} is
     * {@link Native#callLongStatus()}. Leaves the reply ready to decode from
     * position 0; errors are thrown.
     */
    void takeCallLongReply(long st) {
        int status = (int) (st >>> 32);
        int len = (int) st;
        takePending(len);
        bb.clear();
        bb.limit(len);
        if (status != Contract.Status.CALL_LONG_RESULT) {
            throw Wire.readError(status, this);
        }
    }

    // ---- writing -------------------------------------------------------

    void put(byte v) {
        ensure(1);
        bb.put(v);
    }

    void putInt(int v) {
        ensure(4);
        bb.putInt(v);
    }

    void putLong(long v) {
        ensure(8);
        bb.putLong(v);
    }

    void putDouble(double v) {
        ensure(8);
        bb.putDouble(v);
    }

    // ---- reading -------------------------------------------------------

    byte get() {
        return bb.get();
    }

    int getInt() {
        return bb.getInt();
    }

    long getLong() {
        return bb.getLong();
    }

    double getDouble() {
        return bb.getDouble();
    }

    /**
     * A byte array of at least {@code n} bytes, reused by this buffer's later
     * acquisitions (its contents are garbage), so that decoding a string does
     * not allocate, and zero, an array that the String constructor copies anyway.
     */
    byte[] scratch(int n) {
        if (n > scratchUsed) {
            scratchUsed = n;
        }
        byte[] s = scratch;
        if (s == null || s.length < n) {
            s = new byte[Math.max(n, s == null ? 256 : Math.min(s.length * 2, Integer.MAX_VALUE - 8))];
            scratch = s;
        }
        return s;
    }
}
