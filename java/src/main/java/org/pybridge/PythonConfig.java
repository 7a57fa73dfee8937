package org.pybridge;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Options for {@link Python#initialize(PythonConfig)}. Everything is optional:
 * {@code new PythonConfig()} behaves like {@link Python#initialize()}.
 */
public final class PythonConfig {
    /** Default number of GC-tracked live handles that triggers a JVM GC nudge. */
    public static final long DEFAULT_GC_NUDGE_THRESHOLD = 200_000;

    /** Which threads drop handles released through the JVM garbage collector. */
    public enum ReleasePolicy {
        /** A dedicated native thread ({@code pybridge-release}) drops them in batches. */
        DEDICATED_THREAD,
        /**
         * No extra thread ever touches Python: threads that call in drop queued
         * handles (at the end of an outermost {@code withGil}, or on their next
         * call). For libraries that insist all Python runs on threads they know.
         */
        CALLER_THREADS
    }

    /**
     * Where Python's {@code sys.stdout} or {@code sys.stderr} writes: see
     * {@link PythonConfig#stdout(Output)}. Python buffers a line and hands
     * it over when it ends (at {@code '\n'}), on {@code flush()} (as
     * {@code print(..., flush=True)} does) or when 8 KB are pending, so
     * that Java's and Python's output keep their order.
     */
    public static final class Output {
        enum Kind {
            SYSTEM,
            STREAM,
            CONSUMER,
            FILE_DESCRIPTOR
        }

        final Kind kind;
        final PrintStream stream;
        final Consumer<String> consumer;

        private Output(Kind kind, PrintStream stream, Consumer<String> consumer) {
            this.kind = kind;
            this.stream = stream;
            this.consumer = consumer;
        }

        private static final Output SYSTEM = new Output(Kind.SYSTEM, null, null);
        private static final Output FD = new Output(Kind.FILE_DESCRIPTOR, null, null);

        /**
         * The default: {@code System.out} (for stdout) or {@code System.err}
         * (for stderr) as it is at each write, so {@code System.setOut}, and
         * test runners that capture output that way, see Python's output.
         *
         * @return the default output
         */
        public static Output system() {
            return SYSTEM;
        }

        /**
         * Into {@code stream}, flushed after each hand-over.
         *
         * @param stream where the text goes
         * @return an output writing to {@code stream}
         */
        public static Output to(PrintStream stream) {
            return new Output(Kind.STREAM, Objects.requireNonNull(stream, "stream"), null);
        }

        /**
         * To {@code consumer}: each hand-over is one call, with one or more
         * whole lines (their {@code '\n'} included), or the text pending at a
         * flush. Called on the thread that wrote (a thread Python started
         * included) without the GIL; text it fails to take goes to the file
         * descriptor instead.
         *
         * @param consumer what receives the text
         * @return an output calling {@code consumer}
         */
        public static Output to(Consumer<String> consumer) {
            return new Output(Kind.CONSUMER, null, Objects.requireNonNull(consumer, "consumer"));
        }

        /**
         * Leaves Python's stream as Python made it: it writes to the process's
         * file descriptor 1 or 2, bypassing {@code System.out}/{@code System.err}.
         *
         * @return the raw file-descriptor output
         */
        public static Output fileDescriptor() {
            return FD;
        }

        @Override
        public String toString() {
            return kind.name().toLowerCase(Locale.ROOT);
        }
    }

    private Output stdout = Output.system();
    private Output stderr = Output.system();
    private String executable;
    private final List<String> sysPath = new ArrayList<>();
    private ReleasePolicy releasePolicy = ReleasePolicy.DEDICATED_THREAD;
    private long gcNudgeThreshold = DEFAULT_GC_NUDGE_THRESHOLD;
    private long gilLeaseWaitMillis = DEFAULT_GIL_LEASE_WAIT_MILLIS;
    private long gilSpinMicros = DEFAULT_GIL_SPIN_MICROS;
    private boolean strictMapKeys = Boolean.getBoolean("pybridge.strictMapKeys");
    private Predicate<String> javaClassFilter = DEFAULT_JAVA_CLASS_FILTER;

    /**
     * Default of {@link #javaClassFilter}: every public class of an exported
     * package may be imported from Python.
     */
    public static final Predicate<String> DEFAULT_JAVA_CLASS_FILTER = name -> true;

    /**
     * Default of {@link #gilSpin(long)}: 200 µs, or the system property
     * {@code pybridge.gilSpinMicros}.
     */
    public static final long DEFAULT_GIL_SPIN_MICROS = Math.max(0, Long.getLong("pybridge.gilSpinMicros", 200));

    /** Default of {@link #gilLeaseWait(long)}: one minute. */
    public static final long DEFAULT_GIL_LEASE_WAIT_MILLIS = 60_000;

    /**
     * Where Python's {@code sys.stdout} writes; by default
     * {@link Output#system()}, the current {@code System.out}.
     *
     * @param out the destination
     * @return this config
     */
    public PythonConfig stdout(Output out) {
        this.stdout = Objects.requireNonNull(out, "out");
        return this;
    }

    /**
     * Where Python's {@code sys.stderr} writes; by default
     * {@link Output#system()}, the current {@code System.err}.
     *
     * @param err the destination
     * @return this config
     */
    public PythonConfig stderr(Output err) {
        this.stderr = Objects.requireNonNull(err, "err");
        return this;
    }

    /**
     * Python's {@code sys.stdout} and {@code sys.stderr} write straight to
     * file descriptors 1 and 2, as a Python process's do
     * ({@link Output#fileDescriptor()} for both).
     *
     * @return this config
     */
    public PythonConfig rawOutput() {
        return stdout(Output.fileDescriptor()).stderr(Output.fileDescriptor());
    }

    /**
     * Where Python's {@code sys.stdout} writes.
     *
     * @return the destination
     */
    public Output stdout() {
        return stdout;
    }

    /**
     * Where Python's {@code sys.stderr} writes.
     *
     * @return the destination
     */
    public Output stderr() {
        return stderr;
    }

    /**
     * The python executable to embed (a venv's {@code bin/python} works).
     *
     * @param path the python executable
     * @return this config
     */
    public PythonConfig executable(String path) {
        this.executable = path;
        return this;
    }

    /**
     * The python executable to embed, as a path.
     *
     * @param path the python executable
     * @return this config
     */
    public PythonConfig executable(Path path) {
        return executable(path.toString());
    }

    /**
     * Adds an entry at the front of {@code sys.path}.
     *
     * @param entry a directory or zip file
     * @return this config
     */
    public PythonConfig addSysPath(String entry) {
        sysPath.add(entry);
        return this;
    }

    /**
     * Which threads drop handles the JVM garbage collector released (default {@link ReleasePolicy#DEDICATED_THREAD}).
     *
     * @param policy the policy
     * @return this config
     */
    public PythonConfig releasePolicy(ReleasePolicy policy) {
        this.releasePolicy = policy;
        return this;
    }

    /**
     * GC-tracked live handles past which pybridge asks the JVM for a collection
     * (rate-limited); 0 disables the nudge.
     *
     * @param handles the number of GC-tracked live handles (0: never nudge)
     * @return this config
     */
    public PythonConfig gcNudgeThreshold(long handles) {
        if (handles < 0) {
            throw new IllegalArgumentException("threshold must be >= 0");
        }
        this.gcNudgeThreshold = handles;
        return this;
    }

    /**
     * How long a call waits while another thread holds the GIL through a
     * {@link Python#acquireGil()} lease (or {@code withGil}) before it gives up
     * with an {@link IllegalStateException} naming that thread, instead of
     * hanging behind a lease that was never closed. 0 waits forever.
     * @param millis the wait in milliseconds (0: wait forever)
     * @return this config
     */
    public PythonConfig gilLeaseWait(long millis) {
        if (millis < 0) {
            throw new IllegalArgumentException("wait must be >= 0");
        }
        this.gilLeaseWaitMillis = millis;
        return this;
    }

    /**
     * How long a call spins, at most, waiting for another JVM thread's call
     * to leave Python before it queues for the GIL the ordinary way
     * (microseconds; 0 turns the call gate off). With several JVM threads
     * calling into Python, the gate hands Python from one to the next
     * without the sleep and wake-up per call that CPython's GIL hand-off
     * costs; calls that hold Python longer than this, or block in it, make
     * the others queue for the GIL as they would without the gate. Has no
     * effect on a machine with one CPU. Counters:
     * {@link Stats#gilGateWaits()}, {@link Stats#gilGateFallbacks()}.
     * @param micros the longest spin in microseconds (0: no gate)
     * @return this config
     */
    public PythonConfig gilSpin(long micros) {
        if (micros < 0) {
            throw new IllegalArgumentException("spin must be >= 0");
        }
        this.gilSpinMicros = micros;
        return this;
    }

    /**
     * Whether a Java {@code Map} (or {@code Set}) whose distinct keys are equal
     * in Python is an error. Keys are converted one by one, and Python
     * considers {@code 1L}, {@code 1.0} and {@code true} one key (as it does
     * {@code 1}, {@code 1.0} and {@code True}), and so a {@code String} and a
     * {@code Character} of the same text, or a Clojure keyword and its name:
     * by default the last of them wins, as in a Python dict literal. With
     * {@code strictMapKeys(true)} such a map gives an
     * {@link IllegalArgumentException} naming the entries instead (the check
     * costs one length comparison per map or set).
     * @param strict whether such a map is an error
     * @return this config
     */
    public PythonConfig strictMapKeys(boolean strict) {
        this.strictMapKeys = strict;
        return this;
    }

    /**
     * Which Java classes Python code may reach by name: {@code import java.util},
     * {@code from java.util import ArrayList}, {@code pybridge.jclass(name)},
     * {@code pybridge.jarray(name, n)}. The predicate receives the binary class
     * name ({@code java.util.Map$Entry}); a class it refuses is an
     * {@code ImportError} in Python. The default allows every public class of
     * an exported package ({@link #DEFAULT_JAVA_CLASS_FILTER}). Objects Java
     * hands to Python are live proxies whatever their class, and anything
     * reachable through their methods is reachable: the filter chooses which
     * names Python can start from, it is not a sandbox.
     * {@code name -> false} turns the import hook off.
     *
     * @param allow true for the binary class names Python may import
     * @return this config
     */
    public PythonConfig javaClassFilter(Predicate<String> allow) {
        this.javaClassFilter = Objects.requireNonNull(allow, "allow");
        return this;
    }

    /**
     * Only classes in these packages (and their subpackages) may be imported
     * from Python: {@code javaClassPackages("java.util", "com.example")}.
     *
     * @param packages package names, e.g. {@code "java.util"}
     * @return this config
     */
    public PythonConfig javaClassPackages(String... packages) {
        List<String> ps = new ArrayList<>();
        for (String p : packages) {
            ps.add(p.endsWith(".") ? p : p + ".");
        }
        return javaClassFilter(name -> {
            for (String p : ps) {
                if (name.startsWith(p)) {
                    return true;
                }
            }
            return false;
        });
    }

    /**
     * Which Java classes Python code may import by name (see {@link #javaClassFilter(java.util.function.Predicate)}).
     *
     * @return the filter
     */
    public Predicate<String> javaClassFilter() {
        return javaClassFilter;
    }

    /**
     * Whether Java maps whose keys collide in Python are an error (see {@link #strictMapKeys(boolean)}).
     *
     * @return whether they are
     */
    public boolean strictMapKeys() {
        return strictMapKeys;
    }

    /**
     * The call gate's longest spin (see {@link #gilSpin(long)}).
     *
     * @return microseconds
     */
    public long gilSpinMicros() {
        return gilSpinMicros;
    }

    /**
     * How long a call waits behind a GIL lease (see {@link #gilLeaseWait(long)}).
     *
     * @return milliseconds (0: forever)
     */
    public long gilLeaseWaitMillis() {
        return gilLeaseWaitMillis;
    }

    /**
     * The python executable to embed, or null to find one.
     *
     * @return the path, or null
     */
    public String executable() {
        return executable;
    }

    /**
     * The entries put at the front of {@code sys.path}.
     *
     * @return the entries, unmodifiable
     */
    public List<String> sysPath() {
        return Collections.unmodifiableList(sysPath);
    }

    /**
     * Which threads drop handles the JVM garbage collector released.
     *
     * @return the policy
     */
    public ReleasePolicy releasePolicy() {
        return releasePolicy;
    }

    /**
     * GC-tracked live handles past which pybridge asks the JVM for a collection (see {@link #gcNudgeThreshold(long)}).
     *
     * @return the threshold (0: never)
     */
    public long gcNudgeThreshold() {
        return gcNudgeThreshold;
    }
}
