package org.pybridge;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.Assume;
import org.junit.Test;

/**
 * JDK 24+ restricts native access: pybridge (CPython loaded with
 * {@code System.load}) on a JVM run with {@code --illegal-native-access=deny}
 * fails with a {@link PythonInitializationException} naming the flag to add,
 * not a raw {@code IllegalCallerException}; with the flag it starts without
 * the "restricted method" warnings. Runs on the JDK 25 this machine kind
 * ships ({@link ChildJvm#jdk25()}); skipped, saying so, without one.
 */
public class NativeAccessE2ETest {
    /** Starts Python and prints what happened. */
    public static final class Start {
        public static void main(String[] args) {
            try {
                System.out.println("started " + Python.initialize().version() + " " + Python.eval("6 * 7", Long.class));
            } catch (PythonInitializationException e) {
                System.out.println("PythonInitializationException: " + e.getMessage());
                System.exit(3);
            }
        }
    }

    private static String jdk() {
        String jdk = ChildJvm.jdk25();
        Assume.assumeTrue(
                "no JDK 24+ found (set pybridge.test.jdk25): the native-access tests are skipped", jdk != null);
        return jdk;
    }

    @Test
    public void deniedNativeAccessNamesTheFlag() {
        ChildJvm.Result r = ChildJvm.runOn(jdk(), Start.class, Map.of(), List.of("--illegal-native-access=deny"), 120);
        assertFalse(r.toString(), r.crashed() || r.timedOut);
        assertEquals(r.toString(), 3, r.exitCode);
        assertTrue(r.toString(), r.output.contains("PythonInitializationException: this JVM denies native access"));
        assertTrue(r.toString(), r.output.contains("--enable-native-access=ALL-UNNAMED"));
        assertTrue(r.toString(), r.output.contains("--enable-native-access=org.pybridge"));
        assertFalse(r.toString(), r.output.contains("Exception in thread"));
    }

    @Test
    public void withTheFlagItStartsWithoutWarnings() {
        ChildJvm.Result r = ChildJvm.runOn(
                jdk(),
                Start.class,
                Map.of(),
                List.of("--illegal-native-access=deny", "--enable-native-access=ALL-UNNAMED"),
                120);
        assertEquals(r.toString(), 0, r.exitCode);
        assertTrue(r.toString(), r.output.contains("started 3."));
        assertTrue(r.toString(), r.output.contains(" 42"));
        assertFalse(r.toString(), r.output.contains("restricted method"));
        assertFalse(r.toString(), r.output.contains("WARNING"));
    }

    @Test
    public void withoutAnyFlagJdk25OnlyWarns() {
        ChildJvm.Result r = ChildJvm.runOn(jdk(), Start.class, Map.of(), List.of("--illegal-native-access=warn"), 120);
        assertEquals(r.toString(), 0, r.exitCode);
        assertTrue(r.toString(), r.output.contains("started 3."));
        assertTrue(r.toString(), r.output.contains("restricted method"));
    }
}
