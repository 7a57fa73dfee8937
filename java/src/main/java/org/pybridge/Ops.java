package org.pybridge;

import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;

/**
 * The operations of the native library, one method each (mirroring
 * {@code rust/src/ops.rs}): each encodes its request into the calling
 * thread's {@link Buf}, calls {@link Native#invoke}, and decodes the reply.
 * The public classes ({@link Python}, {@link PyObject}, …) only say what they
 * want; the wire format stays here and in {@link Wire}.
 *
 * <p>Every method that names a handle keeps its {@code PyObject} reachable
 * until the native call is over ({@code reachabilityFence}); handles written
 * as arguments are pinned by the buffer ({@link Wire#writeHandle}).
 */
final class Ops {
    private Ops() {}

    // ---- start-up and information ---------------------------------------------------------------

    /** What {@code initialize} sends: see {@code ops::init}. */
    static PythonInfo init(PythonLocator.Found f, PythonConfig cfg) {
        try (Buf b = Buf.acquire()) {
            Wire.writeString(b, f.get("executable"));
            Wire.writeString(b, f.libpython);
            Wire.writeString(b, f.get("version"));
            String home = System.getenv("PYTHONHOME");
            String ownHome = f.get(PythonLocator.HOME_FACT);
            int flags = "1".equals(f.get(PythonLocator.NO_USER_SITE_FACT)) ? Contract.InitFlag.NO_USER_SITE : 0;
            if (!ownHome.isEmpty()) {
                // A runtime extracted from a jar (ClasspathPython): its own home.
                b.put((byte) (flags | Contract.InitFlag.HOME));
                Wire.writeString(b, ownHome);
            } else if (home != null && !home.isEmpty()) {
                // Ignore it: a PYTHONHOME that points at a virtualenv kills the process.
                b.put((byte) (flags | Contract.InitFlag.HOME));
                Wire.writeString(b, f.get("base_prefix"));
            } else {
                b.put((byte) flags);
            }
            List<String> extra = cfg.sysPath();
            b.putInt(extra.size());
            for (String p : extra) {
                Wire.writeString(b, p);
            }
            b.putInt(cfg.releasePolicy() == PythonConfig.ReleasePolicy.CALLER_THREADS ? 1 : 0);
            b.putLong(cfg.gilSpinMicros());
            b.put((byte) (cfg.strictMapKeys() ? 1 : 0));
            b.invoke(Contract.Op.INIT);
            String v = Wire.readString(b);
            String exe = Wire.readString(b);
            String prefix = Wire.readString(b);
            String basePrefix = Wire.readString(b);
            String lib = Wire.readString(b);
            PythonConfig.ReleasePolicy policy = b.getInt() == 1
                    ? PythonConfig.ReleasePolicy.CALLER_THREADS
                    : PythonConfig.ReleasePolicy.DEDICATED_THREAD;
            return new PythonInfo(v, exe, prefix, basePrefix, lib, f.reason, policy);
        }
    }

    /** The counters, in {@link Contract.Stat} order. */
    static long[] stats() {
        long[] v = new long[Contract.Stat.COUNT];
        try (Buf b = Buf.acquire()) {
            b.invoke(Contract.Op.STATS);
            for (int i = 0; i < v.length; i++) {
                v[i] = b.getLong();
            }
        }
        return v;
    }

    /** A no-argument operation that answers with a long ({@code DRAIN}, {@code THREAD_STATES}). */
    static long longOp(int op) {
        try (Buf b = Buf.acquire()) {
            b.invoke(op);
            return b.getLong();
        }
    }

    /** For tests of the boundary: makes the native side panic inside a call. */
    static void debugPanic(String message) {
        try (Buf b = Buf.acquire()) {
            Wire.writeString(b, message);
            b.invoke(Contract.Op.DEBUG_PANIC);
        }
    }

    // ---- running code ----------------------------------------------------------------------------

    /** Runs statements in {@code globals} (null: {@code __main__}). */
    static void exec(String code, PyObject globals) {
        try (Buf b = Buf.acquire()) {
            Wire.writeString(b, code);
            Wire.write(b, globals);
            b.invoke(Contract.Op.EXEC);
        } finally {
            Reference.reachabilityFence(globals);
        }
    }

