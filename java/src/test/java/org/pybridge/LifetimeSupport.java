package org.pybridge;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

/**
 * Shared helpers for the object-lifetime tests: a Python helper module whose
 * objects count their finalizations ({@code weakref.finalize}), waiting for
 * the JVM garbage collector, RSS, native thread names, child-JVM markers.
 *
 * <p>The helper module is {@code _pybridge_lt} in {@code sys.modules}:
 * <ul>
 * <li>{@code make(key)}: a new object (the returned handle is its only
 * reference) whose finalizer records {@code key} once per run;</li>
 * <li>{@code count(key)}, {@code finalized(prefix)}, {@code not_once(prefix)},
 * {@code order_of(prefix)}, {@code on_thread(prefix, ident)}, {@code me()};</li>
 * <li>{@code Cyc(key)}: an object with {@code __del__} counted in {@code dels}.</li>
 * </ul>
 */
final class LifetimeSupport {
    private LifetimeSupport() {}

    static final String MODULE = "_pybridge_lt";

    private static final String SRC = String.join(
            "\n",
            "import threading, weakref, time, gc",
            "counts = {}",
            "order = []",
            "threads = {}",
            "dels = {}",
            "lock = threading.RLock()",
            "class Obj:",
            "    __slots__ = ('key', '__weakref__')",
            "def _fin(key):",
            "    with lock:",
            "        counts[key] = counts.get(key, 0) + 1",
            "        order.append(key)",
            "        threads[key] = threading.get_ident()",
            "def make(key):",
            "    o = Obj()",
            "    o.key = key",
            "    weakref.finalize(o, _fin, key)",
            "    return o",
            "def identity(x):",
            "    return x",
            "def count(key):",
            "    return counts.get(key, 0)",
            "def finalized(prefix):",
            "    with lock:",
            "        return sum(1 for k in counts if k.startswith(prefix))",
            "def not_once(prefix):",
            "    with lock:",
            "        return sorted(k + '=' + str(v) for k, v in counts.items() if k.startswith(prefix) and v != 1)",
            "def order_of(prefix):",
            "    with lock:",
            "        return [k for k in order if k.startswith(prefix)]",
            "def on_thread(prefix, ident):",
            "    with lock:",
            "        return sum(1 for k, t in threads.items() if k.startswith(prefix) and t == ident)",
            "def me():",
            "    return threading.get_ident()",
            "class Cyc:",
            "    def __init__(self, key):",
            "        self.key = key",
            "        self.other = None",
            "    def __del__(self):",
            "        dels[self.key] = dels.get(self.key, 0) + 1",
            "def del_count(key):",
            "    return dels.get(key, 0)",
            "raised = {}",
            "class Raiser:",
            "    def __init__(self, key):",
            "        self.key = key",
            "    def __del__(self):",
            "        raised[self.key] = raised.get(self.key, 0) + 1",
            "        raise RuntimeError('raised on purpose by __del__ of ' + self.key)",
            "def raised_total(prefix):",
            "    return sum(v for k, v in list(raised.items()) if k.startswith(prefix))",
            "slow = {}",
            "class Slow:",
            "    def __init__(self, key, seconds, busy):",
            "        self.key, self.seconds, self.busy = key, seconds, busy",
            "    def __del__(self):",
            "        slow[self.key] = 'started'",
            "        end = time.monotonic() + self.seconds",
            "        if self.busy:",
            "            while time.monotonic() < end:",
            "                pass",
            "        else:",
            "            time.sleep(self.seconds)",
            "        slow[self.key] = 'done'",
            "def slow_state(key):",
            "    return slow.get(key, '')",
            "spawned = {}",
            "class Spawner:",
            "    def __init__(self, key):",
            "        self.key = key",
            "    def __del__(self):",
            "        junk = [{'i': i, 's': str(i)} for i in range(1000)]",
            "        children = [make(self.key + '/child' + str(i)) for i in range(10)]",
            "        spawned[self.key] = (len(junk), make(self.key + '/kept'), Cyc(self.key + '/cyc'))",
            "        del children",
            "def spawned_ok(key):",
            "    v = spawned.get(key)",
            "    return v is not None and v[0] == 1000",
            "def forget_spawned(key):",
            "    spawned.pop(key, None)",
            "");

    private static final AtomicLong SEQ = new AtomicLong();
    private static volatile PyObject module;

