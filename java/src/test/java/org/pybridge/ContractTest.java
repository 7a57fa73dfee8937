package org.pybridge;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * The contract shared with the native library ({@code rust/src/contract.rs},
 * from which {@link Contract} is generated): the loaded library implements
 * this version, and every wire tag crosses in a real round trip (a new tag
 * without a case here fails this test).
 */
public class ContractTest {

    @BeforeClass
    public static void start() {
        Python.initialize();
    }

    @Test
    public void theLoadedLibraryImplementsThisContract() {
        assertEquals(Contract.ABI_VERSION, Native.abiVersion());
    }

    /** A Python dict of str to int as a Java map. */
    private static Map<String, Long> table(PyObject dict) {
        Map<String, Long> m = new TreeMap<>();
        for (Map.Entry<?, ?> e : ((Map<?, ?>) dict.toJava()).entrySet()) {
            m.put((String) e.getKey(), (Long) e.getValue());
        }
        return m;
    }

    /**
     * The tables Python code reads (contract.rs {@code FOR_PYTHON}) are the
     * same three times: as the loaded library hands them to Python
     * ({@code pybridge._contract}, built from its compiled contract.rs), as
     * the generated {@link Contract} has them, and as the Python code that
     * uses them holds them (java_bridge.py's {@code M} and {@code K}, the
     * support helpers' PyKind codes); and {@link PyKind}'s constants are
     * exactly the {@code py_kind} codes.
     */
    @Test
    public void theTablesPythonReadsAreTheGeneratedOnes() {
        Map<String, Map<String, Long>> java = new TreeMap<>();
        java.put("ext", new TreeMap<>(Contract.Ext.all()));
        java.put("java_meta", new TreeMap<>(Contract.JavaMeta.all()));
        java.put("java_kind", new TreeMap<>(Contract.JavaKind.all()));
        java.put("py_kind", new TreeMap<>(Contract.PyKindCode.all()));
        try (ResourceScope s = Python.openScope()) {
            PyObject handed = Python.importModule("pybridge").getAttr("_contract");
            Map<String, Map<String, Long>> rust = new TreeMap<>();
            for (Object name :
                    (List<?>) Python.eval("lambda d: sorted(d)").call(handed).toJava()) {
                rust.put((String) name, table(handed.getItem(name)));
            }
            assertEquals("pybridge._contract (the library's) against Contract.java", java, rust);
            PyObject bridge = Python.eval("lambda: __import__('pybridge')._java_install.__globals__")
                    .call();
            assertEquals(
                    "java_bridge.py's M",
                    java.get("java_meta"),
                    table(Python.eval("lambda g: vars(g['M'])").call(bridge)));
            assertEquals(
                    "java_bridge.py's K",
                    java.get("java_kind"),
                    table(Python.eval("lambda g: vars(g['K'])").call(bridge)));
            assertEquals(
                    "the support helpers' PyKind codes",
                    java.get("py_kind"),
                    table(Python.eval("lambda f: f.__globals__['_PK']").call(Support.fn("kind"))));
        }
        Map<String, Long> ordinals = new TreeMap<>();
        for (PyKind k : PyKind.values()) {
            ordinals.put(k.name(), (long) k.ordinal());
        }
        assertEquals("PyKind's constants are the py_kind codes", java.get("py_kind"), ordinals);
    }

    private static Object roundTrip(Object v) {
        try (PyObject p = Python.toPython(v)) {
            return p.toJava();
        }
    }

