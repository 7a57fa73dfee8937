package org.pybridge;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.pybridge.E2E.check;
import static org.pybridge.E2E.checkEq;
import static org.pybridge.E2E.expect;

import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import org.junit.Assume;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * Issue 12, class 5: memory that Java code can free or the OS can unmap
 * while Python views it is never shared by default. Before the fix
 * {@code asBuffer()} of a {@code dtype=object} array handed Java raw
 * {@code PyObject*} pointers (one {@code putLong} crashed the JVM), a buffer
 * of a closed {@code Arena} gave numpy a segmentation fault, and a truncated
 * mapped file a {@code SIGBUS}.
 */
public class MemorySafetyE2ETest {

    @BeforeClass
    public static void start() {
        Python.initialize();
        Python.exec("import numpy as _np_ms");
    }

    @Test
    public void asBufferRefusesArraysOfObjectReferences() {
        for (String expr : new String[] {"_np_ms.array([object(), 1, 'x'], dtype=object)",
            "_np_ms.zeros(3, dtype=[('n', 'i4'), ('o', 'O')])"}) {
            PyObject a = Python.eval(expr);
            try {
                a.asBuffer();
                fail("asBuffer() of " + expr + " must be refused");
            } catch (IllegalArgumentException e) {
                assertTrue(e.getMessage(), e.getMessage().contains("object references"));
            }
        }
        // a structured dtype whose field names contain an 'O' is plain data
        ByteBuffer ok = Python.eval("_np_ms.zeros(2, dtype=[('Odd', 'i4'), ('Other', 'f8')])").asBuffer();
        assertEquals(24, ok.capacity());
    }

    @Test
    public void memoryMappedFilesAreNotSharedUnlessTheCallerOptsIn() throws Exception {
        Path f = Files.createTempFile("pybridge-mapped", ".bin");
        try (FileChannel fc = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            fc.write(ByteBuffer.allocate(64), 0);
            MappedByteBuffer m = fc.map(FileChannel.MapMode.READ_WRITE, 0, 64);
            m.order(ByteOrder.nativeOrder()).putDouble(0, 2.5);
            try {
                Python.toNumpy(m, "float64");
                fail("a mapped file must not be shared by default");
            } catch (IllegalArgumentException e) {
                assertTrue(e.getMessage(), e.getMessage().contains("memory-mapped file"));
                assertTrue("names the way out: " + e.getMessage(), e.getMessage().contains("UnmanagedBuffer.of"));
            }
            try {
                Python.builtins().getAttr("len").callAs(Long.class, m);
                fail("a mapped file must not cross as an argument either");
            } catch (IllegalArgumentException e) {
                assertTrue(e.getMessage(), e.getMessage().contains("memory-mapped file"));
            }
            try (PyObject a = Python.toNumpy(UnmanagedBuffer.of(m), "float64")) {
                assertEquals(2.5, a.getItem(0L, Double.class), 0.0);
            }
            assertEquals(64L, (long) Python.builtins().getAttr("len").callAs(Long.class, UnmanagedBuffer.of(m)));
        } finally {
            Files.deleteIfExists(f);
        }
        // ordinary direct buffers and their slices are shared as before
        ByteBuffer d = ByteBuffer.allocateDirect(32).order(ByteOrder.nativeOrder());
        d.putDouble(8, 4.0);
        assertEquals(4.0, Python.toNumpy(d, "float64").callAttrAs(Double.class, "sum"), 0.0);
        assertEquals(4.0, Python.toNumpy(d.slice(8, 8).order(ByteOrder.nativeOrder()), "float64")
                .callAttrAs(Double.class, "sum"), 0.0);
    }

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
                    IllegalArgumentException e = expect(IllegalArgumentException.class, "Arena." + kind + " refused",
                            () -> Python.toNumpy(bb, "float64"));
                    check(e.getMessage().contains("Arena that can be closed"), "the message says why: "
                            + e.getMessage());
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
                    checkEq(3.0, Python.toNumpy(bb, "float64").callAttrAs(Double.class, "sum"),
                            "Arena." + kind + " memory lives while referenced: shared");
                }
                // a segment over an ordinary direct buffer keeps it alive: shared
                Method ofBuffer = segClass.getMethod("ofBuffer", java.nio.Buffer.class);
                ByteBuffer plain = ByteBuffer.allocateDirect(16).order(ByteOrder.nativeOrder());
                plain.putDouble(0, 2.0);
                ByteBuffer viaSeg = ((ByteBuffer) asByteBuffer.invoke(ofBuffer.invoke(null, plain)))
                        .order(ByteOrder.nativeOrder());
                checkEq(2.0, Python.toNumpy(viaSeg, "float64").callAttrAs(Double.class, "sum"),
                        "a segment of a direct buffer is shared");
            });
        }
    }
}
