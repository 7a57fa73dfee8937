package org.pybridge.integration;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import org.apache.arrow.c.ArrowArray;
import org.apache.arrow.c.ArrowSchema;
import org.apache.arrow.c.Data;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.pybridge.PyObject;
import org.pybridge.Python;

/**
 * Arrow batches between Java and Python through the Arrow C Data Interface,
 * with no copy of the buffers either way.
 *
 * <p>Java to Python: the root is exported into an {@code ArrowArray} /
 * {@code ArrowSchema} pair, whose export takes a reference on each buffer;
 * {@code pyarrow.RecordBatch._import_from_c} moves the pair (the release
 * callback is then pyarrow's to call, exactly once, when the last Python
 * object over the buffers is freed, which drops those references). Python to
 * Java: {@code _export_to_c} fills a pair Java allocated and
 * {@code Data.importVectorSchemaRoot} moves it; closing the imported root
 * calls pyarrow's release. The small structs themselves are freed by Java
 * after each crossing, whether it succeeded or not; a pair Python never moved
 * is released by Java instead.
 *
 * <p>Buffers are accounted in the {@link BufferAllocator} passed (for an
 * exported root, the root's own allocator): closing a child allocator after a
 * batch proves nothing leaked.
 */
public final class ArrowBridge {
    private ArrowBridge() {}

    private static volatile RootAllocator rootAllocator;
    private static volatile boolean releaseHooked;

    /**
     * The helper module, with Java's release function installed once. Java's
     * exported structs must be released by Java code on the thread's own
     * stack (their callbacks call into the JVM), so Python hands them back
     * through this pybridge callback instead of calling them itself.
     */
    private static PyObject helper() {
        PyObject h = ExecutorPython.helper();
        if (!releaseHooked) {
            synchronized (ArrowBridge.class) {
                if (!releaseHooked) {
                    BiFunction<Object, Object, Object> release = (kind, address) -> {
                        long a = ((Number) address).longValue();
                        if (((Number) kind).intValue() == 0) {
                            ArrowArray.wrap(a).release();
                        } else {
                            ArrowSchema.wrap(a).release();
                        }
                        return null;
                    };
                    Python.unscoped(() -> h.callAttr("set_java_release", release));
                    releaseHooked = true;
                }
            }
        }
        return h;
    }

    /** How many batches Java exported that Python still holds (0 when nothing is left over). */
    public static long pendingJavaReleases() {
        return helper().callAttrAs(Long.class, "pending_java_releases");
    }

    /** One root allocator per JVM for the integration's batches (make a child per task). */
    public static BufferAllocator rootAllocator() {
        RootAllocator r = rootAllocator;
        if (r == null) {
            synchronized (ArrowBridge.class) {
                r = rootAllocator;
                if (r == null) {
                    r = new RootAllocator(Long.MAX_VALUE);
                    rootAllocator = r;
                }
            }
        }
        return r;
    }

    /**
     * The root as a {@code pyarrow.RecordBatch} over the same buffers (no
     * copy). The root may be closed or refilled afterwards: the batch keeps
     * its buffers alive until Python frees it.
     */
    public static PyObject toPython(VectorSchemaRoot root, BufferAllocator allocator) {
        PyObject helper = helper();
        try (ArrowArray array = ArrowArray.allocateNew(allocator);
                ArrowSchema schema = newSchema(allocator)) {
            Data.exportVectorSchemaRoot(allocator, root, null, array, schema);
            try {
                return helper.callAttr("import_batch", array.memoryAddress(), schema.memoryAddress());
            } finally {
                releaseUnmoved(array, schema);
            }
        }
    }

    /**
     * A Python batch ({@code pyarrow.RecordBatch}, {@code Table}, pandas
     * {@code DataFrame}, dict of columns, one column) as a
     * {@link VectorSchemaRoot} over Python's buffers (no copy for a
     * RecordBatch or a numpy-backed column). Close the root when done: that
     * lets Python free the buffers.
     */
    public static VectorSchemaRoot fromPython(PyObject batch, List<String> names, BufferAllocator allocator) {
        PyObject helper = helper();
        try (ArrowArray array = ArrowArray.allocateNew(allocator);
                ArrowSchema schema = newSchema(allocator)) {
            try {
                helper.callAttrAs(
                        Long.class, "export_batch", batch, names, array.memoryAddress(), schema.memoryAddress());
            } catch (RuntimeException e) {
                releaseUnmoved(array, schema);
                throw e;
            }
            return Data.importVectorSchemaRoot(allocator, array, schema, null);
        }
    }

