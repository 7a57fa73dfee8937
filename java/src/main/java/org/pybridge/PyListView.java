package org.pybridge;

import java.util.AbstractList;
import java.util.Comparator;
import java.util.RandomAccess;

/**
 * A live {@code java.util.List} over a Python sequence ({@link PyObject#asList()}):
 * no copy; reads convert each element as {@link PyObject#toJava()} does
 * (objects with no Java counterpart come as handles), writes convert with
 * {@link Python#toPython}. Mutations are visible on both sides at once.
 * {@code sort(null)} sorts the Python list in place with Python's ordering.
 * The view keeps the underlying handle; it is usable while that handle is.
 */
final class PyListView extends AbstractList<Object> implements RandomAccess, PyBacked {
    private final PyObject seq;
    private final Conversion conv;

    PyListView(PyObject seq, Conversion conv) {
        this.seq = seq;
        this.conv = conv;
    }

    @Override
    public PyObject pyObject() {
        return seq;
    }

    private void check(int i, int size) {
        if (i < 0 || i >= size) {
            throw new IndexOutOfBoundsException("index " + i + ", size " + size);
        }
    }

    @Override
    public Object get(int i) {
        check(i, size());
        return seq.getItem((long) i, conv);
    }

    @Override
    public int size() {
        long n = seq.len();
        return n > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) n;
    }

    @Override
    public Object set(int i, Object v) {
        check(i, size());
        Object old = seq.getItem((long) i, conv);
        seq.setItem((long) i, v);
        return old;
    }

    @Override
    public void add(int i, Object v) {
        if (i < 0 || i > size()) {
            throw new IndexOutOfBoundsException("index " + i + ", size " + size());
        }
        seq.callAttrAs(Object.class, "insert", i, v);
        modCount++;
    }

    @Override
    public Object remove(int i) {
        check(i, size());
        modCount++;
        return seq.callAttrWith(conv, "pop", null, i);
    }

    @Override
    public void clear() {
        seq.callAttrAs(Object.class, "clear");
        modCount++;
    }

    @Override
    public void sort(Comparator<? super Object> c) {
        if (c == null) {
            Support.fn("list_sort").callAs(Object.class, seq);
            modCount++;
        } else {
            super.sort(c);
        }
    }

    @Override
    public String toString() {
        return seq.toString();
    }
}
