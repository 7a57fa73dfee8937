package org.pybridge.stubfixture;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.pybridge.PyName;

/**
 * A fixture of {@code JavaStubsTest}: overloads, generics, fields, nested
 * classes and members named like Python keywords, in a package of its own
 * (its stub is one small module).
 *
 * @param <T> the element type
 */
public class Box<T> implements Iterable<T> {
    /** A constant: a {@code ClassVar} in the stub. */
    public static final int LIMIT = 10;

    /** A static field Python may set. */
    public static String greeting = "hi";

    /** An instance field of the type variable. */
    public T first;

    private final List<T> items = new ArrayList<>();

    /** An empty box. */
    public Box() {}

    /**
     * A box of one element.
     *
     * @param first the element
     */
    public Box(T first) {
        this.first = first;
        items.add(first);
    }

    /**
     * Adds an element.
     *
     * @param x the element
     * @return this box
     */
    public Box<T> put(T x) {
        if (first == null) {
            first = x;
        }
        items.add(x);
        return this;
    }

    /**
     * The element at {@code i}.
     *
     * @param i the index
     * @return the element
     */
    public T get(int i) {
        return items.get(i);
    }

    /** @return the number of elements */
    public int size() {
        return items.size();
    }

    /**
     * A new box of the elements mapped by {@code f}.
     *
     * @param <R> the new element type
     * @param f the mapping
     * @return the new box
     */
    public <R> Box<R> map(Function<? super T, ? extends R> f) {
        Box<R> b = new Box<>();
        for (T t : items) {
            b.put(f.apply(t));
        }
        return b;
    }

    /**
     * @param x an int
     * @return "int"
     */
    public String describe(int x) {
        return "int";
    }

    /**
     * @param x a long
     * @return "long"
     */
    public String describe(long x) {
        return "long";
    }

    /**
     * @param x a double
     * @return "double"
     */
    public String describe(double x) {
        return "double";
    }

    /**
     * @param x a string
     * @return "String"
     */
    public String describe(String x) {
        return "String";
    }

    /**
     * @param x anything
     * @return "Object"
     */
    public String describe(Object x) {
        return "Object";
    }

    /**
     * A generic static method.
     *
     * @param <E> the element type
     * @param a the first element
     * @param b the second element
     * @return a list of both
     */
    public static <E> List<E> pair(E a, E b) {
        List<E> l = new ArrayList<>();
        l.add(a);
        l.add(b);
        return l;
    }

    /**
     * Varargs.
     *
     * @param sep the separator
     * @param parts the parts
     * @return the parts joined
     */
    public static String join(String sep, String... parts) {
        return String.join(sep, parts);
    }

    /**
     * A method named like a Python keyword: {@code lambda_} in Python.
     *
     * @param x a number
     * @return twice {@code x}
     */
    public int lambda(int x) {
        return 2 * x;
    }

    /**
     * A static method named like a Python keyword: {@code from_} in Python.
     *
     * @param s a string
     * @return a box of it
     */
    public static Box<String> from(String s) {
        return new Box<>(s);
    }

    /**
     * Counts the keys of a map (a Python dict is accepted).
     *
     * @param m the map
     * @return its size
     */
    public static int count(Map<String, Integer> m) {
        return m.size();
    }

    /**
     * Parameters with names Python may pass them by ({@link PyName}).
     *
     * @param w the width
     * @param h the height
     * @return "w x h"
     */
    public String resize(@PyName("width") int w, @PyName("height") int h) {
        return w + " x " + h;
    }

    @Override
    public Iterator<T> iterator() {
        return items.iterator();
    }

    /**
     * A nested generic class.
     *
     * @param <K> the key type
     * @param <V> the value type
     */
    public static class Entry<K, V> {
        /** The key. */
        public final K key;

        /** The value. */
        public V value;

        /**
         * @param key the key
         * @param value the value
         */
        public Entry(K key, V value) {
            this.key = key;
            this.value = value;
        }

        /** @return the key */
        public K getKey() {
            return key;
        }
    }

    /** A nested enum. */
    public enum Color {
        /** Red. */
        RED,
        /** Green. */
        GREEN
    }

    /**
     * A nested functional interface.
     *
     * @param <T> what it visits
     */
    public interface Visitor<T> {
        /**
         * @param t the element
         */
        void visit(T t);
    }
}
