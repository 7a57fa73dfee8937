package demo;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import static java.util.Objects.requireNonNull;
import static java.util.Objects.hash;

/**
 * A fixture for tools/check_java_imports.py: {@link Set} is used only here, and
 * java.util.HashMap in a comment is not code.
 */
public class Sample {
    // java.util.TreeMap in a line comment is not code either
    static final String TEXT = "java.util.HashSet in a string is not code";
    static final String BLOCK = """
            java.util.LinkedList in a text block is not code
            """;

    List<String> names = new java.util.ArrayList<>();
    java.util.Date when = new java.util.Date();
    java.sql.Date day;
    java.awt.List widget;
    java.nio.file.Path own;
    java.lang.Runnable task = () -> {};
    java.lang.reflect.Method method;
    java.util.Map.Entry<String, Integer> entry;
    java.util.concurrent.Callable<java.math.BigInteger> big;

    Object check(Object o) {
        return requireNonNull(o);
    }
}
