package org.pybridge.flink;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.pybridge.integration.ExecutorPython;
import org.pybridge.integration.FileResolver;
import org.pybridge.integration.JvmFlags;
import org.pybridge.integration.PyFunction;
import org.pybridge.integration.PythonSetup;

/**
 * Python in Flink jobs: started once per task manager JVM, in the
 * {@code open} of the first function that needs it ({@link PyMapFunction},
 * {@link PyProcessFunction}, {@link PyBatchFunction}), on Flink 1.20 and 2.x
 * ({@code open(OpenContext)}).
 *
 * <p>Configured by the job's global parameters {@code pybridge.python},
 * {@code pybridge.sysPath}, {@code pybridge.files} (names registered with
 * {@code env.registerCachedFile(path, name)}), {@code pybridge.modules},
 * {@code pybridge.init}; else by the task manager's environment
 * ({@code PYBRIDGE_PYTHON}, {@code VIRTUAL_ENV}). One GIL per JVM: the slots
 * of one task manager take turns in Python.
 */
public final class PyFlink {
    private PyFlink() {}

    /** Global job parameter keys: {@code pybridge.python}, {@code .sysPath}, {@code .files}, {@code .modules}, {@code .init}. */
    public static final String PREFIX = "pybridge.";

    /** Files found in tasks' distributed caches, by name (one JVM serves many tasks). */
    private static final Map<String, Path> cached = new ConcurrentHashMap<>();

    private static final FileResolver DISTRIBUTED_CACHE = new FileResolver() {
        @Override
        public Path resolve(String name) {
            return cached.get(name);
        }

        @Override
        public String toString() {
            return "Flink's distributed cache";
        }
    };

    /**
     * Starts this JVM's Python if needed and applies the job's setup (global
     * parameters) and {@code extra}; files named by either, or by a
     * {@link PyFunction#fromFile} among {@code functions}, are looked up in
     * the task's distributed cache first. Call from {@code open}.
     */
    public static void ensurePython(RuntimeContext ctx, PythonSetup extra, PyFunction... functions) {
        ExecutorPython.addFileResolver(DISTRIBUTED_CACHE);
        PythonSetup fromJob = PythonSetup.create();
        if (ctx != null) {
            Map<String, String> params = ctx.getGlobalJobParameters();
            if (params != null) {
                fromJob = PythonSetup.fromProperties(params, PREFIX);
            }
        }
        PythonSetup setup = extra == null ? fromJob : fromJob.merge(extra);
        if (ctx != null) {
            cache(ctx, setup.files());
            for (PyFunction f : functions) {
                if (f != null && f.kind() == PyFunction.Kind.FILE) {
                    cache(ctx, List.of(f.origin()));
                }
            }
        }
        ExecutorPython.ensure(setup);
    }

    /**
     * Sub-interpreters per TaskManager JVM for {@link PyMapFunction}: {@code 0}
     * (the default) runs every subtask in the JVM's main interpreter, where
     * subtasks take turns; {@code N > 0} gives each subtask one of up to N
     * sub-interpreters of its own (isolated, with its own GIL, on Python
     * 3.12+). Code run there must not import extension modules that cannot
     * be isolated (numpy, pandas, pyarrow).
     */
    public static final String INTERPRETERS = PREFIX + "interpreters";

    /** {@value #INTERPRETERS} of the job (0 when unset). */
    static int interpreters(RuntimeContext ctx) {
        Map<String, String> params = ctx == null ? null : ctx.getGlobalJobParameters();
        String v = params == null ? null : params.get(INTERPRETERS);
        if (v == null || v.trim().isEmpty()) {
            return 0;
        }
        try {
            int n = Integer.parseInt(v.trim());
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(INTERPRETERS + " must be a whole number of at least 0, not '" + v + "'");
        }
    }

    /**
     * The job's {@code sys.path} entries and files: what every interpreter
     * gets. Its modules and init code run in the main interpreter only (they
     * may import numpy, which isolated interpreters refuse).
     */
    static PythonSetup environment(RuntimeContext ctx) {
        PythonSetup env = PythonSetup.create();
        Map<String, String> params = ctx == null ? null : ctx.getGlobalJobParameters();
        if (params != null) {
            PythonSetup job = PythonSetup.fromProperties(params, PREFIX);
            job.sysPath().forEach(env::addSysPath);
            job.files().forEach(env::addFile);
        }
        return env;
    }

    /**
     * Copies the files a task's distributed cache holds under these names into
     * a directory of this JVM's, under their own names: Flink keeps them under
     * blob names (no {@code .py}, so no module name) and deletes them when the
     * job that shipped them ends, while Python imports a file once per JVM.
     */
    private static synchronized void cache(RuntimeContext ctx, List<String> names) {
        for (String name : names) {
            if (cached.containsKey(name)) {
                continue;
            }
            File f;
            try {
                f = ctx.getDistributedCache().getFile(name);
            } catch (RuntimeException e) {
                continue; // not registered under this name: it may be a path (ExecutorPython tries it)
            }
            if (f == null || !f.exists()) {
                continue;
            }
            try {
                if (filesDir == null) {
                    filesDir = Files.createTempDirectory("pybridge-flink-files");
                    filesDir.toFile().deleteOnExit();
                }
                Path target = filesDir.resolve(Paths.get(name).getFileName().toString());
                copy(f.toPath(), target);
                cached.put(name, target);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot copy " + name + " out of Flink's distributed cache", e);
            }
        }
    }

    private static void copy(Path from, Path to) throws IOException {
        if (Files.isDirectory(from)) {
            try (Stream<Path> all = Files.walk(from)) {
                for (Path p : (Iterable<Path>) all::iterator) {
                    Path t = to.resolve(from.relativize(p).toString());
                    if (Files.isDirectory(p)) {
                        Files.createDirectories(t);
                    } else {
                        Files.copy(p, t, StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
        } else {
            Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static Path filesDir;

    /** The JVM options Flink needs on JDK 17+ in a JVM of your own (local mode). */
    public static List<String> jvmFlags() {
        return JvmFlags.flink();
    }
}
