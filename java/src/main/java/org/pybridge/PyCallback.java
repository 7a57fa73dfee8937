package org.pybridge;

import java.util.Map;

/**
 * A Java function that Python calls with all its arguments as they come:
 * positional ones (converted as {@link PyObject#toJava()} does) and keyword
 * ones (an empty map when there are none). Passed to Python it becomes a
 * callable that accepts any arguments, e.g.
 * {@code Python.builtins().callAttrKw("sorted", Map.of("key", (PyCallback) (a, kw) -> ...), xs)}.
 * The Clojure layer turns Clojure functions into these.
 */
@FunctionalInterface
public interface PyCallback {
    /**
     * Called from Python; the result is converted with {@link Python#toPython}.
     *
     * @param args the positional arguments, each converted with {@link Python#toPython}
     * @param kwargs the keyword arguments, converted with {@link Python#toPython} (null or empty: none)
     * @return the result, converted with {@link Python#toPython}
     * @throws Exception anything: it reaches Python as an exception named after its class
     *     (a {@code pybridge.JavaException}), and Java again as the cause if it propagates back
     */
    Object call(Object[] args, Map<String, Object> kwargs) throws Exception;
}
