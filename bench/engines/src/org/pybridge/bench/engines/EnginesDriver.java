package org.pybridge.bench.engines;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pybridge.integration.JvmFlags;

/**
 * ./dev bench-engines: Python in Spark and Flink jobs, pybridge beside
 * PySpark, on the same rows (sum of x * 2 + 1 over 1M rows, 4 partitions,
 * local[2]; Flink parallelism 2). Each variant runs in a process of its own
 * (a JVM, or PySpark's Python with its JVM), the variants alternating for
 * {@code bench.rounds} rounds; each process times {@code bench.runs} jobs
 * after {@code bench.warm} warm-up jobs. Prints one Markdown table (median,
 * min-max, ratio to the no-Python floor, peak RSS) and writes it to
 * bench/results/DATE-engines.md. Never fails on time.
 */
public final class EnginesDriver {
    static final List<String> SPARK = Arrays.asList(
            "spark_sql",
            "pyspark_udf",
            "pyspark_pandas_udf",
            "pybridge_scalar_udf",
            "pybridge_vectorized_udf",
            "pybridge_arrow_batches");
    static final List<String> FLINK =
            Arrays.asList("flink_java_map", "pybridge_map", "pybridge_numpy_batches", "pybridge_arrow_batches");

    static final Map<String, String> LABELS = new LinkedHashMap<>();

    static {
        LABELS.put("spark:spark_sql", "Spark SQL built-in expression (floor, no Python)");
        LABELS.put("spark:pyspark_udf", "PySpark Python UDF (@udf)");
        LABELS.put("spark:pyspark_pandas_udf", "PySpark pandas_udf");
        LABELS.put("spark:pybridge_scalar_udf", "pybridge scalar UDF (PySpark.udf, callLong per row)");
        LABELS.put("spark:pybridge_vectorized_udf", "pybridge vectorized UDF (withVectorizedColumn, numpy)");
        LABELS.put("spark:pybridge_arrow_batches", "pybridge Arrow batches (mapBatches, pyarrow)");
        LABELS.put("flink:flink_java_map", "Flink Java map (floor, no Python)");
        LABELS.put("flink:pybridge_map", "pybridge PyMapFunction (callLong per row)");
        LABELS.put("flink:pybridge_numpy_batches", "pybridge PyBatchOperator, numpy batches");
        LABELS.put("flink:pybridge_arrow_batches", "pybridge PyBatchOperator, pyarrow batches");
    }

