package org.pybridge;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.Test;

/**
 * debugpy on the embedded interpreter, driven by a minimal DAP client
 * written here (Content-Length framed JSON over a loopback socket): the
 * child JVM listens ({@code Python.debug(0)}), the test attaches, sets a
 * breakpoint in a function a Java thread then calls, sees the stop on that
 * thread (named after the Java thread), reads a local variable, continues;
 * the child then exits with the debugger still attached. And
 * {@code breakpoint()} with no console and no debugger is an error at once.
 */
public class DebuggerE2ETest {

    static final String TARGET = String.join(
            "\n",
            "def compute(x):",
            "    y = x * 2",
            "    return y + 1", // line 3: the breakpoint
            "");

    /** The debuggee: listens, waits for the file "go", calls compute(20) from a new Java thread. */
    public static final class Debuggee {
        public static void main(String[] args) throws Exception {
            Path dir = Path.of(args[0]);
            Python.initialize();
            Python.importModule("sys").getAttr("path").callAttr("insert", 0, dir.toString());
            PyObject compute = Python.importModule("dbg_target").getAttr("compute");
            int port = Python.debug(0);
            System.out.println("PORT " + port);
            System.out.flush();
            Path go = dir.resolve("go");
            for (int i = 0; i < 1200 && !Files.exists(go); i++) {
                Thread.sleep(50);
            }
            long[] result = new long[1];
            Thread caller = new Thread(() -> result[0] = compute.callAs(Long.class, 20), "java-caller-7");
            caller.start();
            caller.join();
            System.out.println("RESULT " + result[0]);
            System.out.flush();
            // main returns with the debugger still attached: the JVM must end anyway
        }
    }

    @Test
    public void aBreakpointInAFunctionAJavaThreadCalls() throws Exception {
        Path dir = Files.createTempDirectory("pybridge-dbg");
        Path target = dir.resolve("dbg_target.py");
        Files.writeString(target, TARGET);
        Path out = dir.resolve("out.txt");
        Process p = ChildJvm.start(Debuggee.class, Map.of(), List.of(), dir, List.of(), out, dir.toString());
        try {
            int port = Integer.parseInt(
                    waitFor(out, Pattern.compile("PORT (\\d+)"), p).group(1));
            try (Dap dap = new Dap(port)) {
                dap.request(
                        "initialize",
                        "{\"clientID\":\"pybridge-test\",\"adapterID\":\"debugpy\","
                                + "\"linesStartAt1\":true,\"columnsStartAt1\":true,\"pathFormat\":\"path\"}");
                int attach = dap.send("attach", "{\"justMyCode\":false}");
                dap.event("initialized");
                Map<String, Object> bp = dap.request(
                        "setBreakpoints",
                        "{\"source\":{\"path\":" + Json.str(target.toRealPath().toString())
                                + "},\"breakpoints\":[{\"line\":3}]}");
                List<?> bps = (List<?>) ((Map<?, ?>) bp.get("body")).get("breakpoints");
                assertEquals(bp.toString(), Boolean.TRUE, ((Map<?, ?>) bps.get(0)).get("verified"));
                dap.request("configurationDone", "{}");
                dap.response(attach);
                Files.writeString(dir.resolve("go"), "go");

                Map<String, Object> stopped = dap.event("stopped");
                Map<?, ?> body = (Map<?, ?>) stopped.get("body");
                assertEquals(stopped.toString(), "breakpoint", body.get("reason"));
                long threadId = ((Number) body.get("threadId")).longValue();

                Map<String, Object> threads = dap.request("threads", "{}");
                String name = null;
                for (Object t : (List<?>) ((Map<?, ?>) threads.get("body")).get("threads")) {
                    Map<?, ?> tm = (Map<?, ?>) t;
                    if (((Number) tm.get("id")).longValue() == threadId) {
                        name = (String) tm.get("name");
                    }
                }
                assertNotNull(threads.toString(), name);
                assertTrue(name, name.contains("java-caller-7"));

                Map<String, Object> st = dap.request("stackTrace", "{\"threadId\":" + threadId + "}");
                Map<?, ?> top = (Map<?, ?>) ((List<?>) ((Map<?, ?>) st.get("body")).get("stackFrames")).get(0);
                assertEquals(st.toString(), "compute", top.get("name"));
                assertEquals(st.toString(), 3L, ((Number) top.get("line")).longValue());

                Map<String, Object> sc = dap.request("scopes", "{\"frameId\":" + top.get("id") + "}");
                Map<?, ?> locals = (Map<?, ?>) ((List<?>) ((Map<?, ?>) sc.get("body")).get("scopes")).get(0);
                Map<String, Object> vars =
                        dap.request("variables", "{\"variablesReference\":" + locals.get("variablesReference") + "}");
                Map<String, String> values = new LinkedHashMap<>();
                for (Object v : (List<?>) ((Map<?, ?>) vars.get("body")).get("variables")) {
                    values.put((String) ((Map<?, ?>) v).get("name"), (String) ((Map<?, ?>) v).get("value"));
                }
                assertEquals(values.toString(), "40", values.get("y"));
                assertEquals(values.toString(), "20", values.get("x"));

                dap.request("continue", "{\"threadId\":" + threadId + "}");
                waitFor(out, Pattern.compile("RESULT (\\d+)"), p);
                assertTrue(read(out), read(out).contains("RESULT 41"));
                // the debugger is still attached: the child JVM ends anyway
                assertTrue(
                        "the child JVM did not exit with a debugger attached:\n" + read(out),
                        p.waitFor(60, TimeUnit.SECONDS));
                assertEquals(read(out), 0, p.exitValue());
            }
        } finally {
            p.destroyForcibly();
        }
    }

