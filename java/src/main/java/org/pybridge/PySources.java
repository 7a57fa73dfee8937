package org.pybridge;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Python source files pybridge's Java classes run, by name: resources
 * under {@code pybridge/runtime/} (the repository's {@code python/} resource
 * root, packed into the jar), so that Python is written, read and linted as
 * Python, never as Java string literals. Read once each.
 */
final class PySources {
    private PySources() {}

    private static final String DIRECTORY = "pybridge/runtime/";
    private static final ConcurrentHashMap<String, String> TEXTS = new ConcurrentHashMap<>();

    /**
     * The text of {@code pybridge/runtime/<name>} (e.g. {@code "support.py"}).
     *
     * @throws PyBridgeException when the resource is missing (an incomplete jar or classpath)
     */
    static String text(String name) {
        return TEXTS.computeIfAbsent(name, PySources::read);
    }

    private static String read(String name) {
        String path = DIRECTORY + name;
        ClassLoader loader = PySources.class.getClassLoader();
        try (InputStream in =
                loader == null ? ClassLoader.getSystemResourceAsStream(path) : loader.getResourceAsStream(path)) {
            if (in == null) {
                throw new PyBridgeException("pybridge's Python source " + path + " is not on the class path:"
                        + " the pybridge jar (or the build's python/ resource directory) is incomplete");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new PyBridgeException("could not read pybridge's Python source " + path + ": " + e, e);
        }
    }
}
