package org.pybridge;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.BeforeClass;
import org.junit.Test;

/** numpy arrays and buffers both ways: copies, zero-copy sharing, lifetimes, errors. */
public class NumpyBuffersTest {

    @BeforeClass
    public static void start() {
        Python.initialize();
        Python.exec("import numpy as np, weakref, gc");
    }

    private static PyObject np() {
        return Python.importModule("numpy");
    }

    // ---- Java arrays -> numpy (copy) -------------------------------------------------

    @Test
    public void javaArraysBecomeNumpyArraysOfTheMatchingDtype() {
        try (ResourceScope s = Python.openScope()) {
            PyObject a = Python.toNumpy(new double[] {1, 2, 3, 4, 5, 6}, 2, 3);
            assertEquals("float64", a.getAttr("dtype").toString());
            assertEquals("(2, 3)", a.getAttr("shape").repr());
            assertEquals(21.0, a.callAttrAs(Double.class, "sum"), 0);
            assertEquals(6.0, Python.eval("lambda a: float(a[1, 2])").callAs(Double.class, a), 0);
            Object[][] cases = {
                {new float[] {1.5f, 2.5f}, "float32"},
                {new long[] {1L << 40, -1}, "int64"},
                {new int[] {7, -7}, "int32"},
                {new short[] {300, -300}, "int16"},
                {new byte[] {-1, 127}, "int8"},
                {new boolean[] {true, false}, "bool"},
            };
            for (Object[] c : cases) {
                PyObject x = Python.toNumpy(c[0]);
                assertEquals(c[1], x.getAttr("dtype").toString());
                NDArray back = x.toNDArray();
                assertEquals(c[1], back.dtype());
                assertEquals(new NDArray(c[0]), back);
            }
            assertEquals("(0,)", Python.toNumpy(new double[0]).getAttr("shape").repr());
        }
    }

