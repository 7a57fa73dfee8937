package org.pybridge.flink;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
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
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.junit.Assume;
import org.junit.Test;
import org.pybridge.integration.JvmFlags;
import org.pybridge.integration.PyFunction;

/**
 * A Flink job on a machine with no Python: a child JVM whose class path is
 * Flink, pybridge, the integration, a CPython runtime jar and a packages jar
 * (numpy), as a Flink installation's {@code lib/} would hold them, with no
 * {@code PYBRIDGE_PYTHON}, no virtualenv and no Python on {@code PATH}, runs
 * a numpy {@link PyMapFunction} at parallelism 2. Flink's mini-cluster runs
 * its task managers inside that JVM (it cannot start them as processes of
 * their own), so this is one JVM with no Python reachable, not separate
 * task manager JVMs. Jars from Gradle ({@code pybridge.test.cluster.*};
 * integration/gradle/no-python-cluster.gradle).
 */
public class FlinkNoPythonTest {
    static final long N = 20_000;
    static final String UDFS = "import numpy as np\n"
            + "def twice(x):\n    return int(np.int64(x) * 2)\n"
            + "def where(x):\n"
            + "    import os, sys\n"
            + "    return '|'.join([sys.prefix, np.__file__, os.environ.get('PYBRIDGE_PYTHON', '-'),\n"
            + "                     os.environ.get('VIRTUAL_ENV', '-'), str(sys.flags.no_user_site)])\n";

    @Test
    public void numpyMapFunctionWithNoPython() throws Exception {
        String jars = System.getProperty("pybridge.test.cluster.jars");
        Assume.assumeTrue("no jars given (gradle :integration:flinkTest passes them)", jars != null);
        Path tmp = Files.createTempDirectory("pybridge-flink-nopython");
        try {
            Path bin = toolsWithoutPython(tmp.resolve("bin"));
            Path home = Files.createDirectories(tmp.resolve("home"));
            List<String> cmd = new ArrayList<>();
            cmd.add(bin.resolve("java").toString());
            cmd.addAll(JvmFlags.flink());
            cmd.add("-Xmx1g");
            cmd.add("-cp");
            cmd.add(System.getProperty("pybridge.test.cluster.flinkClasspath") + ":"
                    + String.join(":", jars.split(",")));
            cmd.add(Job.class.getName());
            ProcessBuilder pb = new ProcessBuilder(cmd);
            Map<String, String> env = pb.environment();
            for (String k : new String[] {
                "PYBRIDGE_PYTHON",
                "VIRTUAL_ENV",
                "PYTHONHOME",
                "PYTHONPATH",
                "CONDA_PREFIX",
                "XDG_CACHE_HOME",
                "LD_LIBRARY_PATH"
            }) {
                env.remove(k);
            }
            env.put("PATH", bin.toString());
            env.put("HOME", home.toString());
            pb.redirectErrorStream(true);
            Path log = tmp.resolve("job.log");
            pb.redirectOutput(log.toFile());
            Process p = pb.start();
            boolean done = p.waitFor(600, TimeUnit.SECONDS);
            if (!done) {
                p.destroyForcibly();
            }
            String out = new String(Files.readAllBytes(log), StandardCharsets.UTF_8);
            assertTrue(tail(out), done && p.exitValue() == 0 && out.contains("JOB-OK"));
            String cache = home.toRealPath().resolve(".cache/pybridge").toString();
            List<String> where = Arrays.stream(out.split("\n"))
                    .filter(l -> l.startsWith("WHERE "))
                    .map(l -> l.substring(6))
                    .collect(Collectors.toList());
            assertTrue(tail(out), !where.isEmpty());
            for (String w : where) {
                String[] f = w.split("\\|", -1);
                assertTrue(w, f[0].startsWith(cache + "/python/"));
                assertTrue(w, f[1].startsWith(cache + "/packages/"));
                assertEquals(w, "-", f[2]);
                assertEquals(w, "-", f[3]);
                assertEquals(w, "1", f[4]);
            }
        } finally {
            try (Stream<Path> s = Files.walk(tmp)) {
                s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    static String tail(String out) {
        return out.substring(Math.max(0, out.length() - 6000));
    }

    /** Links to the system's tools and this JVM's java, without anything named python*, pip*, pydoc*, idle*, 2to3*. */
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

    /** The job: a local mini-cluster, parallelism 2, numpy in a PyMapFunction. */
    public static final class Job {
        public static void main(String[] args) throws Exception {
            StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2);
            env.setRuntimeMode(RuntimeExecutionMode.BATCH);
            long sum = 0;
            try (CloseableIterator<Long> it = env.fromSequence(0, N - 1)
                    .map(new PyMapFunction<Long, Long>(PyFunction.fromSource(UDFS, "twice"), Long.class))
                    .executeAndCollect()) {
                while (it.hasNext()) {
                    sum += it.next();
                }
            }
            if (sum != N * (N - 1)) {
                throw new AssertionError("sum of twice = " + sum + ", expected " + N * (N - 1));
            }
            Set<String> where = new TreeSet<>();
            try (CloseableIterator<String> it = env.fromSequence(0, 99)
                    .map(new PyMapFunction<Long, String>(PyFunction.fromSource(UDFS, "where"), String.class))
                    .executeAndCollect()) {
                it.forEachRemaining(where::add);
            }
            for (String w : where) {
                System.out.println("WHERE " + w);
            }
            System.out.println("JOB-OK sum=" + sum);
            System.exit(0);
        }
    }
}
