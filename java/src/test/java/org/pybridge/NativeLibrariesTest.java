package org.pybridge;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeFalse;

import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.Test;

/**
 * The native libraries the jar ships (one per platform and CPython minor
 * version, see gradle/native.gradle): each is there with its build facts, is an ELF
 * library of its platform's machine, links the libpython of its own version,
 * needs no glibc newer than 2.28 (the highest {@code GLIBC_} version in its
 * {@code .gnu.version_r}), and carries no debug info. Every platform's
 * libraries are checked, whichever platform runs the test. Run against the
 * classpath resources (the jar's layout in {@code gradle test}); the fast
 * loop, which has none, skips them.
 */
public class NativeLibrariesTest {
    /** The oldest glibc the libraries must load on (RHEL 8, Ubuntu 20.04, Amazon Linux 2023). */
    static final int[] GLIBC_FLOOR = {2, 28};

    /** The ELF machine of each platform's libraries. */
    static final Map<String, Integer> MACHINES = Map.of("linux-x86_64", 62, "linux-aarch64", 183);

    private static List<String> versions() {
        List<String> v = NativeLoader.versions();
        assumeFalse("no native libraries among the classpath resources (the fast loop)", v.isEmpty());
        return v;
    }

    /** Every library in the jar, as "platform/X.Y". */
    private static List<String> libraries() {
        List<String> all = new ArrayList<>();
        for (String p : NativeLoader.PLATFORMS) {
            for (String v : NativeLoader.versions(p)) {
                all.add(p + "/" + v);
            }
        }
        assumeFalse("no native libraries among the classpath resources (the fast loop)", all.isEmpty());
        return all;
    }

    private static String platform(String lib) {
        return lib.substring(0, lib.indexOf('/'));
    }

    private static String version(String lib) {
        return lib.substring(lib.indexOf('/') + 1);
    }

    private static Path library(String lib) throws Exception {
        URL u = NativeLibrariesTest.class.getResource(
                NativeLoader.resourceDir(platform(lib), version(lib)) + "libpybridge.so");
        assertNotNull("the jar lists " + lib + " but has no library for it", u);
        if ("file".equals(u.getProtocol())) {
            return Path.of(u.toURI());
        }
        Path tmp = Files.createTempFile("pybridge-native-test", ".so");
        tmp.toFile().deleteOnExit();
        try (InputStream in = u.openStream()) {
            Files.write(tmp, in.readAllBytes());
        }
        return tmp;
    }

    /** Gradle says which Pythons it found ({@code pybridge.test.expectedPythons}): the jar has exactly those. */
    @Test
    public void theJarHasALibraryForEveryPythonTheBuildFound() {
        List<String> have = versions();
        String expected = System.getProperty("pybridge.test.expectedPythons");
        assumeFalse("pybridge.test.expectedPythons not set (not run by gradle)", expected == null);
        assertEquals(new ArrayList<>(Arrays.asList(expected.split(","))), have);
    }

    /**
     * Gradle says which Pythons it built each platform's libraries for
     * ({@code pybridge.test.expectedPythons.<platform>}, empty when none): the jar has exactly
     * those, whichever platform runs the test.
     */
    @Test
    public void theJarHasTheLibrariesTheBuildMadeForEachPlatform() {
        int checked = 0;
        for (String p : NativeLoader.PLATFORMS) {
            String expected = System.getProperty("pybridge.test.expectedPythons." + p);
            if (expected == null) {
                continue;
            }
            List<String> want = expected.isEmpty() ? List.of() : Arrays.asList(expected.split(","));
            assertEquals("the jar's libraries for " + p, want, NativeLoader.versions(p));
            checked++;
        }
        assumeFalse("pybridge.test.expectedPythons.<platform> not set (not run by gradle)", checked == 0);
    }

    @Test
    public void eachLibraryIsForItsPlatformsMachine() throws Exception {
        for (String lib : libraries()) {
            assertEquals(
                    "ELF machine of the library " + lib,
                    MACHINES.get(platform(lib)),
                    Integer.valueOf(Elf.read(library(lib)).machine));
        }
    }

    @Test
    public void eachLibraryLinksTheLibpythonOfItsVersion() throws Exception {
        for (String lib : libraries()) {
            assertEquals(
                    "libpython linked by the library " + lib,
                    version(lib),
                    Elf.read(library(lib)).pythonVersion());
        }
    }

    @Test
    public void eachLibraryLoadsOnGlibc228() throws Exception {
        for (String v : libraries()) {
            Elf e = Elf.read(library(v));
            int[] max = e.maxGlibc();
            assertNotNull("the library " + v + " needs no GLIBC_ version at all: " + e.versionNeeds, max);
            assertTrue(
                    "the library " + v + " needs GLIBC_" + max[0] + "." + max[1] + ", newer than " + GLIBC_FLOOR[0]
                            + "." + GLIBC_FLOOR[1] + " (" + e.versionNeeds + ")",
                    max[0] < GLIBC_FLOOR[0] || (max[0] == GLIBC_FLOOR[0] && max[1] <= GLIBC_FLOOR[1]));
        }
    }

    @Test
    public void eachLibraryCarriesNoDebugInfo() throws Exception {
        for (String v : libraries()) {
            Elf e = Elf.read(library(v));
            assertTrue("sections of the library for " + v + ": " + e.sections, e.sections.contains(".dynamic"));
            for (String s : e.sections) {
                assertFalse("the library " + v + " carries debug section " + s, s.startsWith(".debug_"));
            }
            assertFalse("the library " + v + " carries a full symbol table", e.sections.contains(".symtab"));
        }
    }

    @Test
    public void eachLibraryMatchesItsBuildFacts() throws Exception {
        for (String v : libraries()) {
            Properties p = NativeLoader.buildInfo(platform(v), version(v));
            byte[] lib = Files.readAllBytes(library(v));
            assertEquals("python.version of " + v, version(v), p.getProperty("python.version"));
            assertEquals("native.size of " + v, String.valueOf(lib.length), p.getProperty("native.size"));
            StringBuilder hex = new StringBuilder();
            for (byte x : MessageDigest.getInstance("SHA-256").digest(lib)) {
                hex.append(String.format("%02x", x));
            }
            assertEquals("native.sha256 of " + v, hex.toString(), p.getProperty("native.sha256"));
        }
    }

    /** The ELF reader itself, on a library of this system: libz needs libc and some GLIBC_ versions, no libpython. */
    @Test
    public void readsNeededLibrariesOfASystemLibrary() throws Exception {
        Path z = Path.of("/usr/lib/" + multiarch() + "/libz.so.1");
        assumeFalse("no libz.so.1 on this system", !Files.exists(z));
        Elf e = Elf.read(z);
        assertTrue("libz needs libc: " + e.needed, e.needed.contains("libc.so.6"));
        assertNotNull("libz needs some GLIBC_ version: " + e.versionNeeds, e.maxGlibc());
        assertNull(e.pythonVersion());
    }

    /** Debian's multiarch directory name for this JVM's machine ({@code x86_64-linux-gnu}, {@code aarch64-linux-gnu}). */
    static String multiarch() {
        return "linux-aarch64".equals(NativeLoader.PLATFORM) ? "aarch64-linux-gnu" : "x86_64-linux-gnu";
    }
}
