package org.pybridge.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Python from jars against Python from a venv (issue 26), side by side in
 * one run: the start of a JVM that runs {@code Python.initialize()} and
 * {@code import numpy}, (a) from a CPython runtime jar and a packages jar
 * with an empty cache (first start), (b) the same with the cache filled
 * (later starts), (c) from an installed venv of the same Python version
 * (PYBRIDGE_PYTHON); then the packages jar for numpy + pandas: its size
 * and the time to extract it into an empty cache.
 *
 * <p>Run by {@code gradle benchJars} (gradle/python-from-maven.gradle):
 * {@code -Dbench.pybridgeJar}, {@code -Dbench.runtimeJar},
 * {@code -Dbench.packagesJar} (numpy), {@code -Dbench.pandasJar} (numpy +
 * pandas), {@code -Dbench.venvPython} (a venv of the runtime's version with
 * numpy), {@code -Dbench.rounds} (default 5). Each measurement is a child
 * JVM's wall time from start to exit; the child also reports the time of
 * {@code initialize()} + {@code import numpy} alone.
 */
public final class JarsStartBench {
    private JarsStartBench() {}

    /** The child: starts Python, imports numpy (or pandas), prints the time it took. */
    public static final class Child {
        public static void main(String[] args) {
            long t0 = System.nanoTime();
            org.pybridge.Python.initialize();
            org.pybridge.Python.importModule(args.length > 0 ? args[0] : "numpy");
            System.out.println("STARTED_MS " + (System.nanoTime() - t0) / 1e6);
            System.exit(0);
        }
    }

    public static void main(String[] args) throws Exception {
        String pybridge = System.getProperty("bench.pybridgeJar");
        String runtime = System.getProperty("bench.runtimeJar");
        String packages = System.getProperty("bench.packagesJar");
        String pandas = System.getProperty("bench.pandasJar");
        String venv = System.getProperty("bench.venvPython");
        int rounds = Integer.getInteger("bench.rounds", 5);
        String classes = System.getProperty("bench.classes");
        Path tmp = Files.createTempDirectory("pybridge-jars-bench");
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Files.createSymbolicLink(bin.resolve("java"), Paths.get(System.getProperty("java.home"), "bin", "java"));
        String jarsCp = String.join(":", classes, pybridge, runtime, packages);
        String venvCp = String.join(":", classes, pybridge);
        List<double[]> first = new ArrayList<>();
        List<double[]> later = new ArrayList<>();
        List<double[]> fromVenv = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            Path cache = tmp.resolve("cache-" + r);
            first.add(run(jarsCp, cache, bin, null, "numpy"));
            later.add(run(jarsCp, cache, bin, null, "numpy"));
            later.add(run(jarsCp, cache, bin, null, "numpy"));
            // The venv's JVM uses the same (filled) native-library cache.
            fromVenv.add(run(venvCp, cache, bin, venv, "numpy"));
            fromVenv.add(run(venvCp, cache, bin, venv, "numpy"));
        }
        System.out.println("| start (JVM start to exit; initialize + import numpy inside) | median wall ms | median"
                + " in-JVM ms | runs |");
        System.out.println("|---|---:|---:|---:|");
        row("runtime + packages jars, empty cache (first start)", first);
        row("runtime + packages jars, cache filled (later start)", later);
        row("installed venv (" + venv + ")", fromVenv);
        double ratio = median(later, 0) / median(fromVenv, 0);
        System.out.printf(
                "later start / venv start: %.2fx wall, %.2fx in-JVM%n", ratio, median(later, 1) / median(fromVenv, 1));
        if (pandas != null) {
            long size = Files.size(Paths.get(pandas));
            List<double[]> extract = new ArrayList<>();
            for (int r = 0; r < rounds; r++) {
                Path cache = tmp.resolve("pandas-cache-" + r);
                String cp = String.join(":", classes, pybridge, runtime, pandas);
                // The runtime extracted first (not timed), then a start that extracts only the packages.
                run(String.join(":", classes, pybridge, runtime), cache, bin, null, "json");
                double[] withExtract = run(cp, cache, bin, null, "pandas");
                double[] warm = run(cp, cache, bin, null, "pandas");
                extract.add(new double[] {withExtract[0] - warm[0], withExtract[1] - warm[1]});
            }
            Path tree;
            try (Stream<Path> s = Files.list(tmp.resolve("pandas-cache-0/packages"))) {
                tree = s.filter(Files::isDirectory).findFirst().orElseThrow();
            }
            long[] du = du(tree);
            System.out.printf(
                    "packages jar numpy + pandas: %.1f MB jar, %.1f MB in %d files extracted;"
                            + " extraction adds %.0f ms to the first start (median of %d; wall), %.0f ms in-JVM%n",
                    size / 1e6, du[1] / 1e6, du[0], median(extract, 0), rounds, median(extract, 1));
        }
    }

    static long[] du(Path dir) throws IOException {
        long[] n = new long[2];
        try (Stream<Path> s = Files.walk(dir)) {
            s.filter(Files::isRegularFile).forEach(p -> {
                n[0]++;
                n[1] += p.toFile().length();
            });
        }
        return n;
    }

    static void row(String what, List<double[]> runs) {
        System.out.printf("| %s | %.0f | %.0f | %d |%n", what, median(runs, 0), median(runs, 1), runs.size());
    }

    static double median(List<double[]> runs, int i) {
        List<Double> v = new ArrayList<>();
        for (double[] r : runs) {
            v.add(r[i]);
        }
        Collections.sort(v);
        int n = v.size();
        return n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
    }

    /** One child JVM: {wall ms, in-JVM ms}. */
    static double[] run(String cp, Path cache, Path bin, String python, String module) throws Exception {
        List<String> cmd = new ArrayList<>(Arrays.asList(
                bin.resolve("java").toString(),
                "-Xmx512m",
                "-Dpybridge.nativeCache=" + cache,
                "-cp",
                cp,
                Child.class.getName(),
                module));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        for (String k : new String[] {"PYBRIDGE_PYTHON", "VIRTUAL_ENV", "PYTHONHOME", "PYTHONPATH"}) {
            env.remove(k);
        }
        env.put("PATH", bin.toString());
        if (python != null) {
            env.put("PYBRIDGE_PYTHON", python);
        }
        long t0 = System.nanoTime();
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(600, TimeUnit.SECONDS) || p.exitValue() != 0 || !out.contains("STARTED_MS ")) {
            throw new IllegalStateException("the child failed: " + out);
        }
        double wall = (System.nanoTime() - t0) / 1e6;
        double inside = Double.parseDouble(out.replaceAll("(?s).*STARTED_MS ([0-9.]+).*", "$1"));
        return new double[] {wall, inside};
    }
}
