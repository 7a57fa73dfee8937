package org.pybridge.bench;

import java.util.concurrent.CompletableFuture;
import javax.script.Invocable;
import javax.script.ScriptEngine;
import javax.script.ScriptEngineManager;
import org.pybridge.PyObject;
import org.pybridge.Python;

/**
 * Issue 27's speed targets, in one JVM:
 *
 * <ul>
 *   <li>{@code jsr223-invokeFunction} against {@code callAs}: the same Python
 *       function {@code f(x) = x + 1}, called {@code CALLS} times with a
 *       long, through {@code PyObject.callAs(Long.class, i)} and through the
 *       JSR-223 engine's {@code Invocable.invokeFunction("f", i)} (target:
 *       within 1.5x);</li>
 *   <li>{@code callAsync-roundtrip}: {@code af(x)}, an {@code async def} that
 *       returns at once, through {@code callAsyncAs(Long.class, i).join()},
 *       one at a time (target: at most 20 us).</li>
 * </ul>
 *
 * Each row's figure is the best of {@code ROUNDS} rounds (ns per call), rows
 * alternating within a round. Prints {@code RESULT <key> <ns>} lines and the
 * ratio. Run: {@code java -cp <pybridge jar>:<bench classes> org.pybridge.bench.EcosystemBench}
 * (PYBRIDGE_PYTHON set), with {@code -Dbench.calls=N -Dbench.asyncCalls=N -Dbench.rounds=N}.
 */
public final class EcosystemBench {
    static final int CALLS = Integer.getInteger("bench.calls", 200_000);
    static final int ASYNC_CALLS = Integer.getInteger("bench.asyncCalls", 20_000);
    static final int ROUNDS = Integer.getInteger("bench.rounds", 7);

    public static void main(String[] args) throws Exception {
        Python.initialize();
        Python.exec("def f(x):\n    return x + 1\nasync def af(x):\n    return x + 1\n");
        PyObject f = Python.mainModule().getAttr("f");
        PyObject af = Python.mainModule().getAttr("af");
        ScriptEngine engine = new ScriptEngineManager().getEngineByName("python");
        engine.eval("def f(x):\n    return x + 1\n");
        Invocable inv = (Invocable) engine;

        double bestCallAs = Double.MAX_VALUE;
        double bestInvoke = Double.MAX_VALUE;
        double bestAsync = Double.MAX_VALUE;
        for (int r = 0; r < ROUNDS; r++) {
            long sink = 0;
            long t0 = System.nanoTime();
            for (int i = 0; i < CALLS; i++) {
                sink += f.callAs(Long.class, (long) i);
            }
            long t1 = System.nanoTime();
            for (int i = 0; i < CALLS; i++) {
                sink += (Long) inv.invokeFunction("f", (long) i);
            }
            long t2 = System.nanoTime();
            for (int i = 0; i < ASYNC_CALLS; i++) {
                CompletableFuture<Long> c = af.callAsyncAs(Long.class, (long) i);
                sink += c.join();
            }
            long t3 = System.nanoTime();
            if (sink == 42) {
                System.out.println("(unlikely)");
            }
            bestCallAs = Math.min(bestCallAs, (t1 - t0) / (double) CALLS);
            bestInvoke = Math.min(bestInvoke, (t2 - t1) / (double) CALLS);
            bestAsync = Math.min(bestAsync, (t3 - t2) / (double) ASYNC_CALLS);
            System.out.printf(
                    "round %d: callAs %.0f ns, invokeFunction %.0f ns, callAsync %.0f ns%n",
                    r, (t1 - t0) / (double) CALLS, (t2 - t1) / (double) CALLS, (t3 - t2) / (double) ASYNC_CALLS);
        }
        System.out.printf("RESULT callAs %.1f%n", bestCallAs);
        System.out.printf("RESULT jsr223-invokeFunction %.1f%n", bestInvoke);
        System.out.printf("RESULT jsr223-ratio %.2f (target <= 1.5)%n", bestInvoke / bestCallAs);
        System.out.printf("RESULT callAsync-roundtrip %.1f (target <= 20000)%n", bestAsync);
    }
}
