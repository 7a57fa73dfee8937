package org.pybridge.spark;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;
import org.apache.spark.SparkFiles;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.api.java.UDF3;
import org.apache.spark.sql.api.java.UDF4;
import org.apache.spark.sql.api.java.UDF5;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.pybridge.integration.BatchFormat;
import org.pybridge.integration.ColumnType;
import org.pybridge.integration.ExecutorPython;
import org.pybridge.integration.FileResolver;
import org.pybridge.integration.JvmFlags;
import org.pybridge.integration.PyFunction;
import org.pybridge.integration.PythonSetup;

/**
 * Python functions in Spark jobs, in the executors' own JVMs (no Python
 * worker processes, no sockets): scalar UDFs, vectorized UDFs over column
 * batches as numpy arrays, and partitions mapped in Arrow batches.
 *
 * <pre>{@code
 * PyFunction twice = PyFunction.fromSource("def twice(x):\n    return 2 * x\n", "twice");
 * PySpark.register(spark, "twice", twice, DataTypes.LongType, 1);
 * spark.sql("SELECT twice(id) FROM range(10)");                            // row at a time
 *
 * PyFunction scale = PyFunction.fromSource("def scale(x):\n    return x * 2.5\n", "scale");
 * Dataset<Row> out = PySpark.withVectorizedColumn(df, "y", scale, DataTypes.DoubleType, "x");  // numpy
 *
 * Dataset<Row> res = PySpark.mapBatches(df, PyFunction.of("jobs", "enrich"), BatchFormat.ARROW, schema);
 * }</pre>
 *
 * <p>Python starts once per executor JVM, on the first task that needs it,
 * configured by Spark conf {@code spark.pybridge.python},
 * {@code spark.pybridge.sysPath}, {@code spark.pybridge.files} (names given
 * to {@code SparkContext.addFile} / {@code --files}),
 * {@code spark.pybridge.modules}, {@code spark.pybridge.init}, else by the
 * executor's environment ({@code PYBRIDGE_PYTHON}, {@code VIRTUAL_ENV}). The
 * executor JVM has one GIL: its task threads take turns in Python.
 */
public final class PySpark {
    private PySpark() {}

    /** Spark conf keys: {@code spark.pybridge.python}, {@code .sysPath}, {@code .files}, {@code .modules}, {@code .init}. */
    public static final String PREFIX = "spark.pybridge.";
    /** Rows per Arrow batch (default {@value #DEFAULT_BATCH_SIZE}). */
    public static final String BATCH_SIZE = PREFIX + "batchSize";

    public static final int DEFAULT_BATCH_SIZE = 8192;

    private static final FileResolver SPARK_FILES = new FileResolver() {
        @Override
        public Path resolve(String name) {
            String p = SparkFiles.get(name);
            return p == null ? null : Paths.get(p);
        }

        @Override
        public String toString() {
            return "SparkFiles.get";
        }
    };

    private static volatile PythonSetup fromConf;

    /**
     * Starts this JVM's Python if it is not running yet and applies the
     * Spark conf's setup and {@code extra} (each step once per JVM). The
     * helpers here call it in every task; call it yourself in your own
     * {@code mapPartitions} before using pybridge directly.
     */
    public static void ensurePython(PythonSetup extra) {
        PythonSetup conf = fromConf;
        if (conf == null) {
            ExecutorPython.addFileResolver(SPARK_FILES);
            conf = setupFromConf();
            fromConf = conf;
        }
        ExecutorPython.ensure(extra == null ? conf : conf.merge(extra));
    }

    /** {@link #ensurePython(PythonSetup)} with the Spark conf's setup only. */
    public static void ensurePython() {
        ensurePython(null);
    }

    /** This JVM's Spark conf under {@value #PREFIX}, as a setup (empty without a SparkEnv). */
    public static PythonSetup setupFromConf() {
        SparkEnv env = SparkEnv.get();
        if (env == null) {
            return PythonSetup.create();
        }
        return fromSparkConf(env.conf());
    }