    /** Evaluates an expression in {@code globals} (null: {@code __main__}), the result in {@code mode}. */
    static Object eval(String expr, PyObject globals, byte mode) {
        try (Buf b = Buf.acquire()) {
            Wire.writeString(b, expr);
            Wire.write(b, globals);
            b.put(mode);
            b.invoke(Contract.Op.EVAL);
            return Wire.read(b, null);
        } finally {
            Reference.reachabilityFence(globals);
        }
    }

    /** An operation with an optional string argument that answers with a handle. */
    static PyObject handleOp(int op, String arg) {
        try (Buf b = Buf.acquire()) {
            if (arg != null) {
                Wire.writeString(b, arg);
            }
            b.invoke(op);
            return (PyObject) Wire.read(b, null);
        }
    }

    /** A new Python object copied from a Java value. */
    static PyObject toPython(Object value) {
        try (Buf b = Buf.acquire()) {
            Wire.write(b, value);
            b.invoke(Contract.Op.TO_PYTHON);
            return (PyObject) Wire.read(b, null);
        }
    }

    // ---- numpy ------------------------------------------------------------------------------------

    /** {@code numpy.empty(shape, dtype)}, and Java's array copied into its memory. */
    static PyObject numpyCopyOf(Object array, String dtype, long[] dims) {
        PyObject arr;
        long addr;
        long len;
        try (Buf b = Buf.acquire()) {
            b.put(DTypes.code(dtype));
            b.putInt(dims.length);
            for (long d : dims) {
                b.putLong(d);
            }
            b.invoke(Contract.Op.NUMPY_EMPTY);
            arr = (PyObject) Wire.read(b, null);
            addr = b.getLong();
            len = b.getLong();
        }
        if (len > 0) {
            DTypes.copyOut(array, addr, len);
        }
        Reference.reachabilityFence(arr);
        return arr;
    }

    /** A numpy array over a shared direct buffer ({@code shared}: it, or its {@link UnmanagedBuffer}). */
    static PyObject numpyView(Object shared, String dtype, boolean bigEndian, long[] dims) {
        // One native call: the memoryview, numpy.frombuffer and the reshape.
        try (Buf b = Buf.acquire()) {
            Wire.write(b, shared);
            b.put((byte) (DTypes.code(dtype) | (bigEndian ? Contract.DType.BIG_ENDIAN : 0)));
            b.putInt(dims.length);
            for (long d : dims) {
                b.putLong(d);
            }
            b.invoke(Contract.Op.NUMPY_VIEW);
            return (PyObject) Wire.read(b, null);
        }
    }

    /** A handle's memory as a direct buffer (no copy); see {@link PyObject#asBuffer()}. */
    static ByteBuffer asBuffer(PyObject o) {
        long addr;
        long len;
        boolean readonly;
        long vid;
        int vslot;
        try (Buf b = Buf.acquire()) {
            b.invoke(Contract.Op.AS_BUFFER, o);
            addr = b.getLong();
            len = b.getLong();
            readonly = b.get() != 0;
            b.get(); // dtype code
            int ndim = b.getInt();
            for (int i = 0; i < ndim; i++) {
                b.getLong();
            }
            vid = b.getLong();
            vslot = b.getInt();
        } finally {
            Reference.reachabilityFence(o);
        }
        if (len > Integer.MAX_VALUE) {
            new PyObject(vid, vslot).close();
            throw new IllegalArgumentException("this object's memory is " + len + " bytes, more than a Java"
                    + " ByteBuffer can hold (" + Integer.MAX_VALUE + " bytes, 2 GiB - 1): share it in parts of"
                    + " at most that size (numpy: asBuffer() on slices such as a[i:j] of a C-contiguous array,"
                    + " or a.reshape(-1)[i:j]), or copy it (toNumpy/NDArray)");
        }
        ByteOrder order = ByteOrder.nativeOrder();
        if (len == 0) {
            new PyObject(vid, vslot).close();
            ByteBuffer empty = ByteBuffer.allocateDirect(0).order(order);
            return readonly ? empty.asReadOnlyBuffer().order(order) : empty;
        }
        ByteBuffer bb;
        try {
            bb = Native.newDirectBuffer(addr, len).order(order);
        } catch (RuntimeException e) {
            new PyObject(vid, vslot).close();
            throw e;
        }
        Lifetimes.trackBuffer(bb, vid, vslot);
        return readonly ? bb.asReadOnlyBuffer().order(order) : bb;
    }

