package org.pybridge.bench;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import org.pybridge.Interpreter;
import org.pybridge.InterpreterConfig;
import org.pybridge.Python;

/**
 * The hand-off to a sub-interpreter's thread: {@code sub.call(() -> f(i))}
 * from the main thread, µs per call, with the hand-off's poll before parking
 * ({@code -Dpybridge.handoffSpinMicros=20}) against parking at once
 * ({@code =0}, pybridge's default and the code path before the poll). Without arguments it
 * alternates the two, each in a fresh child JVM, for several rounds, and
 * prints one line per run, the medians and their ratio, with the load
 * average before and after ({@code -Dbench.spinMicros=N}: the poll's length in
 * the polling children, default 20). With {@code child} it is one such child.
 *
 * <pre>java -cp build/libs/pybridge-0.1.0.jar:build/classes/java/bench org.pybridge.bench.HandoffBench [rounds]</pre>
 */
public final class HandoffBench {
    private HandoffBench() {}

    private static final int CALLS = 20_000;

    public static void main(String[] args) throws Exception {
        if (args.length == 1 && args[0].equals("child")) {
            child();
            return;
        }
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        String load0 = load();
        List<Double> park = new ArrayList<>();
        List<Double> spin = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            for (String mode : r % 2 == 0 ? new String[] {"park", "spin"} : new String[] {"spin", "park"}) {
                double us = runChild(mode.equals("park") ? "0" : System.getProperty("bench.spinMicros", "20"));
                (mode.equals("park") ? park : spin).add(us);
                System.out.printf("round %d %-4s %8.2f us/call%n", r + 1, mode, us);
            }
        }
        double a = median(park);
        double b = median(spin);
        System.out.printf(
                "median: park at once (handoffSpinMicros=0) %.2f us/call, poll then park %.2f"
                        + " us/call: %.2fx%nload before: %s%nload after: %s%n",
                a, b, a / b, load0, load());
    }

    private static void child() throws Exception {
        Python.initialize();
        try (Interpreter sub = Python.newInterpreter(InterpreterConfig.shared())) {
            sub.exec("def f(x):\n    return x");
            org.pybridge.PyObject f = sub.call(() -> Python.eval("f"));
            long s = 0;
            for (int w = 0; w < 3; w++) { // warm-up
                for (int i = 0; i < CALLS; i++) {
                    final long x = i;
                    s += sub.call(() -> f.callAs(Long.class, x));
                }
            }
            long t0 = System.nanoTime();
            for (int i = 0; i < CALLS; i++) {
                final long x = i;
                s += sub.call(() -> f.callAs(Long.class, x));
            }
            long t = System.nanoTime() - t0;
            System.err.println("US " + (t / 1e3 / CALLS) + " " + s);
            sub.call(() -> {
                f.close();
                return null;
            });
        }
    }

    private static double runChild(String spinMicros) throws Exception {
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx256m"));
        String nat = System.getProperty("pybridge.native");
        if (nat != null) {
            cmd.add("-Dpybridge.native=" + nat);
        }
        if (spinMicros != null) {
            cmd.add("-Dpybridge.handoffSpinMicros=" + spinMicros);
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), HandoffBench.class.getName(), "child"));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        String err = new String(p.getErrorStream().readAllBytes());
        p.waitFor();
        for (String line : err.split("\n")) {
            if (line.startsWith("US ")) {
                return Double.parseDouble(line.split(" ")[1]);
            }
        }
        throw new IllegalStateException("the child printed no figure: " + err);
    }

    private static String load() {
        try {
            return new String(Files.readAllBytes(Paths.get("/proc/loadavg"))).trim();
        } catch (IOException e) {
            return "?";
        }
    }

    private static double median(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        s.sort(null);
        return s.get(s.size() / 2);
    }
}
