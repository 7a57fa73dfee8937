package org.pybridge;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.IOException;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.junit.BeforeClass;
import org.junit.Test;

/** {@link PyObject#as(Class)}: Python objects as Java interfaces. */
public class ProxyTest {

    @BeforeClass
    public static void start() {
        Python.initialize();
        Python.exec(String.join(
                "\n",
                "class _PxAccount:",
                "    def __init__(self, owner):",
                "        self.owner = owner",
                "        self.balance = 0",
                "        self.log = []",
                "    def deposit(self, n):",
                "        self.balance += n",
                "        self.log.append(n)",
                "    def balance_(self):",
                "        return self.balance",
                "    def getBalance(self):",
                "        return self.balance",
                "    def total(self):",
                "        return self.balance",
                "    def name(self):",
                "        return self.owner",
                "    def history(self):",
                "        return list(self.log)",
                "    def summary(self):",
                "        return {'owner': self.owner, 'count': len(self.log)}",
                "    def ratio(self, a, b):",
                "        return a / b",
                "    def isRich(self):",
                "        return self.balance > 100",
                "    def join(self, sep, *parts):",
                "        return sep.join(str(p) for p in parts)",
                "    def raw(self):",
                "        return self.log",
                "    def broken(self):",
                "        return self.no_such_field",
                "class _PxNamed:",
                "    def name(self):",
                "        return 'py'",
                "class _PxGreeter:",
                "    def name(self):",
                "        return 'py'",
                "    def greet(self):",
                "        return 'Hi from Python, ' + self.name()",
                "class _PxItem:",
                "    def __init__(self, label, price):",
                "        self._label, self._price = label, price",
                "    def label(self):",
                "        return self._label",
                "    def price(self):",
                "        return self._price",
                "class _PxShop:",
                "    def item(self, label):",
                "        return _PxItem(label, 2.5)",
                "    def items(self):",
                "        return [_PxItem('a', 1), _PxItem('b', 2)]",
                "    def multiplier(self, k):",
                "        return lambda x: x * k",
                "    def echo(self, f):",
                "        return f",
                "    def nothing(self):",
                "        return None",
                "class _PxCaller:",
                "    def __init__(self, f):",
                "        self.f = f",
                "    def call(self):",
                "        return self.f()",
                "    def get(self):",
                "        return self.f()",
                "class _PxApply:",
                "    def apply(self, x):",
                "        return 'attr:' + str(x)",
                "    def __call__(self, x):",
                "        return 'self:' + str(x)",
                "_px_calls = []"));
    }

    private static PyObject main(String name) {
        return Python.mainModule().getAttr(name);
    }

    // ---- the user's own interfaces --------------------------------------------------

    public interface Account {
        void deposit(int n);

        int getBalance();

        long total();

        String name();

        List<Object> history();

        Map<String, Object> summary();

        double ratio(int a, int b);

        boolean isRich();

        String join(String sep, Object... parts);

        PyObject raw();

        Object broken();
    }

    @Test
    public void aPythonObjectAsTheUsersInterface() {
        try (ResourceScope s = Python.openScope()) {
            PyObject obj = main("_PxAccount").call("ann");
            Account a = obj.as(Account.class);
            a.deposit(30);
            a.deposit(80);
            assertEquals(Long.valueOf(110), obj.getAttr("balance", Long.class)); // the side effect, seen in Python
            assertEquals(110, a.getBalance());
            assertEquals(110L, a.total());
            assertEquals("ann", a.name());
            assertEquals(Arrays.asList(30L, 80L), a.history());
            assertEquals(Map.of("owner", "ann", "count", 2L), a.summary());
            assertEquals(0.75, a.ratio(3, 4), 0.0);
            assertTrue(a.isRich());
            assertEquals("1-x-2.5", a.join("-", 1, "x", 2.5)); // varargs spread
            assertEquals("", a.join("-"));
            PyObject raw = a.raw();
            assertEquals("list", raw.typeName());
            raw.callAttr("append", 1);
            assertEquals(3L, obj.getAttr("log").len()); // a handle to the same list
        }
    }

    public interface Sink {
        void raw();

        void history();
    }

