package org.pybridge;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a {@code main} class in a child JVM with the test classpath, so that
 * a scenario that could crash, hang or needs its own interpreter settings
 * fails as a red test instead of killing the test runner.
 */
public final class ChildJvm {
    private ChildJvm() {}

    /** Outcome of a child run. */
    public static final class Result {
        public final int exitCode;
        public final String output;
        public final boolean timedOut;

        Result(int exitCode, String output, boolean timedOut) {
            this.exitCode = exitCode;
            this.output = output;
            this.timedOut = timedOut;
        }

        /** True when the JVM died from a signal or wrote an hs_err crash report. */
        public boolean crashed() {
            return exitCode >= 128 || output.contains("A fatal error has been detected by the Java Runtime");
        }

        @Override
        public String toString() {
            return "exit " + exitCode + (timedOut ? " (timed out)" : "") + ", output:\n" + output;
        }
    }

    public static String classpath() {
        String cp = System.getProperty("pybridge.test.classpath");
        return cp != null && !cp.isEmpty() ? cp : System.getProperty("java.class.path");
    }

    /** The Python the tests use (the project's venv unless configured otherwise). */
    public static String python() {
        String p = System.getProperty("pybridge.test.python");
        if (p == null || p.isEmpty()) {
            p = System.getenv("PYBRIDGE_PYTHON");
        }
        return p;
    }

    public static Result run(Class<?> main, Map<String, String> env, long timeoutSeconds, String... args) {
        return run(main, env, List.of(), timeoutSeconds, args);
    }

    /**
     * Runs {@code main} with extra environment ({@code null} value = remove
     * the variable) and JVM options; output is stdout and stderr together.
     */
    public static Result run(
            Class<?> main, Map<String, String> env, List<String> jvmOptions, long timeoutSeconds, String... args) {
        return run(main, env, jvmOptions, null, List.of(), timeoutSeconds, args);
    }

    /** As {@link #run(Class, Map, List, long, String...)}, in the working directory {@code workDir}. */
    public static Result run(
            Class<?> main,
            Map<String, String> env,
            List<String> jvmOptions,
            Path workDir,
            long timeoutSeconds,
            String... args) {
        return run(main, env, jvmOptions, workDir, List.of(), timeoutSeconds, args);
    }

    /**
     * The general form: {@code workDir} (null = this JVM's) is the child's
     * working directory, {@code classpathFirst} go before the test classpath
     * (for example a directory with other {@code native/} resources).
     */
    public static Result run(
            Class<?> main,
            Map<String, String> env,
            List<String> jvmOptions,
            Path workDir,
            List<Path> classpathFirst,
            long timeoutSeconds,
            String... args) {
        return runOn(null, main, env, jvmOptions, workDir, classpathFirst, timeoutSeconds, args);
    }

    /**
     * The newer JDK the tests of JDK 21+ features (virtual threads, the FFM
     * API) run on: system property {@code pybridge.test.jdk25}, environment
     * variable {@code PYBRIDGE_TEST_JDK25}, else the Temurin JDK 25 this
     * machine kind ships in {@code /usr/lib/jvm}; null when there is none
     * (those tests are then skipped, saying so).
     */
    public static String jdk25() {
        String p = System.getProperty("pybridge.test.jdk25");
        if (p == null || p.isEmpty()) {
            p = System.getenv("PYBRIDGE_TEST_JDK25");
        }
        if (p != null && !p.isEmpty()) {
            return Files.isExecutable(Path.of(p, "bin", "java")) ? p : null;
        }
        File[] dirs = new File("/usr/lib/jvm").listFiles();
        if (dirs == null) {
            return null;
        }
        Arrays.sort(dirs);
        for (File d : dirs) {
            if (d.getName().matches(".*-25(\\b|[-.]).*")
                    && Files.isExecutable(d.toPath().resolve("bin/java"))) {
                return d.getPath();
            }
        }
        return null;
    }