    /** The setup that {@code conf}'s {@value #PREFIX} keys describe. */
    public static PythonSetup fromSparkConf(SparkConf conf) {
        Map<String, String> m = new HashMap<>();
        for (String k : Arrays.asList(
                PythonSetup.PYTHON, PythonSetup.SYS_PATH, PythonSetup.FILES, PythonSetup.MODULES, PythonSetup.INIT)) {
            String v = conf.get(PREFIX + k, null);
            if (v != null) {
                m.put(PREFIX + k, v);
            }
        }
        return PythonSetup.fromProperties(m, PREFIX);
    }

    // ---- scalar UDFs --------------------------------------------------------------

    /**
     * {@code fn} as a row-at-a-time UDF of {@code arity} (1-5) arguments,
     * whose results are converted to {@code returnType} (bigint, int, double,
     * float, boolean, string, smallint, tinyint, binary; arrays and maps from
     * Python lists and dicts). Use it in the Dataset API:
     * {@code df.select(udf.apply(col("x")))}.
     */
    public static UserDefinedFunction udf(PyFunction fn, DataType returnType, int arity) {
        return udf(fn, returnType, arity, null);
    }

    /** {@link #udf(PyFunction, DataType, int)} with a setup applied before its first call in each executor. */
    @SuppressWarnings("unchecked")
    public static UserDefinedFunction udf(PyFunction fn, DataType returnType, int arity, PythonSetup setup) {
        PyScalarUdf u = new PyScalarUdf(fn, returnType, setup);
        switch (arity) {
            case 1:
                return functions.udf((UDF1<?, ?>) u, returnType);
            case 2:
                return functions.udf((UDF2<?, ?, ?>) u, returnType);
            case 3:
                return functions.udf((UDF3<?, ?, ?, ?>) u, returnType);
            case 4:
                return functions.udf((UDF4<?, ?, ?, ?, ?>) u, returnType);
            case 5:
                return functions.udf((UDF5<?, ?, ?, ?, ?, ?>) u, returnType);
            default:
                throw new IllegalArgumentException("a pybridge scalar UDF takes 1 to 5 arguments, not " + arity
                        + " (pass a struct or an array column for more)");
        }
    }

    /**
     * Registers {@code fn} as the SQL function {@code name} (see
     * {@link #udf(PyFunction, DataType, int)}): {@code spark.sql("SELECT name(x) FROM t")}.
     */
    public static UserDefinedFunction register(
            SparkSession spark, String name, PyFunction fn, DataType returnType, int arity) {
        return spark.udf().register(name, udf(fn, returnType, arity));
    }

    // ---- vectorized UDFs and batches -------------------------------------------------

    /**
     * {@code df} with a column {@code column} computed by {@code fn} over
     * whole batches: {@code fn(x, y, ...)} receives one numpy array per input
     * column (a view of Arrow memory, no copy) and returns one array (or
     * pyarrow Array, pandas Series, list) of the same length, converted to
     * {@code returnType}. The JVM's {@code pandas_udf}: the batch never
     * leaves the executor's memory.
     */
    public static Dataset<Row> withVectorizedColumn(
            Dataset<Row> df, String column, PyFunction fn, DataType returnType, String... inputColumns) {
        return withVectorizedColumn(df, column, fn, returnType, BatchFormat.NUMPY, batchSize(df), null, inputColumns);
    }

