package org.pybridge;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * pybridge's Python modules that load on first use (the JSR-223 engine's,
 * async's, the debugger's), kept as {@code .py} files beside the runtime's
 * ({@code python/pybridge/runtime/<name>.py}, read by {@link PySources})
 * and loaded by name, once per interpreter, as the module {@code pybridge.<name>} (also in
 * {@code sys.modules}, so Python code imports it by that name). A loaded
 * module is kept for the life of its interpreter, never owned by a scope.
 */
final class PyResources {
    private PyResources() {}

    private static final ConcurrentHashMap<String, PyObject> MAIN_FUNCTIONS = new ConcurrentHashMap<>();
    private static final Map<Interpreter, Map<String, PyObject>> LOADED =
            Collections.synchronizedMap(new WeakHashMap<>());

    /**
     * The module {@code pybridge.<name>} of the interpreter the calling thread
     * runs, loaded from {@code pybridge/<name>.py} on first use.
     */
    static PyObject module(String name) {
        Interpreter in = Interpreter.current();
        Map<String, PyObject> mods;
        synchronized (LOADED) {
            mods = LOADED.computeIfAbsent(in, k -> new HashMap<>());
        }
        synchronized (mods) {
            PyObject m = mods.get(name);
            if (m == null) {
                m = Lifetimes.unscoped(() -> load(name));
                mods.put(name, m);
            }
            return m;
        }
    }

    /** The attribute {@code attr} of {@code pybridge.<name>} (a function), kept like the module. */
    static PyObject function(String name, String attr) {
        Interpreter in = Interpreter.current();
        if (in == Interpreter.main()) {
            String key = name + ":" + attr;
            PyObject f = MAIN_FUNCTIONS.get(key);
            if (f == null) {
                PyObject m = module(name);
                f = MAIN_FUNCTIONS.computeIfAbsent(key, k -> Lifetimes.unscoped(() -> m.getAttr(attr)));
            }
            return f;
        }
        Map<String, PyObject> mods;
        synchronized (LOADED) {
            mods = LOADED.computeIfAbsent(in, k -> new HashMap<>());
        }
        String key = name + ":" + attr;
        PyObject f;
        synchronized (mods) {
            f = mods.get(key);
        }
        if (f == null) {
            PyObject m = module(name);
            f = Lifetimes.unscoped(() -> m.getAttr(attr));
            synchronized (mods) {
                mods.putIfAbsent(key, f);
                f = mods.get(key);
            }
        }
        return f;
    }

    /** Forgets the modules of an interpreter that closed (their handles went with it). */
    static void forget(Interpreter in) {
        LOADED.remove(in);
    }

    private static PyObject load(String name) {
        String resource = "pybridge/runtime/" + name + ".py";
        String source = PySources.text(name + ".py");
        String full = "pybridge." + name;
        PyObject sysModules = Python.importModule("sys").getAttr("modules");
        if (sysModules.contains(full)) {
            return sysModules.getItem(full);
        }
        PyObject builtins = Python.builtins();
        PyObject mod = Python.importModule("types").callAttr("ModuleType", full);
        PyObject dict = mod.getAttr("__dict__");
        dict.setItem("__file__", resource);
        PyObject code = builtins.callAttr("compile", source, resource, "exec");
        sysModules.setItem(full, mod);
        try {
            builtins.callAttr("exec", code, dict);
        } catch (RuntimeException e) {
            sysModules.delItem(full);
            throw e;
        }
        return mod;
    }
}
