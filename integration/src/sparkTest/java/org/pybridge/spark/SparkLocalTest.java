package org.pybridge.spark;

import static org.apache.spark.sql.functions.col;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;
import org.pybridge.PyObject;
import org.pybridge.Python;
import org.pybridge.integration.ArrowBridge;
import org.pybridge.integration.BatchFormat;
import org.pybridge.integration.PyFunction;

/**
 * A Spark local[2] job through each API: scalar UDFs (SQL and Dataset API),
 * the vectorized UDF (numpy), partitions in Arrow batches (pyarrow, pandas),
 * Python set up from Spark conf and a file shipped with addFile; every
 * result checked against the same computation in Java.
 */
@org.junit.FixMethodOrder(org.junit.runners.MethodSorters.NAME_ASCENDING)
public class SparkLocalTest {
    static final long N = 200_000;
    static SparkSession spark;
    static Dataset<Row> df;

    static final String UDFS = "import numpy as np\n"
            + "def twice(x):\n    return 2 * x\n"
            + "def label(x, d):\n    return '%d:%.1f' % (x, d)\n"
            + "def half(x):\n    return x / 2\n"
            + "def odd_or_none(x):\n    return x if x % 2 else None\n"
            + "def poly(x, d):\n    return x * 3 + (d * 2).astype(np.int64)\n"
            + "def ratio(x, d):\n    return d / (x + 1)\n";

    @BeforeClass
    public static void start() throws Exception {
        Path shipped = Files.createTempDirectory("pybridge-spark").resolve("shipped_udfs.py");
        Files.write(shipped, "def plus_offset(x):\n    return x + OFFSET\n".getBytes("UTF-8"));
        spark = SparkSession.builder()
                .master("local[2]")
                .appName("pybridge-spark-test")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.sql.shuffle.partitions", "4")
                .config("spark.pybridge.modules", "numpy")
                .config(
                        "spark.pybridge.init",
                        "import builtins\nbuiltins.OFFSET = 1000\n" + "def from_conf(x):\n    return x - 1\n")
                .config("spark.pybridge.files", "shipped_udfs.py")
                .getOrCreate();
        String want = System.getProperty("pybridge.test.sparkVersion");
        if (want != null) {
            assertEquals("the Spark under test", want, spark.version());
        }
        new JavaSparkContext(spark.sparkContext()).addFile(shipped.toString());
        df = spark.range(0, N, 1, 4).withColumn("d", col("id").multiply(0.5));
    }

    @AfterClass
    public static void stop() {
        if (spark != null) {
            spark.stop();
        }
    }

    static long sumOfTwice() {
        long s = 0;
        for (long i = 0; i < N; i++) {
            s += 2 * i;
        }
        return s;
    }

    @Test
    public void scalarUdfsInSqlAndDatasets() {
        PySpark.register(spark, "twice", PyFunction.fromSource(UDFS, "twice"), DataTypes.LongType, 1);
        PySpark.register(spark, "label", PyFunction.fromSource(UDFS, "label"), DataTypes.StringType, 2);
        df.createOrReplaceTempView("t");
        Row r = spark.sql("SELECT sum(twice(id)), max(label(id, d)), count(*) FROM t WHERE id % 2 = 0 OR id >= 0")
                .first();
        assertEquals(sumOfTwice(), r.getLong(0));
        String max = "";
        for (long i = 0; i < N; i++) {
            String l = String.format("%d:%.1f", i, i * 0.5);
            max = l.compareTo(max) > 0 ? l : max;
        }
        assertEquals(max, r.getString(1));
        assertEquals(N, r.getLong(2));
        Row odd = df.select(PySpark.udf(PyFunction.fromSource(UDFS, "odd_or_none"), DataTypes.LongType, 1)
                        .apply(col("id"))
                        .alias("o"))
                .agg(org.apache.spark.sql.functions.count("o"), org.apache.spark.sql.functions.sum("o"))
                .first();
        assertEquals("None is null", N / 2, odd.getLong(0));
        assertEquals((N / 2) * (N / 2), odd.getLong(1));
        double sumHalf = df.select(PySpark.udf(PyFunction.fromSource(UDFS, "half"), DataTypes.DoubleType, 1)
                        .apply(col("id"))
                        .alias("h"))
                .agg(org.apache.spark.sql.functions.sum("h"))
                .first()
                .getDouble(0);
        assertEquals((N - 1) * N / 4.0, sumHalf, 1e-6);
    }

