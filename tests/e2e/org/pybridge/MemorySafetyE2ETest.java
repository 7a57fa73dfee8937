package org.pybridge;

import static org.pybridge.E2E.check;
import static org.pybridge.E2E.checkEq;
import static org.pybridge.E2E.expect;

import java.lang.reflect.Method;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import org.junit.Assume;
import org.junit.Test;

/**
 * Issue 12, class 5, on JDK 22+ (the FFM API, in a child JVM on the JDK 25
 * this machine kind ships): a buffer of an {@code Arena} that can be closed
 * is not shared unless the caller opts in ({@link UnmanagedBuffer}); global
 * and automatic arenas' memory is. See {@link MemorySafetyTest}.
 */
public class MemorySafetyE2ETest {

    @Test
    public void arenaMemoryThatCanBeClosedIsNotSharedUnlessTheCallerOptsIn() {
        String jdk = ChildJvm.jdk25();
        Assume.assumeTrue("no JDK 22+ found (set pybridge.test.jdk25): the FFM API test is skipped", jdk != null);
        ChildJvm.Result r = ChildJvm.runOn(jdk, Arenas.class, Map.of(), List.of(), 120);
        E2E.assertChildOk(r, "RESULT ok arenas");
    }

    /** Child (JDK 22+, FFM through reflection so that this compiles at source level 11). */
    public static final class Arenas {
        public static void main(String[] args) {
            E2E.child("arenas", args, a -> {
                Python.initialize();
                Class<?> arenaClass = Class.forName("java.lang.foreign.Arena");
                Class<?> segClass = Class.forName("java.lang.foreign.MemorySegment");
                Method allocate = arenaClass.getMethod("allocate", long.class);
                Method asByteBuffer = segClass.getMethod("asByteBuffer");
                Method close = arenaClass.getMethod("close");
                for (String kind : new String[] {"ofConfined", "ofShared"}) {
                    Object arena = arenaClass.getMethod(kind).invoke(null);
                    ByteBuffer bb = ((ByteBuffer) asByteBuffer.invoke(allocate.invoke(arena, 64L)))
                            .order(ByteOrder.nativeOrder());
                    bb.putDouble(0, 1.5);
                    IllegalArgumentException e = expect(
                            IllegalArgumentException.class,
                            "Arena." + kind + " refused",
                            () -> Python.toNumpy(bb, "float64"));
                    check(
                            e.getMessage().contains("Arena that can be closed"),
                            "the message says why: " + e.getMessage());
                    PyObject v = Python.toNumpy(UnmanagedBuffer.of(bb), "float64");
                    checkEq(1.5, v.getItem(0L, Double.class), "the opt-in shares the memory");
                    v.close();
                    Python.gc().collect();
                    close.invoke(arena);
                }
                for (String kind : new String[] {"global", "ofAuto"}) {
                    Object arena = arenaClass.getMethod(kind).invoke(null);
                    ByteBuffer bb = ((ByteBuffer) asByteBuffer.invoke(allocate.invoke(arena, 64L)))
                            .order(ByteOrder.nativeOrder());
                    bb.putDouble(8, 3.0);
                    checkEq(
                            3.0,
                            Python.toNumpy(bb, "float64").callAttrAs(Double.class, "sum"),
                            "Arena." + kind + " memory lives while referenced: shared");
                }
                // a segment over an ordinary direct buffer keeps it alive: shared
                Method ofBuffer = segClass.getMethod("ofBuffer", Buffer.class);
                ByteBuffer plain = ByteBuffer.allocateDirect(16).order(ByteOrder.nativeOrder());
                plain.putDouble(0, 2.0);
                ByteBuffer viaSeg =
                        ((ByteBuffer) asByteBuffer.invoke(ofBuffer.invoke(null, plain))).order(ByteOrder.nativeOrder());
                checkEq(
                        2.0,
                        Python.toNumpy(viaSeg, "float64").callAttrAs(Double.class, "sum"),
                        "a segment of a direct buffer is shared");
            });
        }
    }
}
