package org.pybridge;

import static org.pybridge.E2E.check;
import static org.pybridge.E2E.checkEq;
import static org.pybridge.E2E.expect;

import java.util.Map;
import org.junit.Test;

/**
 * Issue 12, class 7: pybridge's own threads survive interrupts and errors,
 * and a released handle never answers from a cache. Before the fix one
 * interrupt ended {@code pybridge-reclaimer} for good: handles the JVM
 * collected were never released again.
 */
public class ReleaseMachineryE2ETest {

    @Test
    public void theReclaimerSurvivesInterruptsAndTheGcPathGoesOn() {
        ChildJvm.Result r = ChildJvm.run(InterruptReclaimer.class, Map.of(), 180);
        E2E.assertChildOk(r, "RESULT ok interrupt-reclaimer");
    }

    /** Child: interrupt the reclaimer many times, then drop 300,001 handles and watch them go. */
    public static final class InterruptReclaimer {
        public static void main(String[] args) {
            E2E.child("interrupt-reclaimer", args, a -> {
                Python.initialize();
                Thread reclaimer = null;
                for (Thread t : Thread.getAllStackTraces().keySet()) {
                    if (t.getName().equals("pybridge-reclaimer")) {
                        reclaimer = t;
                    }
                }
                check(reclaimer != null, "the reclaimer thread is running");
                for (int i = 0; i < 100; i++) {
                    reclaimer.interrupt();
                    Thread.sleep(1);
                }
                Thread.sleep(200);
                check(reclaimer.isAlive(), "the reclaimer survived 100 interrupts");
                check(
                        Python.stats().reclaimerRecoveries() > 0,
                        "interrupts are counted: " + Python.stats().reclaimerRecoveries());
                long before = Python.stats().releasedByGc();
                long live0 = Python.stats().liveHandles();
                PyObject object = Python.builtins().getAttr("object");
                for (int i = 0; i < 300_001; i++) {
                    object.call(); // dropped at once: the GC path releases it
                }
                boolean released = E2E.waitFor(90_000, () -> {
                    System.gc();
                    return Python.stats().releasedByGc() - before >= 300_001;
                });
                Stats s = Python.stats();
                check(released, "the GC path released the dropped handles: " + s);
                check(s.liveHandles() <= live0 + 16, "no handle left behind: " + s);
                System.out.println("INFO " + s);
            });
        }
    }

    @Test
    public void kindOfAReleasedHandleThrowsLikeEveryOtherUse() {
        ChildJvm.Result r = ChildJvm.run(KindAfterRelease.class, Map.of(), 120);
        E2E.assertChildOk(r, "RESULT ok kind-after-release");
    }

    /** Child: kind() is cached per type; a released handle must still throw. */
    public static final class KindAfterRelease {
        public static void main(String[] args) {
            E2E.child("kind-after-release", args, a -> {
                Python.initialize();
                PyObject first = Python.eval("{'a': 1}");
                checkEq(PyKind.MAPPING, first.kind(), "a dict is a mapping");
                PyObject d = Python.eval("{'b': 2}");
                checkEq(PyKind.MAPPING, d.kind(), "the cached answer for a live dict");
                d.close();
                PyObjectReleasedException e = expect(PyObjectReleasedException.class, "kind() after close", d::kind);
                checkEq("dict", e.pythonType(), "the exception names the Python type");
                try (ResourceScope s = Python.openScope()) {
                    PyObject l = Python.eval("[1]");
                    checkEq(PyKind.SEQUENCE, l.kind(), "a list is a sequence");
                    s.close();
                    expect(PyObjectReleasedException.class, "kind() after the scope closed", l::kind);
                }
            });
        }
    }
}
