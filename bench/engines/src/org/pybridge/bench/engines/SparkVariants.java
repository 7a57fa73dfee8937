package org.pybridge.bench.engines;

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

/** One Spark local[2] JVM running one variant: java SparkVariants VARIANT ROWS WARM RUNS. */
public final class SparkVariants {
    public static void main(String[] args) throws Exception {
        String variant = args[0];
        long n = Long.parseLong(args[1]);
        int warm = Integer.parseInt(args[2]);
        int runs = Integer.parseInt(args[3]);
        SparkSession spark = SparkSession.builder()
                .master("local[2]")
                .appName("pybridge-bench-" + variant)
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.sql.shuffle.partitions", "4")
                .config("spark.pybridge.batchSize", System.getProperty("bench.batchSize", "8192"))
                .getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
        Dataset<Row> df = spark.range(0, n, 1, 4).toDF("x");
        Dataset<Row> job;
        switch (variant) {
            case "spark_sql":
                job = df.selectExpr("x * 2 + 1 AS y");
                break;
            case "pybridge_scalar_udf":
                job = df.select(PySpark.udf(PyFunction.fromSource(Measure.SCALAR, "f"), DataTypes.LongType, 1)
                        .apply(col("x"))
                        .alias("y"));
                break;
            case "pybridge_vectorized_udf":
                job = PySpark.withVectorizedColumn(
                        df, "y", PyFunction.fromSource(Measure.NUMPY, "f"), DataTypes.LongType, "x");
                break;
            case "pybridge_arrow_batches":
                job = PySpark.mapBatches(
                        df,
                        PyFunction.fromSource(Measure.ARROW, "f"),
                        BatchFormat.ARROW,
                        new StructType().add("y", DataTypes.LongType));
                break;
            default:
                throw new IllegalArgumentException("unknown variant " + variant);
        }
        Dataset<Row> total = job.agg(sum("y"));
        Measure.run(variant, n, warm, runs, () -> total.first().getLong(0));
        spark.stop();
    }
}