    // ---- attributes, items, calls ------------------------------------------------------------------

    static Object getAttr(PyObject o, String name, byte mode) {
        try (Buf b = Buf.acquire()) {
            Wire.writeString(b, name);
            b.put(mode);
            b.invoke(Contract.Op.GETATTR, o);
            return Wire.read(b, o);
        } finally {
            Reference.reachabilityFence(o);
        }
    }

    static void setAttr(PyObject o, String name, Object value) {
        try (Buf b = Buf.acquire()) {
            Wire.writeString(b, name);
            Wire.write(b, value);
            b.invoke(Contract.Op.SETATTR, o);
        } finally {
            Reference.reachabilityFence(o);
        }
    }

    /** {@code HASATTR} (a string argument) and {@code CONTAINS} (any key): a boolean answer. */
    static boolean test(int op, PyObject o, Object arg) {
        try (Buf b = Buf.acquire()) {
            if (op == Contract.Op.HASATTR) {
                Wire.writeString(b, (String) arg);
            } else {
                Wire.write(b, arg);
            }
            b.invoke(op, o);
            return b.get() == Contract.Tag.TRUE;
        } finally {
            Reference.reachabilityFence(o);
        }
    }

    /** {@code CALL} ({@code name} null) or {@code CALLATTR}, the result in {@code mode}. */
    static Object call(PyObject f, String name, byte mode, Map<String, ?> kwargs, Object[] args) {
        try (Buf b = Buf.acquire()) {
            if (name != null) {
                Wire.writeString(b, name);
            }
            b.put(mode);
            Wire.writeArgs(b, args);
            if (kwargs == null || kwargs.isEmpty()) {
                b.put(Contract.Tag.NONE);
            } else {
                Wire.write(b, kwargs);
            }
            b.invoke(name == null ? Contract.Op.CALL : Contract.Op.CALLATTR, f);
            return Wire.read(b, f);
        } finally {
            Reference.reachabilityFence(f);
        }
    }

    /**
     * {@code f(x)} through {@link Native#callLong}: the result itself when
     * Python returns an int that fits; otherwise the reply converted in
     * {@code mode}. A virtual thread holding a GIL lease takes the ordinary
     * path (its calls are tagged with the lease). Returns a {@code Long} for
     * the fast path, or the decoded value.
     */
    static Object callLong(PyObject f, long x, byte mode) {
        if (Leases.virtualHolder() || f.interp != null && f.interp.channel != null) {
            return call(f, null, mode, null, new Object[] {x});
        }
        Interpreter.check(f);
        if (PyDebug.active) {
            PyDebug.onCall(); // as Buf.invoke: a JVM thread's first call once a debugger listens
        }
        long r = Native.callLong(f.id, f.slot, x, mode);
        if (r == Contract.Limit.CALL_LONG_SLOW) {
            long st = Native.callLongStatus();
            if (st != 0) {
                return callLongReply(f, st, x, mode);
            }
        }
        Reference.reachabilityFence(f);
        return r;
    }

    /**
     * The reply of a {@link Native#callLong} that did not return its result
     * directly; a call refused because another thread's GIL lease ran Java
     * (or Python) code is sent again once it is this thread's turn.
     */
    private static Object callLongReply(PyObject f, long st, long x, byte mode) {
        long since = 0;
        while ((int) (st >>> 32) == Contract.Status.LEASE_BUSY || (int) (st >>> 32) == Contract.Status.LEASE_WAIT) {
            since = Leases.waitTurn((int) (st >>> 32) == Contract.Status.LEASE_BUSY ? since : -1);
            long r = Native.callLong(f.id, f.slot, x, mode);
            if (r != Contract.Limit.CALL_LONG_SLOW) {
                Reference.reachabilityFence(f);
                return r;
            }
            st = Native.callLongStatus();
            if (st == 0) {
                return r;
            }
        }
        try (Buf b = Buf.acquire()) {
            b.takeCallLongReply(st);
            return Wire.read(b, f);
        } finally {
            Reference.reachabilityFence(f);
        }
    }

    static Object getItem(PyObject o, Object key, byte mode) {
        try (Buf b = Buf.acquire()) {
            Wire.write(b, key);
            b.put(mode);
            b.invoke(Contract.Op.GETITEM, o);
            return Wire.read(b, o);
        } finally {
            Reference.reachabilityFence(o);
        }
    }

