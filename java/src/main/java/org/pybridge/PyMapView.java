package org.pybridge;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * A live {@code java.util.Map} over a Python mapping ({@link PyObject#asMap()}):
 * no copy; keys and values convert as in {@link PyObject#toJava()} on the
 * way out and with {@link Python#toPython} on the way in; mutations are
 * visible on both sides at once. {@code get} of a missing key is {@code null}.
 * The view keeps the underlying handle; it is usable while that handle is.
 */
final class PyMapView extends AbstractMap<Object, Object> implements PyBacked {
    private final PyObject map;
    private final Conversion conv;

    PyMapView(PyObject map, Conversion conv) {
        this.map = map;
        this.conv = conv;
    }

    @Override
    public PyObject pyObject() {
        return map;
    }

    @Override
    public int size() {
        long n = map.len();
        return n > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) n;
    }

    @Override
    public boolean containsKey(Object key) {
        return map.contains(key);
    }

    @Override
    public Object get(Object key) {
        return map.callAttrWith(conv, "get", null, key);
    }

    @Override
    public Object put(Object key, Object value) {
        Object old = get(key);
        map.setItem(key, value);
        return old;
    }

    @Override
    public Object remove(Object key) {
        return map.callAttrWith(conv, "pop", null, key, null);
    }

    @Override
    public void clear() {
        map.callAttrAs(Object.class, "clear");
    }

    @Override
    public Set<Entry<Object, Object>> entrySet() {
        return new AbstractSet<Entry<Object, Object>>() {
            @Override
            public Iterator<Entry<Object, Object>> iterator() {
                // The items are read once, in one call, when iteration starts.
                final List<?> items = conv == Conversion.DEEP
                        ? Support.fn("items_flat").callAs(List.class, map)
                        : (List<?>) Support.fn("items_flat").callWith(Conversion.ELEMENTS, null, map);
                final Iterator<?> it = items.iterator();
                return new Iterator<Entry<Object, Object>>() {
                    private Object last;
                    private boolean hasLast;

                    @Override
                    public boolean hasNext() {
                        return it.hasNext();
                    }

                    @Override
                    public Entry<Object, Object> next() {
                        final Object k = it.next();
                        final Object v = it.next();
                        last = k;
                        hasLast = true;
                        return new AbstractMap.SimpleEntry<Object, Object>(k, v) {
                            private static final long serialVersionUID = 1L;

                            @Override
                            public Object setValue(Object nv) {
                                super.setValue(nv);
                                return PyMapView.this.put(k, nv);
                            }
                        };
                    }

                    @Override
                    public void remove() {
                        if (!hasLast) {
                            throw new IllegalStateException();
                        }
                        PyMapView.this.remove(last);
                        hasLast = false;
                    }
                };
            }

            @Override
            public int size() {
                return PyMapView.this.size();
            }
        };
    }

    @Override
    public String toString() {
        return map.toString();
    }
}
