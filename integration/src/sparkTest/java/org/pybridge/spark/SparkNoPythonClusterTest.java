package org.pybridge.spark;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.junit.Assume;
import org.junit.Test;
import org.pybridge.integration.JvmFlags;
import org.pybridge.integration.PyFunction;

/**
 * A Spark job on a machine with no Python: {@code local-cluster[2,1,1024]}
 * (a master, two workers and two executor JVMs of their own), submitted with
 * {@code spark.jars} (what {@code --jars} sets) = pybridge, the integration,
 * a CPython runtime jar and a packages jar (numpy) only. The driver runs in a
 * child JVM whose environment has no {@code PYBRIDGE_PYTHON}, no virtualenv,
 * no {@code PYTHONHOME} and a {@code PATH} holding only {@code java}; the
 * executors inherit it. numpy UDFs run on both executors, each of which
 * extracts the runtime and packages into its (fresh) cache. Jars come from
 * Gradle ({@code pybridge.test.cluster.*}; integration/gradle/no-python-cluster.gradle).
 */
public class SparkNoPythonClusterTest {
    static final long N = 100_000;

    static final String UDFS = "import numpy as np\n"
            + "def twice(x):\n    return int(np.int64(x) * 2)\n"
            + "def where(x):\n"
            + "    import os, sys\n"
            + "    return '|'.join([str(os.getpid()), sys.prefix, np.__file__, np.__version__,\n"
            + "                     os.environ.get('PYBRIDGE_PYTHON', '-'), os.environ.get('VIRTUAL_ENV', '-'),\n"
            + "                     os.environ.get('PATH', '-'), str(sys.flags.no_user_site)])\n";

