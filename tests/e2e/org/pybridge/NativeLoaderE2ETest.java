package org.pybridge;

import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.Assume;
import org.junit.Test;

/**
 * A native library that is not the one these classes were built with, or a platform the jar has
 * none for, gives a clear error, not a crash.
 */
public class NativeLoaderE2ETest {

    /** Starts Python and prints the refusal (run with -Dos.arch=... of a platform pybridge lacks). */
    public static final class StartOnPlatform {
        public static void main(String[] args) {
            System.out.println("PLATFORM " + NativeLoader.PLATFORM);
            try {
                Python.initialize();
                System.out.println("FAIL initialize succeeded on " + System.getProperty("os.arch"));
                System.exit(1);
            } catch (PythonInitializationException e) {
                System.out.println("MESSAGE " + e.getMessage());
            }
            System.out.println("RESULT refused");
            System.exit(0);
        }
    }

    /** An os.arch pybridge has no library for: refused before anything loads, naming what the jar holds. */
    @Test
    public void anotherArchitectureIsRefusedNamingWhatTheJarHolds() {
        List<String> held = NativeLoader.holdings();
        Assume.assumeFalse("no native libraries among the classpath resources (the fast loop)", held.isEmpty());
        ChildJvm.Result r = ChildJvm.run(StartOnPlatform.class, null, List.of("-Dos.arch=riscv64"), 60);
        E2E.assertChildOk(r, "RESULT refused");
        assertTrue(r.toString(), r.output.contains("PLATFORM null"));
        String msg = E2E.line(r, "MESSAGE ");
        assertTrue(r.toString(), msg != null && msg.contains("x86-64 and aarch64 only") && msg.contains("riscv64"));
        for (String h : held) {
            assertTrue("names " + h + ": " + msg, msg.contains(h));
        }
    }

    public static final class LoadWrongLibrary {
        public static void main(String[] args) {
            try {
                Python.initialize();
                System.out.println("FAIL initialize succeeded with a foreign native library");
                System.exit(1);
            } catch (PythonInitializationException e) {
                System.out.println("MESSAGE " + e.getMessage());
            }
            // The JVM is fine, and asking again gives an answer, not a crash.
            try {
                Python.initialize();
            } catch (PythonInitializationException e) {
                System.out.println("RESULT again " + e.getClass().getSimpleName());
            }
            System.exit(0);
        }
    }

    @Test
    public void aLibraryWithoutTheContractIsRefusedBeforeAnyCall() {
        Path foreign = Path.of("/usr/lib/" + NativeLibrariesTest.multiarch() + "/libz.so.1");
        Assume.assumeTrue("needs a shared library that is not pybridge's", Files.exists(foreign));
        ChildJvm.Result r = ChildJvm.run(LoadWrongLibrary.class, null, List.of("-Dpybridge.native=" + foreign), 60);
        E2E.assertChildOk(r, "RESULT again PythonInitializationException");
        String msg = E2E.line(r, "MESSAGE ");
        assertTrue(r.toString(), msg != null && msg.contains("contract") && msg.contains("rebuild"));
    }
}