    /** One round trip per tag, in both directions where the tag goes both ways. */
    private static Map<String, Runnable> cases() {
        Map<String, Runnable> c = new LinkedHashMap<>();
        c.put("NONE", () -> {
            assertEquals(null, roundTrip(null));
            assertEquals(Boolean.TRUE, Python.eval("lambda x: x is None").callAs(Boolean.class, (Object) null));
        });
        c.put("FALSE", () -> assertEquals(Boolean.FALSE, roundTrip(false)));
        c.put("TRUE", () -> assertEquals(Boolean.TRUE, roundTrip(true)));
        c.put("INT", () -> assertEquals(-42L, roundTrip(-42L)));
        c.put(
                "BIGINT",
                () -> assertEquals(
                        BigInteger.TWO.pow(100).negate(),
                        roundTrip(BigInteger.TWO.pow(100).negate())));
        c.put("FLOAT", () -> assertEquals(1.5, roundTrip(1.5)));
        c.put("STR_LATIN1", () -> assertEquals("caf\u00e9", roundTrip("caf\u00e9")));
        c.put("STR_UTF16", () -> assertEquals("\u4e2d\u6587 \ud83d\ude00", roundTrip("\u4e2d\u6587 \ud83d\ude00")));
        c.put("BYTES", () -> assertArrayEquals(new byte[] {1, -2, 3}, (byte[]) roundTrip(new byte[] {1, -2, 3})));
        c.put("LIST", () -> assertEquals(List.of(1L, "a"), roundTrip(List.of(1, "a"))));
        c.put("TUPLE", () -> assertEquals(List.of(1L, 2L), Python.eval("(1, 2)").toJava()));
        c.put("DICT", () -> assertEquals(Map.of("k", 1L), roundTrip(Map.of("k", 1))));
        c.put("SET", () -> assertEquals(Set.of(1L, 2L), roundTrip(Set.of(1, 2))));
        c.put(
                "FROZENSET",
                () -> assertEquals(Set.of(3L), Python.eval("frozenset([3])").toJava()));
        c.put("HANDLE", () -> {
            PyObject o = Python.eval("object()");
            assertTrue(Python.eval("lambda x: x").call(o).isSame(o));
        });
        c.put("LIST_I64", () -> assertEquals(List.of(1L, -2L), roundTrip(new long[] {1, -2})));
        c.put("LIST_F64", () -> assertEquals(List.of(0.5, 2.0), roundTrip(new double[] {0.5, 2})));
        c.put("SELF", () -> {
            PyObject o = Python.eval("object()");
            assertSame(o, o.toJava());
        });
        c.put("JAVA_FN", () -> {
            Function<Object, Object> f = x -> x;
            assertSame(f, roundTrip(f));
            assertEquals(Long.valueOf(7), Python.eval("lambda f: f(7)").callAs(Long.class, f));
        });
        c.put("EXT", () -> {
            assertEquals(LocalDate.of(2020, 2, 29), roundTrip(LocalDate.of(2020, 2, 29)));
            assertEquals(new BigDecimal("-1.50"), roundTrip(new BigDecimal("-1.50")));
        });
        c.put("JAVA_OBJ", () -> {
            Object token = new Object();
            assertSame(token, roundTrip(token));
        });
        c.put("NDARRAY", () -> {
            NDArray a = Python.eval("__import__('numpy').arange(4.0)").toNDArray();
            assertArrayEquals(new double[] {0, 1, 2, 3}, (double[]) a.data(), 0);
        });
        c.put(
                "NDARRAY_DATA",
                () -> assertEquals(
                        Long.valueOf(6),
                        Python.eval("lambda a: int(a.sum())")
                                .callAs(Long.class, new NDArray("int32", new int[] {1, 2, 3}, new long[] {3}))));
        c.put("JAVA_BUF", () -> {
            ByteBuffer bb = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder());
            bb.put(0, (byte) 9);
            assertEquals(Long.valueOf(9), Python.eval("lambda m: m[0]").callAs(Long.class, bb));
        });
        c.put("STR_REF", () -> {
            String big = Python.eval("'x' * 40000 + '\u00e9'", String.class);
            assertEquals(40001, big.length());
            assertEquals('\u00e9', big.charAt(40000));
        });
        c.put("STR_ASCII", () -> {
            char[] a = new char[5000];
            Arrays.fill(a, 'q');
            assertEquals(
                    Boolean.TRUE,
                    Python.eval("lambda s: s.isascii() and len(s) == 5000").callAs(Boolean.class, new String(a)));
        });
        return c;
    }

    @Test
    public void everyWireTagCrossesInARealRoundTrip() throws Exception {
        Set<String> tags = new TreeSet<>();
        for (Field f : Contract.Tag.class.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == byte.class) {
                tags.add(f.getName());
            }
        }
        Map<String, Runnable> cases = cases();
        assertEquals("a case per tag of rust/src/contract.rs", tags, new TreeSet<>(cases.keySet()));
        for (Map.Entry<String, Runnable> e : cases.entrySet()) {
            try (ResourceScope s = Python.openScope()) {
                e.getValue().run();
            } catch (AssertionError | RuntimeException x) {
                throw new AssertionError("tag " + e.getKey() + ": " + x, x);
            }
        }
    }
}