    /**
     * {@link #withVectorizedColumn(Dataset, String, PyFunction, DataType, String...)}
     * with the batch format ({@code NUMPY}: one array per column;
     * {@code PANDAS}: a DataFrame of the input columns; {@code ARROW}: a
     * RecordBatch), the rows per batch and a setup.
     */
    public static Dataset<Row> withVectorizedColumn(
            Dataset<Row> df,
            String column,
            PyFunction fn,
            DataType returnType,
            BatchFormat format,
            int batchSize,
            PythonSetup setup,
            String... inputColumns) {
        StructType schema = df.schema();
        if (inputColumns.length == 0) {
            throw new IllegalArgumentException("withVectorizedColumn needs at least one input column");
        }
        int[] idx = new int[inputColumns.length];
        List<ColumnType> types = new ArrayList<>();
        for (int i = 0; i < idx.length; i++) {
            idx[i] = schema.fieldIndex(inputColumns[i]);
            types.add(SparkTypes.column(schema.fields()[idx[i]].dataType(), "column " + inputColumns[i]));
        }
        ColumnType out = SparkTypes.column(returnType, "the result");
        StructType outSchema = schema.add(column, returnType, true);
        if (columnar(df)) {
            List<ColumnType> all = allColumns(schema);
            if (all != null) {
                List<String> names = new ArrayList<>(Arrays.asList(schema.fieldNames()));
                Dataset<Row> res = SparkInternals.mapInternal(
                        df,
                        outSchema,
                        new InternalBatchPartition(
                                fn,
                                format,
                                names,
                                all,
                                idx,
                                Collections.singletonList(column),
                                Collections.singletonList(out),
                                true,
                                batchSize,
                                setup));
                if (res != null) {
                    return res;
                }
            }
        }
        MapPartitionsFunction<Row, Row> f = new BatchPartition(
                fn,
                format,
                idx,
                Arrays.asList(inputColumns),
                types,
                Collections.singletonList(column),
                new ColumnType[] {out},
                true,
                schema.fields().length,
                batchSize,
                setup);
        return df.mapPartitions(f, Encoders.row(outSchema));
    }

    /**
     * Each partition of {@code df} through {@code fn} in Arrow batches (the
     * JVM's {@code mapInArrow} / {@code mapInPandas}): {@code fn} receives a
     * {@code pyarrow.RecordBatch} ({@code ARROW}, the Java buffers themselves),
     * a pandas DataFrame ({@code PANDAS}) or one numpy array per column
     * ({@code NUMPY}), and returns a RecordBatch, Table, DataFrame, dict of
     * columns or a tuple of columns, with any number of rows, whose columns
     * are taken in order as {@code outputSchema}'s.
     */
    public static Dataset<Row> mapBatches(Dataset<Row> df, PyFunction fn, BatchFormat format, StructType outputSchema) {
        return mapBatches(df, fn, format, outputSchema, batchSize(df), null);
    }

    /** {@link #mapBatches(Dataset, PyFunction, BatchFormat, StructType)} with the rows per batch and a setup. */
    public static Dataset<Row> mapBatches(
            Dataset<Row> df,
            PyFunction fn,
            BatchFormat format,
            StructType outputSchema,
            int batchSize,
            PythonSetup setup) {
        StructType schema = df.schema();
        StructField[] fields = schema.fields();
        int[] idx = new int[fields.length];
        List<String> names = new ArrayList<>();
        List<ColumnType> types = new ArrayList<>();
        for (int i = 0; i < fields.length; i++) {
            idx[i] = i;
            names.add(fields[i].name());
            types.add(SparkTypes.column(fields[i].dataType(), "column " + fields[i].name()));
        }
        StructField[] outFields = outputSchema.fields();
        List<String> outNames = new ArrayList<>();
        ColumnType[] outTypes = new ColumnType[outFields.length];
        for (int i = 0; i < outFields.length; i++) {
            outNames.add(outFields[i].name());
            outTypes[i] = SparkTypes.column(outFields[i].dataType(), "output column " + outFields[i].name());
        }
        if (columnar(df)) {
            Dataset<Row> res = SparkInternals.mapInternal(
                    df,
                    outputSchema,
                    new InternalBatchPartition(
                            fn, format, names, types, idx, outNames, Arrays.asList(outTypes), false, batchSize, setup));
            if (res != null) {
                return res;
            }
        }
        MapPartitionsFunction<Row, Row> f = new BatchPartition(
                fn, format, idx, names, types, outNames, outTypes, false, fields.length, batchSize, setup);
        return df.mapPartitions(f, Encoders.row(outputSchema));
    }

    // ---- row functions, optionally in sub-interpreters ----------------------------------

    /**
     * Sub-interpreters per executor JVM for {@link #mapRows}: {@code 0} (the
     * default) runs every task in the JVM's main interpreter, where the
     * tasks of one executor take turns; {@code N > 0} gives each running
     * task one of up to N sub-interpreters of its own, isolated with its own
     * GIL on Python 3.12+, so that N tasks run Python at once. Set it to the
     * executor's cores ({@code spark.executor.cores}, or N of
     * {@code local[N]}). Code run there must not import extension modules
     * that cannot be isolated (numpy, pandas, pyarrow).
     */
    public static final String INTERPRETERS = PREFIX + "interpreters";
    /** Rows per call into Python in {@link #mapRows} (default {@value #DEFAULT_CHUNK_SIZE}). */
    public static final String CHUNK_SIZE = PREFIX + "chunkSize";

