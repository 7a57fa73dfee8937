package org.pybridge;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Finds the Python to embed and asks it about itself. Order: the configured
 * executable, then {@code PYBRIDGE_PYTHON} (environment variable or system
 * property {@code pybridge.python}), then an active virtualenv
 * ({@code VIRTUAL_ENV}), then {@code python3} on {@code PATH}.
 */
final class PythonLocator {
    private PythonLocator() {}

    /** What the chosen executable says about itself. */
    static final class Found {
        String reason;
        String requested;
        Map<String, String> facts = new HashMap<>();
        String libpython;

        String get(String k) {
            String v = facts.get(k);
            return v == null ? "" : v;
        }
    }

    private static final String QUERY = String.join("\n",
            "import sys, sysconfig, os",
            "cv = sysconfig.get_config_var",
            "out = {",
            " 'version': sys.version,",
            " 'version_short': '%d.%d' % sys.version_info[:2],",
            " 'executable': sys.executable,",
            " 'prefix': sys.prefix,",
            " 'base_prefix': sys.base_prefix,",
            " 'libdir': cv('LIBDIR') or '',",
            " 'ldlibrary': cv('LDLIBRARY') or '',",
            " 'instsoname': cv('INSTSONAME') or '',",
            " 'enable_shared': str(cv('Py_ENABLE_SHARED') or 0),",
            " 'implementation': sys.implementation.name,",
            "}",
            "for k, v in out.items():",
            "    sys.stdout.write(k + '=' + str(v).replace('\\n', ' ') + '\\n')");

    static Found locate(PythonConfig cfg) {
        List<String> tried = new ArrayList<>();
        String exe;
        String reason;
        String env = System.getenv("PYBRIDGE_PYTHON");
        String prop = System.getProperty("pybridge.python");
        String venv = System.getenv("VIRTUAL_ENV");
        if (cfg.executable() != null) {
            exe = cfg.executable();
            reason = "PythonConfig.executable(" + exe + ")";
        } else if (prop != null && !prop.isEmpty()) {
            exe = prop;
            reason = "system property pybridge.python=" + prop;
        } else if (env != null && !env.isEmpty()) {
            exe = env;
            reason = "PYBRIDGE_PYTHON=" + env;
        } else if (venv != null && !venv.isEmpty()) {
            exe = Paths.get(venv, "bin", "python").toString();
            reason = "active virtualenv VIRTUAL_ENV=" + venv;
            if (!Files.isExecutable(Paths.get(exe))) {
                throw new PythonInitializationException("VIRTUAL_ENV=" + venv + " is set but " + exe
                        + " is not an executable: the virtualenv is broken or was moved. Recreate it,"
                        + " deactivate it, or set PYBRIDGE_PYTHON to a python executable.");
            }
        } else {
            exe = findOnPath("python3");
            tried.add("PYBRIDGE_PYTHON (not set)");
            tried.add("VIRTUAL_ENV (not set)");
            tried.add("python3 on PATH (" + (exe == null ? "not found" : exe) + ")");
            if (exe == null) {
                throw new PythonInitializationException("no Python found. Tried: " + String.join(", ", tried)
                        + ". Install Python 3 with a shared libpython, or set PYBRIDGE_PYTHON=/path/to/python3.");
            }
            reason = "python3 on PATH (" + exe + ")";
        }
        Found f = query(exe);
        f.reason = reason;
        f.requested = exe;
        f.libpython = findLibpython(f);
        return f;
    }

    static String findOnPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Paths.get(dir, name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return null;
    }

    static Found query(String exe) {
        if (!Files.exists(Paths.get(exe))) {
            throw new PythonInitializationException("the Python executable " + exe + " does not exist."
                    + " Set PYBRIDGE_PYTHON (or PythonConfig.executable) to a python3 that exists.");
        }
        ProcessBuilder pb = new ProcessBuilder(exe, "-c", QUERY);
        // A PYTHONHOME pointing at a virtualenv breaks Python; ask without it.
        pb.environment().remove("PYTHONHOME");
        pb.redirectErrorStream(true);
        String out;
        int rc;
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            out = readAll(p.getInputStream());
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new PythonInitializationException(exe + " did not answer within 60 s");
            }
            rc = p.exitValue();
        } catch (IOException e) {
            throw new PythonInitializationException("could not run " + exe + ": " + e.getMessage()
                    + ". Set PYBRIDGE_PYTHON to a working python3.", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PythonInitializationException("interrupted while asking " + exe + " about itself", e);
        }
        if (rc != 0) {
            throw new PythonInitializationException(exe + " failed (exit " + rc + ") when asked about itself;"
                    + " is it a working Python 3 (a virtualenv whose base Python was removed is broken)? Output:\n"
                    + out);
        }
        Found f = new Found();
        for (String line : out.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                f.facts.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        if (!"cpython".equals(f.get("implementation"))) {
            throw new PythonInitializationException(exe + " is " + f.get("implementation")
                    + ", not CPython; pybridge embeds CPython only.");
        }
        return f;
    }

    private static String findLibpython(Found f) {
        String exe = f.requested;
        String version = f.get("version_short");
        String libdir = f.get("libdir");
        if (!"1".equals(f.get("enable_shared"))) {
            throw new PythonInitializationException(exe + " (Python " + version + ") was built without a shared"
                    + " libpython (Py_ENABLE_SHARED=0), so it cannot be embedded. With pyenv, reinstall it with"
                    + " PYTHON_CONFIGURE_OPTS=--enable-shared pyenv install " + version
                    + ", or point PYBRIDGE_PYTHON at a Python built with --enable-shared.");
        }
        List<String> candidates = new ArrayList<>();
        if (!f.get("instsoname").isEmpty()) {
            candidates.add(Paths.get(libdir, f.get("instsoname")).toString());
        }
        if (!f.get("ldlibrary").isEmpty()) {
            candidates.add(Paths.get(libdir, f.get("ldlibrary")).toString());
        }
        for (String c : candidates) {
            if (Files.isRegularFile(Paths.get(c))) {
                try {
                    return Paths.get(c).toRealPath().toString();
                } catch (IOException e) {
                    return c;
                }
            }
        }
        throw new PythonInitializationException("the shared libpython of " + exe + " was not found; tried "
                + candidates + ". Reinstall that Python with a shared library, or set PYBRIDGE_PYTHON.");
    }

    private static String readAll(InputStream in) throws IOException {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        int n;
        while ((n = in.read(buf)) > 0) {
            bo.write(buf, 0, n);
        }
        return new String(bo.toByteArray(), StandardCharsets.UTF_8);
    }
}
