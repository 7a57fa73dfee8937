package org.pybridge;

import static org.junit.Assert.assertTrue;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.Test;

/** Calls from Python into the JVM must never keep the JVM from exiting normally. */
public class CallbacksE2ETest {

    /**
     * Python holds Java functions inside objects that are released by the
     * GC path (on the native release thread), and a Python thread calls Java;
     * then main returns without System.exit: the JVM must end by itself.
     */
    public static final class ReturnFromMain {
        public static void main(String[] args) throws Exception {
            Python.initialize();
            Python.exec(String.join(
                    "\n",
                    "import threading",
                    "class Holder:",
                    "    def __init__(self, f): self.f = f",
                    "def in_thread(f):",
                    "    out = []",
                    "    t = threading.Thread(target=lambda: out.append(f(41)))",
                    "    t.start(); t.join()",
                    "    return out[0]",
                    ""));
            PyObject holderClass = Python.mainModule().getAttr("Holder");
            for (int i = 0; i < 1000; i++) {
                Function<Object, Object> f = x -> x;
                holderClass.call(f); // dropped: released later by the GC path
            }
            AtomicInteger calls = new AtomicInteger();
            Function<Object, Object> inc = x -> {
                calls.incrementAndGet();
                return (Long) x + 1;
            };
            long r = Python.mainModule().getAttr("in_thread").callAs(Long.class, inc);
            System.gc();
            long deadline = System.currentTimeMillis() + 20_000;
            while (Python.stats().gcTracked() > 50 && System.currentTimeMillis() < deadline) {
                System.gc();
                Thread.sleep(50);
            }
            Thread.sleep(1500); // let the reclaimer drain the freed functions
            System.out.println(
                    "RESULT callback r=" + r + " calls=" + calls.get() + " javaFunctions=" + Callbacks.alive());
            // main returns: no System.exit
        }
    }

    @Test
    public void theJvmExitsNormallyAfterCallbacksFromPythonThreadsAndTheReleaseThread() {
        ChildJvm.Result r = ChildJvm.run(ReturnFromMain.class, null, List.of(), 90);
        E2E.assertChildOk(r, "RESULT callback r=42 calls=1");
        long alive = Long.parseLong(E2E.fields(r, "RESULT callback").get("javaFunctions"));
        assertTrue("functions Python freed were forgotten by Java: " + r, alive < 50);
    }
}
