package org.pybridge.bench;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import org.pybridge.Python;
import org.pybridge.PythonConfig;

/**
 * Prints per second from a Python {@code print} loop: Python's streams on
 * the file descriptors (pybridge before Python's output went to Java, and
 * {@link PythonConfig#rawOutput()} now) against the default, the current
 * {@code System.out}. Without arguments it alternates the two, each in a
 * child JVM of its own whose stdout is discarded, for several rounds, and
 * prints one line per run and the medians. With {@code fd} or
 * {@code system} it is one such child (its figure goes to stderr).
 *
 * <pre>java -cp build/libs/pybridge-0.1.0.jar:build/classes/java/bench org.pybridge.bench.PrintBench [rounds]</pre>
 */
public final class PrintBench {
    private PrintBench() {}

    private static final int LINES = 200_000;

    public static void main(String[] args) throws Exception {
        if (args.length == 1 && (args[0].equals("fd") || args[0].equals("system"))) {
            child(args[0]);
            return;
        }
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        List<Double> fd = new ArrayList<>();
        List<Double> sys = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            for (String mode : new String[] {"fd", "system"}) {
                double rate = runChild(mode);
                (mode.equals("fd") ? fd : sys).add(rate);
                System.out.printf("round %d %-6s %,12.0f prints/s%n", r + 1, mode, rate);
            }
        }
        double a = median(fd);
        double b = median(sys);
        System.out.printf(
                "median: file descriptor %,.0f prints/s, System.out %,.0f prints/s (%.2fx the time per print)%n",
                a, b, a / b);
    }

    private static void child(String mode) {
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
                + "    return time.perf_counter() - t\n";
        Python.exec(loop);
        Python.eval("run(20000)", Double.class); // warm-up
        double s = Python.eval("run(" + LINES + ")", Double.class);
        System.err.println("RATE " + (LINES / s));
    }

    private static double runChild(String mode) throws Exception {
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx256m"));
        String nat = System.getProperty("pybridge.native");
        if (nat != null) {
            cmd.add("-Dpybridge.native=" + nat);
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), PrintBench.class.getName(), mode));
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
