package org.pybridge.flink;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;
import org.apache.flink.util.Collector;
import org.junit.BeforeClass;
import org.junit.FixMethodOrder;
import org.junit.Test;
import org.junit.runners.MethodSorters;
import org.pybridge.PyObject;
import org.pybridge.Python;
import org.pybridge.integration.ArrowBridge;
import org.pybridge.integration.BatchFormat;
import org.pybridge.integration.ColumnType;
import org.pybridge.integration.PyFunction;

/**
 * A Flink local job (parallelism 2) through each API: PyMapFunction,
 * PyProcessFunction, PyBatchFunction in Arrow and numpy batches, Python set
 * up from global job parameters and the distributed cache; results checked
 * against the same computation in Java.
 */
@FixMethodOrder(MethodSorters.NAME_ASCENDING)
public class FlinkLocalTest {
    static final long N = 100_000;
    static final String UDFS = "import numpy as np, pyarrow as pa, pyarrow.compute as pc\n"
            + "def twice(x):\n    return 2 * x\n"
            + "def label(x):\n    return 'n%d' % x\n"
            + "def scale(x, d):\n    return {'x': x, 'y': d * 4 + x}\n"
            + "def odd_tens(rb):\n"
            + "    keep = pc.equal(pc.bit_wise_and(rb.column('x'), 1), 1)\n"
            + "    xs = pc.filter(rb.column('x'), keep)\n"
            + "    return pa.RecordBatch.from_arrays([xs, pc.multiply(xs, 10)], names=['x', 'ten'])\n";
    static Path shipped;

    @BeforeClass
    public static void files() throws Exception {
        String want = System.getProperty("pybridge.test.flinkVersion");
        if (want != null) {
            assertEquals(
                    "the Flink under test", want, org.apache.flink.runtime.util.EnvironmentInformation.getVersion());
        }
        shipped = Files.createTempDirectory("pybridge-flink").resolve("flink_udfs.py");
        Files.write(shipped, "def plus_offset(x):\n    return x + OFFSET\n".getBytes("UTF-8"));
    }