    @Test
    public void aVoidMethodIgnoresWhatPythonReturns() {
        try (ResourceScope s = Python.openScope()) {
            PyObject obj = main("_PxAccount").call("ann");
            obj.callAttr("deposit", 5);
            Sink sink = obj.as(Sink.class);
            Stats before = Python.stats();
            sink.raw(); // returns self.log: the handle made for it is closed at once, nothing copied
            sink.history();
            Stats after = Python.stats();
            assertTrue(after.created() - before.created() >= 2);
            assertEquals(after.created() - before.created(), after.releasedByClose() - before.releasedByClose());
            assertEquals("[5]", obj.getAttr("log").repr());
        }
    }

    @Test
    public void anAttributeErrorRaisedInsideAMethodIsNotAMissingMethod() {
        try (ResourceScope s = Python.openScope()) {
            Account a = main("_PxAccount").call("ann").as(Account.class);
            try {
                a.broken();
                fail("expected a PythonException");
            } catch (PythonException e) {
                assertTrue(e.is("AttributeError"));
                assertTrue(e.getMessage(), e.getMessage().contains("no_such_field"));
            }
        }
    }

    public interface Strict {
        int count();
    }

    @Test
    public void resultsThatDoNotFitTheReturnTypeAreClearErrors() {
        try (ResourceScope s = Python.openScope()) {
            Python.exec("class _PxCount:\n    def count(self):\n        return None\n");
            Strict none = main("_PxCount").call().as(Strict.class);
            try {
                none.count();
                fail("expected a ClassCastException");
            } catch (ClassCastException e) {
                assertTrue(e.getMessage(), e.getMessage().contains("None"));
            }
            Python.exec("class _PxBig:\n    def count(self):\n        return 2**40\n");
            try {
                main("_PxBig").call().as(Strict.class).count();
                fail("expected an ArithmeticException");
            } catch (ArithmeticException e) {
                assertTrue(e.getMessage(), e.getMessage().contains("1099511627776"));
            }
        }
    }

    // ---- Python callables as functional interfaces --------------------------------------

    @Test
    public void aLambdaAsFunction() {
        @SuppressWarnings("unchecked")
        Function<Object, Object> f = Python.eval("lambda x: x * 2").as(Function.class);
        assertEquals(42L, f.apply(21));
        assertEquals("abab", f.apply("ab"));
        @SuppressWarnings("unchecked")
        BiFunction<Object, Object, Object> add =
                Python.eval("lambda a, b: a + b").as(BiFunction.class);
        assertEquals(Arrays.asList(1L, 2L), add.apply(List.of(1), List.of(2)));
    }

    @Test
    public void aLambdaAsComparatorSortsAJavaList() {
        @SuppressWarnings("unchecked")
        Comparator<Object> cmp = Python.eval("lambda a, b: (a > b) - (a < b)").as(Comparator.class);
        List<Object> xs = new ArrayList<>(Arrays.asList(5, 3, 9, 1, 7));
        xs.sort(cmp);
        assertEquals(Arrays.asList(1, 3, 5, 7, 9), xs);
        xs.sort(cmp.reversed()); // a default method of a JDK interface
        assertEquals(Arrays.asList(9, 7, 5, 3, 1), xs);
        List<Object> words = new ArrayList<>(Arrays.asList("pear", "fig", "apple"));
        words.sort(Python.eval("lambda a, b: len(a) - len(b)").as(Comparator.class));
        assertEquals(Arrays.asList("fig", "pear", "apple"), words);
    }

    @Test
    public void runnableSupplierPredicate() {
        Runnable r = Python.eval("lambda: _px_calls.append('ran')").as(Runnable.class);
        r.run();
        r.run();
        assertEquals(Arrays.asList("ran", "ran"), Python.eval("_px_calls", List.class));
        Python.exec("_px_calls.clear()");

        @SuppressWarnings("unchecked")
        Supplier<Object> sup = Python.eval("lambda: {'k': [1, 2]}").as(Supplier.class);
        assertEquals(Map.of("k", Arrays.asList(1L, 2L)), sup.get());

        @SuppressWarnings("unchecked")
        Predicate<Object> even = Python.eval("lambda n: n % 2 == 0").as(Predicate.class);
        assertTrue(even.test(4));
        assertFalse(even.test(5));
        assertTrue(even.negate().test(5)); // default method
        assertFalse(even.and(x -> false).test(4));

        @SuppressWarnings("unchecked")
        Function<Object, Object> inc = Python.eval("lambda x: x + 1").as(Function.class);
        @SuppressWarnings("unchecked")
        Function<Object, Object> dbl = Python.eval("lambda x: x * 2").as(Function.class);
        assertEquals(22L, inc.andThen(dbl).apply(10));
        assertEquals(21L, inc.compose(dbl).apply(10));
    }

