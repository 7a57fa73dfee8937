package org.pybridge;

import static org.pybridge.E2E.check;
import static org.pybridge.E2E.checkEq;
import static org.pybridge.E2E.expect;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;
import java.util.Map;
import org.junit.Test;

/**
 * The hand-off to a sub-interpreter's thread ({@link Interpreter#call} from
 * another thread) polls briefly before parking on both sides
 * when {@code pybridge.handoffSpinMicros} is set (here 20 µs; the default 0 parks at once): calls in a loop get their results and
 * exceptions as before, and neither side keeps a core busy while it waits for
 * long — an idle interpreter's thread and a caller waiting for a slow task use
 * ~0 CPU over a second (thread CPU time, not wall time).
 */
public class HandoffE2ETest {

    @Test
    public void spinningHandOffIsCorrectAndIdleCostsNoCpu() {
        ChildJvm.Result r =
                ChildJvm.run(Scenarios.class, Map.of(), List.of("-Dpybridge.handoffSpinMicros=20"), 300, "handoff");
        E2E.assertChildOk(r, "RESULT ok handoff");
    }

    @Test
    public void parkingAtOnceStillWorks() {
        ChildJvm.Result r =
                ChildJvm.run(Scenarios.class, Map.of(), List.of("-Dpybridge.handoffSpinMicros=0"), 300, "handoff");
        E2E.assertChildOk(r, "RESULT ok handoff");
    }

    public static final class Scenarios {
        /** CPU a waiting thread may use over a second: far below a spinning core's ~1000 ms. */
        static final long IDLE_CPU_BUDGET_NS = 100_000_000L;

        public static void main(String[] args) {
            E2E.child("handoff", args, a -> {
                Python.initialize();
                try (Interpreter sub = Python.newInterpreter(InterpreterConfig.shared())) {
                    sub.exec("def f(x):\n    return x + 1");
                    long s = 0;
                    for (int i = 0; i < 20_000; i++) {
                        final long x = i;
                        s += sub.call(() -> Python.eval("f(" + x + ")", Long.class));
                    }
                    checkEq(20_000L * 19_999L / 2 + 20_000L, s, "20,000 calls through the hand-off");
                    IllegalStateException e = expect(
                            IllegalStateException.class,
                            "an exception of the task",
                            () -> sub.call(() -> {
                                throw new IllegalStateException("from the task");
                            }));
                    checkEq("from the task", e.getMessage(), "the task's exception, rethrown");

                    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
                    check(mx.isThreadCpuTimeSupported(), "thread CPU time is supported");
                    long worker = sub.call(() -> Thread.currentThread().getId());
                    Thread.sleep(300);
                    long c0 = mx.getThreadCpuTime(worker);
                    Thread.sleep(1000);
                    long idle = mx.getThreadCpuTime(worker) - c0;
                    check(
                            idle >= 0 && idle < IDLE_CPU_BUDGET_NS,
                            "an idle interpreter thread used " + idle / 1_000_000 + " ms of CPU over 1 s");

                    long m0 = mx.getCurrentThreadCpuTime();
                    checkEq(
                            7L,
                            sub.call(() -> {
                                Thread.sleep(1000);
                                return 7L;
                            }),
                            "a slow task's result");
                    long waiting = mx.getCurrentThreadCpuTime() - m0;
                    check(
                            waiting < IDLE_CPU_BUDGET_NS,
                            "a caller waiting 1 s for a slow task used " + waiting / 1_000_000 + " ms of CPU");
                }
            });
        }
    }
}
