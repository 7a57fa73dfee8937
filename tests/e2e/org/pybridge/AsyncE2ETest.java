package org.pybridge;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.Test;

/**
 * pybridge's event loop does not keep the JVM alive: a child JVM whose main
 * returns while a coroutine still runs on the loop ends, and the loop is
 * stopped (its task cancelled) on the way out.
 */
public class AsyncE2ETest {

    /** Starts the loop, leaves a coroutine running, returns from main. */
    public static final class LeftRunning {
        public static void main(String[] args) throws Exception {
            Python.initialize();
            Python.exec("import asyncio, atexit\n"
                    + "async def quick():\n    return 1\n"
                    + "async def forever():\n    await asyncio.sleep(3600)\n");
            long one =
                    Python.mainModule().getAttr("quick").callAsyncAs(Long.class).get(30, TimeUnit.SECONDS);
            CompletableFuture<PyObject> f =
                    Python.mainModule().getAttr("forever").callAsync();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    f.handle((r, e) -> null).get(5, TimeUnit.SECONDS);
                    System.out.println("at shutdown the task was cancelled: " + f.isCancelled());
                } catch (Exception e) {
                    System.out.println("at shutdown the task was still running: " + e);
                }
            }));
            System.out.println("quick=" + one + ", main returns");
        }
    }

    @Test
    public void theLoopDoesNotKeepTheJvmAlive() {
        ChildJvm.Result r = ChildJvm.run(LeftRunning.class, Map.of(), List.of(), 120);
        assertFalse(r.toString(), r.timedOut || r.crashed());
        assertEquals(r.toString(), 0, r.exitCode);
        assertTrue(r.output, r.output.contains("quick=1, main returns"));
        assertTrue(r.output, r.output.contains("at shutdown the task was cancelled: true"));
    }
}
