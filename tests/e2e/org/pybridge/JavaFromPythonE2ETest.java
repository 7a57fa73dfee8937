package org.pybridge;

import static org.junit.Assert.assertTrue;

import java.util.List;
import org.junit.Test;

/**
 * Java from Python in a JVM of its own: the class filter as configured on
 * {@link PythonConfig}, and a JVM that ends normally after Python threads
 * held and dropped Java proxies.
 */
public class JavaFromPythonE2ETest {

    public static final class Filtered {
        public static void main(String[] args) throws Exception {
            Python.initialize(new PythonConfig().javaClassPackages("java.util", "org.pybridge"));
            Python.exec(String.join(
                    "\n",
                    "from java.util import ArrayList",
                    "ok = ArrayList() is not None",
                    "try:",
                    "    from java.lang import System",
                    "    refused = 'no'",
                    "except ImportError as e:",
                    "    refused = 'ImportError' if 'javaClassFilter' in str(e) else str(e)",
                    "import threading",
                    "def work():",
                    "    l = ArrayList()",
                    "    for i in range(1000): l.add(i)",
                    "    it = l.iterator()",
                    "ts = [threading.Thread(target=work) for _ in range(3)]",
                    "[t.start() for t in ts]; [t.join() for t in ts]",
                    "held = [ArrayList() for _ in range(100)]",
                    ""));
            String refused = Python.eval("refused", String.class);
            boolean ok = Python.eval("ok", Boolean.class);
            int withHeld = Python.stats().javaFunctions();
            Python.exec("del held; import gc; gc.collect()");
            long deadline = System.currentTimeMillis() + 20_000;
            while (Python.stats().javaFunctions() > withHeld - 100 && System.currentTimeMillis() < deadline) {
                Thread.sleep(20);
            }
            System.out.println("RESULT filter ok=" + ok + " refused=" + refused + " released="
                    + (withHeld - Python.stats().javaFunctions()));
            // main returns: no System.exit
        }
    }

    @Test
    public void theConfiguredClassFilterHoldsAndTheJvmExitsNormally() {
        ChildJvm.Result r = ChildJvm.run(Filtered.class, null, List.of(), 120);
        E2E.assertChildOk(r, "RESULT filter ok=true refused=ImportError");
        long released = Long.parseLong(E2E.fields(r, "RESULT filter").get("released"));
        assertTrue("the 100 held proxies were forgotten by Java: " + r, released >= 100);
    }
}
