package org.pybridge.integration;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.junit.BeforeClass;
import org.junit.Test;
import org.pybridge.PyObject;
import org.pybridge.Python;
import org.pybridge.PythonException;

/** Arrow batches through the C Data Interface: shared, not copied, and nothing leaks. */
public class ArrowBridgeTest {
    static final List<String> NAMES = Arrays.asList("x", "y", "s");
    static final List<ColumnType> TYPES = Arrays.asList(ColumnType.INT64, ColumnType.FLOAT64, ColumnType.STRING);

    @BeforeClass
    public static void start() {
        ExecutorPython.ensure(PythonSetup.create().importModule("pyarrow"));
    }

    static BatchWriter filled(BufferAllocator alloc, int n) {
        BatchWriter w = new BatchWriter(alloc, NAMES, TYPES, n);
        for (int i = 0; i < n; i++) {
            w.setLong(0, i, i);
            w.setDouble(1, i, i * 0.5);
            w.set(2, i, i % 7 == 0 ? null : "s" + i);
        }
        w.finish(n);
        return w;
    }

    @Test
    public void javaBatchIsPyarrowRecordBatchOverTheSameBuffers() {
        try (BufferAllocator alloc = ArrowBridge.rootAllocator().newChildAllocator("t", 0, Long.MAX_VALUE)) {
            try (BatchWriter w = filled(alloc, 1000);
                    org.pybridge.ResourceScope scope = Python.openScope()) {
                VectorSchemaRoot root = w.root();
                PyObject rb = ArrowBridge.toPython(root, alloc);
                assertEquals("pyarrow.lib.RecordBatch", rb.typeName());
                long[][] py = ArrowBridge.pythonBufferAddresses(rb);
                for (int c = 0; c < 3; c++) {
                    FieldVector v = root.getVector(c);
                    assertEquals("validity of column " + c, v.getValidityBufferAddress(), py[c][0]);
                    if (c < 2) {
                        assertEquals("data of column " + c, v.getDataBufferAddress(), py[c][1]);
                    } else {
                        assertEquals("offsets of column " + c, v.getOffsetBufferAddress(), py[c][1]);
                        assertEquals("chars of column " + c, v.getDataBufferAddress(), py[c][2]);
                    }
                }
                // Python sees the values, and a write on the Java side (same memory) too.
                PyObject pc = Python.importModule("pyarrow.compute");
                assertEquals(499500L, (long)
                        pc.callAttr("sum", rb.callAttr("column", 0)).callAttrAs(Long.class, "as_py"));
                assertEquals(143L, (long) rb.callAttr("column", 2).getAttr("null_count", Long.class));
                ((BigIntVector) root.getVector(0)).set(0, 1_000_000L);
                assertEquals(1_499_500L, (long)
                        pc.callAttr("sum", rb.callAttr("column", 0)).callAttrAs(Long.class, "as_py"));
            }
            assertEquals("all buffers returned once Python freed the batch", 0, alloc.getAllocatedMemory());
        }
    }

    @Test
    public void pythonBatchComesBackOverPythonsBuffers() throws Exception {
        try (BufferAllocator alloc = ArrowBridge.rootAllocator().newChildAllocator("t", 0, Long.MAX_VALUE);
                PyNs ns = new PyNs("import numpy as np, pyarrow as pa\n"
                        + "a = np.arange(5000, dtype=np.int64) * 3\n"
                        + "b = np.linspace(0, 1, 5000)\n"
                        + "rb = pa.RecordBatch.from_arrays([pa.array(a), pa.array(b)], names=['a', 'b'])\n"
                        + "addr_a = a.ctypes.data\naddr_b = b.ctypes.data\n")) {
            try (VectorSchemaRoot root = ArrowBridge.fromPython(ns.get("rb"), null, alloc)) {
                assertEquals(5000, root.getRowCount());
                assertEquals((long) ns.getLong("addr_a"), root.getVector(0).getDataBufferAddress());
                assertEquals((long) ns.getLong("addr_b"), root.getVector(1).getDataBufferAddress());
                assertEquals(3 * 4999L, ((BigIntVector) root.getVector(0)).get(4999));
                assertEquals(1.0, ((Float8Vector) root.getVector(1)).get(4999), 0);
                assertTrue(alloc.getAllocatedMemory() > 0);
            }
            assertEquals(0, alloc.getAllocatedMemory());
        }
    }