    @Test
    public void vectorizedUdfGetsColumnsAsNumpy() {
        String plan = PySpark.withVectorizedColumn(
                        df, "p", PyFunction.fromSource(UDFS, "poly"), DataTypes.LongType, "id", "d")
                .queryExecution()
                .executedPlan()
                .toString();
        assertTrue("the columnar path (internal rows, Arrow-backed rows back): " + plan, plan.contains("ExistingRDD"));
        vectorized();
    }

    @Test
    public void theRowPathGivesTheSameResults() {
        spark.conf().set(PySpark.COLUMNAR, "false");
        try {
            String plan = PySpark.withVectorizedColumn(
                            df, "p", PyFunction.fromSource(UDFS, "poly"), DataTypes.LongType, "id", "d")
                    .queryExecution()
                    .executedPlan()
                    .toString();
            assertTrue("the Row path (mapPartitions): " + plan, plan.contains("MapPartitions"));
            vectorized();
            partitionsInArrowAndPandasBatches();
        } finally {
            spark.conf().unset(PySpark.COLUMNAR);
        }
    }

    void vectorized() {
        Dataset<Row> out = PySpark.withVectorizedColumn(
                df, "p", PyFunction.fromSource(UDFS, "poly"), DataTypes.LongType, "id", "d");
        assertEquals(3, out.schema().fields().length);
        long expected = 0;
        for (long i = 0; i < N; i++) {
            expected += i * 3 + (long) (i * 0.5 * 2);
        }
        assertEquals(
                expected,
                out.agg(org.apache.spark.sql.functions.sum("p")).first().getLong(0));
        Dataset<Row> ratio = PySpark.withVectorizedColumn(
                df,
                "r",
                PyFunction.fromSource(UDFS, "ratio"),
                DataTypes.DoubleType,
                BatchFormat.NUMPY,
                1000,
                null,
                "id",
                "d");
        Row at = ratio.filter(col("id").equalTo(99)).first();
        assertEquals(99L, at.getLong(0));
        assertEquals(49.5 / 100, at.getDouble(2), 1e-12);
        assertEquals(N, ratio.count());
    }

    @Test
    public void partitionsInArrowAndPandasBatches() {
        String src = "import pyarrow as pa, pyarrow.compute as pc\n"
                + "def evens(rb):\n"
                + "    keep = pc.equal(pc.bit_wise_and(rb.column('id'), 1), 0)\n"
                + "    ids = pc.filter(rb.column('id'), keep)\n"
                + "    return pa.RecordBatch.from_arrays([ids, pc.multiply(ids, 10)], names=['id', 'ten'])\n"
                + "def tagged(df):\n"
                + "    out = df[df.id % 3 == 0].copy()\n"
                + "    out['tag'] = 'n' + out.id.astype(str)\n"
                + "    return out[['id', 'tag']]\n";
        StructType arrowOut = new StructType().add("id", DataTypes.LongType).add("ten", DataTypes.LongType);
        Dataset<Row> evens = PySpark.mapBatches(df, PyFunction.fromSource(src, "evens"), BatchFormat.ARROW, arrowOut);
        Row r = evens.agg(org.apache.spark.sql.functions.count("id"), org.apache.spark.sql.functions.sum("ten"))
                .first();
        long count = 0;
        long sum = 0;
        for (long i = 0; i < N; i += 2) {
            count++;
            sum += 10 * i;
        }
        assertEquals(count, r.getLong(0));
        assertEquals(sum, r.getLong(1));

        StructType pandasOut = new StructType().add("id", DataTypes.LongType).add("tag", DataTypes.StringType);
        Dataset<Row> tagged =
                PySpark.mapBatches(df, PyFunction.fromSource(src, "tagged"), BatchFormat.PANDAS, pandasOut);
        assertEquals((N + 2) / 3, tagged.count());
        assertEquals("n300", tagged.filter(col("id").equalTo(300)).first().getString(1));
    }

    @Test
    public void pythonIsSetUpFromSparkConfAndShippedFiles() {
        PySpark.register(spark, "from_conf", PyFunction.of("__main__", "from_conf"), DataTypes.LongType, 1);
        PySpark.register(
                spark, "plus_offset", PyFunction.fromFile("shipped_udfs.py", "plus_offset"), DataTypes.LongType, 1);
        Row r = spark.sql("SELECT sum(from_conf(id)), sum(plus_offset(id)) FROM range(0, 1000, 1, 4)")
                .first();
        assertEquals(999L * 1000 / 2 - 1000, r.getLong(0));
        assertEquals(999L * 1000 / 2 + 1000L * 1000, r.getLong(1));
    }

