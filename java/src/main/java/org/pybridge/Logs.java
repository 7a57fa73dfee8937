package org.pybridge;

import java.util.function.Supplier;

/**
 * pybridge's logger: {@code System.Logger} {@code org.pybridge}, so that the
 * application's logging set-up (JUL, or SLF4J / Log4j through their
 * {@code System.LoggerFinder}) controls it. The native side's records arrive
 * through {@link #fromNative} (see {@code rust/src/jni/logging.rs}).
 */
final class Logs {
    private Logs() {}

    static final System.Logger LOG = System.getLogger("org.pybridge");

    private static final System.Logger.Level[] LEVELS = {
        System.Logger.Level.ALL, System.Logger.Level.TRACE, System.Logger.Level.DEBUG,
        System.Logger.Level.INFO, System.Logger.Level.WARNING, System.Logger.Level.ERROR,
    };

    /** Logs at debug level, building the message only when debug is on. */
    static void debug(Supplier<String> message) {
        if (LOG.isLoggable(System.Logger.Level.DEBUG)) {
            LOG.log(System.Logger.Level.DEBUG, message.get());
        }
    }

    /**
     * A record from the native side, on the thread that logged it (any
     * thread, attached for the call). Never throws: a failing logger must not
     * fail the native code that logged.
     */
    static void fromNative(int level, String message) {
        try {
            System.Logger.Level l = LEVELS[Math.max(0, Math.min(level, LEVELS.length - 1))];
            if (LOG.isLoggable(l)) {
                LOG.log(l, message);
            }
        } catch (Throwable t) {
            // nowhere left to report it
        }
    }
}
