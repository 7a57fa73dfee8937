package org.pybridge;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;
import java.time.Duration;
import java.time.Instant;
import org.junit.BeforeClass;
import org.junit.Test;

/** Issue 16 point 3: more dtypes, 0-d arrays, byte order, typed NIO buffers, numpy scalar widths. */
public class NumpyCompletenessTest {

    @BeforeClass
    public static void start() {
        Python.initialize();
        Python.exec("import numpy as np");
    }

    @Test
    public void unsignedAndHalfDtypesRoundTripWithTheSameBits() {
        try (ResourceScope s = Python.openScope()) {
            NDArray u16 =
                    Python.eval("np.array([0, 1, 65535], dtype=np.uint16)").toNDArray();
            assertEquals("uint16", u16.dtype());
            assertTrue(u16.isUnsigned());
            assertArrayEquals(new short[] {0, 1, -1}, u16.shorts());
            assertArrayEquals(new long[] {0, 1, 65535}, u16.unsignedLongs());
            NDArray u32 =
                    Python.eval("np.array([4294967295, 7], dtype=np.uint32)").toNDArray();
            assertArrayEquals(new int[] {-1, 7}, u32.ints());
            assertArrayEquals(new long[] {4294967295L, 7}, u32.unsignedLongs());
            NDArray u64 =
                    Python.eval("np.array([2**64 - 1, 3], dtype=np.uint64)").toNDArray();
            assertEquals("uint64", u64.dtype());
            assertEquals("18446744073709551615", Long.toUnsignedString(u64.longs()[0]));
            try {
                u64.unsignedLongs();
                fail("a uint64 above Long.MAX_VALUE must not be read as a long");
            } catch (ArithmeticException e) {
                assertTrue(e.getMessage(), e.getMessage().contains("18446744073709551615"));
            }
            NDArray f16 = Python.eval("np.array([1.5, -2.0, 65504.0, np.inf], dtype=np.float16)")
                    .toNDArray();
            assertEquals("float16", f16.dtype());
            assertArrayEquals(new float[] {1.5f, -2f, 65504f, Float.POSITIVE_INFINITY}, f16.halfsAsFloats(), 0f);
            // back to numpy: the same dtype and values
            for (NDArray a : new NDArray[] {u16, u32, u64, f16}) {
                PyObject back = Python.toPython(a);
                assertEquals(a.dtype(), back.getAttr("dtype").toString());
                assertEquals(a, back.toNDArray());
            }
            assertEquals(
                    "[1.5, 0.0999755859375]",
                    Python.toPython(NDArray.halfsOf(new float[] {1.5f, 0.1f}))
                            .callAttr("tolist")
                            .toString());
            assertTrue(Python.eval("lambda a: a.dtype == np.uint64 and int(a[0]) == 2**64 - 1")
                    .callAs(Boolean.class, NDArray.of("uint64", new long[] {-1L}, null)));
        }
    }

    @Test
    public void zeroDimensionalArraysBothWays() {
        try (ResourceScope s = Python.openScope()) {
            NDArray z = Python.eval("np.array(2.5)").toNDArray();
            assertArrayEquals(new long[0], z.shape());
            assertArrayEquals(new double[] {2.5}, z.doubles(), 0);
            PyObject back = Python.toPython(NDArray.of("int32", new int[] {7}, new long[0]));
            assertEquals(0L, (long) back.getAttr("ndim", Long.class));
            assertEquals("()", back.getAttr("shape").repr());
            assertEquals(7L, (long) back.callAttrAs(Long.class, "item"));
            assertEquals(z, Python.toPython(z).toNDArray());
        }
    }

    @Test
    public void aBigEndianByteBufferIsReadInItsOrder() {
        try (ResourceScope s = Python.openScope()) {
            ByteBuffer big = ByteBuffer.allocateDirect(16); // Java's default order: big-endian
            big.putInt(0, 1).putInt(4, 256).putInt(8, -2).putInt(12, 70000);
            PyObject a = Python.toNumpy(big, "int32");
            assertEquals("[1, 256, -2, 70000]", a.callAttr("tolist").toString());
            assertEquals(70255L, (long) a.callAttrAs(Long.class, "sum"));
            // still shared: a Java write is seen by numpy
            big.putInt(0, 5);
            assertEquals(5L, (long) Python.eval("lambda a: int(a[0])").callAs(Long.class, a));
            assertArrayEquals(new int[] {5, 256, -2, 70000}, a.toNDArray().ints());
            ByteBuffer little = ByteBuffer.allocateDirect(16).order(ByteOrder.LITTLE_ENDIAN);
            little.putDouble(0, 1.25).putDouble(8, -3);
            assertEquals(
                    "[1.25, -3.0]",
                    Python.toNumpy(little, "float64").callAttr("tolist").toString());
            ByteBuffer bigD = ByteBuffer.allocateDirect(16);
            bigD.putDouble(0, 1.25).putDouble(8, -3);
            assertEquals(
                    "[1.25, -3.0]",
                    Python.toNumpy(bigD, "float64").callAttr("tolist").toString());
        }
    }

