package org.pybridge.spark;

import java.lang.reflect.Method;
import java.util.Iterator;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.StructType;

/**
 * The columnar path around Spark's row objects: a Dataset's internal rows
 * ({@code queryExecution().toRdd()}) go straight into Arrow vectors, and the
 * result's Arrow vectors come back as rows of a {@code ColumnarBatch} (a view,
 * no per-row objects), made a DataFrame by {@code internalCreateDataFrame}.
 * These are Spark internals (public in bytecode, not in Spark's API), found
 * by reflection so that one jar serves Spark 3.5 and 4.x; when they are
 * missing, {@link PySpark} uses the Row path (public API, slower).
 */
final class SparkInternals {
    private SparkInternals() {}

    /** Maps {@code df}'s internal rows partition by partition into a DataFrame of {@code schema}, or null. */
    @SuppressWarnings("unchecked")
    static Dataset<Row> mapInternal(
            Dataset<Row> df, StructType schema, FlatMapFunction<Iterator<InternalRow>, InternalRow> f) {
        try {
            Object qe = method(df.getClass(), "queryExecution").invoke(df);
            RDD<InternalRow> rdd =
                    (RDD<InternalRow>) method(qe.getClass(), "toRdd").invoke(qe);
            JavaRDD<InternalRow> out = JavaRDD.fromRDD(rdd, scala.reflect.ClassTag$.MODULE$.apply(InternalRow.class))
                    .mapPartitions(f);
            Object session = df.sparkSession();
            Method create =
                    session.getClass().getMethod("internalCreateDataFrame", RDD.class, StructType.class, boolean.class);
            return (Dataset<Row>) create.invoke(session, out.rdd(), schema, false);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return null;
        }
    }

    private static Method method(Class<?> c, String name) throws NoSuchMethodException {
        return c.getMethod(name);
    }
}
