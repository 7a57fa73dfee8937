package org.pybridge;

import java.util.Arrays;

/**
 * A stack-based release scope (libpython-clj's {@code stack-resource-context}).
 * Every {@link PyObject} created on this thread while this is the innermost
 * open scope belongs to it; {@link #close()} releases them all, newest first,
 * before it returns (taking the GIL once per batch if this thread does not
 * hold it). {@link PyObject#keep()} lets one handle escape to the enclosing
 * scope (or to the garbage collector when there is none). Values converted
 * to Java inside the scope are plain Java data and survive it.
 *
 * <p>Scopes nest per thread and must be closed on the thread that opened
 * them, innermost first. Closing out of order throws
 * {@link IllegalStateException}, after releasing what the scope owns.
 */
public final class ResourceScope implements AutoCloseable {
    private final Thread owner;
    private final ResourceScope parent;
    private PyObject[] items = new PyObject[16];
    private int count;
    private boolean closed;

    ResourceScope(ResourceScope parent) {
        this.owner = Thread.currentThread();
        this.parent = parent;
    }

    static ResourceScope open() {
        ResourceScope s = new ResourceScope(Lifetimes.CURRENT.get());
        Lifetimes.CURRENT.set(s);
        return s;
    }

    void add(PyObject o) {
        if (count == items.length) {
            items = Arrays.copyOf(items, count * 2);
        }
        items[count++] = o;
        o.owner = this;
    }

    void remove(PyObject o) {
        for (int i = count - 1; i >= 0; i--) {
            if (items[i] == o) {
                System.arraycopy(items, i + 1, items, i, count - i - 1);
                items[--count] = null;
                o.owner = null;
                return;
            }
        }
    }

    /** The nearest enclosing scope that is still open, or null. */
    ResourceScope openParent() {
        ResourceScope p = parent;
        while (p != null && p.closed) {
            p = p.parent;
        }
        return p;
    }

    /**
     * Handles this scope owns right now (released ones included until close).
     *
     * @return the number of handles
     */
    public int size() {
        return count;
    }

    /**
     * Whether this scope was closed.
     *
     * @return whether it was
     */
    public boolean isClosed() {
        return closed;
    }

    /** Number of open scopes on the calling thread. */
    static int depth() {
        int n = 0;
        for (ResourceScope s = Lifetimes.CURRENT.get(); s != null; s = s.openParent()) {
            if (!s.closed) {
                n++;
            }
        }
        return n;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (Thread.currentThread() != owner) {
            throw new IllegalStateException("a ResourceScope must be closed on the thread that opened it ("
                    + owner.getName() + "), not on " + Thread.currentThread().getName());
        }
        boolean inOrder = Lifetimes.CURRENT.get() == this;
        closed = true;
        try {
            releaseAll();
        } finally {
            if (inOrder) {
                Lifetimes.CURRENT.set(openParent());
            }
        }
        if (!inOrder) {
            throw new IllegalStateException("ResourceScope closed out of order: a scope opened inside it is"
                    + " still open. Its handles were released anyway; close inner scopes first.");
        }
    }

    private void releaseAll() {
        if (count == 0) {
            return;
        }
        long[] ids = new long[count];
        int[] slots = new int[count];
        int n = 0;
        for (int i = count - 1; i >= 0; i--) {
            PyObject o = items[i];
            items[i] = null;
            if (o.markReleased()) {
                ids[n] = o.id;
                slots[n++] = o.slot;
            }
        }
        count = 0;
        if (n > 0 && Python.isInitialized()) {
            Lifetimes.releaseNow(ids, slots, n, Contract.Path.SCOPE);
        }
    }
}