    @Test
    public void applyRoundTripSharesBothWays() {
        PyFunction f = PyFunction.fromSource(
                "import numpy as np\n"
                        + "seen = {}\n"
                        + "def double(x, y, s):\n"
                        + "    seen['in'] = x.ctypes.data\n"
                        + "    r = x * 2\n"
                        + "    seen['out'] = r.ctypes.data\n"
                        + "    return r\n",
                "double");
        PyObject seen = PyFunction.fromSource(f.origin(), "seen").get();
        try (BufferAllocator alloc = ArrowBridge.rootAllocator().newChildAllocator("t", 0, Long.MAX_VALUE)) {
            try (BatchWriter w = filled(alloc, 4096);
                    VectorSchemaRoot out =
                            ArrowBridge.apply(f, BatchFormat.NUMPY, w.root(), Collections.singletonList("z"), alloc)) {
                assertEquals(
                        "numpy saw the Java buffer itself",
                        w.root().getVector(0).getDataBufferAddress(),
                        (long) seen.getItem("in", Long.class));
                assertEquals(
                        "Java sees the numpy result itself",
                        (long) seen.getItem("out", Long.class),
                        out.getVector(0).getDataBufferAddress());
                assertEquals("z", out.getSchema().getFields().get(0).getName());
                BatchReader r = new BatchReader(out);
                for (int i = 0; i < 4096; i++) {
                    assertEquals(2L * i, r.getLong(0, i));
                }
            }
            assertEquals(0, alloc.getAllocatedMemory());
        }
    }

    @Test
    public void eachFormatGetsWhatItAsks() {
        PyFunction f = PyFunction.fromSource(
                "import pyarrow as pa, pyarrow.compute as pc\n"
                    + "def arrow(rb):\n"
                    + "    return pa.RecordBatch.from_arrays([pc.add(rb.column('x'), 1), rb.column('s')], names=['x1',"
                    + " 's'])\n"
                    + "def pandas(df):\n"
                    + "    return df.assign(x1=df.x + 1)[['x1', 's']]\n"
                    + "def numpy(x, y, s):\n"
                    + "    return {'x1': x + 1, 's': s}\n",
                "arrow");
        for (String fmt : Arrays.asList("arrow", "pandas", "numpy")) {
            PyFunction g = PyFunction.fromSource(f.origin(), fmt);
            try (BufferAllocator alloc = ArrowBridge.rootAllocator().newChildAllocator("t", 0, Long.MAX_VALUE)) {
                try (BatchWriter w = filled(alloc, 100);
                        VectorSchemaRoot out = ArrowBridge.apply(
                                g, BatchFormat.valueOf(fmt.toUpperCase()), w.root(), Arrays.asList("x1", "s"), alloc)) {
                    BatchReader r = new BatchReader(out);
                    assertEquals(fmt, 100, r.rows());
                    assertEquals(fmt, 43L, r.getLong(0, 42));
                    assertEquals(fmt, "s43", r.get(1, 43, ColumnType.STRING));
                    assertEquals(fmt, null, r.get(1, 42, ColumnType.STRING));
                }
                assertEquals(fmt, 0, alloc.getAllocatedMemory());
            }
        }
    }

    @Test
    public void aPythonErrorLeaksNothing() {
        PyFunction bad = PyFunction.fromSource("def bad(rb):\n    raise ValueError('no thanks')\n", "bad");
        PyFunction badOut = PyFunction.fromSource("def bad_out(rb):\n    return object()\n", "bad_out");
        for (PyFunction f : Arrays.asList(bad, badOut)) {
            try (BufferAllocator alloc = ArrowBridge.rootAllocator().newChildAllocator("t", 0, Long.MAX_VALUE)) {
                try (BatchWriter w = filled(alloc, 100)) {
                    ArrowBridge.apply(f, BatchFormat.ARROW, w.root(), null, alloc)
                            .close();
                    fail("expected a PythonException");
                } catch (PythonException e) {
                    assertTrue(e.getMessage(), e.getMessage().contains(f == bad ? "no thanks" : "object"));
                }
                assertEquals(0, alloc.getAllocatedMemory());
            }
        }
    }

