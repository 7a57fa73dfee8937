package org.pybridge;

/**
 * Python → Java: a dict or set whose distinct Python keys are equal in Java.
 *
 * <p>Python keeps keys apart that Java's {@code equals} makes one: two
 * {@code float('nan')} objects are two keys of a dict (NaN is not equal to
 * itself in Python, and two NaN objects are not the same object), while
 * {@code Double.valueOf(Double.NaN).equals(Double.NaN)} is true, so a Java
 * {@code Map} or {@code Set} can hold only one of them (and a tuple holding
 * a NaN likewise). Such a conversion is never silent: with
 * {@link PythonConfig#strictMapKeys(boolean) strictMapKeys(true)} it is a
 * {@link PyBridgeException}; by default the last entry wins (as for Java
 * maps sent to Python) and a warning is logged to {@code org.pybridge}.
 *
 * <p>The check is a size comparison per container; a collision is noted on
 * the decoding thread and acted on once the whole reply is read, so that
 * every handle in it is adopted (and later released) first.
 */
final class KeyCollisions {
    private KeyCollisions() {}

    /** {@code PythonConfig.strictMapKeys}, set at start-up. */
    static volatile boolean strict = Boolean.getBoolean("pybridge.strictMapKeys");

    private static final ThreadLocal<String[]> NOTED = ThreadLocal.withInitial(() -> new String[1]);
    private static volatile boolean warned;

    /** A container of {@code n} Python keys became {@code size} Java ones. */
    static void noteIfCollapsed(int n, int size, boolean dict, Object sample) {
        if (size == n) {
            return;
        }
        String[] slot = NOTED.get();
        if (slot[0] == null) {
            slot[0] = "a Python " + (dict ? "dict" : "set") + " of " + n + " distinct keys has only " + size
                    + " distinct keys in Java (" + sample
                    + " more than once): keys that differ in Python are equal in Java"
                    + " (float('nan') keys are the usual case: NaN != NaN in Python, but Double.equals holds"
                    + " for NaN)";
        }
    }

    /** Called once a whole reply is read: throws or warns about a collision noted while reading it. */
    static void check() {
        String[] slot = NOTED.get();
        String msg = slot[0];
        if (msg == null) {
            return;
        }
        slot[0] = null;
        if (strict) {
            throw new PyBridgeException(msg + ". With PythonConfig.strictMapKeys(false) the last of such entries"
                    + " wins; to keep them all, take the items as a list (list(d.items())) or keep the dict as a"
                    + " PyObject");
        }
        if (!warned) {
            warned = true;
            Logs.LOG.log(
                    System.Logger.Level.WARNING,
                    msg + "; the last of such entries was kept (reported once;"
                            + " PythonConfig.strictMapKeys(true) makes it an error)");
        } else {
            Logs.debug(() -> msg + "; the last of such entries was kept");
        }
    }
}
