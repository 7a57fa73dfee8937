"""pybridge's Spark/Flink integration: functions that travel (module _pybridge_functions).

Loaded by org.pybridge.integration.ExecutorPython once per interpreter: in the
JVM's main interpreter (where _pybridge_integration, the Arrow side, imports
these names) and in each sub-interpreter that runs tasks (spark.pybridge.interpreters).
Standard library only, and no module that uses single-phase initialisation
(ctypes), so that it loads in isolated sub-interpreters too.
"""

import importlib
import importlib.util
import os
import sys

# ---- functions that travel -------------------------------------------------------

_source_namespaces = {}


def resolve_module(module, name):
    obj = importlib.import_module(module)
    for part in name.split("."):
        obj = getattr(obj, part)
    return obj


def resolve_source(key, source, name):
    ns = _source_namespaces.get(key)
    if ns is None:
        ns = {"__name__": "_pybridge_src_" + key[:16]}
        exec(compile(source, "<pybridge source %s>" % key[:16], "exec"), ns)
        _source_namespaces[key] = ns
    obj = ns
    parts = name.split(".")
    obj = ns[parts[0]]
    for part in parts[1:]:
        obj = getattr(obj, part)
    return obj


def load_file(path):
    """Imports a shipped .py file as a module named after it (its directory goes
    first on sys.path, so the files beside it import too); a directory or a
    .zip goes on sys.path. Returns the module, or None."""
    path = os.path.abspath(path)
    if os.path.isdir(path) or path.endswith((".zip", ".whl", ".egg")):
        if path not in sys.path:
            sys.path.insert(0, path)
        return None
    d = os.path.dirname(path)
    if d not in sys.path:
        sys.path.insert(0, d)
    modname = os.path.splitext(os.path.basename(path))[0]
    mod = sys.modules.get(modname)
    if mod is not None and os.path.abspath(getattr(mod, "__file__", "") or "") == path:
        return mod
    spec = importlib.util.spec_from_file_location(modname, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[modname] = mod
    spec.loader.exec_module(mod)
    return mod


def resolve_file(path, name):
    obj = load_file(path)
    for part in name.split("."):
        obj = getattr(obj, part)
    return obj


# ---- rows -------------------------------------------------------------------------


def map_rows(f, rows):
    """f(*row) for each row of a chunk (a list of argument lists): one call from Java per chunk."""
    return [f(*r) for r in rows]
