package org.pybridge;

/**
 * The one class that declares {@code native} methods. Everything crosses in
 * the calling thread's direct buffer ({@link Buf}); see {@code rust/src/wire.rs}
 * for the format and {@code rust/src/ops.rs} for the operations.
 */
final class Native {
    private Native() {}

    // Operation codes: keep in sync with rust/src/ops.rs.
    static final int INIT = 0;
    static final int EXEC = 1;
    static final int EVAL = 2;
    static final int IMPORT = 3;
    static final int BUILTINS = 4;
    static final int MAIN_MODULE = 5;
    static final int TO_PYTHON = 6;
    static final int TO_JAVA = 7;
    static final int GETATTR = 8;
    static final int SETATTR = 9;
    static final int HASATTR = 10;
    static final int CALL = 11;
    static final int CALLATTR = 12;
    static final int GETITEM = 13;
    static final int SETITEM = 14;
    static final int LEN = 15;
    static final int TYPENAME = 16;
    static final int REPR = 17;
    static final int STR = 18;
    static final int RELEASE = 19;
    static final int RELEASE_BATCH = 20;
    static final int ENQUEUE = 21;
    static final int STATS = 22;
    static final int GIL_ACQUIRE = 23;
    static final int GIL_RELEASE = 24;
    static final int GIL_SUSPEND = 25;
    static final int GIL_RESUME = 26;
    static final int GIL_DEPTH = 27;
    static final int DEBUG_PANIC = 28;
    static final int THREAD_STATES = 29;
    static final int INFO = 30;
    static final int DRAIN = 31;
    static final int DELITEM = 32;
    static final int CONTAINS = 33;
    static final int ITER = 35;
    static final int ITER_NEXT = 36;
    static final int IS = 37;
    static final int REFCOUNT = 38;
    static final int TAKE_FREED_FUNCTIONS = 39;
    static final int NUMPY_EMPTY = 40;
    static final int AS_BUFFER = 41;
    static final int NUMPY_VIEW = 42;
    static final int LEASE_INFO = 43;
    static final int LEASE_BREAK = 44;

    /**
     * A virtual thread holding a GIL lease tags its calls with its lease
     * slot: {@code op | slot << LEASE_SLOT_SHIFT} (rust/src/lease.rs).
     */
    static final int LEASE_SLOT_SHIFT = 16;

    // Status codes (upper 32 bits of invoke's result): rust/src/jni/mod.rs.
    static final int OK = 0;
    static final int PYTHON_ERROR = 1;
    static final int RELEASED = 2;
    static final int ILLEGAL_ARGUMENT = 3;
    static final int INIT_ERROR = 4;
    static final int ILLEGAL_STATE = 5;
    static final int INTERNAL = 6;
    static final int PANIC = 7;
    static final int CLASS_CAST = 8;
    /** Another thread's GIL lease runs Java code: nothing was done; wait, then send it again. */
    static final int LEASE_BUSY = 9;
    /** The reply is complete, but this virtual thread must take its lease back first. */
    static final int OK_REENTER = 10;
    /** A lease holder's call runs Python: nothing was done; wait (no time limit), then send it again. */
    static final int LEASE_WAIT = 11;

    // Release paths.
    static final int PATH_CLOSE = 0;
    static final int PATH_SCOPE = 1;
    static final int PATH_GC = 2;

    // Result modes.
    static final byte MODE_HANDLE = 0;
    static final byte MODE_CONVERT = 1;
    static final byte MODE_STRICT = 2;
    static final byte MODE_SHALLOW = 3;
    static final byte MODE_ELEMENTS = 4;

    /**
     * Runs operation {@code op} on handle ({@code id}, {@code slot}); the request is the
     * first {@code len} bytes at {@code addr}, the reply is written there.
     * Returns {@code (status << 32) | replyLength}; a reply longer than
     * {@code cap} is parked for {@link #takePending}.
     */
    static native long invoke(int op, long id, int slot, long addr, int len, int cap);

    /** The contract version this class expects; see {@code ABI_VERSION} in rust/src/jni/mod.rs. */
    static final int ABI_VERSION = 15;

    /** Registers {@link Callbacks} for calls from Python into the JVM. */
    static native void registerCallbacks(Class<?> callbacks);

    /** The contract version of the loaded native library. */
    static native int abiVersion();

    /** Copies a parked reply into a buffer of {@code cap} bytes; its length, or -1. */
    static native int takePending(long addr, int cap);

    /** The native address of a direct buffer. */
    static native long bufferAddress(java.nio.ByteBuffer buffer);

    /**
     * Where a direct buffer's memory comes from: bit 0, a memory-mapped file
     * ({@code MappedByteBuffer.fd}); bit 1, a memory segment
     * ({@code Buffer.segment}, see {@link #bufferSegment}); -1 if this JVM's
     * buffers do not have those fields.
     */
    static native int bufferOrigin(java.nio.ByteBuffer buffer);

    /** The memory segment a direct buffer was made from, or null. */
    static native Object bufferSegment(java.nio.ByteBuffer buffer);

    /**
     * A direct buffer over native memory the caller keeps valid while the
     * buffer is reachable (see {@code Lifetimes.trackBuffer}).
     */
    static native java.nio.ByteBuffer newDirectBuffer(long addr, long len);

    /**
     * Writes a string of {@code n} UTF-16 units at {@code addr} in wire
     * format (tag, length, Latin-1 bytes or UTF-16LE units); {@code cap} must
     * be at least 5 + 2n. Returns the bytes written, or -1.
     */
    static native int encodeString(String s, int n, long addr, int cap);

    /**
     * Copies {@code nbytes} between a primitive array and native memory the
     * caller keeps valid ({@code toArray}: memory → array). Returns 0, or -1.
     * The array must hold at least {@code nbytes} bytes (the caller checks).
     */
    static native int copyArray(Object array, long addr, long nbytes, boolean toArray);

    /**
     * {@code f(x)} → long with no wire format and no buffer (the typed fast
     * path): the result itself, unless it is {@link #CALL_LONG_SLOW}. Then
     * {@link #callLongStatus()} tells: 0, the result really was that value;
     * otherwise the reply (a result that is not an int fitting in a long,
     * encoded in {@code mode}, or an error) waits for {@link #takePending}.
     */
    static native long callLong(long id, int slot, long x, byte mode);

    /** What {@link #callLong} returns when it has more to say (see there). */
    static final long CALL_LONG_SLOW = Long.MIN_VALUE + 0x5EED0001L;

    /** Status in the high 32 bits of {@link #callLongStatus()}: a result to decode (not an error). */
    static final int CALL_LONG_RESULT = 255;

    /**
     * After {@link #callLong} returned {@link #CALL_LONG_SLOW} on this thread:
     * 0 if that was the result, else {@code status << 32 | reply length}.
     */
    static native long callLongStatus();

    /**
     * {@code close()}'s fast path: releases one handle with no wire format
     * and no buffer. Returns 1 if it was live, 0 if not, or -1 when this
     * thread must take the ordinary path ({@link #RELEASE} through
     * {@link #invoke}), which also reports errors.
     */
    static native int release(long id, int slot);
}
