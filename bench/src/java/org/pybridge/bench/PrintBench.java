package org.pybridge.bench;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.pybridge.PyObject;
import org.pybridge.Python;
import org.pybridge.PythonConfig;

/**
 * Lines per second printed by Python: Python's streams on the file
 * descriptors ({@link PythonConfig#rawOutput()}) against the default, the
 * current {@code System.out}, in the same run. Two shapes: a Python loop
 * printing 200,000 lines in one call ({@code loop}), and a Java loop making
 * 100,000 calls into Python that print one line each ({@code calls}, where
 * each call's return hands its line to Java). Without arguments it
 * alternates fd and System.out, each in a child JVM of its own whose stdout
 * is discarded, for several rounds, and prints one line per run, the
 * medians and the load average before and after. With {@code fd|system
 * loop|calls} it is one such child (its figure goes to stderr).
 *
 * <pre>java -cp build/libs/pybridge-0.1.0.jar:build/classes/java/bench org.pybridge.bench.PrintBench [rounds]</pre>
 */
public final class PrintBench {
    private PrintBench() {}

    private static final int LINES = 200_000;

    private static final int CALLS = 100_000;

    public static void main(String[] args) throws Exception {
        if (args.length == 2) {
            child(args[0], args[1]);
            return;
        }
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        System.out.println("load average before: " + loadAverage());
        for (String shape : new String[] {"loop", "calls"}) {
            List<Double> fd = new ArrayList<>();
            List<Double> sys = new ArrayList<>();
            for (int r = 0; r < rounds; r++) {
                for (String mode : new String[] {"fd", "system"}) {
                    double rate = runChild(mode, shape);
                    (mode.equals("fd") ? fd : sys).add(rate);
                    System.out.printf("%-5s round %d %-6s %,12.0f lines/s%n", shape, r + 1, mode, rate);
                }
            }
            double a = median(fd);
            double b = median(sys);
            System.out.printf(
                    "%-5s median: file descriptor %,.0f lines/s, System.out %,.0f lines/s (System.out/fd %.2f)%n",
                    shape, a, b, b / a);
        }
        System.out.println("load average after: " + loadAverage());
    }

    /** /proc/loadavg's first three fields (the 1, 5 and 15 minute load), or "unknown". */
    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return f[0] + " " + f[1] + " " + f[2] + " (" + Runtime.getRuntime().availableProcessors() + " cores)";
        } catch (Exception e) {
            return "unknown";
        }
    }

    /**
     * One measurement: {@code loop} is a Python loop printing {@link #LINES}
     * lines in one call; {@code calls} is a Java loop making {@link #CALLS}
     * calls into Python, each printing one line (each call's return hands
     * its line to Java: the worst case of the batching).
     */
    private static void child(String mode, String shape) {
        PythonConfig cfg = new PythonConfig();
        if (mode.equals("fd")) {
            cfg.rawOutput();
        }
        Python.initialize(cfg);
        String loop = "import time\n"
                + "def run(n):\n"
                + "    t = time.perf_counter()\n"
                + "    for i in range(n):\n"
                + "        print('line', i)\n"
                + "    __import__('sys').stdout.flush()\n"
                + "    return time.perf_counter() - t\n"
                + "def one(i):\n"
                + "    print('line', i)\n";
        Python.exec(loop);
        if (shape.equals("loop")) {
            Python.eval("run(20000)", Double.class); // warm-up
            double s = Python.eval("run(" + LINES + ")", Double.class);
            System.err.println("RATE " + (LINES / s));
            return;
        }
        try (PyObject one = Python.eval("one")) {
            for (int i = 0; i < CALLS / 10; i++) { // warm-up
                one.call(i).close();
            }
            long t = System.nanoTime();
            for (int i = 0; i < CALLS; i++) {
                one.call(i).close();
            }
            Python.exec("__import__('sys').stdout.flush()");
            double s = (System.nanoTime() - t) / 1e9;
            System.err.println("RATE " + (CALLS / s));
        }
    }

    private static double runChild(String mode, String shape) throws Exception {
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx256m"));
        String nat = System.getProperty("pybridge.native");
        if (nat != null) {
            cmd.add("-Dpybridge.native=" + nat);
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), PrintBench.class.getName(), mode, shape));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        String err = new String(p.getErrorStream().readAllBytes());
        p.waitFor();
        for (String line : err.split("\n")) {
            if (line.startsWith("RATE ")) {
                return Double.parseDouble(line.substring(5));
            }
        }
        throw new IllegalStateException("the " + mode + " child printed no rate: " + err);
    }

    private static double median(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        s.sort(null);
        return s.get(s.size() / 2);
    }
}
