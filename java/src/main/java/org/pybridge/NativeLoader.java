package org.pybridge;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

/**
 * Loads the chosen libpython by full path, then pybridge's own native
 * library for that Python's X.Y: from the jar
 * ({@code native/<platform>/cp3Y/libpybridge.so}, one per CPython minor
 * version the jar was built for on that platform, listed in
 * {@code native/<platform>/pybridge-natives.properties}; copied once per
 * content hash into a private cache directory: {@link NativeCache}), or the
 * library named by {@code -Dpybridge.native}, whose Python version is read
 * from the {@code libpython3.Y} it links ({@link Elf}). A free-threaded
 * Python ({@code Py_GIL_DISABLED}) gets the library built for it
 * ({@code cp3Yt}, linking {@code libpython3.Yt}), never the GIL build's. Loading libpython
 * first makes the bridge library's dependency on {@code libpython3.Y.so.1.0}
 * bind to that exact file rather than to whichever libpython the system
 * linker would find.
 *
 * <p>The platform is the JVM's: {@code linux-x86_64} ({@code os.arch}
 * {@code amd64} or {@code x86_64}) or {@code linux-aarch64} ({@code aarch64}
 * or {@code arm64}). On any other the start is refused, naming the platforms
 * the jar holds.
 */
final class NativeLoader {
    private NativeLoader() {}

    /** Every platform a pybridge jar can hold native libraries for. */
    static final List<String> PLATFORMS = List.of("linux-x86_64", "linux-aarch64");
    /** This JVM's platform ({@code linux-x86_64}, {@code linux-aarch64}), or null when pybridge has none for it. */
    static final String PLATFORM = platformOf(System.getProperty("os.name", ""), System.getProperty("os.arch", ""));
    /** The jar's directory for this platform's native libraries. */
    static final String RESOURCE_DIR = platformDir(PLATFORM == null ? "unsupported" : PLATFORM);
    /** The jar's index: {@code python.versions=3.9,3.10,...} and {@code pybridge.version}. */
    static final String INDEX = RESOURCE_DIR + "pybridge-natives.properties";

    static final String OVERRIDE_PROPERTY = "pybridge.native";
    private static boolean loaded;
    private static Properties index;

    /**
     * The platform directory name for a JVM's {@code os.name} and {@code os.arch}, or null when
     * pybridge has no native library for it.
     */
    static String platformOf(String osName, String osArch) {
        if (!osName.toLowerCase(Locale.ROOT).contains("linux")) {
            return null;
        }
        switch (osArch) {
            case "amd64":
            case "x86_64":
                return "linux-x86_64";
            case "aarch64":
            case "arm64":
                return "linux-aarch64";
            default:
                return null;
        }
    }

    /** The jar's resource directory for {@code platform}. */
    static String platformDir(String platform) {
        return "/native/" + platform + "/";
    }

    /** What the jar holds, per platform: {@code linux-x86_64 (Python 3.9, 3.10)}, ... (empty: nothing). */
    static List<String> holdings() {
        List<String> out = new ArrayList<>();
        for (String p : PLATFORMS) {
            List<String> v = versions(p);
            if (!v.isEmpty()) {
                out.add(p + " (Python " + String.join(", ", v) + ")");
            }
        }
        return out;
    }

    /**
     * Why pybridge has nothing to load on this JVM's platform, or null when the jar holds
     * libraries for it (or {@code -Dpybridge.native} names one).
     */
    static String platformProblem() {
        if (override() != null) {
            return null;
        }
        String os = System.getProperty("os.name", "") + "/" + System.getProperty("os.arch", "");
        List<String> held = holdings();
        String holds = held.isEmpty() ? "no native library at all" : String.join(" and ", held);
        if (PLATFORM == null) {
            return "pybridge has native libraries for Linux on x86-64 and aarch64 only, and this JVM runs on " + os
                    + "; this jar holds " + holds + ". On another platform, build libpybridge.so there"
                    + " (cargo build --release) and pass it with -D" + OVERRIDE_PROPERTY + "=/path/to/libpybridge.so.";
        }
        if (versions().isEmpty() && !held.isEmpty()) {
            return "this pybridge jar has no native library for " + PLATFORM + " (this JVM runs on " + os + "): it"
                    + " holds " + holds + ". Use a jar built with " + PLATFORM + " libraries, or pass a library"
                    + " you built with -D" + OVERRIDE_PROPERTY + "=/path/to/libpybridge.so.";
        }
        return null;
    }

    /**
     * The ABI the Python {@code f} describes needs a native library for: its X.Y, with a
     * {@code t} for a free-threaded build ({@code Py_GIL_DISABLED}: 3.13t, 3.14t), whose
     * C API differs from the GIL build's of the same version.
     */
    static String abi(PythonLocator.Found f) {
        return f.get("version_short") + ("1".equals(f.get("gil_disabled")) ? "t" : "");
    }

    /** How a user names the ABI {@code abi} ("3.13", "3.13t"): "3.13", "3.13 (free-threaded)". */
    static String describe(String abi) {
        return abi.endsWith("t") ? abi.substring(0, abi.length() - 1) + " (free-threaded)" : abi;
    }

    /** The jar's resource directory for the library built for Python {@code version} (X.Y or X.Yt). */
    static String resourceDir(String version) {
        return RESOURCE_DIR + "cp" + version.replace(".", "") + "/";
    }

    /** As {@link #resourceDir(String)}, for {@code platform}'s library. */
    static String resourceDir(String platform, String version) {
        return platformDir(platform) + "cp" + version.replace(".", "") + "/";
    }

