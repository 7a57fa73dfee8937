package org.pybridge;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * pybridge's own Python modules, kept as {@code .py} files under the
 * {@code python/} resource root ({@code python/pybridge/<name>.py}, in the
 * jar as {@code pybridge/<name>.py}) and loaded by name, once per
 * interpreter, as the module {@code pybridge.<name>} (also in
 * {@code sys.modules}, so Python code imports it by that name). A loaded
 * module is kept for the life of its interpreter, never owned by a scope.
 */
final class PyResources {
    private PyResources() {}

    private static final java.util.concurrent.ConcurrentHashMap<String, PyObject> MAIN_FUNCTIONS =
            new java.util.concurrent.ConcurrentHashMap<>();
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
        String resource = "pybridge/" + name + ".py";
        String source = read(resource);
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

    private static String read(String resource) {
        ClassLoader cl = PyResources.class.getClassLoader();
        try (InputStream in = cl == null ? ClassLoader.getSystemResourceAsStream(resource)
                : cl.getResourceAsStream(resource)) {
            if (in == null) {
                throw new PyBridgeException("pybridge's Python module " + resource + " is not on the class path"
                        + " (the jar's python/ resources are missing)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new PyBridgeException("cannot read " + resource + ": " + e, e);
        }
    }
}