    /** 10,000 batches there and back: Arrow memory, Python handles and the process's RSS stay flat. */
    @Test
    public void noLeakAfter10kBatches() throws Exception {
        PyFunction f = PyFunction.fromSource(
                "import pyarrow.compute as pc\n" + "def inc(x, y, s):\n    return x + 1\n", "inc");
        List<String> out = Collections.singletonList("r");
        try (BufferAllocator alloc = ArrowBridge.rootAllocator().newChildAllocator("t", 0, Long.MAX_VALUE);
                BatchWriter w = filled(alloc, 1024)) {
            long native0 = 0;
            long handles0 = 0;
            for (int i = 0; i < 10_000; i++) {
                if (i == 2_000) {
                    native0 = nativeKb();
                    handles0 = Python.stats().liveHandles();
                }
                try (VectorSchemaRoot r = ArrowBridge.apply(f, BatchFormat.NUMPY, w.root(), out, alloc)) {
                    if (((BigIntVector) r.getVector(0)).get(1023) != 1024L) {
                        fail("wrong result in batch " + i);
                    }
                }
            }
            long native1 = nativeKb();
            Python.drainReleaseQueue();
            long handles1 = Python.stats().liveHandles();
            w.close();
            assertEquals("Arrow memory left after 10k batches", 0, alloc.getAllocatedMemory());
            assertEquals("exported batches Python still holds", 0, ArrowBridge.pendingJavaReleases());
            assertTrue("live handles grew from " + handles0 + " to " + handles1, handles1 - handles0 < 100);
            // 8,000 batches of ~26 KB in and 8 KB out crossed: leaking either would be >= 270 MB.
            // The heap is all resident from the start (-Xms = -Xmx, AlwaysPreTouch): RSS growth is native.
            assertTrue(
                    "native memory grew from " + native0 + " kB to " + native1 + " kB", native1 - native0 < 48 * 1024);
        }
    }

    /** RSS (the build runs this JVM with its whole heap committed and touched up front), in kB. */
    static long nativeKb() throws Exception {
        return rssKb();
    }

    static long rssKb() throws Exception {
        for (String l : Files.readAllLines(Paths.get("/proc/self/status"))) {
            if (l.startsWith("VmRSS:")) {
                return Long.parseLong(l.replaceAll("[^0-9]", ""));
            }
        }
        return 0;
    }

    /** A private Python namespace for a test's globals. */
    static final class PyNs implements AutoCloseable {
        final org.pybridge.PyNamespace ns = Python.newNamespace();

        PyNs(String code) {
            ns.exec(code);
        }

        PyObject get(String name) {
            return ns.get(name);
        }

        Long getLong(String name) {
            return ns.get(name, Long.class);
        }

        @Override
        public void close() {
            ns.close();
        }
    }

    @Test
    public void differentBatchesDoNotShareBuffers() {
        try (BufferAllocator alloc = ArrowBridge.rootAllocator().newChildAllocator("t", 0, Long.MAX_VALUE);
                BatchWriter w = filled(alloc, 10)) {
            long a = w.root().getVector(0).getDataBufferAddress();
            PyObject rb = ArrowBridge.toPython(w.root(), alloc);
            w.next();
            w.setLong(0, 0, 7);
            w.finish(1);
            assertNotEquals(
                    "next() gives new buffers; the exported batch keeps the old ones",
                    a,
                    w.root().getVector(0).getDataBufferAddress());
            try (org.pybridge.ResourceScope scope = Python.openScope()) {
                assertEquals(0L, (long)
                        rb.callAttr("column", 0).callAttr("__getitem__", 0).callAttrAs(Long.class, "as_py"));
            }
            rb.close();
        }
    }
}