    public static final int DEFAULT_CHUNK_SIZE = 1024;

    /**
     * Each row of {@code df} through the Python function {@code fn}:
     * {@code fn(*row)} receives the row's columns as Python values and
     * returns the output row, a tuple (or list) with one value per column of
     * {@code outputSchema}, or the value itself when it has one column.
     * Rows cross {@value #DEFAULT_CHUNK_SIZE} at a time ({@value #CHUNK_SIZE}),
     * one call into Python per chunk. With {@value #INTERPRETERS} set, each
     * task runs in a sub-interpreter of its own: pure-Python work uses as
     * many cores as tasks run. Sub-interpreters get the Spark conf's
     * {@code sys.path} entries and files; its modules and init code run in
     * the main interpreter only, so pass what {@code fn} needs there as
     * {@code setup} ({@link #mapRows(Dataset, PyFunction, StructType, PythonSetup)}).
     */
    public static Dataset<Row> mapRows(Dataset<Row> df, PyFunction fn, StructType outputSchema) {
        return mapRows(df, fn, outputSchema, null);
    }

    /** {@link #mapRows(Dataset, PyFunction, StructType)} with a setup applied in each interpreter first. */
    public static Dataset<Row> mapRows(Dataset<Row> df, PyFunction fn, StructType outputSchema, PythonSetup setup) {
        StructField[] outFields = outputSchema.fields();
        if (outFields.length == 0) {
            throw new IllegalArgumentException("mapRows needs an output schema with at least one column");
        }
        DataType[] outTypes = new DataType[outFields.length];
        for (int i = 0; i < outFields.length; i++) {
            outTypes[i] = outFields[i].dataType();
        }
        org.apache.spark.sql.RuntimeConfig conf = df.sparkSession().conf();
        int interpreters = intConf(conf.get(INTERPRETERS, "0"), INTERPRETERS, 0);
        int chunk = intConf(conf.get(CHUNK_SIZE, String.valueOf(DEFAULT_CHUNK_SIZE)), CHUNK_SIZE, 1);
        return df.mapPartitions(new RowPartition(fn, outTypes, chunk, interpreters, setup), Encoders.row(outputSchema));
    }

    private static int intConf(String v, String key, int min) {
        int n;
        try {
            n = Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a whole number, not '" + v + "'");
        }
        if (n < min) {
            throw new IllegalArgumentException(key + " must be at least " + min + ", not " + n);
        }
        return n;
    }

    /** The column types of every field, or null if one has a type batches do not carry. */
    private static List<ColumnType> allColumns(StructType schema) {
        List<ColumnType> all = new ArrayList<>();
        for (StructField f : schema.fields()) {
            try {
                all.add(SparkTypes.column(f.dataType(), f.name()));
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
        return all;
    }

    /**
     * Whether batches take the columnar path (Spark's internal rows into Arrow,
     * Arrow vectors back as rows; the default) or the Row path (public API
     * only): {@value #COLUMNAR} = false forces the Row path.
     */
    private static boolean columnar(Dataset<Row> df) {
        return !"false"
                .equalsIgnoreCase(df.sparkSession().conf().get(COLUMNAR, "true").trim());
    }

    /** {@code false}: batches go through Spark's Row objects (public API only) instead of internal rows. */
    public static final String COLUMNAR = PREFIX + "columnar";

    private static int batchSize(Dataset<Row> df) {
        String v = df.sparkSession().conf().get(BATCH_SIZE, String.valueOf(DEFAULT_BATCH_SIZE));
        return Integer.parseInt(v.trim());
    }

    /**
     * The JVM options Spark needs on JDK 17+ (its {@code --add-opens} list,
     * and {@code java.nio} for Arrow): for a JVM that runs Spark in local
     * mode outside {@code spark-submit}, which adds them itself.
     */
    public static List<String> jvmFlags() {
        return JvmFlags.spark();
    }
}
