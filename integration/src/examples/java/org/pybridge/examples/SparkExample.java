package org.pybridge.examples;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.sum;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.pybridge.integration.BatchFormat;
import org.pybridge.integration.PyFunction;
import org.pybridge.spark.PySpark;

/**
 * Python functions in a Spark job, in the executors' JVMs:
 * {@code gradle :integration:sparkExample} (local[2]). On a cluster, submit
 * the same class with spark-submit (see docs/guide/spark-and-flink.md).
 */
public final class SparkExample {
    static final String PY = "import numpy as np, pyarrow as pa, pyarrow.compute as pc\n"
            + "def word_len(s):\n    return len(s)\n"
            + "def wave(x):\n    return np.sin(x) * 10\n"
            + "def summarize(df):\n"
            + "    g = df.groupby(df.id % 10)['x'].sum()\n"
            + "    return {'bucket': g.index.to_numpy(), 'total': g.to_numpy()}\n";

    public static void main(String[] args) {
        SparkSession spark = SparkSession.builder()
                .master(args.length > 0 ? args[0] : "local[2]")
                .appName("pybridge-spark-example")
                .config("spark.ui.enabled", "false")
                .config("spark.pybridge.modules", "numpy,pyarrow") // imported once per executor JVM
                .getOrCreate();
        spark.sparkContext().setLogLevel("WARN");

        // 1. A scalar UDF, row at a time, usable in SQL.
        PySpark.register(spark, "word_len", PyFunction.fromSource(PY, "word_len"), DataTypes.IntegerType, 1);
        spark.sql("SELECT word, word_len(word) AS n FROM VALUES ('spark'), ('pybridge'), ('arrow') AS t(word)")
                .show();

        // 2. A vectorized UDF: numpy arrays in and out, batches of 8192 rows (spark.pybridge.batchSize).
        Dataset<Row> df =
                spark.range(0, 1_000_000, 1, 4).withColumn("x", col("id").multiply(0.001));
        Dataset<Row> waved =
                PySpark.withVectorizedColumn(df, "y", PyFunction.fromSource(PY, "wave"), DataTypes.DoubleType, "x");
        waved.agg(sum("y")).show();

        // 3. Partitions as pandas DataFrames (Arrow underneath), any number of rows out.
        StructType out = new StructType().add("bucket", DataTypes.LongType).add("total", DataTypes.DoubleType);
        PySpark.mapBatches(df, PyFunction.fromSource(PY, "summarize"), BatchFormat.PANDAS, out)
                .groupBy("bucket")
                .agg(sum("total"))
                .orderBy("bucket")
                .show();

        spark.stop();
    }
}
