package org.pybridge;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

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

    private String executable;
    private final List<String> sysPath = new ArrayList<>();
    private ReleasePolicy releasePolicy = ReleasePolicy.DEDICATED_THREAD;
    private long gcNudgeThreshold = DEFAULT_GC_NUDGE_THRESHOLD;
    private long gilLeaseWaitMillis = DEFAULT_GIL_LEASE_WAIT_MILLIS;
    private long gilSpinMicros = DEFAULT_GIL_SPIN_MICROS;
    private boolean strictMapKeys = Boolean.getBoolean("pybridge.strictMapKeys");
    private java.util.function.Predicate<String> javaClassFilter = DEFAULT_JAVA_CLASS_FILTER;

    /**
     * Default of {@link #javaClassFilter}: every public class of an exported
     * package may be imported from Python.
     */
    public static final java.util.function.Predicate<String> DEFAULT_JAVA_CLASS_FILTER = name -> true;

    /**
     * Default of {@link #gilSpin(long)}: 200 µs, or the system property
     * {@code pybridge.gilSpinMicros}.
     */
    public static final long DEFAULT_GIL_SPIN_MICROS = Math.max(0, Long.getLong("pybridge.gilSpinMicros", 200));

    /** Default of {@link #gilLeaseWait(long)}: one minute. */
    public static final long DEFAULT_GIL_LEASE_WAIT_MILLIS = 60_000;

    /** The python executable to embed (a venv's {@code bin/python} works). */
    public PythonConfig executable(String path) {
        this.executable = path;
        return this;
    }

    public PythonConfig executable(Path path) {
        return executable(path.toString());
    }

    /** Adds an entry at the front of {@code sys.path}. */
    public PythonConfig addSysPath(String entry) {
        sysPath.add(entry);
        return this;
    }

    public PythonConfig releasePolicy(ReleasePolicy policy) {
        this.releasePolicy = policy;
        return this;
    }

    /**
     * GC-tracked live handles past which pybridge asks the JVM for a collection
     * (rate-limited); 0 disables the nudge.
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
     */
    public PythonConfig javaClassFilter(java.util.function.Predicate<String> allow) {
        this.javaClassFilter = java.util.Objects.requireNonNull(allow, "allow");
        return this;
    }

    /**
     * Only classes in these packages (and their subpackages) may be imported
     * from Python: {@code javaClassPackages("java.util", "com.example")}.
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

    public java.util.function.Predicate<String> javaClassFilter() {
        return javaClassFilter;
    }

    public boolean strictMapKeys() {
        return strictMapKeys;
    }

    public long gilSpinMicros() {
        return gilSpinMicros;
    }

    public long gilLeaseWaitMillis() {
        return gilLeaseWaitMillis;
    }

    public String executable() {
        return executable;
    }

    public List<String> sysPath() {
        return Collections.unmodifiableList(sysPath);
    }

    public ReleasePolicy releasePolicy() {
        return releasePolicy;
    }

    public long gcNudgeThreshold() {
        return gcNudgeThreshold;
    }
}
