package org.pybridge.bench.engines;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.pybridge.Python;
import org.pybridge.integration.PyFunction;
import org.pybridge.spark.PySpark;

/**
 * Parallel Python in one Spark executor (issue 18): {@code PySpark.mapRows}
 * over a pure-Python, CPU-bound row function on {@code local[2]}, in the
 * JVM's main interpreter (the two task threads take turns in one GIL)
 * against {@code spark.pybridge.interpreters=2} (each task in an isolated
 * sub-interpreter with its own GIL; Python 3.12+), alternating A and B in
 * one JVM. Prints rows per second (median of the rounds) and the ratio.
 *
 * <pre>gradle :integration:benchSparkInterpreters [-Pbench.rounds=5] [-Pbench.rows=40000] [-Pbench.work=2000]</pre>
 */
public final class SparkInterpreters {
    private SparkInterpreters() {}

    public static void main(String[] args) {
        int rounds = Integer.getInteger("bench.rounds", 5);
        long rows = Long.getLong("bench.rows", 40_000L);
        int work = Integer.getInteger("bench.work", 2000);
        SparkSession spark = SparkSession.builder()
                .master("local[2]")
                .appName("pybridge-interpreters-bench")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .getOrCreate();
        try {
            Dataset<Row> df = spark.range(0, rows, 1, 8).toDF("i");
            StructType out = new StructType().add("r", DataTypes.LongType);
            PyFunction fn = PyFunction.fromSource(
                    "def f(i):\n    s = 0\n    for k in range(" + work + "):\n" + "        s += k ^ i\n    return s\n",
                    "f");
            List<Double> main = new ArrayList<>();
            List<Double> sub = new ArrayList<>();
            long expect = -1;
            for (int r = -1; r < rounds; r++) { // round -1 warms up both
                for (int mode = 0; mode < 2; mode++) {
                    boolean interp = (mode == 0) == (r % 2 == 0);
                    if (interp) {
                        spark.conf().set(PySpark.INTERPRETERS, "2");
                    } else {
                        spark.conf().unset(PySpark.INTERPRETERS);
                    }
                    long t0 = System.nanoTime();
                    long sum = PySpark.mapRows(df, fn, out)
                            .agg(functions.sum("r"))
                            .first()
                            .getLong(0);
                    double secs = (System.nanoTime() - t0) / 1e9;
                    if (expect == -1) {
                        expect = sum;
                    } else if (sum != expect) {
                        throw new IllegalStateException("results differ: " + sum + " vs " + expect);
                    }
                    if (r >= 0) {
                        (interp ? sub : main).add(rows / secs);
                    }
                }
            }
            double a = median(main);
            double b = median(sub);
            System.out.printf(
                    "Python %s, Spark %s local[2], %d cores, load %s; %d rows of a %d-step pure-Python loop,"
                            + " %d rounds alternating, medians%n",
                    Python.info().version().split(" ")[0],
                    spark.version(),
                    Runtime.getRuntime().availableProcessors(),
                    load(),
                    rows,
                    work,
                    rounds);
            System.out.println();
            System.out.println("| mapRows | rows/s | vs main |");
            System.out.println("|---|---|---|");
            System.out.printf("| main interpreter (2 task threads, one GIL) | %.0f | 1.00x |%n", a);
            System.out.printf(
                    "| spark.pybridge.interpreters=2 (a sub-interpreter per task) | %.0f | %.2fx |%n", b, b / a);
            System.out.println("RESULT main " + main);
            System.out.println("RESULT interpreters " + sub);
        } finally {
            spark.stop();
        }
    }

    private static double median(List<Double> v) {
        List<Double> s = new ArrayList<>(v);
        Collections.sort(s);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    private static String load() {
        try {
            return new String(Files.readAllBytes(Paths.get("/proc/loadavg")))
                    .trim()
                    .split(" ", 4)[0];
        } catch (IOException e) {
            return "?";
        }
    }
}
