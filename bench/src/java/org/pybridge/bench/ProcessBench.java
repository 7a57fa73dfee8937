package org.pybridge.bench;

import org.pybridge.Interpreter;
import org.pybridge.InterpreterConfig;
import org.pybridge.PyObject;
import org.pybridge.Python;

/**
 * Process interpreters against in-process Python (issue 28's figures): a call of {@code f(x)=x}
 * (round trip), 1000 dicts converted to Java, and the start of one against {@code python -c pass}.
 *
 * <pre>java -cp ... org.pybridge.bench.ProcessBench [rounds]</pre>
 */
public final class ProcessBench {
    private ProcessBench() {}

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        Python.initialize();
        String code =
                "def f(x):\n    return x\ndicts = [{'id': i, 'name': 'n%d' % i, 'v': i * 0.5} for i in range(1000)]";
        Python.exec(code);
        try (Interpreter p = Python.newInterpreter(InterpreterConfig.process())) {
            p.exec(code);
            for (int r = 0; r < rounds; r++) {
                double inCall = perCallNanos(Python.mainModule().getAttr("f"), 20_000);
                double outCall = p.call(() -> perCallNanos(Python.mainModule().getAttr("f"), 20_000));
                double inDicts = nanos(() -> Python.eval("dicts").toJava(), 50);
                double outDicts = p.call(() -> nanos(() -> Python.eval("dicts").toJava(), 50));
                System.out.printf(
                        "round %d: f(x)=x in-process %.2f us, process %.2f us; 1000 dicts in-process"
                                + " %.3f ms, process %.3f ms (x%.2f)%n",
                        r, inCall / 1e3, outCall / 1e3, inDicts / 1e6, outDicts / 1e6, outDicts / inDicts);
            }
        }
        for (int r = 0; r < rounds; r++) {
            long t0 = System.nanoTime();
            try (Interpreter q = Python.newInterpreter(InterpreterConfig.process())) {
                q.eval("1");
            }
            long start = System.nanoTime() - t0;
            long t1 = System.nanoTime();
            new ProcessBuilder(Python.info().executable(), "-c", "pass")
                    .inheritIO()
                    .start()
                    .waitFor();
            long plain = System.nanoTime() - t1;
            System.out.printf(
                    "round %d: start (and close) a process interpreter %.1f ms; python -c pass %.1f ms" + " (x%.2f)%n",
                    r, start / 1e6, plain / 1e6, (double) start / plain);
        }
        System.exit(0);
    }

    static double perCallNanos(PyObject f, int n) {
        for (int i = 0; i < 2000; i++) {
            f.callLong(i);
        }
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            f.callLong(i);
        }
        return (double) (System.nanoTime() - t0) / n;
    }

    static double nanos(Runnable r, int n) {
        for (int i = 0; i < 5; i++) {
            r.run();
        }
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            r.run();
        }
        return (double) (System.nanoTime() - t0) / n;
    }
}