    @Test
    public void aPythonClassIsCallableToo() {
        try (ResourceScope s = Python.openScope()) {
            @SuppressWarnings("unchecked")
            Supplier<Object> make = main("_PxNamed").as(Supplier.class);
            Object made = make.get();
            assertTrue(made instanceof PyObject);
            assertEquals("_PxNamed", ((PyObject) made).typeName().replace("__main__.", ""));
        }
    }

    @Test
    public void anAttributeNamedLikeTheFunctionalMethodWinsOverCallingTheObject() {
        try (ResourceScope s = Python.openScope()) {
            @SuppressWarnings("unchecked")
            Function<Object, Object> f = main("_PxApply").call().as(Function.class);
            assertEquals("attr:1", f.apply(1));
        }
    }

    @Test
    public void aPythonExceptionPropagatesAsIs() {
        @SuppressWarnings("unchecked")
        Supplier<Object> bad = Python.eval("lambda: int('x')").as(Supplier.class);
        try {
            bad.get();
            fail("expected a PythonException");
        } catch (PythonException e) {
            assertTrue(e.is("ValueError"));
        }
    }

    // ---- default methods ----------------------------------------------------------------

    public interface Greeter {
        String name();

        default String greet() {
            return "Hello, " + name();
        }
    }

    @Test
    public void aDefaultMethodRunsWhenPythonLacksItAndIsOverriddenWhenPythonHasIt() {
        try (ResourceScope s = Python.openScope()) {
            PyObject named = main("_PxNamed").call();
            Greeter g = named.as(Greeter.class);
            assertEquals("Hello, py", g.greet());
            assertEquals(
                    "Hi from Python, py",
                    main("_PxGreeter").call().as(Greeter.class).greet());
            // Checked at every call: an attribute added later takes over.
            named.setAttr("greet", Python.eval("lambda: 'late'"));
            assertEquals("late", g.greet());
        }
    }

    // ---- interface results ----------------------------------------------------------------

    public interface Item {
        String label();

        double price();
    }

    public interface Shop {
        Item item(String label);

        List<Object> items();

        Function<Object, Object> multiplier(int k);

        Function<Object, Object> echo(Function<Object, Object> f);

        Item nothing();
    }

    @Test
    public void interfaceResultsAreWrappedRecursively() {
        try (ResourceScope s = Python.openScope()) {
            Shop shop = main("_PxShop").call().as(Shop.class);
            Item it = shop.item("tea");
            assertEquals("tea", it.label());
            assertEquals(2.5, it.price(), 0.0);
            assertNull(shop.nothing());
            assertEquals(15L, shop.multiplier(3).apply(5));
            Function<Object, Object> mine = x -> x;
            assertSame("a Java function through Python is itself", mine, shop.echo(mine));
            // A list result is converted; its Python objects arrive as handles.
            List<Object> items = shop.items();
            assertEquals(2, items.size());
            assertEquals("b", ((PyObject) items.get(1)).as(Item.class).label());
        }
    }

    // ---- a missing method ---------------------------------------------------------------

    public interface Frob {
        String name();

        void frobnicate(int level);
    }

    @Test
    public void aMissingNonDefaultMethodIsAClearError() {
        try (ResourceScope s = Python.openScope()) {
            Frob f = main("_PxNamed").call().as(Frob.class);
            assertEquals("py", f.name());
            try {
                f.frobnicate(3);
                fail("expected an UnsupportedOperationException");
            } catch (UnsupportedOperationException e) {
                String m = e.getMessage();
                assertTrue(m, m.contains("_PxNamed"));
                assertTrue(m, m.contains("'frobnicate'"));
                assertTrue(m, m.contains(Frob.class.getName()));
            }
            // Not callable, so it cannot stand for a functional interface either.
            try {
                Python.eval("42").as(Runnable.class).run();
                fail("expected an UnsupportedOperationException");
            } catch (UnsupportedOperationException e) {
                assertTrue(
                        e.getMessage(),
                        e.getMessage().contains("'run'") && e.getMessage().contains("int"));
            }
        }
    }

    // ---- identity, equality ---------------------------------------------------------------

