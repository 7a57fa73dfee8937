package org.pybridge;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * The soak ({@code ./dev soak [minutes] [report-seconds]}): 8 Java threads run a mix of every
 * public operation for the chosen time, with GC pressure, sub-interpreters created and closed,
 * process interpreters killed at random, callbacks and numpy views; every report interval it
 * prints RSS, live handles, file descriptors, threads and child processes, which should stay flat
 * after warm-up. Not part of {@code ./dev test}. Exits 1 on any unexpected error.
 */
public final class Soak {
    private Soak() {}

    static final AtomicLong OPS = new AtomicLong();
    static final AtomicLong KILLS = new AtomicLong();
    static final AtomicReference<Throwable> FAILED = new AtomicReference<>();

    public static void main(String[] args) throws Exception {
        double minutes = args.length > 0 ? Double.parseDouble(args[0]) : 30;
        long reportSeconds = args.length > 1 ? Long.parseLong(args[1]) : 60;
        Python.initialize();
        Python.exec("import numpy as np, json, math\n" + "def work(k):\n    return sum(i * i for i in range(k))\n");
        long end = System.nanoTime() + (long) (minutes * 60e9);
        List<Thread> ts = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            int id = i;
            Thread t = new Thread(() -> run(id, end), "soak-" + i);
            t.start();
            ts.add(t);
        }
        long start = System.nanoTime();
        System.out.println("soak: 8 threads for " + minutes + " min, a report every " + reportSeconds + " s");
        report(start);
        while (System.nanoTime() < end && FAILED.get() == null) {
            Thread.sleep(Math.min(
                    TimeUnit.SECONDS.toMillis(reportSeconds),
                    Math.max(1, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime()))));
            report(start);
        }
        for (Thread t : ts) {
            t.join();
        }
        System.gc();
        Thread.sleep(500);
        report(start);
        if (FAILED.get() != null) {
            System.out.println("soak: FAILED");
            FAILED.get().printStackTrace(System.out);
            System.exit(1);
        }
        System.out.println("soak: ok, " + OPS.get() + " operations, " + KILLS.get() + " process interpreters killed");
        System.exit(0);
    }

    static void report(long start) throws Exception {
        Stats s = Python.stats();
        long secs = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
        System.out.printf(
                "t=%4ds rss=%dMiB handles=%d fds=%d threads=%d children=%d ops=%d killed=%d" + " processDeaths=%d%n",
                secs,
                rssKb() / 1024,
                s.liveHandles(),
                fds(),
                Thread.activeCount(),
                ProcessHandle.current().children().count(),
                OPS.get(),
                KILLS.get(),
                s.processDeaths());
    }

    static long rssKb() throws Exception {
        for (String l : Files.readAllLines(Paths.get("/proc/self/status"))) {
            if (l.startsWith("VmRSS:")) {
                return Long.parseLong(l.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    static long fds() throws Exception {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }

    static void run(int id, long end) {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        try {
            while (System.nanoTime() < end && FAILED.get() == null) {
                int what = r.nextInt(100);
                if (what < 40) {
                    values(r);
                } else if (what < 55) {
                    handles(r);
                } else if (what < 65) {
                    callbacks(r);
                } else if (what < 75) {
                    numpy(r);
                } else if (what < 85) {
                    leases();
                } else if (what < 92) {
                    subInterpreter();
                } else {
                    processInterpreter(r);
                }
                OPS.incrementAndGet();
                if (r.nextInt(50) == 0) {
                    byte[][] garbage = new byte[64][];
                    for (int i = 0; i < garbage.length; i++) {
                        garbage[i] = new byte[16 * 1024]; // GC pressure
                    }
                }
            }
        } catch (Throwable t) {
            FAILED.compareAndSet(null, t);
        }
    }

    static void values(ThreadLocalRandom r) {
        Object v = Map.of("k", List.of(1L, 2.5, "s\u00e9", r.nextBoolean()), "n", r.nextLong());
        Object back = Python.toPython(v).toJava();
        if (!v.equals(back)) {
            throw new AssertionError("round trip: " + v + " -> " + back);
        }
        long x = Python.eval("work(50)", Long.class);
        if (x != 40425) {
            throw new AssertionError("work(50) = " + x);
        }
        try {
            Python.exec("raise KeyError('soak')");
            throw new AssertionError("no exception");
        } catch (PythonException e) {
            // expected
        }
    }

    static void handles(ThreadLocalRandom r) {
        try (ResourceScope s = Python.openScope()) {
            PyObject d = Python.eval("{'a': [1, 2, 3]}");
            d.setItem("b", r.nextInt());
            d.getItem("a").len();
            for (PyObject o : Python.eval("range(20)")) {
                o.repr();
            }
        }
        for (int i = 0; i < 50; i++) {
            Python.eval("object()"); // GC path
        }
        Python.eval("[1, 2]").close();
    }

    static void callbacks(ThreadLocalRandom r) {
        PyObject f = Python.eval("lambda g, x: g(x) + 1");
        long got = f.callAs(Long.class, (Function<Long, Long>) v -> v * 2, 20L);
        if (got != 41) {
            throw new AssertionError("callback: " + got);
        }
        f.close();
    }

    static void numpy(ThreadLocalRandom r) {
        PyObject a = Python.eval("np.arange(4096, dtype=np.float64)");
        ByteBuffer view = a.asBuffer().order(ByteOrder.nativeOrder());
        if (view.getDouble(8 * 100) != 100.0) {
            throw new AssertionError("numpy view");
        }
        a.close();
        ByteBuffer direct = ByteBuffer.allocateDirect(8 * 256).order(ByteOrder.nativeOrder());
        PyObject arr = Python.toNumpy(direct.asDoubleBuffer(), 256);
        arr.close();
    }

    static void leases() {
        Python.withGil(() -> Python.eval("1 + 1", Long.class));
    }

    static void subInterpreter() {
        try (Interpreter sub = Python.newInterpreter(InterpreterConfig.shared())) {
            sub.exec("import json\nx = json.dumps([1, 2])");
            if (!"[1, 2]".equals(sub.eval("x", String.class))) {
                throw new AssertionError("sub-interpreter");
            }
        }
    }

    static void processInterpreter(ThreadLocalRandom r) throws Exception {
        Interpreter p = Python.newInterpreter(InterpreterConfig.process());
        try {
            p.exec("import json");
            for (int i = 0; i < 20; i++) {
                p.call(() -> Python.eval("json.loads('[1, 2, 3]')").toJava());
            }
            if (r.nextBoolean()) {
                long pid = p.call(() -> Python.eval("__import__('os').getpid()", Long.class));
                new ProcessBuilder("kill", "-9", Long.toString(pid)).start().waitFor();
                KILLS.incrementAndGet();
                try {
                    p.eval("1");
                    throw new AssertionError("a killed process answered");
                } catch (PythonProcessDiedException e) {
                    // expected
                }
            }
        } finally {
            p.close();
        }
    }
}
