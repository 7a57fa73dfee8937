package org.pybridge;

import java.util.Map;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * {@link PyObject#kind()}: decided in Python once per type and cached by the
 * type's index in the native intern table (the low 16 bits of a handle id;
 * interned types are kept alive, so an index never changes meaning). Index 0
 * (table full) is not cached.
 */
final class Kinds {
    private Kinds() {}

    /** The constants by their code (contract.rs {@code py_kind}, the codes the Python helper returns). */
    private static final PyKind[] BY_CODE = byCode();

    private static final AtomicReferenceArray<PyKind> CACHE = new AtomicReferenceArray<>(1 << 16);

    private static PyKind[] byCode() {
        Map<String, Long> codes = Contract.PyKindCode.all();
        PyKind[] out = new PyKind[codes.size()];
        for (Map.Entry<String, Long> e : codes.entrySet()) {
            out[e.getValue().intValue()] = PyKind.valueOf(e.getKey());
        }
        return out;
    }

    static PyKind of(PyObject o) {
        // A cached answer must not hide a released handle: every use of one throws.
        o.ensureLive();
        int t = (int) (o.id & 0xffff);
        PyKind k = t == 0 ? null : CACHE.get(t);
        if (k == null) {
            Long code = Support.fn("kind").callAs(Long.class, o);
            k = BY_CODE[code.intValue()];
            if (t != 0) {
                CACHE.set(t, k);
            }
        }
        return k;
    }
}
