package org.pybridge.integration;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** The JVM options Spark and Flink need on JDK 17+ (also read by the build for its tests). */
public final class JvmFlags {
    private JvmFlags() {}

    /** Spark's {@code --add-opens} list and friends. */
    public static List<String> spark() {
        return read("jvm-flags-spark.txt");
    }

    /** Flink's {@code --add-opens}/{@code --add-exports} list. */
    public static List<String> flink() {
        return read("jvm-flags-flink.txt");
    }

    private static List<String> read(String name) {
        List<String> out = new ArrayList<>();
        for (String line : ExecutorPython.resource(name).split("\n")) {
            String l = line.trim();
            if (!l.isEmpty() && !l.startsWith("#")) {
                out.add(l);
            }
        }
        return Collections.unmodifiableList(out);
    }
}
