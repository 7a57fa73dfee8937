"""What a Python executable says about itself (org.pybridge.PythonLocator).

Run before any Python is loaded, as `python -I -c <this file's text>` in the
directory /, with a time limit and a cap on its output (PythonLocator.query);
the E2E tests ask real Pythons the same (E2E.realFacts). One line per fact,
`key=value`, losslessly: backslash, CR and LF escaped (3.9's sys.version
holds a newline, and the embedded interpreter's sys.version must equal it
exactly); PythonLocator.unescape undoes it.
"""

import sys
import sysconfig

cv = sysconfig.get_config_var
out = {
    "version": sys.version,
    "version_short": "%d.%d" % sys.version_info[:2],
    "executable": sys.executable,
    "prefix": sys.prefix,
    "base_prefix": sys.base_prefix,
    "libdir": cv("LIBDIR") or "",
    "ldlibrary": cv("LDLIBRARY") or "",
    "instsoname": cv("INSTSONAME") or "",
    "enable_shared": str(cv("Py_ENABLE_SHARED") or 0),
    # 1 for a free-threaded build (PEP 703: 3.13t, 3.14t), which needs its own native library.
    "gil_disabled": str(cv("Py_GIL_DISABLED") or 0),
    "implementation": sys.implementation.name,
}
for k, v in out.items():
    sys.stdout.write(k + "=" + str(v).replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r") + "\n")