    /** breakpoint() with no console (stdin is not a terminal) and no debugger. */
    public static final class NoConsole {
        public static void main(String[] args) {
            Python.initialize();
            try {
                Python.exec("def f():\n    x = 1\n    breakpoint()\n    return x\nf()");
                System.out.println("breakpoint() returned");
            } catch (PythonException e) {
                System.out.println("raised " + e.pythonType() + ": " + e.pythonMessage());
            }
        }
    }

    @Test
    public void breakpointWithNoConsoleIsAClearError() {
        ChildJvm.Result r = ChildJvm.run(NoConsole.class, Map.of(), List.of(), 120);
        assertFalse(r.toString(), r.timedOut || r.crashed());
        assertEquals(r.toString(), 0, r.exitCode);
        assertTrue(
                r.output,
                r.output.contains(
                        "raised pybridge.debug.NoConsoleError: breakpoint() needs a debugger" + " or a console"));
        ChildJvm.Result off = ChildJvm.run(NoConsole.class, Map.of("PYTHONBREAKPOINT", "0"), List.of(), 120);
        assertTrue(off.output, off.output.contains("breakpoint() returned"));
    }

    /** breakpoint() with a console: pdb, on the terminal. */
    public static final class OnConsole {
        public static void main(String[] args) {
            Python.initialize();
            Python.exec("def f():\n    x = 41\n    breakpoint()\n    return x + 1\n");
            System.out.println("result=" + Python.eval("f()", Long.class));
        }
    }