    @Test
    public void passedBackToPythonTheProxyIsTheObjectItself() {
        try (ResourceScope s = Python.openScope()) {
            PyObject obj = main("_PxNamed").call();
            Greeter g = obj.as(Greeter.class);
            PyObject is = Python.eval("lambda a, b: a is b");
            assertTrue(is.callAs(Boolean.class, g, obj));
            assertTrue(g instanceof PyBacked);
            assertTrue(((PyBacked) g).pyObject().isSame(obj));
            // A functional proxy too (PyBacked wins over "a Java function").
            PyObject lam = Python.eval("lambda x: x");
            Function<?, ?> f = lam.as(Function.class);
            assertTrue(is.callAs(Boolean.class, f, lam));
            assertTrue(Python.toPython(f).isSame(lam));
        }
    }

    @Test
    public void equalsHashCodeToStringArePythons() {
        try (ResourceScope s = Python.openScope()) {
            PyObject t = Python.eval("(1, 'a')");
            Runnable a = t.as(Runnable.class);
            Runnable b = Python.eval("(1, 'a')").as(Runnable.class);
            Runnable c = Python.eval("(2, 'a')").as(Runnable.class);
            assertEquals(a, a);
            assertEquals(a, b); // Python ==, different objects
            assertNotEquals(a, c);
            assertNotEquals(a, t); // a proxy is equal only to proxies
            assertNotEquals(a, "(1, 'a')");
            assertEquals(t.hashCode(), a.hashCode());
            assertEquals(a.hashCode(), b.hashCode());
            assertEquals("(1, 'a')", a.toString());
            assertEquals("ann", main("_PxAccount").call("ann").as(Account.class).name());
            assertEquals("x", Python.eval("'x'").as(CharSequence.class).toString());
        }
    }

    @Test
    public void onlyInterfacesAreAccepted() {
        try (ResourceScope s = Python.openScope()) {
            PyObject o = Python.eval("[1]");
            for (Class<?> c :
                    new Class<?>[] {String.class, AbstractList.class, int.class, Object[].class, Deprecated.class}) {
                try {
                    o.as(c);
                    fail("expected an IllegalArgumentException for " + c);
                } catch (IllegalArgumentException e) {
                    assertTrue(
                            e.getMessage(),
                            e.getMessage().contains(c.getName())
                                    && e.getMessage().contains("interface"));
                }
            }
        }
    }

    // ---- exceptions from Java callbacks ---------------------------------------------------

    @Test
    public void aCheckedExceptionFromAJavaCallbackComesOutOfCallableCall() throws Exception {
        try (ResourceScope s = Python.openScope()) {
            IOException disk = new IOException("disk on fire");
            Callable<Object> thrower = () -> {
                throw disk;
            };
            @SuppressWarnings("unchecked")
            Callable<Object> c = main("_PxCaller").call(thrower).as(Callable.class);
            try {
                c.call();
                fail("expected the IOException");
            } catch (IOException e) {
                assertSame(disk, e);
            }
            // A method that declares no such exception: the PythonException, the original as its cause.
            @SuppressWarnings("unchecked")
            Supplier<Object> sup = main("_PxCaller").call(thrower).as(Supplier.class);
            try {
                sup.get();
                fail("expected a PythonException");
            } catch (PythonException e) {
                assertSame(disk, e.getCause());
            }
            // Callable.call declares Exception: an unchecked one comes out itself too...
            IllegalStateException ise = new IllegalStateException("nope");
            Supplier<Object> isThrower = () -> {
                throw ise;
            };
            @SuppressWarnings("unchecked")
            Callable<Object> c2 = main("_PxCaller").call(isThrower).as(Callable.class);
            try {
                c2.call();
                fail("expected the IllegalStateException");
            } catch (IllegalStateException e) {
                assertSame(ise, e);
            }
            // ...while Supplier.get declares nothing: the PythonException, the original its cause.
            @SuppressWarnings("unchecked")
            Supplier<Object> sup2 = main("_PxCaller").call(isThrower).as(Supplier.class);
            try {
                sup2.get();
                fail("expected a PythonException");
            } catch (PythonException e) {
                assertEquals("java.lang.IllegalStateException", e.pythonType());
                assertSame(ise, e.getCause());
            }
        }
    }

    @Test
    public void theProxyDiesWithItsScopeUnlessKept() {
        Greeter kept;
        Greeter scoped;
        try (ResourceScope s = Python.openScope()) {
            scoped = main("_PxNamed").call().as(Greeter.class);
            kept = main("_PxNamed").call().keep().as(Greeter.class);
        }
        assertEquals("Hello, py", kept.greet());
        try {
            scoped.name();
            fail("expected a PyObjectReleasedException");
        } catch (PyObjectReleasedException e) {
            // expected
        }
    }
}