    /**
     * The helper module (installed once). Its handle is made on a fresh
     * thread, outside any scope, and held here for the life of the JVM.
     */
    static PyObject lt() {
        PyObject m = module;
        if (m != null) {
            return m;
        }
        synchronized (LifetimeSupport.class) {
            if (module == null) {
                AtomicReference<Object> out = new AtomicReference<>();
                Thread t = new Thread(
                        () -> {
                            try {
                                out.set(install());
                            } catch (Throwable e) {
                                out.set(e);
                            }
                        },
                        "lifetime-support-init");
                t.start();
                try {
                    t.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
                if (out.get() instanceof Throwable) {
                    throw new IllegalStateException("could not install the helper module", (Throwable) out.get());
                }
                module = (PyObject) out.get();
            }
            return module;
        }
    }

    private static PyObject install() {
        Python.initialize();
        try (ResourceScope s = Python.openScope()) {
            PyObject modules = Python.importModule("sys").getAttr("modules");
            if (!modules.contains(MODULE)) {
                PyObject m = Python.importModule("types").callAttr("ModuleType", MODULE);
                Python.builtins().callAttr("exec", SRC, m.getAttr("__dict__"));
                modules.setItem(MODULE, m);
            }
        }
        // Outside any scope on this thread: tracked by the GC, held by the static field.
        return Python.importModule(MODULE);
    }

    /** A prefix unique in this JVM, for finalizer keys. */
    static String prefix(String name) {
        return name + "#" + SEQ.incrementAndGet() + ":";
    }

    static PyObject make(String key) {
        return lt().callAttr("make", key);
    }

    static long count(String key) {
        return lt().callAttrAs(Long.class, "count", key);
    }

    static long finalized(String prefix) {
        return lt().callAttrAs(Long.class, "finalized", prefix);
    }

    static List<?> notOnce(String prefix) {
        return lt().callAttrAs(List.class, "not_once", prefix);
    }

    static List<?> orderOf(String prefix) {
        return lt().callAttrAs(List.class, "order_of", prefix);
    }

    static long me() {
        return lt().callAttrAs(Long.class, "me");
    }

    static long onThread(String prefix, long ident) {
        return lt().callAttrAs(Long.class, "on_thread", prefix, ident);
    }

    /** Makes {@code n} GC-tracked finalizer objects and drops every wrapper (in its own frame). */
    static void makeDropped(String prefix, int n) {
        for (int i = 0; i < n; i++) {
            lt().callAttr("make", prefix + i);
        }
    }

    // ---- waiting -----------------------------------------------------------------

    /** Polls {@code cond} (running System.gc() each round if asked) until true or timeout. */
    static boolean await(BooleanSupplier cond, long timeoutMillis, boolean gc) {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (true) {
            if (cond.getAsBoolean()) {
                return true;
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            if (gc) {
                System.gc();
            }
            sleep(20);
        }
    }

    /**
     * Lets the JVM collect whatever is unreachable and the release queue
     * drain, until the counters are quiet; returns the quiet snapshot.
     */
    static Stats settle() {
        long deadline = System.nanoTime() + 30_000_000_000L;
        Stats prev = null;
        int stable = 0;
        while (System.nanoTime() < deadline) {
            System.gc();
            sleep(25);
            Stats s = Python.stats();
            if (prev != null
                    && s.queuedReleases() == 0
                    && s.liveHandles() == prev.liveHandles()
                    && s.gcTracked() == prev.gcTracked()
                    && s.created() == prev.created()) {
                if (++stable >= 3) {
                    return s;
                }
            } else {
                stable = 0;
            }
            prev = s;
        }
        return Python.stats();
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    // ---- process ------------------------------------------------------------------

    /** VmRSS of this process in bytes (Linux). */
    static long rssBytes() {
        try {
            for (String line : Files.readAllLines(Paths.get("/proc/self/status"), StandardCharsets.UTF_8)) {
                if (line.startsWith("VmRSS:")) {
                    String[] f = line.trim().split("\\s+");
                    return Long.parseLong(f[1]) * 1024L;
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }

    /** RSS after a full JVM collection (less noise from Java garbage). */
    static long settledRss() {
        for (int i = 0; i < 3; i++) {
            System.gc();
            sleep(30);
        }
        return rssBytes();
    }

    /** Names ({@code comm}) of every native thread of this process. */
    static List<String> nativeThreadNames() {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(Paths.get("/proc/self/task"))) {
            for (Path task : ds) {
                try {
                    names.add(new String(Files.readAllBytes(task.resolve("comm")), StandardCharsets.UTF_8).trim());
                } catch (IOException gone) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return names;
    }

    /** Whether a native thread named {@code pybridge-release} (comm truncates to 15 chars) exists. */
    static boolean releaseThreadExists() {
        for (String n : nativeThreadNames()) {
            if (n.startsWith("pybridge-releas")) {
                return true;
            }
        }
        return false;
    }

    // ---- child JVM markers -----------------------------------------------------------

    /** Child side: prints a marker line the parent parses. */
    static void mark(String key, Object value) {
        System.out.println("@@" + key + "=" + value);
        System.out.flush();
    }

    /** Parent side: the markers a child printed, in order (last one wins). */
    static Map<String, String> markers(String output) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : output.split("\n")) {
            line = line.trim();
            if (line.startsWith("@@")) {
                int eq = line.indexOf('=');
                if (eq > 2) {
                    m.put(line.substring(2, eq), line.substring(eq + 1));
                }
            }
        }
        return m;
    }

    static long markerLong(Map<String, String> m, String key, String output) {
        String v = m.get(key);
        if (v == null) {
            throw new AssertionError("child printed no marker '" + key + "'; output:\n" + output);
        }
        return Long.parseLong(v);
    }

    /** All stack traces, for a watchdog report. */
    static String threadDump() {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<Thread, StackTraceElement[]> e :
                Thread.getAllStackTraces().entrySet()) {
            Thread t = e.getKey();
            sb.append('"')
                    .append(t.getName())
                    .append("\" ")
                    .append(t.getState())
                    .append('\n');
            for (StackTraceElement el : e.getValue()) {
                sb.append("    at ").append(el).append('\n');
            }
        }
        return sb.toString();
    }
}