    static final String ROWS = "try:\n    import _interpreters as _xi\nexcept ImportError:\n"
            + "    import _xxsubinterpreters as _xi\n"
            + "def which():\n    i = _xi.get_current()\n    return int(i[0] if isinstance(i, tuple) else i)\n"
            + "def row_fn(i, d):\n    s = 0\n    for k in range(20):\n        s += k\n"
            + "    return (i * 2 + s, '%d:%.1f' % (i, d), which())\n";

    /** mapRows in the main interpreter, then in sub-interpreters (one per running task): the same rows. */
    @Test
    public void rowFunctionsInTheMainInterpreterAndInSubInterpreters() {
        StructType out = new StructType()
                .add("a", DataTypes.LongType)
                .add("b", DataTypes.StringType)
                .add("interp", DataTypes.LongType);
        PyFunction fn = PyFunction.fromSource(ROWS, "row_fn");
        Row main = PySpark.mapRows(df, fn, out)
                .agg(
                        org.apache.spark.sql.functions.sum("a"),
                        org.apache.spark.sql.functions.max("b"),
                        org.apache.spark.sql.functions.max("interp"),
                        org.apache.spark.sql.functions.count("*"))
                .first();
        assertEquals(sumOfTwice() + 190L * N, main.getLong(0));
        assertEquals(N, main.getLong(3));
        assertEquals("the main interpreter", 0L, main.getLong(2));
        spark.conf().set(PySpark.INTERPRETERS, "2");
        spark.conf().set(PySpark.CHUNK_SIZE, "500");
        try {
            Dataset<Row> rows = PySpark.mapRows(df, fn, out);
            Row sub = rows.agg(
                            org.apache.spark.sql.functions.sum("a"),
                            org.apache.spark.sql.functions.max("b"),
                            org.apache.spark.sql.functions.min("interp"),
                            org.apache.spark.sql.functions.count("*"),
                            org.apache.spark.sql.functions.countDistinct("interp"))
                    .first();
            assertEquals(sumOfTwice() + 190L * N, sub.getLong(0));
            assertEquals(main.getString(1), sub.getString(1));
            assertTrue("every row ran in a sub-interpreter: " + sub, sub.getLong(2) > 0);
            assertEquals(N, sub.getLong(3));
            assertTrue("at most 2 interpreters (one per running task): " + sub, sub.getLong(4) <= 2);
            // A function that fails: the Python error, not a hang, and the interpreter is given back.
            PyFunction bad = PyFunction.fromSource("def bad(i, d):\n    raise ValueError('row %d' % i)\n", "bad");
            try {
                PySpark.mapRows(df, bad, new StructType().add("x", DataTypes.LongType))
                        .count();
                fail("a failing row function fails the job");
            } catch (Exception e) { // SparkException: checked, thrown from Scala
                StringBuilder all = new StringBuilder();
                for (Throwable t = e; t != null; t = t.getCause()) {
                    all.append(t).append('\n');
                }
                assertTrue(all.toString(), all.toString().contains("ValueError"));
            }
            assertEquals(N, rows.count());
        } finally {
            spark.conf().unset(PySpark.INTERPRETERS);
            spark.conf().unset(PySpark.CHUNK_SIZE);
        }
    }

    @Test
    public void aCapturedPyObjectFailsAtSubmitNamingTheRightWay() {
        PyObject raw = Python.eval("lambda x: x + 1");
        JavaSparkContext jsc = new JavaSparkContext(spark.sparkContext());
        try {
            jsc.parallelize(List.of(1L, 2L, 3L), 2).map(x -> raw.callLong(x)).collect();
            fail("a closure capturing a PyObject must not be sent");
        } catch (Exception e) { // SparkException: checked, thrown from Scala
            StringBuilder all = new StringBuilder();
            for (Throwable t = e; t != null; t = t.getCause()) {
                all.append(t).append('\n');
            }
            assertTrue(all.toString(), all.toString().contains("Task not serializable"));
            assertTrue(all.toString(), all.toString().contains("PyFunction.of(module, name)"));
        }
    }

    @Test
    public void zzNothingLeftOverAfterTheJobs() {
        // Runs last (JUnit 4 runs in method-name order here): every Arrow batch the jobs
        // made was returned, every struct Java exported released.
        Dataset<Row> out = PySpark.withVectorizedColumn(
                df, "p", PyFunction.fromSource(UDFS, "poly"), DataTypes.LongType, "id", "d");
        out.count();
        assertEquals(0, ArrowBridge.rootAllocator().getAllocatedMemory());
        assertEquals(0, ArrowBridge.pendingJavaReleases());
    }
}