    @Test
    public void aShapeThatDoesNotFitIsAClearError() {
        try {
            Python.toNumpy(new double[5], 2, 3);
            fail("accepted");
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("holds 6 elements"));
        }
        try {
            Python.toNumpy(new String[] {"a"});
            fail("accepted");
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("java.lang.String"));
        }
    }

    // ---- numpy -> Java (copy) --------------------------------------------------------

    /**
     * Copies of 1 MB and more are split across helper threads (rust/src/values/copy.rs):
     * every byte must arrive, in both directions, at sizes around the split,
     * with several Java threads copying at once (the helpers busy for some).
     */
    @Test
    public void largeCopiesArriveWholeBothWaysFromSeveralThreads() throws Exception {
        int[] sizes = {131_071, 131_072, 131_073, 1_000_003, 2_500_000};
        Thread[] ts = new Thread[4];
        Throwable[] err = new Throwable[ts.length];
        for (int t = 0; t < ts.length; t++) {
            final int tt = t;
            ts[t] = new Thread(() -> {
                try {
                    for (int round = 0; round < 3; round++) {
                        for (int n : sizes) {
                            double[] d = new double[n];
                            for (int i = 0; i < n; i++) {
                                d[i] = i * 0.5 + tt;
                            }
                            try (ResourceScope s = Python.openScope()) {
                                PyObject a = Python.toNumpy(d);
                                // Python checks every element against the formula.
                                PyObject check =
                                        Python.eval("lambda a, t: bool((a == np.arange(len(a)) * 0.5 + t).all())");
                                assertEquals(Boolean.TRUE, check.callAs(Boolean.class, a, tt));
                                double[] back = a.toNDArray().doubles();
                                assertArrayEquals(d, back, 0);
                                long[] l = Python.eval("np.arange(" + n + ", dtype=np.int64) * 3")
                                        .toNDArray()
                                        .longs();
                                for (int i = 0; i < n; i++) {
                                    if (l[i] != 3L * i) {
                                        fail("element " + i + " of " + n + ": " + l[i]);
                                    }
                                }
                            }
                        }
                    }
                } catch (Throwable e) {
                    err[tt] = e;
                }
            });
            ts[t].start();
        }
        for (Thread t : ts) {
            t.join();
        }
        for (Throwable e : err) {
            if (e != null) {
                throw new AssertionError(e);
            }
        }
    }

    @Test
    public void toJavaOfAnArrayIsATypedCopy() {
        try (ResourceScope s = Python.openScope()) {
            NDArray a = (NDArray)
                    Python.eval("np.arange(6, dtype=np.int32).reshape(2, 3)").toJava();
            assertEquals("int32", a.dtype());
            assertArrayEquals(new long[] {2, 3}, a.shape());
            assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5}, a.ints());
            NDArray f = Python.eval("np.linspace(0, 1, 5)").toNDArray();
            assertArrayEquals(new double[] {0, 0.25, 0.5, 0.75, 1}, f.doubles(), 0);
            NDArray u = Python.eval("np.array([0, 200, 255], dtype=np.uint8)").toNDArray();
            assertEquals("uint8", u.dtype());
            assertEquals((byte) 200, u.bytes()[1]);
            NDArray z = Python.eval("np.array([True, False])").toNDArray();
            assertArrayEquals(new boolean[] {true, false}, z.booleans());
            NDArray scalar = Python.eval("np.array(3.5)").toNDArray();
            assertArrayEquals(new long[0], scalar.shape());
            assertArrayEquals(new double[] {3.5}, scalar.doubles(), 0);
            // nested in a structure
            Map<?, ?> m =
                    (Map<?, ?>) Python.eval("{'x': np.arange(3.0), 'n': 1}").toJava();
            assertArrayEquals(new double[] {0, 1, 2}, ((NDArray) m.get("x")).doubles(), 0);
            try {
                f.ints();
                fail("wrong type accepted");
            } catch (ClassCastException e) {
                assertTrue(e.getMessage(), e.getMessage().contains("float64"));
            }
        }
    }

    @Test
    public void nonContiguousArraysAreCopiedInOrder() {
        try (ResourceScope s = Python.openScope()) {
            NDArray a = Python.eval("np.arange(12.0).reshape(3, 4)[:, ::2]").toNDArray();
            assertArrayEquals(new long[] {3, 2}, a.shape());
            assertArrayEquals(new double[] {0, 2, 4, 6, 8, 10}, a.doubles(), 0);
            NDArray t = Python.eval("np.arange(6).reshape(2, 3).T").toNDArray();
            assertArrayEquals(new long[] {0, 3, 1, 4, 2, 5}, t.longs());
        }
    }

    @Test
    public void unsupportedDtypesAndNonArraysAreClearErrors() {
        try (ResourceScope s = Python.openScope()) {
            PyObject c = Python.eval("np.array([1+2j])");
            assertTrue("no Java counterpart: stays a handle", c.toJava() instanceof PyObject);
            try {
                c.toNDArray();
                fail("complex accepted");
            } catch (ClassCastException e) {
                assertTrue(e.getMessage(), e.getMessage().contains("complex128"));
            }
            try {
                Python.eval("[1, 2]").toNDArray();
                fail("a list accepted");
            } catch (ClassCastException e) {
                assertTrue(e.getMessage(), e.getMessage().contains("not a numpy array"));
            }
        }
    }

    @Test
    public void ndArraysGoBackToPythonAsNewArrays() {
        try (ResourceScope s = Python.openScope()) {
            NDArray a = new NDArray(new double[] {1, 2, 3, 4}, 2, 2);
            PyObject p = Python.toPython(a);
            assertEquals("numpy.ndarray", p.typeName());
            assertEquals("(2, 2)", p.getAttr("shape").repr());
            assertEquals(a, p.toJava());
            assertEquals(10.0, Python.eval("lambda a: float(a.sum())").callAs(Double.class, a), 0);
        }
    }

    // ---- zero copy: Java memory in numpy ----------------------------------------------

    @Test
    public void aDirectBufferIsSharedWithNumpyBothWays() {
        ByteBuffer bb = ByteBuffer.allocateDirect(8 * 6).order(ByteOrder.nativeOrder());
        for (int i = 0; i < 6; i++) {
            bb.putDouble(8 * i, i);
        }
        try (ResourceScope s = Python.openScope()) {
            PyObject a = Python.toNumpy(bb, "float64", 2, 3);
            assertEquals("(2, 3)", a.getAttr("shape").repr());
            assertEquals(15.0, a.callAttrAs(Double.class, "sum"), 0);
            Python.eval("lambda a: a.__setitem__((0, 0), 42.0)").call(a);
            assertEquals("a write in numpy is seen by Java", 42.0, bb.getDouble(0), 0);
            bb.putDouble(8 * 5, -1.0);
            assertEquals(
                    "a write in Java is seen by numpy",
                    -1.0,
                    Python.eval("lambda a: float(a[1, 2])").callAs(Double.class, a),
                    0);
            assertTrue(Python.eval("lambda a: a.flags.writeable").callAs(Boolean.class, a));
            PyObject ro = Python.toNumpy(bb.asReadOnlyBuffer(), "float64");
            assertFalse(Python.eval("lambda a: a.flags.writeable").callAs(Boolean.class, ro));
            assertEquals(6L, ro.len());
        }
    }

    @Test
    public void everyDtypeViewsTheBufferFromItsPositionWithTheRightShape() {
        ByteBuffer bb = ByteBuffer.allocateDirect(64 + 8).order(ByteOrder.nativeOrder());
        bb.position(8);
        String[] dtypes = {"float64", "float32", "int64", "int32", "int16", "int8", "uint8", "bool"};
        int[] sizes = {8, 4, 8, 4, 2, 1, 1, 1};
        PyObject describe = Python.eval("lambda a: [str(a.dtype), list(a.shape), a.ctypes.data]");
        try (ResourceScope s = Python.openScope()) {
            Long base = null;
            for (int i = 0; i < dtypes.length; i++) {
                int n = 64 / sizes[i];
                List<?> flat = describe.callAs(List.class, Python.toNumpy(bb, dtypes[i]));
                assertEquals(dtypes[i], flat.get(0));
                assertEquals(List.of((long) n), flat.get(1));
                List<?> twoD = describe.callAs(List.class, Python.toNumpy(bb, dtypes[i], 2, n / 2));
                assertEquals(List.of(2L, (long) (n / 2)), twoD.get(1));
                assertEquals("the view starts at the buffer's position", flat.get(2), twoD.get(2));
                if (base == null) {
                    base = (Long) flat.get(2);
                }
                assertEquals(base, flat.get(2));
            }
        }
    }

    @Test
    public void sharedJavaMemoryStaysValidWhilePythonHoldsIt() {
        Python.exec("_shared = None");
        int javaObjectsBefore = Python.stats().javaFunctions();
        shareAndDrop();
        for (int i = 0; i < 5; i++) {
            System.gc();
            sleep(20);
        }
        // Java dropped the buffer; Python's array still reads the right values.
        assertEquals(499500.0, Python.eval("float(_shared.sum())", Double.class), 0);
        assertTrue(Python.stats().javaFunctions() > javaObjectsBefore);
        Python.exec("_shared = None");
        assertTrue(
                "the registry lets the buffer go once Python drops it",
                await(() -> Python.stats().javaFunctions() <= javaObjectsBefore));
    }

    private static void shareAndDrop() {
        ByteBuffer bb = ByteBuffer.allocateDirect(8 * 1000).order(ByteOrder.nativeOrder());
        for (int i = 0; i < 1000; i++) {
            bb.putDouble(8 * i, i);
        }
        try (PyObject a = Python.toNumpy(bb, "float64")) {
            Python.mainModule().setAttr("_shared", a);
        }
    }

    @Test
    public void heapBuffersAndNonDirectUsesAreHandled() {
        try (ResourceScope s = Python.openScope()) {
            ByteBuffer heap = ByteBuffer.wrap(new byte[] {1, 2, 3});
            assertEquals("bytes", Python.toPython(heap).typeName());
            assertArrayEquals(
                    new byte[] {1, 2, 3}, (byte[]) Python.toPython(heap).toJava());
            try {
                Python.toNumpy(heap, "int8");
                fail("heap buffer accepted");
            } catch (IllegalArgumentException e) {
                assertTrue(e.getMessage().contains("direct"));
            }
            try {
                Python.toNumpy(ByteBuffer.allocateDirect(8), "float64", 2);
                fail("too small accepted");
            } catch (IllegalArgumentException e) {
                assertTrue(e.getMessage(), e.getMessage().contains("needs 16 bytes"));
            }
            try {
                Python.toNumpy(ByteBuffer.allocateDirect(8), "complex64");
                fail("bad dtype accepted");
            } catch (IllegalArgumentException e) {
                assertTrue(e.getMessage().contains("unsupported dtype"));
            }
            PyObject mv = Python.toPython(ByteBuffer.allocateDirect(4));
            assertEquals("memoryview", mv.typeName());
        }
    }

    // ---- zero copy: Python memory in Java ---------------------------------------------

    @Test
    public void aNumpyArrayIsSharedWithJavaBothWays() {
        try (ResourceScope s = Python.openScope()) {
            PyObject a = Python.eval("np.zeros(4)");
            ByteBuffer bb = a.asBuffer();
            assertTrue(bb.isDirect());
            assertEquals(32, bb.capacity());
            bb.putDouble(8, 3.0);
            assertEquals(3.0, Python.eval("lambda a: float(a[1])").callAs(Double.class, a), 0);
            Python.eval("lambda a: a.__setitem__(2, 4.0)").call(a);
            assertEquals(4.0, bb.getDouble(16), 0);
            assertEquals(7.0, bb.asDoubleBuffer().get(1) + bb.asDoubleBuffer().get(2), 0);
        }
    }

    @Test
    public void bytesBytearrayAndMemoryviewExportTheirMemory() {
        try (ResourceScope s = Python.openScope()) {
            ByteBuffer ro = Python.eval("b'abc'").asBuffer();
            assertTrue(ro.isReadOnly());
            assertEquals('b', ro.get(1));
            PyObject ba = Python.eval("bytearray(b'xyz')");
            ByteBuffer rw = ba.asBuffer();
            assertFalse(rw.isReadOnly());
            rw.put(0, (byte) 'X');
            assertEquals("bytearray(b'Xyz')", ba.repr());
            ByteBuffer mv = Python.eval("memoryview(bytearray(b'12345'))[1:3]").asBuffer();
            assertEquals(2, mv.capacity());
            assertEquals('2', mv.get(0));
            assertEquals(0, Python.eval("b''").asBuffer().capacity());
        }
    }

    @Test
    public void nonContiguousMemoryIsNotSharedWithoutACopy() {
        try (ResourceScope s = Python.openScope()) {
            Python.eval("np.arange(10.0)[::2]").asBuffer();
            fail("non-contiguous shared");
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("ascontiguousarray"));
        }
        try (ResourceScope s = Python.openScope()) {
            Python.eval("[1, 2]").asBuffer();
            fail("a list shared");
        } catch (PythonException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("bytes-like"));
        }
    }

    @Test
    public void theBufferKeepsTheArrayAliveAndLetsItGoWhenUnreachable() {
        Python.exec("_kept = np.arange(1000.0)\n_kept_ref = weakref.ref(_kept)");
        ByteBuffer bb;
        try (PyObject a = Python.eval("_kept")) {
            bb = a.asBuffer();
        }
        Python.exec("del _kept\ngc.collect()");
        for (int i = 0; i < 5; i++) {
            System.gc();
            sleep(20);
        }
        assertTrue("alive while the buffer is reachable", Python.eval("_kept_ref() is not None", Boolean.class));
        double sum = 0;
        for (int i = 0; i < 1000; i++) {
            sum += bb.getDouble(8 * i);
        }
        assertEquals(499500.0, sum, 0);
        ByteBuffer slice = bb.duplicate().position(8).slice();
        bb = null;
        for (int i = 0; i < 5; i++) {
            System.gc();
            sleep(20);
        }
        assertTrue("a slice keeps it alive too", Python.eval("_kept_ref() is not None", Boolean.class));
        assertEquals(1.0, slice.order(ByteOrder.nativeOrder()).getDouble(0), 0);
        slice = null;
        assertTrue("freed once no buffer is reachable", await(() -> Python.eval("_kept_ref() is None", Boolean.class)));
    }

    // ---- a large generator, lazily ------------------------------------------------------

    @Test
    public void aMillionItemGeneratorIsConsumedLazilyWithFlatMemory() {
        try (ResourceScope s = Python.openScope()) {
            PyObject gen = Python.eval("(i for i in range(1_000_000))");
            long before = Python.stats().liveHandles();
            long sum = 0;
            long maxLive = 0;
            Iterator<Object> it = gen.iterator(Conversion.SHALLOW);
            int n = 0;
            while (it.hasNext()) {
                sum += (Long) it.next();
                if (++n % 100_000 == 0) {
                    maxLive = Math.max(maxLive, Python.stats().liveHandles() - before);
                }
            }
            assertEquals(1_000_000, n);
            assertEquals(499_999_500_000L, sum);
            assertTrue("handles stay flat: " + maxLive, maxLive <= 2);
        }
    }

    private static boolean await(BooleanSupplier c) {
        long end = System.nanoTime() + 30_000_000_000L;
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > end) {
                return false;
            }
            System.gc();
            sleep(20);
        }
        return true;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