    /** Like {@link #run(Class, Map, List, long, String...)}, on the JVM at {@code javaHome}. */
    public static Result runOn(
            String javaHome,
            Class<?> main,
            Map<String, String> env,
            List<String> jvmOptions,
            long timeoutSeconds,
            String... args) {
        return runOn(javaHome, main, env, jvmOptions, null, List.of(), timeoutSeconds, args);
    }

    /** The most general form: as above, on the JVM at {@code javaHome} (null: this test JVM's). */
    public static Result runOn(
            String javaHome,
            Class<?> main,
            Map<String, String> env,
            List<String> jvmOptions,
            Path workDir,
            List<Path> classpathFirst,
            long timeoutSeconds,
            String... args) {
        try {
            Path out = Files.createTempFile("pybridge-child", ".log");
            Process p = startOn(javaHome, main, env, jvmOptions, workDir, classpathFirst, out, args);
            boolean done = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
            if (!done) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
            String text = new String(Files.readAllBytes(out), StandardCharsets.UTF_8);
            Files.deleteIfExists(out);
            return new Result(done ? p.exitValue() : -1, text, !done);
        } catch (IOException ex) {
            throw new RuntimeException("could not start a child JVM: " + ex, ex);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new RuntimeException(ex);
        }
    }

    /**
     * Starts {@code main} in a child JVM (as {@link #run(Class, Map, List, Path, List, long, String...)}) and
     * returns at once; stdout and stderr go to {@code output}.
     */
    public static Process start(
            Class<?> main,
            Map<String, String> env,
            List<String> jvmOptions,
            Path workDir,
            List<Path> classpathFirst,
            Path output,
            String... args)
            throws IOException {
        return startOn(null, main, env, jvmOptions, workDir, classpathFirst, output, args);
    }

    private static Process startOn(
            String javaHome,
            Class<?> main,
            Map<String, String> env,
            List<String> jvmOptions,
            Path workDir,
            List<Path> classpathFirst,
            Path output,
            String... args)
            throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(javaHome != null ? javaHome : System.getProperty("java.home"), "bin", "java")
                .toString());
        if ((javaHome != null || Runtime.version().feature() >= 22)
                && jvmOptions.stream().noneMatch(o -> o.contains("-native-access"))) {
            // JDK 22+: pybridge loads native libraries; say so, to keep the warnings out of the output
            // (unless the test sets native access itself).
            cmd.add("--enable-native-access=ALL-UNNAMED");
        }
        cmd.add("-Xmx512m");
        cmd.add("-XX:ErrorFile=" + System.getProperty("java.io.tmpdir") + File.separator + "pybridge_hs_err_%p.log");
        String nativeOverride = System.getProperty("pybridge.native");
        if (nativeOverride != null) {
            cmd.add("-Dpybridge.native=" + nativeOverride);
        }
        String processProgram = System.getProperty("pybridge.process.executable");
        if (processProgram != null) {
            cmd.add("-Dpybridge.process.executable=" + processProgram); // process interpreters' child
        }
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        StringBuilder cp = new StringBuilder();
        for (Path first : classpathFirst) {
            cp.append(first.toAbsolutePath()).append(File.pathSeparator);
        }
        cmd.add(cp.append(classpath()).toString());
        cmd.add(main.getName());
        cmd.addAll(Arrays.asList(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        if (workDir != null) {
            pb.directory(workDir.toFile());
        }
        pb.redirectErrorStream(true);
        Map<String, String> e = pb.environment();
        String py = python();
        if (py != null && !e.containsKey("PYBRIDGE_PYTHON")) {
            e.put("PYBRIDGE_PYTHON", py);
        }
        if (env != null) {
            for (Map.Entry<String, String> kv : env.entrySet()) {
                if (kv.getValue() == null) {
                    e.remove(kv.getKey());
                } else {
                    e.put(kv.getKey(), kv.getValue());
                }
            }
        }
        pb.redirectOutput(output.toFile());
        Process p = pb.start();
        p.getOutputStream().close();
        return p;
    }
}
