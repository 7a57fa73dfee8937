package org.pybridge.bench.engines;

import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/** Shared by the child JVMs: time a job several times, check its answer, report peak RSS. */
final class Measure {
    private Measure() {}

    /** The checksum of every variant: sum of 2i + 1 for i < n. */
    static long expected(long n) {
        return n * n;
    }

    static final String SCALAR = "def f(x):\n    return x * 2 + 1\n";
    static final String NUMPY = "def f(x):\n    return x * 2 + 1\n";
    static final String ARROW = "import pyarrow as pa, pyarrow.compute as pc\n"
            + "def f(rb):\n"
            + "    return pa.RecordBatch.from_arrays([pc.add(pc.multiply(rb.column(0), 2), 1)], names=['y'])\n";

    /** Runs {@code job} warm-up + runs times; prints one RESULT line for the driver. */
    static void run(String variant, long n, int warm, int runs, LongSupplier job) throws Exception {
        for (int i = 0; i < warm; i++) {
            check(variant, n, job.getAsLong());
        }
        List<Long> ms = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            long sum = job.getAsLong();
            ms.add((System.nanoTime() - t0) / 1_000_000);
            check(variant, n, sum);
        }
        StringBuilder b = new StringBuilder();
        for (long m : ms) {
            b.append(b.length() == 0 ? "" : ",").append(m);
        }
        System.out.println("RESULT " + variant + " " + b + " " + peakRssKb() + " 0");
        System.out.flush();
    }

    static void check(String variant, long n, long sum) {
        if (sum != expected(n)) {
            throw new IllegalStateException(variant + ": sum " + sum + ", expected " + expected(n));
        }
    }

    static long peakRssKb() throws Exception {
        for (String l : Files.readAllLines(Paths.get("/proc/self/status"))) {
            if (l.startsWith("VmHWM:")) {
                return Long.parseLong(l.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }
}
