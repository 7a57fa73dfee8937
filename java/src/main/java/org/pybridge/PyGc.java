package org.pybridge;

import java.util.ArrayList;
import java.util.List;

/**
 * Python's cycle collector, the {@code gc} module ({@link Python#gc()}).
 * Reference counting frees most objects the moment their last reference
 * (for instance the last pybridge handle) goes; the collector finds cycles.
 */
public final class PyGc {
    static final PyGc INSTANCE = new PyGc();

    private PyGc() {}

    private <T> T gcCall(Class<T> type, String fn, Object... args) {
        try (ResourceScope s = Python.openScope()) {
            return Python.importModule("gc").callAttrAs(type, fn, args);
        }
    }

    /**
     * {@code gc.collect()}: a full collection; the number of unreachable objects found.
     *
     * @return {@code gc.collect()}
     */
    public long collect() {
        return gcCall(Long.class, "collect");
    }

    /**
     * {@code gc.collect(generation)} (0, 1 or 2).
     *
     * @param generation the generation to collect (0, 1 or 2)
     * @return {@code gc.collect(generation)} (0, 1 or 2)
     */
    public long collect(int generation) {
        return gcCall(Long.class, "collect", generation);
    }

    /**
     * {@code gc.get_threshold()}: the three generation thresholds (on CPython 3.14+, whose
     * incremental collector has two generations, the third is always 0; 3.15 has three again).
     *
     * @return {@code gc.get_threshold()}
     */
    public int[] getThreshold() {
        List<?> t = gcCall(List.class, "get_threshold");
        int[] r = new int[t.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = ((Number) t.get(i)).intValue();
        }
        return r;
    }

    /**
     * {@code gc.set_threshold(...)}.
     *
     * @param thresholds the thresholds of generations 0, 1 and 2 ({@code gc.set_threshold})
     */
    public void setThreshold(int... thresholds) {
        Object[] a = new Object[thresholds.length];
        for (int i = 0; i < a.length; i++) {
            a[i] = thresholds[i];
        }
        gcCall(Object.class, "set_threshold", a);
    }

    /**
     * {@code gc.get_count()}: current allocation counts per generation.
     *
     * @return {@code gc.get_count()}
     */
    public int[] count() {
        List<?> t = gcCall(List.class, "get_count");
        int[] r = new int[t.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = ((Number) t.get(i)).intValue();
        }
        return r;
    }

    /**
     * Whether automatic collection is on ({@code gc.isenabled()}).
     *
     * @return whether it is on
     */
    public boolean isEnabled() {
        return gcCall(Boolean.class, "isenabled");
    }

    /**
     * Turns automatic collection on ({@code gc.enable()}).
     */
    public void enable() {
        gcCall(Object.class, "enable");
    }

    /**
     * Turns automatic collection off ({@code gc.disable()}).
     */
    public void disable() {
        gcCall(Object.class, "disable");
    }

    /**
     * The objects in {@code gc.garbage}, as handles (owned by the caller's scope or the GC).
     *
     * @return the objects in {@code gc.garbage}, as handles (owned by the caller's scope or the GC)
     */
    public List<PyObject> garbage() {
        PyObject g = Python.importModule("gc").getAttr("garbage");
        List<PyObject> out = new ArrayList<>();
        for (PyObject o : g) {
            out.add(o);
        }
        return out;
    }

    /**
     * {@code len(gc.garbage)}.
     *
     * @return {@code len(gc.garbage)}
     */
    public long garbageCount() {
        try (ResourceScope s = Python.openScope()) {
            return Python.importModule("gc").getAttr("garbage").len();
        }
    }
}