    @Test
    public void numpyUdfsOnExecutorsWithNoPython() throws Exception {
        String jars = System.getProperty("pybridge.test.cluster.jars");
        Assume.assumeTrue("no jars given (gradle :integration:sparkTest passes them)", jars != null);
        Path tmp = Files.createTempDirectory("pybridge-spark-nopython");
        try {
            Path bin = toolsWithoutPython(tmp.resolve("bin"));
            Path home = Files.createDirectories(tmp.resolve("home"));
            Path sparkHome = Files.createDirectories(tmp.resolve("spark-home/jars"));
            List<String> cmd = new ArrayList<>();
            cmd.add(bin.resolve("java").toString());
            cmd.addAll(JvmFlags.spark());
            cmd.add("-Xmx1g");
            cmd.add("-cp");
            cmd.add(System.getProperty("pybridge.test.cluster.driverClasspath"));
            cmd.add(Driver.class.getName());
            cmd.add(jars);
            cmd.add(System.getProperty("pybridge.test.cluster.sparkClasspath"));
            cmd.add(tmp.toString());
            ProcessBuilder pb = new ProcessBuilder(cmd);
            Map<String, String> env = pb.environment();
            for (String k : new String[] {
                "PYBRIDGE_PYTHON",
                "VIRTUAL_ENV",
                "PYTHONHOME",
                "PYTHONPATH",
                "CONDA_PREFIX",
                "XDG_CACHE_HOME",
                "LD_LIBRARY_PATH",
                "SPARK_HOME",
                "SPARK_CONF_DIR"
            }) {
                env.remove(k);
            }
            env.put("PATH", bin.toString());
            env.put("HOME", home.toString());
            env.put("SPARK_HOME", sparkHome.getParent().toString());
            env.put("SPARK_LOCAL_IP", "127.0.0.1");
            // The launcher that builds the executors' command line reads it (else from a source tree).
            String sv = scala.util.Properties.versionNumberString();
            env.put("SPARK_SCALA_VERSION", sv.substring(0, sv.lastIndexOf('.')));
            pb.redirectErrorStream(true);
            Path log = tmp.resolve("driver.log");
            pb.redirectOutput(log.toFile());
            long t0 = System.nanoTime();
            Process p = pb.start();
            boolean done = p.waitFor(600, TimeUnit.SECONDS);
            if (!done) {
                p.destroyForcibly();
            }
            String out = new String(Files.readAllBytes(log), StandardCharsets.UTF_8);
            System.out.println("spark local-cluster job with jars only: " + (System.nanoTime() - t0) / 1_000_000
                    + " ms (driver JVM start to end, 2 executors, first start of each)");
            assertTrue(abbreviate(out), done && p.exitValue() == 0 && out.contains("DRIVER-OK"));
            String cache = home.toRealPath().resolve(".cache/pybridge").toString();
            List<String> where = Arrays.stream(out.split("\n"))
                    .filter(l -> l.startsWith("WHERE "))
                    .map(l -> l.substring(6))
                    .collect(Collectors.toList());
            Set<String> pids = new TreeSet<>();
            for (String w : where) {
                String[] f = w.split("\\|", -1);
                pids.add(f[0]);
                assertTrue(w, f[1].startsWith(cache + "/python/"));
                assertTrue(w, f[2].startsWith(cache + "/packages/"));
                assertEquals(w, "-", f[4]);
                assertEquals(w, "-", f[5]);
                assertEquals(w, bin.toString(), f[6]);
                assertEquals(w, "1", f[7]);
            }
            assertTrue("both executor JVMs ran Python: " + where, pids.size() >= 2);
            String driverPid = out.replaceAll("(?s).*DRIVER-PID (\\d+).*", "$1");
            assertTrue("UDFs ran in executor JVMs, not the driver", !pids.contains(driverPid));
        } finally {
            try (Stream<Path> s = Files.walk(tmp)) {
                s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    /** The driver's output for a failure message: its markers, errors and the lines around them. */
    static String abbreviate(String out) {
        String[] lines = out.split("\n");
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < lines.length && b.length() < 20_000; i++) {
            String l = lines[i];
            if (l.contains("Exception")
                    || l.contains("Error")
                    || l.startsWith("DRIVER")
                    || l.startsWith("WHERE")
                    || l.startsWith("Caused by")) {
                b.append(l).append('\n');
            }
        }
        return b.length() == 0 ? out.substring(Math.max(0, out.length() - 4000)) : b.toString();
    }

    /**
     * A directory of links to the system's tools (Spark runs {@code rm},
     * {@code bash}, ...) and this JVM's {@code java}, without any Python:
     * nothing named python*, pip*, pydoc*, idle* or 2to3*.
     */
    static Path toolsWithoutPython(Path bin) throws IOException {
        Files.createDirectories(bin);
        Files.createSymbolicLink(bin.resolve("java"), Paths.get(System.getProperty("java.home"), "bin", "java"));
        for (String dir : new String[] {"/usr/local/bin", "/usr/bin", "/bin"}) {
            Path d = Paths.get(dir);
            if (!Files.isDirectory(d)) {
                continue;
            }
            try (Stream<Path> s = Files.list(d)) {
                for (Path f : (Iterable<Path>) s::iterator) {
                    String n = f.getFileName().toString();
                    if (n.matches("(python|pip|pydoc|idle|2to3).*")
                            || Files.exists(bin.resolve(n))
                            || !Files.isExecutable(f)
                            || Files.isDirectory(f)) {
                        continue;
                    }
                    Files.createSymbolicLink(bin.resolve(n), f);
                }
            }
        }
        return bin;
    }

    /** The driver: a local-cluster job with the jars as spark.jars (what --jars sets). */
    public static final class Driver {
        public static void main(String[] args) throws IOException {
            String jars = args[0];
            String sparkClasspath = args[1];
            Path tmp = Paths.get(args[2]);
            System.out.println(
                    "DRIVER-PID " + ManagementFactory.getRuntimeMXBean().getPid());
            SparkSession spark = SparkSession.builder()
                    .master("local-cluster[2,1,1024]")
                    .appName("pybridge-no-python")
                    .config("spark.ui.enabled", "false")
                    .config("spark.driver.host", "127.0.0.1")
                    .config("spark.driver.bindAddress", "127.0.0.1")
                    .config("spark.jars", jars)
                    // Spark itself on the executors (spark-submit's SPARK_HOME/jars); nothing of pybridge's.
                    .config("spark.executor.extraClassPath", sparkClasspath)
                    .config("spark.executor.extraJavaOptions", String.join(" ", JvmFlags.spark()))
                    .config("spark.local.dir", tmp.resolve("local").toString())
                    .config("spark.worker.dir", tmp.resolve("work").toString())
                    .getOrCreate();
            try {
                // Both executors registered before the job, so that both run tasks.
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
                while (spark.sparkContext().statusTracker().getExecutorInfos().length < 3) {
                    if (System.nanoTime() > until || spark.sparkContext().isStopped()) {
                        throw new AssertionError("the two executors did not register within 180 s");
                    }
                    try {
                        Thread.sleep(200);
                    } catch (InterruptedException e) {
                        throw new AssertionError(e);
                    }
                }
                Dataset<Row> df = spark.range(0, N, 1, 8).toDF();
                long sum = df.select(PySpark.udf(PyFunction.fromSource(UDFS, "twice"), DataTypes.LongType, 1)
                                .apply(df.col("id"))
                                .alias("t"))
                        .agg(org.apache.spark.sql.functions.sum("t"))
                        .first()
                        .getLong(0);
                if (sum != N * (N - 1)) {
                    throw new AssertionError("sum of twice(id) = " + sum + ", expected " + N * (N - 1));
                }
                List<Row> where = df.select(PySpark.udf(PyFunction.fromSource(UDFS, "where"), DataTypes.StringType, 1)
                                .apply(df.col("id"))
                                .alias("w"))
                        .distinct()
                        .collectAsList();
                for (Row r : where) {
                    System.out.println("WHERE " + r.getString(0));
                }
                System.out.println("DRIVER-OK sum=" + sum + " executorsSeen=" + where.size());
            } finally {
                spark.stop();
            }
            System.exit(0);
        }
    }
}