    static void setItem(PyObject o, Object key, Object value) {
        try (Buf b = Buf.acquire()) {
            Wire.write(b, key);
            Wire.write(b, value);
            b.invoke(Contract.Op.SETITEM, o);
        } finally {
            Reference.reachabilityFence(o);
        }
    }

    static void delItem(PyObject o, Object key) {
        try (Buf b = Buf.acquire()) {
            Wire.write(b, key);
            b.invoke(Contract.Op.DELITEM, o);
        } finally {
            Reference.reachabilityFence(o);
        }
    }

    /** An operation on a handle that answers with a long ({@code LEN}, {@code REFCOUNT}). */
    static long longOp(int op, PyObject o) {
        try (Buf b = Buf.acquire()) {
            b.invoke(op, o);
            return b.getLong();
        } finally {
            Reference.reachabilityFence(o);
        }
    }

    /** An operation on a handle that answers with a string ({@code TYPENAME}, {@code REPR}, {@code STR}). */
    static String stringOp(int op, PyObject o) {
        try (Buf b = Buf.acquire()) {
            b.invoke(op, o);
            return Wire.readString(b);
        } finally {
            Reference.reachabilityFence(o);
        }
    }

    /** An operation on a handle that answers with a handle ({@code ITER}). */
    static PyObject handleOp(int op, PyObject o) {
        try (Buf b = Buf.acquire()) {
            b.invoke(op, o);
            return (PyObject) Wire.read(b, o);
        } finally {
            Reference.reachabilityFence(o);
        }
    }

    /** {@code TO_JAVA}: the object as Java values, containers built by {@code f} (null: java.util). */
    static Object toJava(PyObject o, byte mode, ValueFactory f) {
        try (Buf b = Buf.acquire()) {
            b.put(mode);
            b.invoke(Contract.Op.TO_JAVA, o);
            return Wire.read(b, o, f);
        } finally {
            Reference.reachabilityFence(o);
        }
    }

    /** The next item of an iterator, in {@code mode}; {@code done} (a one-element array) set at the end. */
    static Object next(PyObject it, byte mode, boolean[] done) {
        try (Buf b = Buf.acquire()) {
            b.put(mode);
            b.invoke(Contract.Op.ITER_NEXT, it);
            if (b.get() == 0) {
                done[0] = true;
                return null;
            }
            return Wire.read(b, it);
        } finally {
            Reference.reachabilityFence(it);
        }
    }

    /** Python identity. */
    static boolean is(PyObject a, PyObject other) {
        try (Buf b = Buf.acquire()) {
            Interpreter.check(other);
            b.putLong(other.id);
            b.putInt(other.slot);
            b.invoke(Contract.Op.IS, a);
            return b.get() != 0;
        } finally {
            Reference.reachabilityFence(a);
            Reference.reachabilityFence(other);
        }
    }

    // ---- sub-interpreters ------------------------------------------------------------------------

    /**
     * Creates a sub-interpreter bound to the calling thread ({@code INTERP_NEW}):
     * its index in the native tables and CPython's id of it.
     */
    static long[] interpNew(boolean ownGil, InterpreterConfig cfg) {
        try (Buf b = Buf.acquire()) {
            b.put((byte) (ownGil ? 1 : 0));
            b.put((byte) (cfg.allowThreads ? 1 : 0));
            b.put((byte) (cfg.allowDaemonThreads ? 1 : 0));
            b.put((byte) (cfg.allowFork ? 1 : 0));
            b.put((byte) (cfg.allowExec ? 1 : 0));
            b.putInt(cfg.sysPath.size());
            for (String p : cfg.sysPath) {
                Wire.writeString(b, p);
            }
            b.invoke(Contract.Op.INTERP_NEW);
            long index = b.getInt();
            long id = b.getLong();
            return new long[] {index, id};
        }
    }

    /** Ends the calling thread's sub-interpreter ({@code INTERP_END}). */
    static void interpEnd() {
        try (Buf b = Buf.acquire()) {
            b.invoke(Contract.Op.INTERP_END);
        }
    }

    // ---- lifetimes -------------------------------------------------------------------------------

