package org.pybridge;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Starting process interpreters ({@link InterpreterConfig#process()}): an {@link Interpreter}
 * whose worker thread starts the child ({@link ProcessChannel}) and then starts Python in it with
 * the same {@code INIT} request the JVM's own Python got, sent through the pipe.
 */
final class ProcessInterpreters {
    private ProcessInterpreters() {}

    private static final AtomicInteger SEQ = new AtomicInteger();
    private static final Map<String, PythonLocator.Found> FACTS = new ConcurrentHashMap<>();

    static Interpreter start(InterpreterConfig cfg, String pythonVersion) {
        InterpreterConfig.ProcessSpec spec = cfg.process;
        String exe = spec.executable != null ? spec.executable : Python.info().executable();
        // The facts of an executable are asked once (a probe is a Python start of its own).
        PythonLocator.Found f = FACTS.computeIfAbsent(exe, e -> {
            PythonLocator.Found q = PythonLocator.query(e);
            q.requested = e;
            q.reason = "InterpreterConfig.process()";
            return q;
        });
        String got = f.get("version_short");
        String want = xy(pythonVersion);
        if (!want.equals(got)) {
            throw new PyBridgeException("a process interpreter runs pybridge's child built for Python " + want
                    + " (the Python of this JVM); " + exe + " is Python " + got + ". Use a Python " + want
                    + " executable (a virtualenv of it is fine)");
        }
        if (f.libpython == null) {
            f.libpython = PythonLocator.findLibpython(f);
        }
        String n = cfg.name != null ? cfg.name : "process-" + SEQ.incrementAndGet();
        Interpreter in = Interpreter.unstarted(n);
        CompletableFuture<Void> started = new CompletableFuture<>();
        in.startWorker(() -> begin(in, cfg, f, started));
        try {
            started.join();
        } catch (CompletionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException) {
                throw (RuntimeException) c;
            }
            if (c instanceof Error) {
                throw (Error) c;
            }
            throw new PyBridgeException("could not start " + in + ": " + c, c);
        }
        return in;
    }

    /** The worker's first task: the child, Python in it, the start-up code. */
    private static void begin(
            Interpreter in, InterpreterConfig cfg, PythonLocator.Found f, CompletableFuture<Void> started) {
        try {
            in.channel = ProcessChannel.start(in, cfg.process, f);
            PythonConfig pc = new PythonConfig().releasePolicy(PythonConfig.ReleasePolicy.CALLER_THREADS);
            for (String p : cfg.sysPath) {
                pc.addSysPath(p);
            }
            Ops.init(f, pc);
            for (String code : cfg.startupCode) {
                Ops.exec(code, null);
            }
            started.complete(null);
        } catch (Throwable e) {
            ProcessChannel c = in.channel;
            if (c != null) {
                c.close();
            }
            in.failedToStart();
            started.completeExceptionally(e);
        }
    }

    private static String xy(String version) {
        String[] p = version.split("\\.");
        return p.length >= 2 ? p[0] + "." + p[1] : version;
    }
}
