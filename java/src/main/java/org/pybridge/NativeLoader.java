package org.pybridge;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Properties;

/**
 * Loads the chosen libpython by full path, then pybridge's own native
 * library from the jar ({@code native/linux-x86_64/libpybridge.so}, copied
 * once per content hash into a private cache directory: {@link NativeCache}). Loading libpython first makes the bridge library's
 * dependency on {@code libpython3.X.so.1.0} bind to that exact file rather
 * than to whichever libpython the system linker would find.
 */
final class NativeLoader {
    private NativeLoader() {}

    static final String RESOURCE_DIR = "/native/linux-x86_64/";
    private static boolean loaded;
    private static Properties build;

    /** Facts recorded when the jar was built (the Python version compiled against). */
    static synchronized Properties buildInfo() {
        if (build == null) {
            build = new Properties();
            try (InputStream in = NativeLoader.class.getResourceAsStream(RESOURCE_DIR + "pybridge-build.properties")) {
                if (in != null) {
                    build.load(in);
                }
            } catch (IOException e) {
                // leave empty: checks below then say the jar is incomplete
            }
        }
        return build;
    }

    static synchronized void load(String libpython) {
        if (loaded) {
            return;
        }
        String os = System.getProperty("os.name", "");
        String arch = System.getProperty("os.arch", "");
        if (!os.toLowerCase().contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            throw new PythonInitializationException("pybridge ships a native library for linux-x86_64 only;"
                    + " this JVM runs on " + os + "/" + arch);
        }
        if (libpython == null) {
            throw new PythonInitializationException("no libpython was chosen (internal error: the locator did not"
                    + " check the Python it found); set PYBRIDGE_PYTHON to a python3 and report this");
        }
        String other = otherLibpythonLoaded(libpython);
        if (other != null) {
            throw new PythonInitializationException("another libpython is already loaded in this JVM (" + other
                    + "), so " + libpython + " cannot be used; two Pythons in one process would mix versions."
                    + " Make both agree (PYBRIDGE_PYTHON) or remove the other library.");
        }
        // The bridge library is found (or put in the cache) first, so that a cache that cannot
        // be used fails the start before any libpython is loaded.
        String override = System.getProperty("pybridge.native");
        String bridge = override != null && !override.isEmpty() ? Paths.get(override).toAbsolutePath().toString()
                : NativeCache.libraryPath(RESOURCE_DIR + "libpybridge.so", buildInfo()).toString();
        Logs.debug(() -> "pybridge: loading " + libpython + " and pybridge's native library " + bridge
                + (override != null && !override.isEmpty() ? " (system property pybridge.native)" : " (from the jar)"));
        try {
            System.load(libpython);
        } catch (UnsatisfiedLinkError e) {
            throw new PythonInitializationException("could not load " + libpython + ": " + e.getMessage(), e);
        } catch (IllegalCallerException e) {
            throw nativeAccessDenied(e);
        }
        try {
            System.load(bridge);
        } catch (UnsatisfiedLinkError e) {
            throw new PythonInitializationException("could not load pybridge's native library " + bridge + ": "
                    + e.getMessage(), e);
        } catch (IllegalCallerException e) {
            throw nativeAccessDenied(e);
        }
        int abi;
        try {
            abi = Native.abiVersion();
        } catch (UnsatisfiedLinkError e) {
            abi = -1;
        }
        if (abi != Contract.ABI_VERSION) {
            throw new PythonInitializationException("the native library that was loaded ("
                    + (override != null && !override.isEmpty() ? override : bridge + ", from the jar")
                    + ") implements contract "
                    + (abi < 0 ? "unknown (too old)" : String.valueOf(abi)) + " but these Java classes need "
                    + Contract.ABI_VERSION + ": rebuild it (cargo build --release) or use the jar built with it");
        }
        loaded = true;
    }

    /**
     * JDK 24+ run with {@code --illegal-native-access=deny} refuses
     * {@code System.load} to code that was not granted native access: say
     * which flag grants it (the JAR manifest's {@code Enable-Native-Access}
     * only counts for {@code java -jar}).
     */
    static PythonInitializationException nativeAccessDenied(IllegalCallerException e) {
        Module m = NativeLoader.class.getModule();
        String flag = "--enable-native-access=" + (m.isNamed() ? m.getName() : "ALL-UNNAMED");
        return new PythonInitializationException("this JVM denies native access to pybridge (it runs with"
                + " --illegal-native-access=deny, and pybridge " + (m.isNamed() ? "is module " + m.getName()
                        : "is on the class path") + "), and pybridge is CPython loaded as a native library:"
                + " start Java with " + flag + (m.isNamed() ? "" : " (or " + "--enable-native-access=org.pybridge"
                        + " when pybridge is on the module path)") + ". (" + e.getMessage() + ")", e);
    }

    /** A libpython mapped in this process from another file than {@code wanted}, or null. */
    static String otherLibpythonLoaded(String wanted) {
        Path maps = Paths.get("/proc/self/maps");
        if (!Files.isReadable(maps)) {
            return null;
        }
        try {
            for (String line : new String(Files.readAllBytes(maps), StandardCharsets.UTF_8).split("\n")) {
                int slash = line.indexOf('/');
                if (slash < 0) {
                    continue;
                }
                String path = line.substring(slash).trim();
                String name = Paths.get(path).getFileName().toString();
                if (name.startsWith("libpython3") && name.contains(".so")) {
                    String real;
                    try {
                        real = Paths.get(path).toRealPath().toString();
                    } catch (IOException e) {
                        real = path;
                    }
                    if (!real.equals(wanted)) {
                        return real;
                    }
                }
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }
}
