package org.pybridge;

import java.lang.reflect.Method;
import java.nio.ByteBuffer;

/**
 * Decides whether a direct buffer's memory may be shared with Python without
 * a copy: only memory that stays valid while the buffer is reachable (Python
 * keeps it reachable while it holds a view). See {@link UnmanagedBuffer}.
 */
final class BufferSafety {
    private BufferSafety() {}

    /** Scopes whose memory lives as long as something references it. */
    private static final String[] MANAGED_SCOPES = {
        "jdk.internal.foreign.GlobalSession",
        "jdk.internal.foreign.GlobalSession$HeapSession",
        "jdk.internal.foreign.ImplicitSession"
    };

    /** Throws if the buffer's memory can be freed or unmapped under Python. */
    static void checkShareable(ByteBuffer bb) {
        String why = unmanagedReason(bb);
        if (why != null) {
            throw new IllegalArgumentException("this direct ByteBuffer is " + why + ", so Python cannot view it"
                    + " without a copy: copy its bytes into a ByteBuffer.allocateDirect buffer, or, if its memory is"
                    + " guaranteed to outlive every Python view, pass UnmanagedBuffer.of(buffer) (see its javadoc)");
        }
    }

    /** Why the memory is not safe to share, or null. */
    static String unmanagedReason(ByteBuffer bb) {
        int origin = Native.bufferOrigin(bb);
        if (origin == 0) {
            return null; // ByteBuffer.allocateDirect, or a slice or view of one
        }
        if (origin < 0) {
            return null; // a JVM without the fields: nothing to tell, as before
        }
        if ((origin & 1) != 0) {
            return "a memory-mapped file (truncating the file while Python reads it would kill the process"
                    + " with SIGBUS)";
        }
        Object segment = Native.bufferSegment(bb);
        if (segment == null) {
            return null;
        }
        try {
            Class<?> ms = Class.forName("java.lang.foreign.MemorySegment");
            if (ms.isInstance(segment)) {
                Method isMapped = ms.getMethod("isMapped");
                if ((Boolean) isMapped.invoke(segment)) {
                    return "a memory-mapped file segment (truncating the file while Python reads it would kill"
                            + " the process with SIGBUS)";
                }
                Object scope = ms.getMethod("scope").invoke(segment);
                String name = scope.getClass().getName();
                for (String m : MANAGED_SCOPES) {
                    if (m.equals(name)) {
                        return null;
                    }
                }
                return "the memory of an Arena that can be closed (" + name.substring(name.lastIndexOf('.') + 1)
                        + "; Python reading it after arena.close() would kill the process)";
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            // fall through: unknown kind of segment
        }
        return "the memory of a MemorySegment pybridge cannot tell the lifetime of ("
                + segment.getClass().getName() + ")";
    }
}