    /** The jar's index of native libraries (empty when it is not on the classpath). */
    static synchronized Properties index() {
        if (index == null) {
            index = load(INDEX);
        }
        return index;
    }

    /** The Python X.Y versions the jar has a native library for, in the jar's order. */
    static List<String> versions() {
        return split(index().getProperty("python.versions", ""));
    }

    /** As {@link #versions()}, for {@code platform} (not necessarily this JVM's). */
    static List<String> versions(String platform) {
        return split(load(platformDir(platform) + "pybridge-natives.properties").getProperty("python.versions", ""));
    }

    private static List<String> split(String list) {
        String v = list.trim();
        List<String> out = new ArrayList<>();
        for (String x : v.split(",")) {
            if (!x.trim().isEmpty()) {
                out.add(x.trim());
            }
        }
        return out;
    }

    /** Facts recorded when the library for Python {@code version} was built (its size and SHA-256). */
    static Properties buildInfo(String version) {
        return load(resourceDir(version) + "pybridge-build.properties");
    }

    /** As {@link #buildInfo(String)}, for {@code platform}'s library. */
    static Properties buildInfo(String platform, String version) {
        return load(resourceDir(platform, version) + "pybridge-build.properties");
    }

    private static Properties load(String resource) {
        Properties p = new Properties();
        try (InputStream in = NativeLoader.class.getResourceAsStream(resource)) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // leave empty: the checks then say the jar is incomplete
        }
        return p;
    }

    /** {@code -Dpybridge.native}, or null when not set. */
    static String override() {
        String o = System.getProperty(OVERRIDE_PROPERTY);
        return o == null || o.isEmpty() ? null : Paths.get(o).toAbsolutePath().toString();
    }

    /**
     * Why pybridge has no native library for the Python {@code f} describes, or
     * null when it has one. Nothing is loaded.
     */
    static String refusal(PythonLocator.Found f) {
        String version = abi(f);
        String who = f.requested + " (" + f.reason + ") is Python " + describe(version);
        String override = override();
        if (override != null) {
            String built;
            try {
                built = Elf.read(Paths.get(override)).pythonVersion();
            } catch (IOException e) {
                return "cannot read the native library -D" + OVERRIDE_PROPERTY + "=" + override + ": "
                        + e.getMessage() + ". Point -D" + OVERRIDE_PROPERTY + " at a libpybridge.so built by"
                        + " cargo build --release, or remove it to use the jar's libraries.";
            }
            // A library that links no libpython (not pybridge's) is left to the contract check.
            if (built != null && !built.equals(version)) {
                return "the native library " + override + " (-D" + OVERRIDE_PROPERTY + ") was built for Python "
                        + built + " (it links libpython" + built + ") but " + who + ". Rebuild it against that"
                        + " Python (PYO3_PYTHON=" + f.requested + " cargo build --release), or point"
                        + " PYBRIDGE_PYTHON at a Python " + built + ".";
            }
            return null;
        }
        String platform = platformProblem();
        if (platform != null) {
            return platform;
        }
        List<String> have = versions();
        if (have.isEmpty()) {
            return INDEX.substring(1) + " is missing from the classpath, so pybridge has no native library"
                    + " to load: use the jar built by 'gradle jar' (build/libs/pybridge-*.jar), or pass a"
                    + " library you built with -D" + OVERRIDE_PROPERTY + "=/path/to/libpybridge.so.";
        }
        if (have.contains(version)) {
            return null;
        }
        boolean anyFreeThreaded = have.stream().anyMatch(h -> h.endsWith("t"));
        return "this pybridge jar has native libraries for Python " + String.join(", ", have)
                + (anyFreeThreaded ? " (3.Yt: free-threaded)" : "") + " on " + PLATFORM + ", but " + who
                + ". Point PYBRIDGE_PYTHON at a Python of one of those versions, or build the native library for"
                + " Python " + describe(version) + " (PYO3_PYTHON=" + f.requested
                + " cargo build --release) and pass it"
                + " with -D" + OVERRIDE_PROPERTY + "=target/release/libpybridge.so.";
    }

    /** Loads {@code libpython}, then the bridge library for Python {@code version} (X.Y, or X.Yt: {@link #abi}). */
    static synchronized void load(String libpython, String version) {
        if (loaded) {
            return;
        }
        String platform = platformProblem();
        if (platform != null) {
            throw new PythonInitializationException(platform);
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
        String override = override();
        String bridge = override != null
                ? override
                : NativeCache.libraryPath(resourceDir(version) + "libpybridge.so", buildInfo(version))
                        .toString();
        Logs.debug(() -> "pybridge: loading " + libpython + " and pybridge's native library " + bridge
                + (override != null
                        ? " (system property pybridge.native)"
                        : " (from the jar, for Python " + version + ")"));
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
            throw new PythonInitializationException(
                    "could not load pybridge's native library " + bridge + ": " + e.getMessage(), e);
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
                    + (override != null ? override : bridge + ", from the jar")
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
        return new PythonInitializationException(
                "this JVM denies native access to pybridge (it runs with"
                        + " --illegal-native-access=deny, and pybridge "
                        + (m.isNamed() ? "is module " + m.getName() : "is on the class path")
                        + "), and pybridge is CPython loaded as a native library:"
                        + " start Java with " + flag
                        + (m.isNamed()
                                ? ""
                                : " (or " + "--enable-native-access=org.pybridge"
                                        + " when pybridge is on the module path)")
                        + ". (" + e.getMessage() + ")",
                e);
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
