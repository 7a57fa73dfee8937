package org.pybridge;

/** Which Python pybridge embedded, and why that one ({@link Python#info()}). */
public final class PythonInfo {
    private final String version;
    private final String executable;
    private final String prefix;
    private final String basePrefix;
    private final String libpython;
    private final String reason;
    private final PythonConfig.ReleasePolicy releasePolicy;

    PythonInfo(
            String version,
            String executable,
            String prefix,
            String basePrefix,
            String libpython,
            String reason,
            PythonConfig.ReleasePolicy releasePolicy) {
        this.version = version;
        this.executable = executable;
        this.prefix = prefix;
        this.basePrefix = basePrefix;
        this.libpython = libpython;
        this.reason = reason;
        this.releasePolicy = releasePolicy;
    }

    /**
     * {@code sys.version} of the embedded interpreter.
     *
     * @return {@code sys.version} of the embedded interpreter
     */
    public String version() {
        return version;
    }
    /**
     * {@code sys.executable}.
     *
     * @return {@code sys.executable}
     */
    public String executable() {
        return executable;
    }
    /**
     * {@code sys.prefix} (the virtualenv, if one is used).
     *
     * @return {@code sys.prefix} (the virtualenv, if one is used)
     */
    public String prefix() {
        return prefix;
    }
    /**
     * {@code sys.base_prefix} (the Python installation).
     *
     * @return {@code sys.base_prefix} (the Python installation)
     */
    public String basePrefix() {
        return basePrefix;
    }
    /**
     * The shared library loaded, by full path.
     *
     * @return the shared library loaded, by full path
     */
    public String libpython() {
        return libpython;
    }
    /**
     * How it was chosen, e.g. {@code "PYBRIDGE_PYTHON=/opt/venv/bin/python"}.
     *
     * @return how it was chosen
     */
    public String reason() {
        return reason;
    }
    /**
     * Whether a virtualenv is in use.
     *
     * @return whether a virtualenv is in use
     */
    public boolean inVirtualenv() {
        return !prefix.equals(basePrefix);
    }

    /**
     * Which threads drop handles the JVM garbage collector released.
     *
     * @return the policy it was started with
     */
    public PythonConfig.ReleasePolicy releasePolicy() {
        return releasePolicy;
    }

    @Override
    public String toString() {
        return "Python " + version.split(" ")[0] + " at " + executable + " (" + reason + "; libpython " + libpython
                + (inVirtualenv() ? "; virtualenv " + prefix : "") + ")";
    }
}
