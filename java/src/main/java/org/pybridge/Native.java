package org.pybridge;

import java.nio.ByteBuffer;

/**
 * The one class that declares {@code native} methods. Everything crosses in
 * the calling thread's direct buffer ({@link Buf}); see {@code rust/src/values/wire.rs}
 * for the format and {@code rust/src/ops.rs} for the operations.
 */
final class Native {
    private Native() {}

    /**
     * Runs operation {@code op} on handle ({@code id}, {@code slot}); the request is the
     * first {@code len} bytes at {@code addr}, the reply is written there.
     * Returns {@code (status << 32) | replyLength}; a reply longer than
     * {@code cap} is parked for {@link #takePending}.
     */
    static native long invoke(int op, long id, int slot, long addr, int len, int cap);

    /** Registers {@link Callbacks} for calls from Python into the JVM. */
    static native void registerCallbacks(Class<?> callbacks);

    /** The contract version of the loaded native library. */
    static native int abiVersion();

    /** Copies a parked reply into a buffer of {@code cap} bytes; its length, or -1. */
    static native int takePending(long addr, int cap);

    /** The native address of a direct buffer. */
    static native long bufferAddress(ByteBuffer buffer);

    /**
     * Where a direct buffer's memory comes from: bit 0, a memory-mapped file
     * ({@code MappedByteBuffer.fd}); bit 1, a memory segment
     * ({@code Buffer.segment}, see {@link #bufferSegment}); -1 if this JVM's
     * buffers do not have those fields.
     */
    static native int bufferOrigin(ByteBuffer buffer);

    /** The memory segment a direct buffer was made from, or null. */
    static native Object bufferSegment(ByteBuffer buffer);

    /**
     * A direct buffer over native memory the caller keeps valid while the
     * buffer is reachable (see {@code Lifetimes.trackBuffer}).
     */
    static native ByteBuffer newDirectBuffer(long addr, long len);

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
     * path): the result itself, unless it is {@link Contract.Limit#CALL_LONG_SLOW}. Then
     * {@link #callLongStatus()} tells: 0, the result really was that value;
     * otherwise the reply (a result that is not an int fitting in a long,
     * encoded in {@code mode}, or an error) waits for {@link #takePending}.
     */
    static native long callLong(long id, int slot, long x, byte mode);

    /**
     * After {@link #callLong} returned {@link Contract.Limit#CALL_LONG_SLOW} on this thread:
     * 0 if that was the result, else {@code status << 32 | reply length}.
     */
    static native long callLongStatus();

    /**
     * {@code close()}'s fast path: releases one handle with no wire format
     * and no buffer. Returns 1 if it was live, 0 if not, or -1 when this
     * thread must take the ordinary path ({@link Contract.Op#RELEASE} through
     * {@link #invoke}), which also reports errors.
     */
    static native int release(long id, int slot);

    /**
     * JNI {@code MonitorEnter} ({@code enter}) or {@code MonitorExit} of
     * {@code o} on the calling thread: Python's {@code pybridge.synchronized}.
     * 0 on success; an {@code IllegalMonitorStateException} is thrown when
     * exiting a monitor the thread does not own; other failures return -1.
     */
    static native int monitor(Object o, boolean enter);
}