    public static void main(String[] args) throws Exception {
        String root = System.getProperty("bench.root");
        long rows = Long.getLong("bench.rows", 1_000_000);
        int rounds = Integer.getInteger("bench.rounds", 2);
        int warm = Integer.getInteger("bench.warm", 2);
        int runs = Integer.getInteger("bench.runs", 5);
        String only = System.getProperty("bench.only", "");
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        String python = System.getProperty("bench.python");
        String pyspark = root + "/.peers/pyspark-venv/bin/python";
        boolean havePyspark = new File(pyspark).canExecute();

        Map<String, List<Long>> times = new LinkedHashMap<>();
        Map<String, Long> rss = new LinkedHashMap<>();
        Map<String, Long> workerRss = new LinkedHashMap<>();
        Map<String, String> notes = new LinkedHashMap<>();
        for (int round = 0; round < rounds; round++) {
            List<String> order = new ArrayList<>();
            for (String v : SPARK) {
                order.add("spark:" + v);
            }
            for (String v : FLINK) {
                order.add("flink:" + v);
            }
            if (round % 2 == 1) {
                Collections.reverse(order);
            }
            for (String key : order) {
                if (!only.isEmpty()
                        && !Arrays.asList(only.split(",")).contains(key.split(":")[0])
                        && !Arrays.asList(only.split(",")).contains(key)) {
                    continue;
                }
                String engine = key.split(":")[0];
                String v = key.split(":")[1];
                List<String> cmd = new ArrayList<>();
                if (v.startsWith("pyspark")) {
                    if (!havePyspark) {
                        notes.put(key, "not available (bench/engines/peers.sh failed)");
                        continue;
                    }
                    cmd.addAll(Arrays.asList(pyspark, root + "/bench/engines/pyspark_bench.py"));
                } else {
                    cmd.add(java);
                    cmd.add("-Xmx2g");
                    cmd.add("-Dbench.batchSize=" + System.getProperty("bench.batchSize", "8192"));
                    cmd.addAll(engine.equals("spark") ? JvmFlags.spark() : JvmFlags.flink());
                    cmd.add("-cp");
                    cmd.add(System.getProperty(
                            engine.equals("spark") ? "bench.sparkClasspath" : "bench.flinkClasspath"));
                    cmd.add("org.pybridge.bench.engines."
                            + (engine.equals("spark") ? "SparkVariants" : "FlinkVariants"));
                }
                cmd.addAll(Arrays.asList(v, Long.toString(rows), Integer.toString(warm), Integer.toString(runs)));
                System.err.println("[bench-engines] round " + (round + 1) + "/" + rounds + ": " + key);
                ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
                pb.environment().put("PYBRIDGE_PYTHON", python);
                pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
                pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
                Process p = pb.start();
                List<String> tail = new ArrayList<>();
                boolean got = false;
                try (BufferedReader r =
                        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        if (line.startsWith("RESULT ")) {
                            String[] f = line.split(" ");
                            List<Long> t = times.computeIfAbsent(key, k -> new ArrayList<>());
                            for (String ms : f[2].split(",")) {
                                t.add(Long.parseLong(ms));
                            }
                            rss.merge(key, Long.parseLong(f[3]), Math::max);
                            workerRss.merge(key, Long.parseLong(f[4]), Math::max);
                            got = true;
                        } else {
                            tail.add(line);
                            if (tail.size() > 20) {
                                tail.remove(0);
                            }
                        }
                    }
                }
                int rc = p.waitFor();
                if (!got) {
                    notes.put(key, "failed (exit " + rc + ")");
                    System.err.println(String.join("\n", tail));
                }
            }
        }
        String table = table(rows, rounds, warm, runs, times, rss, workerRss, notes);
        System.out.println(table);
        Path out = Paths.get(root, "bench", "results", LocalDate.now() + "-engines.md");
        Files.createDirectories(out.getParent());
        Files.write(out, table.getBytes(StandardCharsets.UTF_8));
        System.err.println("[bench-engines] written to " + out);
    }

    static String table(
            long rows,
            int rounds,
            int warm,
            int runs,
            Map<String, List<Long>> times,
            Map<String, Long> rss,
            Map<String, Long> workerRss,
            Map<String, String> notes)
            throws Exception {
        StringBuilder b = new StringBuilder();
        b.append("# Python in Spark and Flink jobs: pybridge beside PySpark\n\n");
        b.append(String.format(
                "%,d rows (sum of x * 2 + 1), 4 partitions, Spark local[2] / Flink parallelism 2; "
                        + "%d rounds alternating, each a process of its own timing %d jobs after %d warm-up jobs. "
                        + "Machine: %d cores, load %.1f at the end. JDK %s.%n%n",
                rows,
                rounds,
                runs,
                warm,
                Runtime.getRuntime().availableProcessors(),
                load(),
                System.getProperty("java.version")));
        b.append("| engine | variant | median ms | min–max ms | × floor | peak RSS JVM | peak RSS Python workers |\n");
        b.append("|---|---|---:|---:|---:|---:|---:|\n");
        for (String engine : Arrays.asList("spark", "flink")) {
            String floorKey = engine.equals("spark") ? "spark:spark_sql" : "flink:flink_java_map";
            double floor = times.containsKey(floorKey) ? median(times.get(floorKey)) : Double.NaN;
            for (Map.Entry<String, String> e : LABELS.entrySet()) {
                String key = e.getKey();
                if (!key.startsWith(engine + ":")) {
                    continue;
                }
                if (!times.containsKey(key)) {
                    if (notes.containsKey(key)) {
                        b.append("| ")
                                .append(engine)
                                .append(" | ")
                                .append(e.getValue())
                                .append(" | ")
                                .append(notes.get(key))
                                .append(" | | | | |\n");
                    }
                    continue;
                }
                List<Long> t = times.get(key);
                double med = median(t);
                long wr = workerRss.getOrDefault(key, 0L);
                b.append(String.format(
                        "| %s | %s | %.0f | %d–%d | %.2f | %d MB | %s |%n",
                        engine,
                        e.getValue(),
                        med,
                        Collections.min(t),
                        Collections.max(t),
                        med / floor,
                        rss.get(key) / 1024,
                        key.contains("pyspark") ? (wr / 1024) + " MB" : "– (in the JVM)"));
            }
        }
        b.append("\nPeak RSS of the JVM includes pybridge's embedded Python; PySpark's workers are separate "
                + "processes (their RSS summed, sampled every 50 ms; forked workers share pages, so the sum "
                + "overcounts).\n");
        return b.toString();
    }

    static double median(List<Long> xs) {
        List<Long> s = new ArrayList<>(xs);
        Collections.sort(s);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2.0;
    }

    static double load() {
        try {
            return Double.parseDouble(new String(Files.readAllBytes(Paths.get("/proc/loadavg"))).split(" ")[0]);
        } catch (Exception e) {
            return Double.NaN;
        }
    }
}
