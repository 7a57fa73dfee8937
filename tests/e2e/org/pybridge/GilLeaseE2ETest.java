package org.pybridge;

import static org.junit.Assert.assertTrue;

import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.Test;

/**
 * A thread that takes the GIL through a lease and never closes it (while
 * staying alive) must not wedge every other thread: callers wait up to
 * {@link PythonConfig#gilLeaseWait(long)} and then fail with a message that
 * names the holder.
 */
public class GilLeaseE2ETest {

    public static final class ForgottenLease {
        public static void main(String[] args) throws Exception {
            Python.initialize(new PythonConfig().gilLeaseWait(1500));
            CountDownLatch taken = new CountDownLatch(1);
            Thread holder = new Thread(
                    () -> {
                        Python.acquireGil(); // never closed, thread stays alive
                        taken.countDown();
                        try {
                            Thread.sleep(Long.MAX_VALUE);
                        } catch (InterruptedException e) {
                            // exit
                        }
                    },
                    "stuck-holder");
            holder.setDaemon(true);
            holder.start();
            taken.await();
            long t0 = System.nanoTime();
            try {
                Python.eval("1 + 1", Long.class);
                System.out.println("FAIL the call went through while another thread held the GIL");
                System.exit(1);
            } catch (IllegalStateException e) {
                long ms = (System.nanoTime() - t0) / 1_000_000;
                boolean named = e.getMessage().contains("stuck-holder");
                System.out.println("RESULT lease ms=" + ms + " named=" + named);
                System.out.println("MESSAGE " + e.getMessage());
            }
            System.exit(0);
        }
    }

    @Test
    public void aForgottenLeaseGivesAClearErrorInsteadOfAHang() {
        ChildJvm.Result r = ChildJvm.run(ForgottenLease.class, null, 60);
        E2E.assertChildOk(r, "RESULT lease");
        Map<String, String> f = E2E.fields(r, "RESULT lease");
        assertTrue(r.toString(), Boolean.parseBoolean(f.get("named")));
        long ms = Long.parseLong(f.get("ms"));
        assertTrue("gave up after " + ms + " ms; the configured wait is 1500 ms", ms >= 1400 && ms < 15_000);
    }
}