    /**
     * One batch through a Python function: {@code in} crosses without a copy,
     * {@code fn} receives it in {@code format} and returns a batch (see
     * {@link #fromPython}), which comes back without a copy. Columns of the
     * result are named {@code outNames} when Python returns bare columns.
     * Close the returned root when done with it.
     */
    public static VectorSchemaRoot apply(
            PyObject fn, BatchFormat format, VectorSchemaRoot in, List<String> outNames, BufferAllocator allocator) {
        return apply(fn, format, in, outNames, null, allocator);
    }

    /**
     * {@link #apply(PyObject, BatchFormat, VectorSchemaRoot, List, BufferAllocator)}
     * whose result is cast in Python to {@code outTypes} (its first
     * {@code outTypes.size()} columns; no copy for a column already of its type).
     */
    public static VectorSchemaRoot apply(
            PyObject fn,
            BatchFormat format,
            VectorSchemaRoot in,
            List<String> outNames,
            List<ColumnType> outTypes,
            BufferAllocator allocator) {
        List<String> types = null;
        if (outTypes != null) {
            types = new ArrayList<>();
            for (ColumnType t : outTypes) {
                types.add(t.name());
            }
        }
        PyObject helper = helper();
        try (ArrowArray inArray = ArrowArray.allocateNew(allocator);
                ArrowSchema inSchema = newSchema(allocator);
                ArrowArray outArray = ArrowArray.allocateNew(allocator);
                ArrowSchema outSchema = newSchema(allocator)) {
            Data.exportVectorSchemaRoot(allocator, in, null, inArray, inSchema);
            try {
                helper.callAttrAs(
                        Long.class,
                        "call_batch",
                        fn,
                        format.pythonName(),
                        outNames,
                        inArray.memoryAddress(),
                        inSchema.memoryAddress(),
                        outArray.memoryAddress(),
                        outSchema.memoryAddress(),
                        types);
            } catch (RuntimeException e) {
                releaseUnmoved(outArray, outSchema);
                throw e;
            } finally {
                releaseUnmoved(inArray, inSchema);
            }
            return Data.importVectorSchemaRoot(allocator, outArray, outSchema, null);
        }
    }

    /** {@link #apply(PyObject, BatchFormat, VectorSchemaRoot, List, BufferAllocator)} with a travelling function. */
    public static VectorSchemaRoot apply(
            PyFunction fn, BatchFormat format, VectorSchemaRoot in, List<String> outNames, BufferAllocator allocator) {
        return apply(fn.get(), format, in, outNames, allocator);
    }

    /**
     * A new, empty (released) ArrowSchema: Arrow Java 12's allocateNew leaves
     * the struct's memory as it found it (ArrowArray's it marks released),
     * so a struct never filled would carry a stray release pointer.
     */
    private static ArrowSchema newSchema(BufferAllocator allocator) {
        ArrowSchema s = ArrowSchema.allocateNew(allocator);
        s.save(new ArrowSchema.Snapshot());
        return s;
    }

    /**
     * Closes a root that came back from Python, holding the GIL through
     * pybridge while it does: buffers Python made from numpy arrays are freed
     * by Python's release callback, which takes the GIL; taken directly it
     * would queue behind other task threads at CPython's switch interval
     * (5 ms), through pybridge's lease it is the calling thread's at once.
     */
    public static void release(VectorSchemaRoot root) {
        if (root == null) {
            return;
        }
        Python.withGil(() -> {
            root.close();
            return null;
        });
    }

    /** Releases a pair whose ownership did not move to the other side (its release callback is still set). */
    private static void releaseUnmoved(ArrowArray array, ArrowSchema schema) {
        if (array.snapshot().release != 0) {
            array.release();
        }
        if (schema.snapshot().release != 0) {
            schema.release();
        }
    }

    /**
     * The addresses of a Python RecordBatch's buffers, [column][buffer] (0 for
     * an absent buffer): to check that memory was shared, not copied.
     */
    public static long[][] pythonBufferAddresses(PyObject recordBatch) {
        @SuppressWarnings("unchecked")
        List<List<Object>> cols = (List<List<Object>>) ExecutorPython.helper()
                .callAttr("buffer_addresses", recordBatch)
                .toJava();
        long[][] out = new long[cols.size()][];
        for (int c = 0; c < out.length; c++) {
            List<Object> bufs = cols.get(c);
            out[c] = new long[bufs.size()];
            for (int b = 0; b < bufs.size(); b++) {
                Object a = bufs.get(b);
                out[c][b] = a == null ? 0 : ((Number) a).longValue();
            }
        }
        return out;
    }

    /** Python is started by the first use; this is for callers that want it explicit. */
    static void ensurePython() {
        if (!Python.isInitialized()) {
            ExecutorPython.ensure(null);
        }
    }
}
