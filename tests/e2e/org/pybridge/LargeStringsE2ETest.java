package org.pybridge;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.List;
import org.junit.Test;

/**
 * {@link LargeStringsTest}'s checks in a child JVM with
 * {@code -XX:-CompactStrings}: no String is stored as Latin-1 there, and the
 * portable path must give the same strings.
 */
public class LargeStringsE2ETest {

    /** The child JVM's entry point: prints RESULT ok, or the failure. */
    public static final class Child {
        public static void main(String[] args) {
            Python.initialize();
            LargeStringsTest.checkAll();
            System.out.println("RESULT ok");
            System.exit(0);
        }
    }

    @Test
    public void withoutCompactStringsThePortablePathGivesTheSameStrings() {
        ChildJvm.Result r = ChildJvm.run(Child.class, null, List.of("-XX:-CompactStrings"), 180);
        assertTrue(r.toString(), r.output.contains("RESULT ok"));
        assertEquals(r.toString(), 0, r.exitCode);
    }
}