    @Test
    public void breakpointOnAConsoleIsPdb() throws Exception {
        Path script = Path.of("/usr/bin/script");
        if (!Files.isExecutable(script)) {
            System.out.println("SKIPPED DebuggerE2ETest.breakpointOnAConsoleIsPdb: no /usr/bin/script (util-linux)"
                    + " to give the child JVM a terminal");
            return;
        }
        StringBuilder cmd = new StringBuilder();
        cmd.append(Path.of(System.getProperty("java.home"), "bin", "java"));
        String nat = System.getProperty("pybridge.native");
        if (nat != null) {
            cmd.append(" -Dpybridge.native=").append(nat);
        }
        cmd.append(" -cp '")
                .append(ChildJvm.classpath())
                .append("' '")
                .append(OnConsole.class.getName())
                .append('\'');
        // script(1) runs the JVM on a pseudo-terminal: stdin is a terminal there
        ProcessBuilder pb = new ProcessBuilder(script.toString(), "-qec", cmd.toString(), "/dev/null");
        pb.redirectErrorStream(true);
        if (ChildJvm.python() != null) {
            pb.environment().put("PYBRIDGE_PYTHON", ChildJvm.python());
        }
        Process p = pb.start();
        try (OutputStream in = p.getOutputStream()) {
            in.write("p x\nx = 100\nc\n".getBytes(StandardCharsets.UTF_8));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Thread reader = new Thread(() -> {
            try {
                p.getInputStream().transferTo(out);
            } catch (IOException ignored) {
                // the process ended
            }
        });
        reader.start();
        boolean done = p.waitFor(120, TimeUnit.SECONDS);
        if (!done) {
            p.destroyForcibly();
        }
        reader.join(10_000);
        String text = out.toString(StandardCharsets.UTF_8).replace("\r", "");
        assertTrue("pdb on a terminal did not end:\n" + text, done);
        assertTrue(text, text.contains("(Pdb)"));
        assertTrue(text, text.contains("\n41\n"));
        assertTrue(text, text.contains("result=101"));
    }

    // ---- helpers ---------------------------------------------------------------------

    private static String read(Path out) throws IOException {
        return Files.exists(out) ? Files.readString(out) : "";
    }

    private static Matcher waitFor(Path out, Pattern p, Process proc) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < end) {
            Matcher m = p.matcher(read(out));
            if (m.find()) {
                return m;
            }
            if (!proc.isAlive()) {
                fail("the child JVM ended before printing " + p + ":\n" + read(out));
            }
            Thread.sleep(50);
        }
        fail("no " + p + " in 120 s:\n" + read(out));
        return null;
    }

    /** A minimal DAP client: requests, responses and events as JSON maps. */
    static final class Dap implements AutoCloseable {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;
        private int seq;
        private final List<Map<String, Object>> backlog = new ArrayList<>();

        Dap(int port) throws IOException {
            socket = new Socket(InetAddress.getLoopbackAddress(), port);
            socket.setSoTimeout(60_000);
            in = new BufferedInputStream(socket.getInputStream());
            out = socket.getOutputStream();
        }

        int send(String command, String argumentsJson) throws IOException {
            int s = ++seq;
            byte[] body = ("{\"seq\":" + s + ",\"type\":\"request\",\"command\":\"" + command + "\",\"arguments\":"
                            + argumentsJson + "}")
                    .getBytes(StandardCharsets.UTF_8);
            out.write(("Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            return s;
        }

        Map<String, Object> request(String command, String argumentsJson) throws IOException {
            return response(send(command, argumentsJson));
        }

        Map<String, Object> response(int requestSeq) throws IOException {
            Map<String, Object> m = take(
                    x -> "response".equals(x.get("type")) && ((Number) x.get("request_seq")).intValue() == requestSeq);
            assertEquals(m.toString(), Boolean.TRUE, m.get("success"));
            return m;
        }

        Map<String, Object> event(String name) throws IOException {
            return take(x -> "event".equals(x.get("type")) && name.equals(x.get("event")));
        }

        private Map<String, Object> take(Predicate<Map<String, Object>> want) throws IOException {
            for (int i = 0; i < backlog.size(); i++) {
                if (want.test(backlog.get(i))) {
                    return backlog.remove(i);
                }
            }
            while (true) {
                Map<String, Object> m;
                try {
                    m = readMessage();
                } catch (IOException e) {
                    throw new IOException(e.getMessage() + "; messages so far: " + backlog, e);
                }
                if (want.test(m)) {
                    return m;
                }
                backlog.add(m);
            }
        }

        @SuppressWarnings("unchecked")
        private Map<String, Object> readMessage() throws IOException {
            int length = -1;
            while (true) {
                String line = readLine();
                if (line.isEmpty()) {
                    break;
                }
                if (line.toLowerCase().startsWith("content-length:")) {
                    length = Integer.parseInt(line.substring(15).trim());
                }
            }
            byte[] body = in.readNBytes(length);
            if (body.length != length) {
                throw new IOException("the debug adapter closed the connection");
            }
            return (Map<String, Object>) new Json(new String(body, StandardCharsets.UTF_8)).value();
        }

        private String readLine() throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            int c;
            while ((c = in.read()) != -1 && c != '\n') {
                if (c != '\r') {
                    b.write(c);
                }
            }
            if (c == -1) {
                throw new IOException("the debug adapter closed the connection");
            }
            return b.toString(StandardCharsets.US_ASCII);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** Enough JSON for DAP messages: objects, arrays, strings, numbers, true/false/null. */
    static final class Json {
        private final String s;
        private int i;

        Json(String s) {
            this.s = s;
        }

        static String str(String v) {
            StringBuilder b = new StringBuilder("\"");
            for (char c : v.toCharArray()) {
                if (c == '"' || c == '\\') {
                    b.append('\\');
                }
                b.append(c);
            }
            return b.append('"').toString();
        }

        Object value() {
            ws();
            char c = s.charAt(i);
            if (c == '{') {
                Map<String, Object> m = new LinkedHashMap<>();
                i++;
                ws();
                if (s.charAt(i) == '}') {
                    i++;
                    return m;
                }
                while (true) {
                    ws();
                    String k = string();
                    ws();
                    i++; // ':'
                    m.put(k, value());
                    ws();
                    if (s.charAt(i++) == '}') {
                        return m;
                    }
                }
            }
            if (c == '[') {
                List<Object> l = new ArrayList<>();
                i++;
                ws();
                if (s.charAt(i) == ']') {
                    i++;
                    return l;
                }
                while (true) {
                    l.add(value());
                    ws();
                    if (s.charAt(i++) == ']') {
                        return l;
                    }
                }
            }
            if (c == '"') {
                return string();
            }
            if (s.startsWith("true", i)) {
                i += 4;
                return Boolean.TRUE;
            }
            if (s.startsWith("false", i)) {
                i += 5;
                return Boolean.FALSE;
            }
            if (s.startsWith("null", i)) {
                i += 4;
                return null;
            }
            int start = i;
            while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) {
                i++;
            }
            String num = s.substring(start, i);
            return num.contains(".") || num.contains("e") || num.contains("E")
                    ? (Object) Double.parseDouble(num)
                    : (Object) Long.parseLong(num);
        }

        private void ws() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
        }

        private String string() {
            StringBuilder b = new StringBuilder();
            i++; // opening quote
            while (true) {
                char c = s.charAt(i++);
                if (c == '"') {
                    return b.toString();
                }
                if (c == '\\') {
                    char e = s.charAt(i++);
                    switch (e) {
                        case 'n':
                            b.append('\n');
                            break;
                        case 't':
                            b.append('\t');
                            break;
                        case 'r':
                            b.append('\r');
                            break;
                        case 'b':
                            b.append('\b');
                            break;
                        case 'f':
                            b.append('\f');
                            break;
                        case 'u':
                            b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                            i += 4;
                            break;
                        default:
                            b.append(e);
                    }
                } else {
                    b.append(c);
                }
            }
        }
    }
}
