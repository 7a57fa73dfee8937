package org.pybridge;

import java.lang.ref.Reference;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.ConcurrentModificationException;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.RandomAccess;
import java.util.Set;

/**
 * Java side of the wire format (rust/src/values/wire.rs): encodes Java values into
 * a {@link Buf} and decodes replies. Tags must match the Rust constants.
 */
final class Wire {
    private Wire() {}

    /** Deepest nesting converted (the same limit as the native side's). */
    static final int MAX_DEPTH = (int) Contract.Limit.MAX_DEPTH;

    private static final BigInteger LONG_MIN = BigInteger.valueOf(Long.MIN_VALUE);
    private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);

    // ---- Java -> wire ------------------------------------------------------

    static void writeString(Buf b, CharSequence cs) {
        String s = cs.toString();
        int n = s.length();
        if (n <= 32) {
            int max = 0;
            for (int i = 0; i < n; i++) {
                max |= s.charAt(i);
            }
            if (max < 0x100) {
                b.ensure(5 + n);
                b.bb.put(Contract.Tag.STR_LATIN1);
                b.bb.putInt(n);
                for (int i = 0; i < n; i++) {
                    b.bb.put((byte) s.charAt(i));
                }
                return;
            }
        } else if (n >= 4096 && b.addr != 0 && n < (Integer.MAX_VALUE - 64) / 2) {
            // Long strings: the native side copies the UTF-16 units once
            // (JNI) and narrows them to Latin-1 when it can.
            b.ensure(5 + 2 * n);
            int pos = b.bb.position();
            int w = Native.encodeString(s, n, b.addr + pos, b.cap - pos);
            Reference.reachabilityFence(b.bb);
            if (w < 0) {
                throw new PyBridgeException("internal error: could not encode a string of " + n + " characters");
            }
            b.bb.position(pos + w);
            return;
        } else {
            // Fast for the common Latin-1 case: for a string the JVM stores
            // as Latin-1 this is a copy of its bytes; other characters come
            // out as '?', so the result is checked with vectorised String
            // operations (no per-character loop).
            byte[] l1 = s.getBytes(StandardCharsets.ISO_8859_1);
            if (l1.length == n && exactLatin1(l1, s)) {
                b.ensure(5 + n);
                b.bb.put(Contract.Tag.STR_LATIN1);
                b.bb.putInt(n);
                b.bb.put(l1);
                return;
            }
        }
        b.ensure(5 + 2 * n);
        b.bb.put(Contract.Tag.STR_UTF16);
        b.bb.putInt(n);
        int pos = b.bb.position();
        b.bb.asCharBuffer().put(s);
        b.bb.position(pos + 2 * n);
    }

    /** True when {@code l1} (the Latin-1 encoding of {@code s}) has no '?' that stands for another character. */
    private static boolean exactLatin1(byte[] l1, String s) {
        String back = new String(l1, StandardCharsets.ISO_8859_1);
        if (s.indexOf('?') < 0) {
            return back.indexOf('?') < 0;
        }
        return back.equals(s);
    }

    /** Encodes any supported Java value (see {@link Python#toPython}). */
    static void write(Buf b, Object v) {
        write(b, v, 0);
    }

    static void write(Buf b, Object v, int depth) {
        if (depth > MAX_DEPTH) {
            throw new IllegalArgumentException("value nested deeper than " + MAX_DEPTH
                    + " levels (or a collection that contains itself) cannot be converted to Python");
        }
        if (v == null) {
            b.put(Contract.Tag.NONE);
        } else if (v instanceof String) {
            writeString(b, (String) v);
        } else if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
            b.ensure(9);
            b.bb.put(Contract.Tag.INT);
            b.bb.putLong(((Number) v).longValue());
        } else if (v instanceof Double || v instanceof Float) {
            b.ensure(9);
            b.bb.put(Contract.Tag.FLOAT);
            b.bb.putDouble(((Number) v).doubleValue());
        } else if (v instanceof Boolean) {
            b.put((Boolean) v ? Contract.Tag.TRUE : Contract.Tag.FALSE);
        } else if (v instanceof PyObject) {
            writeHandle(b, (PyObject) v);
        } else {
            writeOther(b, v, depth);
        }
    }

    /**
     * A handle, pinned in {@code b} until the call is over: the wrapper may be
     * unreachable from the caller's code once encoded (a temporary argument),
     * and the GC must not release it before the native side has its own
     * reference.
     */
    static void writeHandle(Buf b, PyObject o) {
        Interpreter.check(o);
        b.pin(o);
        b.ensure(13);
        b.bb.put(Contract.Tag.HANDLE);
        b.bb.putLong(o.id);
        b.bb.putInt(o.slot);
    }

    // Encoding categories of the classes the fast paths above do not take,
    // decided once per class: no chain of failed interface checks per value
    // (each costs a scan of the class's secondary supers in HotSpot).
    private static final int C_CONVERTER = 1;
    private static final int C_PYBACKED = 2;
    private static final int C_MAP = 3;
    private static final int C_LIST_RA = 4;
    private static final int C_LIST = 5;
    private static final int C_SET = 6;
    private static final int C_CHAR = 7;
    private static final int C_BIGINT = 8;
    private static final int C_BYTES = 9;
    private static final int C_LONGS = 10;
    private static final int C_DOUBLES = 11;
    private static final int C_INTS = 12;
    private static final int C_SHORTS = 13;
    private static final int C_FLOATS = 14;
    private static final int C_BOOLEANS = 15;
    private static final int C_CHARS = 16;
    private static final int C_OBJECTS = 17;
    private static final int C_COLLECTION = 18;
    private static final int C_CHARSEQ = 19;
    private static final int C_FUNCTION = 20;
    private static final int C_NDARRAY = 22;
    private static final int C_BYTEBUFFER = 23;
    private static final int C_UNMANAGED = 24;
    private static final int C_UNKNOWN = 21;
    private static final int C_BRIDGED = 25;
    private static final int C_BRIDGED_LIST = 26;
    private static final int C_EXT = 27;

    private static volatile ClassValue<Integer> categories = newCategories();

    private static ClassValue<Integer> newCategories() {
        return new ClassValue<Integer>() {
            @Override
            protected Integer computeValue(Class<?> c) {
                return category(c);
            }
        };
    }

    /** Forgets the per-class decisions (a converter was registered). */
    static void invalidateCategories() {
        categories = newCategories();
    }

    private static int category(Class<?> c) {
        if (ConverterRegistry.find(c) != null) {
            return C_CONVERTER;
        }
        if (PyBacked.class.isAssignableFrom(c)) {
            return C_PYBACKED;
        }
        if (c == JavaBridge.Bridged.class) {
            return C_BRIDGED;
        }
        if (c == JavaBridge.BridgedList.class) {
            return C_BRIDGED_LIST;
        }
        if (c == NDArray.class) {
            return C_NDARRAY;
        }
        if (ByteBuffer.class.isAssignableFrom(c)) {
            return C_BYTEBUFFER;
        }
        if (c == UnmanagedBuffer.class) {
            return C_UNMANAGED;
        }
        if (Map.class.isAssignableFrom(c)) {
            return C_MAP;
        }
        if (List.class.isAssignableFrom(c)) {
            return RandomAccess.class.isAssignableFrom(c) ? C_LIST_RA : C_LIST;
        }
        if (Set.class.isAssignableFrom(c)) {
            return C_SET;
        }
        if (c == Character.class) {
            return C_CHAR;
        }
        if (c == BigInteger.class) {
            return C_BIGINT;
        }
        if (c.isArray()) {
            Class<?> e = c.getComponentType();
            if (e == byte.class) {
                return C_BYTES;
            }
            if (e == long.class) {
                return C_LONGS;
            }
            if (e == double.class) {
                return C_DOUBLES;
            }
            if (e == int.class) {
                return C_INTS;
            }
            if (e == short.class) {
                return C_SHORTS;
            }
            if (e == float.class) {
                return C_FLOATS;
            }
            if (e == boolean.class) {
                return C_BOOLEANS;
            }
            if (e == char.class) {
                return C_CHARS;
            }
            return C_OBJECTS;
        }
        if (Collection.class.isAssignableFrom(c)) {
            return C_COLLECTION;
        }
        if (CharSequence.class.isAssignableFrom(c)) {
            return C_CHARSEQ;
        }
        return plainCategory(c);
    }

    /** What a class with no built-in container/scalar conversion crosses as, with no user converter. */
    private static int plainCategory(Class<?> c) {
        if (ExtValues.handles(c)) {
            return C_EXT;
        }
        if (Callbacks.isFunctionClass(c)) {
            return C_FUNCTION;
        }
        return C_UNKNOWN;
    }

    private static void writeOther(Buf b, Object v, int depth) {
        writeCategory(b, v, categories.get(v.getClass()), depth);
    }

    private static void writeCategory(Buf b, Object v, int category, int depth) {
        switch (category) {
            case C_CONVERTER: {
                Object r = ConverterRegistry.find(v.getClass()).apply(v);
                if (r == v) {
                    // "Pass it as it is": what it would be with no converter.
                    writeCategory(b, v, plainCategory(v.getClass()), depth);
                    return;
                }
                write(b, r, depth + 1);
                return;
            }
            case C_EXT:
                ExtValues.write(b, v, depth);
                return;
            case C_PYBACKED:
                writeHandle(b, ((PyBacked) v).pyObject());
                return;
            case C_NDARRAY: {
                NDArray a = (NDArray) v;
                long[] shape = a.shape();
                long nbytes = (long) a.size() * DTypes.itemSize(a.dtype());
                if (nbytes > Integer.MAX_VALUE - 64) {
                    throw new IllegalArgumentException("an NDArray of " + nbytes + " bytes is too large to copy"
                            + " through a request; use Python.toNumpy(array, shape)");
                }
                b.ensure(1 + 1 + 4 + 8 * shape.length + 8 + (int) nbytes);
                b.bb.put(Contract.Tag.NDARRAY_DATA);
                b.bb.put(DTypes.code(a.dtype()));
                b.bb.putInt(shape.length);
                for (long d : shape) {
                    b.bb.putLong(d);
                }
                b.bb.putLong(nbytes);
                int pos = b.bb.position();
                DTypes.copyOut(a.data(), b.bb.duplicate().position(pos).slice());
                b.bb.position(pos + (int) nbytes);
                return;
            }
            case C_UNMANAGED:
                writeDirectBuffer(b, ((UnmanagedBuffer) v).buffer());
                return;
            case C_BYTEBUFFER: {
                ByteBuffer bb = (ByteBuffer) v;
                if (!bb.isDirect()) {
                    byte[] raw = new byte[bb.remaining()];
                    bb.duplicate().get(raw);
                    b.ensure(5 + raw.length);
                    b.bb.put(Contract.Tag.BYTES);
                    b.bb.putInt(raw.length);
                    b.bb.put(raw);
                    return;
                }
                BufferSafety.checkShareable(bb);
                writeDirectBuffer(b, bb);
                return;
            }
            case C_MAP: {
                Map<?, ?> m = (Map<?, ?>) v;
                int at = beginCount(b, Contract.Tag.DICT);
                int n = 0;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    write(b, e.getKey(), depth + 1);
                    write(b, e.getValue(), depth + 1);
                    n++;
                }
                endCount(b, at, n);
                return;
            }
            case C_LIST_RA: {
                List<?> l = (List<?>) v;
                int size = l.size();
                int at = beginCount(b, Contract.Tag.LIST);
                int n = 0;
                try {
                    for (; n < size; n++) {
                        write(b, l.get(n), depth + 1);
                    }
                } catch (IndexOutOfBoundsException e) {
                    throw changedWhileConverting(l, e);
                }
                endCount(b, at, n);
                return;
            }
            case C_LIST:
                writeCollection(b, Contract.Tag.LIST, (List<?>) v, depth);
                return;
            case C_SET:
                writeCollection(b, Contract.Tag.SET, (Set<?>) v, depth);
                return;
            case C_CHAR:
                writeString(b, String.valueOf((char) (Character) v));
                return;
            case C_BIGINT: {
                BigInteger bi = (BigInteger) v;
                if (bi.compareTo(LONG_MIN) >= 0 && bi.compareTo(LONG_MAX) <= 0) {
                    b.ensure(9);
                    b.bb.put(Contract.Tag.INT);
                    b.bb.putLong(bi.longValue());
                } else {
                    byte[] raw = bi.toByteArray();
                    b.ensure(5 + raw.length);
                    b.bb.put(Contract.Tag.BIGINT);
                    b.bb.putInt(raw.length);
                    b.bb.put(raw);
                }
                return;
            }
            case C_BYTES: {
                byte[] raw = (byte[]) v;
                b.ensure(5 + raw.length);
                b.bb.put(Contract.Tag.BYTES);
                b.bb.putInt(raw.length);
                b.bb.put(raw);
                return;
            }
            case C_LONGS: {
                long[] a = (long[]) v;
                b.ensure(5 + 8 * a.length);
                b.bb.put(Contract.Tag.LIST_I64);
                b.bb.putInt(a.length);
                int pos = b.bb.position();
                b.bb.asLongBuffer().put(a);
                b.bb.position(pos + 8 * a.length);
                return;
            }
            case C_DOUBLES: {
                double[] a = (double[]) v;
                b.ensure(5 + 8 * a.length);
                b.bb.put(Contract.Tag.LIST_F64);
                b.bb.putInt(a.length);
                int pos = b.bb.position();
                b.bb.asDoubleBuffer().put(a);
                b.bb.position(pos + 8 * a.length);
                return;
            }
            case C_INTS: {
                int[] a = (int[]) v;
                b.ensure(5 + 8 * a.length);
                b.bb.put(Contract.Tag.LIST_I64);
                b.bb.putInt(a.length);
                for (int x : a) {
                    b.bb.putLong(x);
                }
                return;
            }
            case C_SHORTS: {
                short[] a = (short[]) v;
                b.ensure(5 + 8 * a.length);
                b.bb.put(Contract.Tag.LIST_I64);
                b.bb.putInt(a.length);
                for (short x : a) {
                    b.bb.putLong(x);
                }
                return;
            }
            case C_FLOATS: {
                float[] a = (float[]) v;
                b.ensure(5 + 8 * a.length);
                b.bb.put(Contract.Tag.LIST_F64);
                b.bb.putInt(a.length);
                for (float x : a) {
                    b.bb.putDouble(x);
                }
                return;
            }
            case C_BOOLEANS: {
                boolean[] a = (boolean[]) v;
                b.ensure(5 + a.length);
                b.bb.put(Contract.Tag.LIST);
                b.bb.putInt(a.length);
                for (boolean x : a) {
                    b.bb.put(x ? Contract.Tag.TRUE : Contract.Tag.FALSE);
                }
                return;
            }
            case C_CHARS: {
                char[] a = (char[]) v;
                b.put(Contract.Tag.LIST);
                b.putInt(a.length);
                for (char c : a) {
                    writeString(b, String.valueOf(c));
                }
                return;
            }
            case C_OBJECTS: {
                Object[] a = (Object[]) v;
                b.put(Contract.Tag.LIST);
                b.putInt(a.length);
                for (Object o : a) {
                    write(b, o, depth + 1);
                }
                return;
            }
            case C_COLLECTION:
                writeCollection(b, Contract.Tag.LIST, (Collection<?>) v, depth);
                return;
            case C_CHARSEQ:
                writeString(b, (CharSequence) v);
                return;
            case C_FUNCTION: {
                long id = Callbacks.register(v);
                b.ensure(9);
                b.bb.put(Contract.Tag.JAVA_FN);
                b.bb.putLong(id);
                writeString(b, v.getClass().getName());
                return;
            }
            case C_BRIDGED: {
                Object o = ((JavaBridge.Bridged) v).value;
                if (o == null) {
                    b.put(Contract.Tag.NONE);
                } else if (o instanceof PyObject) {
                    writeHandle(b, (PyObject) o);
                } else if (o instanceof PyBacked) {
                    writeHandle(b, ((PyBacked) o).pyObject());
                } else {
                    writeJavaObject(b, o);
                }
                return;
            }
            case C_BRIDGED_LIST: {
                List<?> l = ((JavaBridge.BridgedList) v).values;
                b.put(Contract.Tag.LIST);
                b.putInt(l.size());
                for (Object o : l) {
                    write(b, JavaBridge.result(o), depth + 1);
                }
                return;
            }
            default:
                // No conversion: a live proxy in Python (a pybridge.JavaObject),
                // the same object when it comes back.
                writeJavaObject(b, v);
                return;
        }
    }

    private static void writeJavaObject(Buf b, Object v) {
        Class<?> c = v.getClass();
        JavaClasses.note(c);
        long id = Callbacks.register(v);
        b.ensure(9);
        b.bb.put(Contract.Tag.JAVA_OBJ);
        b.bb.putLong(id);
        writeString(b, c.getName());
    }

    /**
     * A direct buffer shared, not copied: Python sees its memory through a
     * memoryview; the registry keeps the buffer (and so its memory) reachable
     * until Python drops it.
     */
    private static void writeDirectBuffer(Buf b, ByteBuffer bb) {
        long addr = Native.bufferAddress(bb);
        long id = Callbacks.register(bb);
        b.ensure(26);
        b.bb.put(Contract.Tag.JAVA_BUF);
        b.bb.putLong(id);
        b.bb.putLong(addr + bb.position());
        b.bb.putLong(bb.remaining());
        b.bb.put((byte) (bb.isReadOnly() ? 1 : 0));
    }

    private static void writeCollection(Buf b, byte tag, Collection<?> c, int depth) {
        int at = beginCount(b, tag);
        int n = 0;
        for (Object o : c) {
            write(b, o, depth + 1);
            n++;
        }
        endCount(b, at, n);
    }

    /**
     * Writes {@code tag} and a count to be filled in by {@link #endCount}: a
     * container's count is what was actually written, never a {@code size()}
     * read before (or after) iterating it, so a collection that another
     * thread (or its own iterator) changes meanwhile gives consistent data
     * or an exception, never a desynchronised request.
     */
    private static int beginCount(Buf b, byte tag) {
        b.ensure(5);
        b.bb.put(tag);
        int at = b.bb.position();
        b.bb.putInt(0);
        return at;
    }

    private static void endCount(Buf b, int at, int n) {
        b.bb.putInt(at, n);
    }

    private static RuntimeException changedWhileConverting(Object c, RuntimeException cause) {
        ConcurrentModificationException e = new ConcurrentModificationException("a "
                + c.getClass().getName() + " changed size while being converted to Python (another thread"
                + " modified it?); convert a copy, or synchronise the writers");
        e.initCause(cause);
        return e;
    }

    /** Encodes call arguments: count, then each value. */
    static void writeArgs(Buf b, Object[] args) {
        if (args == null) {
            b.putInt(0);
            return;
        }
        b.putInt(args.length);
        for (Object a : args) {
            write(b, a, 0);
        }
    }

    // ---- wire -> Java ------------------------------------------------------

    static String readString(Buf b) {
        byte tag = b.get();
        return readStringBody(b, tag);
    }

    private static String readStringBody(Buf b, byte tag) {
        if (tag == Contract.Tag.STR_REF) {
            return readStringRef(b);
        }
        int n = b.getInt();
        if (tag == Contract.Tag.STR_LATIN1) {
            byte[] s = b.scratch(n);
            if (n <= 32) {
                // Short strings (dict keys, mostly): a bulk get from a direct
                // buffer costs more than the bytes.
                ByteBuffer bb = b.bb;
                int p = bb.position();
                for (int i = 0; i < n; i++) {
                    s[i] = bb.get(p + i);
                }
                bb.position(p + n);
            } else {
                b.bb.get(s, 0, n);
            }
            return new String(s, 0, n, StandardCharsets.ISO_8859_1);
        }
        if (tag != Contract.Tag.STR_UTF16) {
            throw new PyBridgeException("internal error: expected a string, found tag " + tag);
        }
        char[] c = new char[n];
        int pos = b.bb.position();
        b.bb.asCharBuffer().get(c);
        b.bb.position(pos + 2 * n);
        return new String(c);
    }

    /**
     * A large str: its characters are copied straight from the str's memory,
     * which the handle that follows keeps alive (and unmodified: Python only
     * changes a str in place while nothing else refers to it) until released
     * here.
     */
    private static String readStringRef(Buf b) {
        // Latin-1: copied into the buffer's scratch array (no new array to zero).
        byte kind = b.get();
        int n = b.getInt();
        long addr = b.getLong();
        PyObject holder = new PyObject(b.getLong(), b.getInt());
        try {
            if (kind == 1) {
                byte[] s = b.scratch(n);
                if (Native.copyArray(s, addr, n, true) != 0) {
                    throw new PyBridgeException("internal error: could not copy a string of " + n + " characters");
                }
                return new String(s, 0, n, StandardCharsets.ISO_8859_1);
            }
            char[] c = new char[n];
            if (kind != 2 || Native.copyArray(c, addr, 2L * n, true) != 0) {
                throw new PyBridgeException("internal error: could not copy a string of " + n + " characters");
            }
            return new String(c);
        } finally {
            holder.close();
        }
    }

    /** Decodes one value; {@code subject} is what {@code Contract.Tag.SELF} refers to. */
    static Object read(Buf b, PyObject subject) {
        return read(b, subject, null);
    }

    /**
     * Decodes one reply value, building containers with {@code f} when it is
     * not null. The GC-tracked handles a container reply makes are tracked
     * as groups ({@link Lifetimes#beginBatch}).
     */
    static Object read(Buf b, PyObject subject, ValueFactory f) {
        byte tag = b.bb.get(b.bb.position());
        if (tag == Contract.Tag.LIST
                || tag == Contract.Tag.TUPLE
                || tag == Contract.Tag.DICT
                || tag == Contract.Tag.SET
                || tag == Contract.Tag.FROZENSET) {
            Object v;
            Lifetimes.beginBatch();
            try {
                v = readValue(b, subject, f);
            } finally {
                Lifetimes.endBatch();
            }
            KeyCollisions.check();
            return v;
        }
        return readValue(b, subject, f);
    }

    private static Object readValue(Buf b, PyObject subject, ValueFactory f) {
        byte tag = b.get();
        if (f != null) {
            switch (tag) {
                case Contract.Tag.HANDLE:
                    return f.object(PyObject.adopt(b.getLong(), b.getInt()));
                case Contract.Tag.BIGINT:
                case Contract.Tag.LIST:
                case Contract.Tag.TUPLE:
                case Contract.Tag.DICT:
                case Contract.Tag.SET:
                case Contract.Tag.FROZENSET:
                    return readWith(b, tag, subject, f);
                default:
                    break;
            }
        }
        switch (tag) {
            case Contract.Tag.NONE:
                return null;
            case Contract.Tag.FALSE:
                return Boolean.FALSE;
            case Contract.Tag.TRUE:
                return Boolean.TRUE;
            case Contract.Tag.INT:
                return b.getLong();
            case Contract.Tag.FLOAT:
                return b.getDouble();
            case Contract.Tag.STR_LATIN1:
            case Contract.Tag.STR_UTF16:
            case Contract.Tag.STR_REF:
                return readStringBody(b, tag);
            case Contract.Tag.HANDLE:
                return PyObject.adopt(b.getLong(), b.getInt());
            case Contract.Tag.SELF:
                return subject;
            case Contract.Tag.NDARRAY:
                return readNdarray(b);
            case Contract.Tag.EXT: {
                byte kind = b.get();
                return ExtValues.read(kind, readValue(b, subject, null));
            }
            case Contract.Tag.JAVA_FN:
            case Contract.Tag.JAVA_OBJ: {
                long id = b.getLong();
                readString(b);
                return Callbacks.lookup(id);
            }
            case Contract.Tag.BIGINT: {
                int n = b.getInt();
                byte[] raw = new byte[n];
                b.bb.get(raw);
                return new BigInteger(raw);
            }
            case Contract.Tag.BYTES: {
                int n = b.getInt();
                byte[] raw = new byte[n];
                b.bb.get(raw);
                return raw;
            }
            case Contract.Tag.LIST: {
                int n = b.getInt();
                ArrayList<Object> l = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    l.add(readValue(b, subject, null));
                }
                return l;
            }
            case Contract.Tag.TUPLE: {
                int n = b.getInt();
                Object[] a = new Object[n];
                for (int i = 0; i < n; i++) {
                    a[i] = readValue(b, subject, null);
                }
                return Collections.unmodifiableList(Arrays.asList(a));
            }
            case Contract.Tag.DICT: {
                int n = b.getInt();
                LinkedHashMap<Object, Object> m = new LinkedHashMap<>(capacity(n));
                Object dup = null;
                for (int i = 0; i < n; i++) {
                    Object k = readValue(b, subject, null);
                    int before = m.size();
                    m.put(k, readValue(b, subject, null));
                    if (m.size() == before) {
                        dup = k;
                    }
                }
                KeyCollisions.noteIfCollapsed(n, m.size(), true, dup);
                return m;
            }
            case Contract.Tag.SET:
            case Contract.Tag.FROZENSET: {
                int n = b.getInt();
                LinkedHashSet<Object> s = new LinkedHashSet<>(capacity(n));
                Object dup = null;
                for (int i = 0; i < n; i++) {
                    Object e = readValue(b, subject, null);
                    if (!s.add(e)) {
                        dup = e;
                    }
                }
                KeyCollisions.noteIfCollapsed(n, s.size(), false, dup);
                return tag == Contract.Tag.SET ? s : Collections.unmodifiableSet(s);
            }
            default:
                throw new PyBridgeException("internal error: unknown tag " + tag + " in a reply");
        }
    }

    private static Object readWith(Buf b, byte tag, PyObject subject, ValueFactory f) {
        switch (tag) {
            case Contract.Tag.BIGINT: {
                int n = b.getInt();
                byte[] raw = new byte[n];
                b.bb.get(raw);
                return f.bigInteger(new BigInteger(raw));
            }
            case Contract.Tag.LIST:
            case Contract.Tag.TUPLE: {
                int n = b.getInt();
                Object[] a = new Object[n];
                for (int i = 0; i < n; i++) {
                    a[i] = readValue(b, subject, f);
                }
                return f.list(a, tag == Contract.Tag.TUPLE);
            }
            case Contract.Tag.DICT: {
                int n = b.getInt();
                Object[] kv = new Object[2 * n];
                for (int i = 0; i < 2 * n; i++) {
                    kv[i] = readValue(b, subject, f);
                }
                return f.map(kv);
            }
            case Contract.Tag.SET:
            case Contract.Tag.FROZENSET: {
                int n = b.getInt();
                Object[] a = new Object[n];
                for (int i = 0; i < n; i++) {
                    a[i] = readValue(b, subject, f);
                }
                return f.set(a, tag == Contract.Tag.FROZENSET);
            }
            default:
                throw new PyBridgeException("internal error: unexpected tag " + tag + " in a reply");
        }
    }

    /**
     * A numpy array's data copied straight from its memory (kept valid by a
     * memoryview handle, released right after) into a primitive array.
     */
    private static NDArray readNdarray(Buf b) {
        String dtype = DTypes.name(b.get());
        int ndim = b.getInt();
        long[] shape = new long[ndim];
        long n = 1;
        for (int i = 0; i < ndim; i++) {
            shape[i] = b.getLong();
            n *= shape[i];
        }
        long addr = b.getLong();
        long len = b.getLong();
        PyObject view = new PyObject(b.getLong(), b.getInt());
        try {
            if (n > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("a numpy array of " + n + " elements does not fit in a Java"
                        + " array; use PyObject.asBuffer() to read it without a copy");
            }
            Object data = DTypes.newData(dtype, (int) n);
            if (len > 0) {
                DTypes.copyIn(addr, len, data);
            }
            return new NDArray(dtype, data, shape);
        } finally {
            view.close();
        }
    }

    private static int capacity(int n) {
        return n < 3 ? n + 1 : (int) (n / 0.75f) + 1;
    }

    /** Decodes an error reply into the exception to throw. */
    static RuntimeException readError(int status, Buf b) {
        switch (status) {
            case Contract.Status.PYTHON_ERROR: {
                String type = readString(b);
                String msg = readString(b);
                String tb = readString(b);
                int line = b.getInt();
                int offset = b.getInt();
                int nf = b.getInt();
                List<PythonException.Frame> frames = new ArrayList<>(nf);
                for (int i = 0; i < nf; i++) {
                    String file = readString(b);
                    int l = b.getInt();
                    String fn = readString(b);
                    frames.add(new PythonException.Frame(file, l, fn));
                }
                long javaCause = b.getLong();
                PythonException e = new PythonException(type, msg, tb, line, offset, frames);
                Throwable cause = Callbacks.takeThrown(javaCause);
                if (cause != null) {
                    e.initCause(cause);
                }
                return e;
            }
            case Contract.Status.RELEASED: {
                long id = b.getLong();
                String type = readString(b);
                return PyObject.releasedError(id, type);
            }
            case Contract.Status.ILLEGAL_ARGUMENT:
                return new IllegalArgumentException(readString(b));
            case Contract.Status.CLASS_CAST:
                return new ClassCastException(readString(b));
            case Contract.Status.INIT_ERROR:
                return new PythonInitializationException(readString(b));
            case Contract.Status.ILLEGAL_STATE:
                return new IllegalStateException(readString(b));
            case Contract.Status.INTERNAL:
            case Contract.Status.PANIC:
                return new PyBridgeException(readString(b));
            default:
                return new PyBridgeException("internal error: unknown status " + status);
        }
    }
}