    /**
     * Releases one handle: the native fast path when this thread may take
     * it, else {@code RELEASE} (which also reports errors and waits for a
     * turn while another thread's GIL lease runs Java code).
     */
    static void release(PyObject o) {
        if (Interpreter.releaseElsewhere(o)) {
            return;
        }
        if (!Leases.virtualHolder() && Native.release(o.id, o.slot) >= 0) {
            return;
        }
        try (Buf b = Buf.acquire()) {
            b.putInt(Contract.Path.CLOSE);
            b.invoke(Contract.Op.RELEASE, o);
        }
    }

    /** Hands ids to the native release queue (no GIL taken, never blocks on Python). */
    static void enqueue(long[] ids, int[] slots, int n) {
        try (Buf b = Buf.acquire()) {
            b.ensure(4 + 12 * n);
            b.bb.putInt(n);
            for (int i = 0; i < n; i++) {
                b.bb.putLong(ids[i]);
                b.bb.putInt(slots[i]);
            }
            b.invoke(Contract.Op.ENQUEUE);
        }
    }

    /** Releases ids now, in chunks, with the GIL taken once per chunk; returns how many were live. */
    static long releaseNow(long[] ids, int[] slots, int n, int path) {
        long done = 0;
        int off = 0;
        while (off < n) {
            int k = Math.min(n - off, 16384);
            try (Buf b = Buf.acquire()) {
                b.ensure(8 + 12 * k);
                b.bb.putInt(path);
                b.bb.putInt(k);
                for (int i = 0; i < k; i++) {
                    b.bb.putLong(ids[off + i]);
                    b.bb.putInt(slots[off + i]);
                }
                b.invoke(Contract.Op.RELEASE_BATCH);
                done += b.getLong();
            }
            off += k;
        }
        return done;
    }

    /** The ids of Java objects Python has freed since the last call (no GIL taken). */
    static long[] takeFreed() {
        try (Buf b = Buf.acquire()) {
            b.invoke(Contract.Op.TAKE_FREED_FUNCTIONS);
            long[] ids = new long[b.getInt()];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = b.getLong();
            }
            return ids;
        }
    }

    // ---- the GIL --------------------------------------------------------------------------------

    /**
     * Takes a GIL lease: on a platform thread the GIL itself (answers 0); on
     * a virtual thread ({@code virtual}), a lease slot, taken up by
     * {@link #gilResume()}.
     */
    static int gilAcquire(String holderName, boolean virtual) {
        try (Buf b = Buf.acquire()) {
            Wire.writeString(b, holderName);
            b.put((byte) (virtual ? 1 : 0));
            b.invoke(Contract.Op.GIL_ACQUIRE);
            return b.getInt();
        }
    }

    /** Ends one level of this thread's lease (a virtual thread's call is tagged with its slot). */
    static void gilRelease() {
        try (Buf b = Buf.acquire()) {
            b.invoke(Contract.Op.GIL_RELEASE);
        }
    }

    /** {@code releaseGilWhile}: whether this thread held a lease it suspended. */
    static boolean gilSuspend() {
        try (Buf b = Buf.acquire()) {
            b.invoke(Contract.Op.GIL_SUSPEND);
            return b.get() != 0;
        }
    }

    /** Takes a suspended lease back (waiting for a turn). */
    static void gilResume() {
        try (Buf b = Buf.acquire()) {
            b.invoke(Contract.Op.GIL_RESUME);
        }
    }

    /** How many GIL leases this (platform) thread holds. */
    static int gilDepth() {
        try (Buf b = Buf.acquire()) {
            b.invoke(Contract.Op.GIL_DEPTH);
            return b.getInt();
        }
    }

    /** The lease running Java code now (name, its age in seconds), or null. */
    static Object[] leaseInfo() {
        try (Buf b = Buf.acquire()) {
            b.invoke(Contract.Op.LEASE_INFO);
            if (b.get() == 0) {
                return null;
            }
            return new Object[] {Wire.readString(b), b.getDouble()};
        }
    }

    /** Ends the lease in {@code slot}, whose virtual thread died holding it. */
    static void leaseBreak(int slot) {
        try (Buf b = Buf.acquire()) {
            b.invoke(Contract.Op.LEASE_BREAK | (slot << Contract.Limit.LEASE_SLOT_SHIFT));
        }
    }
}
