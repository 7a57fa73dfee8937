package org.pybridge;

import static org.pybridge.E2E.check;
import static org.pybridge.E2E.checkEq;
import static org.pybridge.E2E.expect;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.junit.Test;

/**
 * Issue 12, class 10: {@code PythonConfig.strictMapKeys(true)} (a start-up
 * option, so in a child JVM) makes Java keys equal in Python an error. See
 * {@link TextAndKeysTest}.
 */
public class TextAndKeysE2ETest {

    @Test
    public void strictMapKeysMakesCollidingKeysAnError() {
        ChildJvm.Result r = ChildJvm.run(StrictKeys.class, Map.of(), 90);
        E2E.assertChildOk(r, "RESULT ok strict-keys");
    }

    /** Child: strictMapKeys(true). */
    public static final class StrictKeys {
        public static void main(String[] args) {
            E2E.child("strict-keys", args, a -> {
                Python.initialize(new PythonConfig().strictMapKeys(true));
                Map<Object, Object> m = new LinkedHashMap<>();
                m.put(1L, "long");
                m.put(1.0, "double");
                IllegalArgumentException e =
                        expect(IllegalArgumentException.class, "colliding keys", () -> Python.toPython(m));
                check(
                        e.getMessage().contains("equal") && e.getMessage().contains("strictMapKeys"),
                        "the message explains: " + e.getMessage());
                expect(
                        IllegalArgumentException.class,
                        "colliding set elements",
                        () -> Python.toPython(new LinkedHashSet<>(List.of(1L, 1.0))));
                PyObject len = Python.builtins().getAttr("len");
                long live = Python.stats().liveHandles();
                expect(
                        IllegalArgumentException.class,
                        "colliding keys nested in an argument",
                        () -> len.callAs(Long.class, List.of(m)));
                checkEq(live, Python.stats().liveHandles(), "the failed call leaked no handle");
                checkEq(2L, Python.toPython(Map.of(1L, "a", 2L, "b")).len(), "distinct keys are fine");
            });
        }
    }
}