    static StreamExecutionEnvironment env() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2);
        env.setRuntimeMode(RuntimeExecutionMode.BATCH);
        Configuration params = new Configuration();
        params.setString("pybridge.modules", "numpy");
        params.setString(
                "pybridge.init", "import builtins\nbuiltins.OFFSET = 7\n" + "def from_params(x):\n    return x * 5\n");
        params.setString("pybridge.files", "flink_udfs.py");
        env.getConfig().setGlobalJobParameters(params);
        env.registerCachedFile(shipped.toString(), "flink_udfs.py");
        return env;
    }

    static <T> List<T> collect(DataStream<T> s) throws Exception {
        List<T> out = new ArrayList<>();
        try (CloseableIterator<T> it = s.executeAndCollect()) {
            it.forEachRemaining(out::add);
        }
        return out;
    }

    static DataStream<Row> rows(StreamExecutionEnvironment env) {
        return env.fromSequence(0, N - 1)
                .map(x -> Row.of(x, x * 0.5))
                .returns(Types.ROW_NAMED(new String[] {"x", "d"}, Types.LONG, Types.DOUBLE));
    }

    @Test
    public void mapFunctionCallsPythonPerElement() throws Exception {
        List<Long> out = collect(env().fromSequence(0, N - 1)
                .map(new PyMapFunction<Long, Long>(PyFunction.fromSource(UDFS, "twice"), Long.class)));
        long sum = 0;
        for (long v : out) {
            sum += v;
        }
        assertEquals(N, out.size());
        assertEquals((N - 1) * N, sum);
        List<String> labels = collect(env().fromSequence(0, 999)
                .map(new PyMapFunction<Long, String>(PyFunction.fromSource(UDFS, "label"), String.class)));
        assertTrue(labels.contains("n999"));
        assertEquals(1000, labels.size());
    }

    static final String WHICH = "try:\n    import _interpreters as _xi\nexcept ImportError:\n"
            + "    import _xxsubinterpreters as _xi\n"
            + "def tagged(x):\n    i = _xi.get_current()\n    i = int(i[0] if isinstance(i, tuple) else i)\n"
            + "    return x * 1000 + i\n";

    /** pybridge.interpreters=2: each subtask's map runs in a sub-interpreter of its own. */
    @Test
    public void mapFunctionInSubInterpreters() throws Exception {
        StreamExecutionEnvironment env = env();
        Configuration params = new Configuration();
        params.setString("pybridge.files", "flink_udfs.py");
        params.setString(PyFlink.INTERPRETERS, "2");
        env.getConfig().setGlobalJobParameters(params);
        List<Long> out = collect(env.fromSequence(0, 9999)
                .map(new PyMapFunction<Long, Long>(PyFunction.fromSource(WHICH, "tagged"), Long.class)));
        assertEquals(10000, out.size());
        Set<Long> interps = new HashSet<>();
        long sum = 0;
        for (long v : out) {
            interps.add(v % 1000);
            sum += v / 1000;
        }
        assertEquals(9999L * 10000 / 2, sum);
        assertTrue("every element in a sub-interpreter: " + interps, !interps.contains(0L));
        assertTrue("at most 2 interpreters (one per subtask): " + interps, interps.size() <= 2);
    }

    static final class Labels extends PyProcessFunction<Long, String> {
        Labels() {
            super(PyFunction.fromSource(UDFS, "label"));
        }

        @Override
        public void processElement(Long x, Context ctx, Collector<String> out) {
            if (x % 10 == 0) {
                out.collect(function().callAs(String.class, x));
            }
        }
    }

    @Test
    public void processFunctionBase() throws Exception {
        List<String> out =
                collect(env().fromSequence(0, 999).process(new Labels()).returns(Types.STRING));
        assertEquals(100, out.size());
        assertTrue(out.contains("n990"));
    }

    @Test
    public void batchesInNumpyAndArrow() throws Exception {
        List<Row> scaled = collect(rows(env())
                .fullWindowPartition()
                .mapPartition(PyBatchFunction.of(PyFunction.fromSource(UDFS, "scale"), BatchFormat.NUMPY)
                        .batchSize(4096)
                        .input("x", ColumnType.INT64)
                        .input("d", ColumnType.FLOAT64)
                        .output("x", ColumnType.INT64)
                        .output("y", ColumnType.FLOAT64)));
        assertEquals(N, scaled.size());
        double sum = 0;
        for (Row r : scaled) {
            long x = (Long) r.getField(0);
            assertEquals(x * 3.0, (Double) r.getField(1), 0);
            sum += (Double) r.getField(1);
        }
        assertEquals(3.0 * (N - 1) * N / 2, sum, 1e-3);

        List<Row> odd = collect(rows(env())
                .fullWindowPartition()
                .mapPartition(PyBatchFunction.of(PyFunction.fromSource(UDFS, "odd_tens"), BatchFormat.ARROW)
                        .input("x", ColumnType.INT64)
                        .input("d", ColumnType.FLOAT64)
                        .output("x", ColumnType.INT64)
                        .output("ten", ColumnType.INT64)));
        long expected = 0;
        for (long i = 1; i < N; i += 2) {
            expected += 10 * i;
        }
        long got = 0;
        for (Row r : odd) {
            got += (Long) r.getField(1);
        }
        assertEquals(N / 2, odd.size());
        assertEquals(expected, got);
    }

    @Test
    public void batchesAsAStreamingOperator() throws Exception {
        StreamExecutionEnvironment env = env();
        env.setRuntimeMode(RuntimeExecutionMode.STREAMING);
        List<Row> scaled = collect(PyBatchOperator.apply(
                rows(env),
                PyBatchFunction.of(PyFunction.fromSource(UDFS, "scale"), BatchFormat.NUMPY)
                        .batchSize(1000)
                        .input("x", ColumnType.INT64)
                        .input("d", ColumnType.FLOAT64)
                        .output("x", ColumnType.INT64)
                        .output("y", ColumnType.FLOAT64)));
        assertEquals(N, scaled.size());
        double sum = 0;
        for (Row r : scaled) {
            assertEquals((Long) r.getField(0) * 3.0, (Double) r.getField(1), 0);
            sum += (Double) r.getField(1);
        }
        assertEquals(3.0 * (N - 1) * N / 2, sum, 1e-3);
    }

    @Test
    public void pythonIsSetUpFromJobParametersAndTheDistributedCache() throws Exception {
        List<Long> a = collect(env().fromSequence(0, 9)
                .map(new PyMapFunction<Long, Long>(PyFunction.of("__main__", "from_params"), Long.class)));
        List<Long> b = collect(env().fromSequence(0, 9)
                .map(new PyMapFunction<Long, Long>(PyFunction.fromFile("flink_udfs.py", "plus_offset"), Long.class)));
        assertEquals(45L * 5, a.stream().mapToLong(Long::longValue).sum());
        assertEquals(45L + 70, b.stream().mapToLong(Long::longValue).sum());
    }

    @Test
    public void aCapturedPyObjectFailsAtSubmitNamingTheRightWay() {
        PyObject raw = Python.eval("lambda x: x + 1");
        try {
            env().fromSequence(1, 3).map(x -> raw.callLong(x)).returns(Types.LONG);
            fail("a function capturing a PyObject must not be accepted");
        } catch (RuntimeException e) {
            StringBuilder all = new StringBuilder();
            for (Throwable t = e; t != null; t = t.getCause()) {
                all.append(t).append('\n');
            }
            assertTrue(all.toString(), all.toString().contains("not serializable"));
            assertTrue(all.toString(), all.toString().contains("PyFunction.of(module, name)"));
        }
    }

    @Test
    public void zzNothingLeftOverAfterTheJobs() {
        assertEquals(0, ArrowBridge.rootAllocator().getAllocatedMemory());
        assertEquals(0, ArrowBridge.pendingJavaReleases());
    }
}
