package org.pybridge.integration;

import java.nio.file.Path;

/**
 * Finds a file shipped with a job by the name it was shipped under: Spark's
 * {@code SparkFiles.get}, Flink's distributed cache. Returns null when it
 * does not know the name.
 */
@FunctionalInterface
public interface FileResolver {
    Path resolve(String name);
}