    @Test
    public void typedNioBuffersDirectAndHeap() {
        try (ResourceScope s = Python.openScope()) {
            IntBuffer heap = IntBuffer.wrap(new int[] {9, 1, 2, 3});
            heap.position(1);
            assertEquals("[1, 2, 3]", Python.toNumpy(heap).callAttr("tolist").toString());
            IntBuffer direct = ByteBuffer.allocateDirect(12).asIntBuffer(); // big-endian view
            direct.put(new int[] {1, 256, 65536}).flip();
            PyObject a = Python.toNumpy(direct);
            assertEquals("int32", a.getAttr("dtype").toString());
            assertEquals("[1, 256, 65536]", a.callAttr("tolist").toString());
            DoubleBuffer d =
                    ByteBuffer.allocateDirect(32).order(ByteOrder.LITTLE_ENDIAN).asDoubleBuffer();
            d.put(new double[] {1, 2, 3, 4}).flip();
            assertEquals(
                    "[[1.0, 2.0], [3.0, 4.0]]",
                    Python.toNumpy(d, 2, 2).callAttr("tolist").toString());
            assertEquals(
                    "int64",
                    Python.toNumpy(LongBuffer.wrap(new long[] {1}))
                            .getAttr("dtype")
                            .toString());
            assertEquals(
                    "float32",
                    Python.toNumpy(FloatBuffer.wrap(new float[] {1}))
                            .getAttr("dtype")
                            .toString());
            assertEquals(
                    "int16",
                    Python.toNumpy(ShortBuffer.wrap(new short[] {1}))
                            .getAttr("dtype")
                            .toString());
            assertEquals(
                    "[65, 66]",
                    Python.toNumpy(CharBuffer.wrap("AB")).callAttr("tolist").toString());
        }
    }

    @Test
    public void numpyScalarsKeepTheirWidthWhenAsked() {
        try (ResourceScope s = Python.openScope()) {
            assertEquals(Float.valueOf(1.5f), Python.eval("np.float32(1.5)", Float.class));
            assertEquals(Short.valueOf((short) -7), Python.eval("np.int16(-7)", Short.class));
            assertEquals(Byte.valueOf((byte) 100), Python.eval("np.int8(100)", Byte.class));
            assertEquals(Integer.valueOf(70000), Python.eval("np.int32(70000)", Integer.class));
            assertEquals(Long.valueOf(4294967295L), Python.eval("np.uint32(4294967295)", Long.class));
            try {
                Python.eval("np.uint8(200)", Byte.class);
                fail("200 is not a Byte");
            } catch (ArithmeticException e) {
                assertTrue(e.getMessage(), e.getMessage().contains("200"));
            }
            try {
                Python.eval("np.float64(1e300)", Float.class);
                fail("1e300 is not a Float");
            } catch (ArithmeticException e) {
                assertTrue(e.getMessage(), e.getMessage().contains("Float"));
            }
            assertTrue(Float.isNaN(Python.eval("np.float32('nan')", Float.class)));
            assertEquals(Float.POSITIVE_INFINITY, Python.eval("np.float32('inf')", Float.class), 0f);
        }
    }

    @Test
    public void datetime64AndTimedelta64ArraysAreEpochCountsWithTheirUnit() {
        try (ResourceScope s = Python.openScope()) {
            NDArray t = Python.eval(
                            "np.array(['1970-01-01T00:00:01', 'NaT', '2020-02-29T12:00']," + " dtype='datetime64[ms]')")
                    .toNDArray();
            assertEquals("datetime64[ms]", t.dtype());
            assertEquals("ms", t.unit());
            assertEquals(1000L, t.longs()[0]);
            assertEquals(Long.MIN_VALUE, t.longs()[1]);
            Instant[] is = t.toInstants();
            assertEquals(Instant.parse("1970-01-01T00:00:01Z"), is[0]);
            assertEquals(null, is[1]);
            assertEquals(Instant.parse("2020-02-29T12:00:00Z"), is[2]);
            PyObject back = Python.toPython(t);
            assertEquals("datetime64[ms]", back.getAttr("dtype").toString());
            assertTrue(Python.eval("lambda a: bool(np.isnat(a[1])) and str(a[2]) == '2020-02-29T12:00:00.000'")
                    .callAs(Boolean.class, back));
            NDArray d =
                    Python.eval("np.array([1500, -1], dtype='timedelta64[us]')").toNDArray();
            assertEquals("timedelta64[us]", d.dtype());
            assertArrayEquals(new Duration[] {Duration.ofNanos(1_500_000), Duration.ofNanos(-1000)}, d.toDurations());
            NDArray made = NDArray.datetime64(new Instant[] {Instant.ofEpochSecond(86400), null}, "s");
            assertEquals(
                    "['1970-01-02T00:00:00', 'NaT']",
                    Python.eval("lambda a: str([str(x) for x in a])").callAs(String.class, made));
            // big-endian and datetime arrays of other byte orders come native
            assertArrayEquals(
                    new int[] {1, 2},
                    Python.eval("np.array([1, 2], dtype='>i4')").toNDArray().ints());
        }
    }

    @Test
    public void arraysWithNoJavaTypeAllGiveTheSameErrorFromToNDArray() {
        try (ResourceScope s = Python.openScope()) {
            for (String expr : new String[] {
                "np.array(['a', 'b'])",
                "np.array([object()])",
                "np.array(['2020-01-01'], dtype='datetime64[10ms]')",
                "np.array([1j])"
            }) {
                PyObject a = Python.eval(expr);
                assertTrue(expr, a.toJava() instanceof PyObject);
                try {
                    a.toNDArray();
                    fail(expr);
                } catch (ClassCastException e) {
                    assertTrue(e.getMessage(), e.getMessage().contains("has no Java primitive type"));
                }
            }
        }
    }

    @Test
    public void theUnsignedFlagAndShapesAreChecked() {
        assertFalse(new NDArray(new int[] {1}).isUnsigned());
        try {
            NDArray.of("uint32", new long[] {1}, null);
            fail();
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("int[]"));
        }
    }
}
