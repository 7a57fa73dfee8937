package org.pybridge;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * Issue 12, class 5: memory that Java code can free or the OS can unmap
 * while Python views it is never shared by default. Before the fix
 * {@code asBuffer()} of a {@code dtype=object} array handed Java raw
 * {@code PyObject*} pointers (one {@code putLong} crashed the JVM), a buffer
 * of a closed {@code Arena} gave numpy a segmentation fault, and a truncated
 * mapped file a {@code SIGBUS}. (Arenas, on JDK 22+: {@link MemorySafetyE2ETest}.)
 */
public class MemorySafetyTest {

    @BeforeClass
    public static void start() {
        Python.initialize();
        Python.exec("import numpy as _np_ms");
    }

    @Test
    public void asBufferRefusesArraysOfObjectReferences() {
        for (String expr : new String[] {
            "_np_ms.array([object(), 1, 'x'], dtype=object)", "_np_ms.zeros(3, dtype=[('n', 'i4'), ('o', 'O')])"
        }) {
            PyObject a = Python.eval(expr);
            try {
                a.asBuffer();
                fail("asBuffer() of " + expr + " must be refused");
            } catch (IllegalArgumentException e) {
                assertTrue(e.getMessage(), e.getMessage().contains("object references"));
            }
        }
        // a structured dtype whose field names contain an 'O' is plain data
        ByteBuffer ok = Python.eval("_np_ms.zeros(2, dtype=[('Odd', 'i4'), ('Other', 'f8')])")
                .asBuffer();
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
                assertTrue(
                        "names the way out: " + e.getMessage(), e.getMessage().contains("UnmanagedBuffer.of"));
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
        assertEquals(
                4.0,
                Python.toNumpy(d.slice(8, 8).order(ByteOrder.nativeOrder()), "float64")
                        .callAttrAs(Double.class, "sum"),
                0.0);
    }
}
