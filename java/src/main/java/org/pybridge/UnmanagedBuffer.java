package org.pybridge;

import java.nio.ByteBuffer;

/**
 * An explicit, unsafe opt-in: share a direct buffer with Python even though
 * its memory can be taken away while Python still views it.
 *
 * <p>pybridge shares a direct {@link ByteBuffer} with Python without a copy
 * ({@link Python#toNumpy(ByteBuffer, String, long...)}, or a buffer passed as
 * an argument, which Python sees as a {@code memoryview}) only when its memory
 * stays valid for as long as Python holds a view: Python keeps the buffer
 * reachable, and an ordinary {@code ByteBuffer.allocateDirect} buffer (or one
 * of a global or automatic {@code Arena}) frees its memory only when it is
 * unreachable. Two kinds of buffer break that rule and are refused with an
 * {@link IllegalArgumentException}:
 * <ul>
 * <li>a buffer of a {@code MemorySegment} of an {@code Arena} that can be
 *     closed ({@code Arena.ofConfined()}, {@code ofShared()}): closing the
 *     arena frees the memory, and Python's next read is a segmentation fault
 *     that kills the JVM;</li>
 * <li>a memory-mapped file ({@code FileChannel.map}): if the file is truncated
 *     while Python reads the mapping, the process dies with {@code SIGBUS}.</li>
 * </ul>
 * Copy such a buffer's bytes into an ordinary one, or wrap it here to share
 * it anyway. Wrapping is a promise: <b>the arena stays open and the file keeps
 * its length until Python has dropped every view of the memory</b> (every
 * numpy array and {@code memoryview} made from it, including ones Python code
 * stored elsewhere). Breaking it crashes the JVM.
 *
 * <pre>{@code
 * try (Arena arena = Arena.ofConfined()) {
 *     MemorySegment seg = arena.allocate(8 * n);
 *     PyObject a = Python.toNumpy(UnmanagedBuffer.of(seg.asByteBuffer()), "float64");
 *     double s = a.callAttrAs(Double.class, "sum");
 *     a.close();                     // the only view: dropped before the arena closes
 * }
 * }</pre>
 */
public final class UnmanagedBuffer {
    private final ByteBuffer buffer;

    private UnmanagedBuffer(ByteBuffer buffer) {
        this.buffer = buffer;
    }

    /**
     * Marks a direct buffer as shared at the caller's risk (see the class
     * documentation).
     *
     * @throws IllegalArgumentException if {@code buffer} is null or not direct
     * @param buffer the buffer whose memory the array uses
     * @return the buffer, marked as shared at the caller's risk
     */
    public static UnmanagedBuffer of(ByteBuffer buffer) {
        if (buffer == null || !buffer.isDirect()) {
            throw new IllegalArgumentException("UnmanagedBuffer.of takes a direct ByteBuffer");
        }
        return new UnmanagedBuffer(buffer);
    }

    /**
     * The buffer.
     *
     * @return the buffer
     */
    public ByteBuffer buffer() {
        return buffer;
    }
}
