package org.pybridge;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * async both ways: coroutine functions called from Java run on pybridge's
 * event loop (or a given one) and complete a CompletableFuture; Python awaits
 * Java CompletionStages. The HTTP case uses aiohttp (requirements.txt)
 * against a server this test starts on 127.0.0.1.
 */
public class AsyncTest {
    private static HttpServer server;
    private static final AtomicInteger HITS = new AtomicInteger();

    @BeforeClass
    public static void setUp() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/hello", ex -> {
            HITS.incrementAndGet();
            String q = ex.getRequestURI().getQuery();
            byte[] body = ("{\"hello\": \"" + (q == null ? "" : q) + "\"}").getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(body);
            }
        });
        server.start();
        Python.initialize();
        Python.exec(String.join(
                "\n",
                "import asyncio, threading",
                "async def slow_add(a, b):",
                "    await asyncio.sleep(0.01)",
                "    return a + b",
                "async def where():",
                "    return threading.current_thread().name",
                "async def fails():",
                "    await asyncio.sleep(0)",
                "    raise ValueError('async failure')",
                "cancelled = threading.Event()",
                "async def forever():",
                "    try:",
                "        await asyncio.sleep(3600)",
                "    except asyncio.CancelledError:",
                "        cancelled.set()",
                "        raise",
                "async def cancels_itself():",
                "    asyncio.current_task().cancel()",
                "    await asyncio.sleep(1)",
                "def not_async(x):",
                "    return x",
                "async def await_java(fut):",
                "    return (await fut) + 1",
                "async def await_java_error(fut):",
                "    try:",
                "        await fut",
                "    except Exception as e:",
                "        return type(e).__name__ + ': ' + str(e)",
                "async def await_callback(cb, x):",
                "    return (await cb(x)) + '!'",
                "async def await_many(cb, n):",
                "    return await asyncio.gather(*[cb(str(i)) for i in range(n)])",
                "async def fetch(url):",
                "    import aiohttp",
                "    async with aiohttp.ClientSession() as s:",
                "        async with s.get(url) as r:",
                "            return [r.status, await r.json()]",
                "async def fetch_many(url, n):",
                "    import aiohttp",
                "    async with aiohttp.ClientSession() as s:",
                "        async def one(i):",
                "            async with s.get(url + '?' + str(i)) as r:",
                "                return (await r.json())['hello']",
                "        return await asyncio.gather(*[one(i) for i in range(n)])",
                "async def on_which_loop():",
                "    return asyncio.get_running_loop()"));
    }

    @AfterClass
    public static void tearDown() {
        server.stop(0);
    }

    private static PyObject fn(String name) {
        return Python.mainModule().getAttr(name);
    }

    @Test
    public void aCoroutineCompletesAFuture() throws Exception {
        CompletableFuture<Long> f = fn("slow_add").callAsyncAs(Long.class, 2, 3);
        assertEquals(5L, (long) f.get(30, TimeUnit.SECONDS));
        PyObject r = fn("slow_add").callAsync("a", "b").get(30, TimeUnit.SECONDS);
        assertEquals("ab", r.toJava());
        List<CompletableFuture<Long>> many = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            many.add(fn("slow_add").callAsyncAs(Long.class, i, 1));
        }
        for (int i = 0; i < 100; i++) {
            assertEquals(i + 1L, (long) many.get(i).get(30, TimeUnit.SECONDS));
        }
    }

    @Test
    public void oneLoopOnAThreadOfItsOwn() throws Exception {
        assertEquals("pybridge-asyncio", fn("where").callAsyncAs(String.class).get(30, TimeUnit.SECONDS));
        PyObject loop1 = PyAsync.loop();
        PyObject loop2 = PyAsync.loop();
        assertTrue(loop1.isSame(loop2));
        assertTrue(
                Python.eval("sum(1 for t in threading.enumerate() if t.name == 'pybridge-asyncio')", Long.class) == 1L);
    }

    @Test
    public void aPythonExceptionFailsTheFuture() throws Exception {
        CompletableFuture<Object> f = fn("fails").callAsyncAs(Object.class);
        try {
            f.get(30, TimeUnit.SECONDS);
            fail("no exception");
        } catch (ExecutionException e) {
            assertTrue(String.valueOf(e.getCause()), e.getCause() instanceof PythonException);
            PythonException pe = (PythonException) e.getCause();
            assertEquals("ValueError", pe.pythonType());
            assertEquals("async failure", pe.pythonMessage());
            assertTrue(pe.pythonTraceback(), pe.pythonTraceback().contains("fails"));
        }
    }

    @Test
    public void callingSomethingNotAsyncFailsAtOnce() {
        try {
            fn("not_async").callAsync(1);
            fail("no exception");
        } catch (PythonException e) {
            assertEquals("TypeError", e.pythonType());
            assertTrue(e.getMessage(), e.getMessage().contains("async function"));
        }
    }

    @Test
    public void cancellingTheFutureCancelsTheTask() throws Exception {
        Python.exec("cancelled.clear()");
        CompletableFuture<PyObject> f = fn("forever").callAsync();
        Thread.sleep(50);
        assertFalse(f.isDone());
        assertTrue(f.cancel(true));
        assertTrue(f.isCancelled());
        boolean seen = Python.eval("cancelled.wait(30)", Boolean.class);
        assertTrue("the asyncio task saw its cancellation", seen);
    }

    @Test
    public void aTaskCancelledInPythonCancelsTheFuture() throws Exception {
        CompletableFuture<PyObject> f = fn("cancels_itself").callAsync();
        try {
            f.get(30, TimeUnit.SECONDS);
            fail("not cancelled");
        } catch (CancellationException expected) {
            assertTrue(f.isCancelled());
        }
    }

    @Test
    public void pythonAwaitsAJavaFuture() throws Exception {
        CompletableFuture<Integer> java = new CompletableFuture<>();
        CompletableFuture<Long> py = fn("await_java").callAsyncAs(Long.class, Python.bridge(java));
        Thread.sleep(20);
        assertFalse(py.isDone());
        java.complete(41);
        assertEquals(42L, (long) py.get(30, TimeUnit.SECONDS));
        // passed as a plain argument (converted: a live proxy) and already complete
        assertEquals(8L, (long) fn("await_java")
                .callAsyncAs(Long.class, CompletableFuture.completedFuture(7))
                .get(30, TimeUnit.SECONDS));
        CompletableFuture<Integer> failing = new CompletableFuture<>();
        CompletableFuture<String> err = fn("await_java_error").callAsyncAs(String.class, failing);
        failing.completeExceptionally(new IllegalStateException("java said no"));
        assertEquals("IllegalStateException: java said no", err.get(30, TimeUnit.SECONDS));
    }

    @Test
    public void aJavaCallbackReturningAFutureIsAwaited() throws Exception {
        Function<String, CompletableFuture<String>> cb = s -> CompletableFuture.supplyAsync(() -> s.toUpperCase());
        assertEquals(
                "ABC!",
                fn("await_callback").callAsyncAs(String.class, cb, "abc").get(30, TimeUnit.SECONDS));
        PyObject all = fn("await_many").callAsync(cb, 50).get(30, TimeUnit.SECONDS);
        assertEquals(50L, all.len());
    }

    @Test
    public void cancellingTheAwaitingTaskCancelsTheJavaFuture() throws Exception {
        CompletableFuture<Integer> java = new CompletableFuture<>();
        CompletableFuture<Long> py = fn("await_java").callAsyncAs(Long.class, java);
        Thread.sleep(50);
        py.cancel(true);
        for (int i = 0; i < 300 && !java.isCancelled(); i++) {
            Thread.sleep(10);
        }
        assertTrue(java.isCancelled());
    }

    @Test
    public void aiohttpAgainstALocalServer() throws Exception {
        String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/hello";
        int before = HITS.get();
        @SuppressWarnings("unchecked")
        List<Object> r = fn("fetch").callAsyncAs(List.class, url + "?x").get(60, TimeUnit.SECONDS);
        assertEquals(200L, r.get(0));
        assertEquals(Map.of("hello", "x"), r.get(1));
        @SuppressWarnings("unchecked")
        List<Object> many = fn("fetch_many").callAsyncAs(List.class, url, 20).get(60, TimeUnit.SECONDS);
        assertEquals(20, many.size());
        for (int i = 0; i < 20; i++) {
            assertEquals(String.valueOf(i), many.get(i));
        }
        assertEquals(21, HITS.get() - before);
        // several coroutines at once from Java
        List<CompletableFuture<List>> fs = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            fs.add(fn("fetch").callAsyncAs(List.class, url + "?" + i));
        }
        for (int i = 0; i < 10; i++) {
            assertEquals(
                    Map.of("hello", String.valueOf(i)),
                    fs.get(i).get(60, TimeUnit.SECONDS).get(1));
        }
    }

    @Test
    public void aLoopTheUserGives() throws Exception {
        Python.exec("user_loop = asyncio.new_event_loop()\n"
                + "user_thread = threading.Thread(target=user_loop.run_forever, name='user-loop', daemon=True)\n"
                + "user_thread.start()");
        PyObject loop = Python.eval("user_loop");
        try {
            PyObject ran = PyAsync.callOn(loop, PyObject.class, fn("on_which_loop"), null)
                    .get(30, TimeUnit.SECONDS);
            assertTrue(ran.isSame(loop));
            assertEquals(
                    "user-loop",
                    PyAsync.callOn(loop, String.class, fn("where"), null).get(30, TimeUnit.SECONDS));
            assertEquals(7L, (long) PyAsync.callOn(loop, Long.class, fn("slow_add"), Map.of("b", 4), 3)
                    .get(30, TimeUnit.SECONDS));
        } finally {
            Python.exec("user_loop.call_soon_threadsafe(user_loop.stop)\nuser_thread.join(10)\nuser_loop.close()");
        }
    }

    /**
     * A task submitted just before its loop stops (the stop arriving before the task's first
     * step, or before the callback that creates it) is cancelled, and Java's future with it:
     * it is never left pending for ever.
     */
    @Test
    public void aTaskSubmittedAsTheLoopStopsIsCancelledNotForgotten() throws Exception {
        for (int i = 0; i < 200; i++) {
            CompletableFuture<PyObject> f = fn("forever").callAsync();
            assertTrue("the loop stopped", PyAsync.stop());
            try {
                f.get(30, TimeUnit.SECONDS);
                fail("round " + i + ": a task of a stopped loop completed");
            } catch (CancellationException expected) {
                assertTrue(f.isCancelled());
            }
        }
    }

    @Test
    public void theLoopOfASubInterpreterStopsWithIt() throws Exception {
        loopOfASubInterpreter(InterpreterConfig.shared());
    }

    @Test
    public void theLoopOfAnIsolatedInterpreterStopsWithIt() throws Exception {
        String[] v = Python.info().version().split("[. ]");
        if (Integer.parseInt(v[1]) < 12) {
            System.out.println("SKIPPED AsyncTest.theLoopOfAnIsolatedInterpreterStopsWithIt: isolated interpreters"
                    + " need Python 3.12+, this is " + v[0] + "." + v[1]);
            return;
        }
        loopOfASubInterpreter(InterpreterConfig.isolated());
    }

    private static void loopOfASubInterpreter(InterpreterConfig cfg) throws Exception {
        Interpreter sub = Python.newInterpreter(cfg);
        CompletableFuture<PyObject> pending;
        try {
            sub.exec("import asyncio, threading\n"
                    + "async def twice(x):\n    await asyncio.sleep(0.01)\n    return 2 * x\n"
                    + "async def forever():\n    await asyncio.sleep(3600)\n");
            long r = sub.call(() -> Python.mainModule().getAttr("twice").callAsyncAs(Long.class, 21))
                    .get(30, TimeUnit.SECONDS);
            assertEquals(42L, r);
            assertEquals(1L, (long)
                    sub.eval("sum(1 for t in threading.enumerate() if t.name == 'pybridge-asyncio')", Long.class));
            pending = sub.call(() -> Python.mainModule().getAttr("forever").callAsync());
        } finally {
            sub.close(); // refused if a thread Python started still ran: the loop stops first
        }
        assertTrue(sub.isClosed());
        try {
            pending.get(30, TimeUnit.SECONDS);
            fail("a task of a closed interpreter completed");
        } catch (CancellationException expected) {
            assertTrue(pending.isCancelled());
        }
    }
}
