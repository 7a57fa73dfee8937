package org.pybridge;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.AbstractList;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.ArrayList;
import java.util.Collections;
import java.util.ConcurrentModificationException;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.RandomAccess;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * Issue 12, class 6: a Java container that changes while it is converted
 * (its own iterator disagreeing with {@code size()}, or another thread
 * writing to it) gives consistent data or a clear exception, never a
 * desynchronised request. Before the fix the count was {@code size()}, so a
 * map that iterated one entry more than it reported turned its extra entry
 * into an injected keyword argument.
 */
public class ChangingContainersTest {

    @BeforeClass
    public static void start() {
        Python.initialize();
        Python.exec("def _cc_args(*a, **k):\n    return [list(a), k]");
    }

    /** A map that grows while it is iterated: size() is 1 before, 2 once the second entry appeared. */
    static final class GrowingMap extends AbstractMap<String, Object> {
        private int seen;

        @Override
        public Set<Map.Entry<String, Object>> entrySet() {
            return new AbstractSet<Map.Entry<String, Object>>() {
                @Override
                public Iterator<Map.Entry<String, Object>> iterator() {
                    Iterator<Map.Entry<String, Object>> it = List.<Map.Entry<String, Object>>of(
                                    Map.entry("a", 1L), Map.entry("injected", "yes"))
                            .iterator();
                    return new Iterator<Map.Entry<String, Object>>() {
                        @Override
                        public boolean hasNext() {
                            return it.hasNext();
                        }

                        @Override
                        public Map.Entry<String, Object> next() {
                            seen++;
                            return it.next();
                        }
                    };
                }

                @Override
                public int size() {
                    return Math.max(1, seen);
                }
            };
        }
    }

    /** A random-access list whose size() promises more elements than it has. */
    static final class ShrinkingList extends AbstractList<Object> implements RandomAccess {
        @Override
        public Object get(int i) {
            if (i >= 2) {
                throw new IndexOutOfBoundsException("index " + i);
            }
            return (long) i;
        }

        @Override
        public int size() {
            return 5;
        }
    }

    @Test
    public void aMapIteratingMoreThanItsSizeCrossesAsWhatItIterated() {
        PyObject f = Python.eval("_cc_args");
        List<?> r = f.callAs(List.class, new GrowingMap());
        assertEquals("no keyword argument was injected: " + r, Map.of(), r.get(1));
        assertEquals(List.of(Map.of("a", 1L, "injected", "yes")), r.get(0));
        // and as keyword arguments themselves: exactly the entries iterated
        List<?> k = f.callKwAs(List.class, new GrowingMap(), 7L);
        assertEquals(List.of(7L), k.get(0));
        assertEquals(Map.of("a", 1L, "injected", "yes"), k.get(1));
        // nested, then followed by more arguments: still in step
        List<?> n = f.callAs(List.class, List.of(new GrowingMap(), "after"), "last");
        assertEquals(List.of(List.of(Map.of("a", 1L, "injected", "yes"), "after"), "last"), n.get(0));
    }

    @Test
    public void aListThatShrinksWhileConvertedIsAClearException() {
        PyObject f = Python.eval("_cc_args");
        try {
            f.callAs(List.class, new ShrinkingList(), "after");
            fail("expected a ConcurrentModificationException");
        } catch (ConcurrentModificationException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("changed size while being converted"));
        }
        // the thread's buffer is in a sane state afterwards
        assertEquals(List.of(List.of(1L, "x"), Map.of()), f.callAs(List.class, 1L, "x"));
    }

    @Test
    public void containersMutatedByAnotherThreadGiveConsistentDataOrAClearException() throws Exception {
        PyObject f = Python.eval("_cc_args");
        ConcurrentHashMap<String, Object> chm = new ConcurrentHashMap<>();
        CopyOnWriteArrayList<Object> cow = new CopyOnWriteArrayList<>();
        List<Object> plain = Collections.synchronizedList(new ArrayList<>());
        Set<Object> keys = ConcurrentHashMap.newKeySet();
        AtomicBoolean stop = new AtomicBoolean();
        Thread writer = new Thread(
                () -> {
                    long i = 0;
                    while (!stop.get()) {
                        String k = "k" + (i % 64);
                        if ((i & 1) == 0) {
                            chm.put(k, i);
                            cow.add(i);
                            plain.add(i);
                            keys.add(i % 97);
                        } else {
                            chm.remove(k);
                            if (!cow.isEmpty()) {
                                cow.remove(0);
                            }
                            synchronized (plain) {
                                if (!plain.isEmpty()) {
                                    plain.remove(0);
                                }
                            }
                            keys.remove((i - 1) % 97);
                        }
                        i++;
                    }
                },
                "cc-writer");
        writer.start();
        int calls = 20_000;
        int clearErrors = 0;
        try {
            for (int i = 0; i < calls; i++) {
                try {
                    List<?> r = f.callKwAs(List.class, Map.of("m", chm, "s", keys), cow, plain, "end");
                    List<?> a = (List<?>) r.get(0);
                    Map<?, ?> k = (Map<?, ?>) r.get(1);
                    assertEquals("positional arguments in step", 3, a.size());
                    assertEquals("end", a.get(2));
                    assertEquals("keyword arguments in step: " + k.keySet(), Set.of("m", "s"), k.keySet());
                    for (Map.Entry<?, ?> e : ((Map<?, ?>) k.get("m")).entrySet()) {
                        assertTrue("a key of the map: " + e, e.getKey() instanceof String);
                        assertTrue("a value of the map: " + e, e.getValue() instanceof Long);
                    }
                } catch (ConcurrentModificationException e) {
                    // the synchronized list's iterator is fail-fast: a clear exception is allowed
                    clearErrors++;
                }
            }
        } finally {
            stop.set(true);
            writer.join(10_000);
        }
        assertTrue("most calls went through (" + clearErrors + " of " + calls + " clear errors)", clearErrors < calls);
    }
}
