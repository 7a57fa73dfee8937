package org.pybridge;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.ref.PhantomReference;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The JVM's end of a process interpreter: the child process ({@code pybridge-process}, see
 * {@code rust/src/process_child.rs} and docs/decisions/process-interpreters.md) and its two pipes.
 *
 * <p>Only the interpreter's worker thread talks to it: {@link Buf#invoke} sends the request bytes
 * it would have passed to {@code Native.invoke} as a frame, and puts the reply frame's bytes where
 * the native side would have written them, so every operation, conversion and error crosses in
 * the encoding it has in-process. Handles are the child's; they are released in the child (by
 * close, scope or GC, each once) and are gone with it when it dies.
 */
final class ProcessChannel {
    /**
     * Set for good once a process interpreter was started: {@link Buf#invoke} then looks for its
     * worker's channel (a dead or closed one included, so that nothing reaches the JVM's own Python).
     */
    static volatile boolean used;
    /** Open channels (for {@link Stats}). */
    static volatile int open;

    static final AtomicLong STARTED = new AtomicLong();
    static final AtomicLong DEATHS = new AtomicLong();
    private static final List<ProcessChannel> LIVE = new CopyOnWriteArrayList<>();
    private static Thread watchdog;
    private static final int TAIL_LINES = 40;

    final Interpreter owner;
    final Process proc;
    final long pid;
    private final OutputStream out;
    private final InputStream in;
    private final Thread errPump;
    private final ArrayDeque<String> tail = new ArrayDeque<>();
    private final long memoryLimit;
    private final long timeoutNanos;
    private volatile long callStart;
    private volatile String killReason;
    private volatile PythonProcessDiedException death;
    private volatile boolean closed;
    private boolean draining;
    private long lastFreedCheck = System.nanoTime();
    private final byte[] head = new byte[Contract.Process.REQUEST_HEADER];
    /** The frame buffer, taken by the running request (a callback's nested request makes its own). */
    private byte[] io = new byte[4096];

    /** Handles released off the worker thread (close elsewhere, GC), sent by the worker. */
    private final ConcurrentLinkedQueue<long[]> pending = new ConcurrentLinkedQueue<>();

    private final ReferenceQueue<PyObject> refs = new ReferenceQueue<>();
    private final Set<Ref> tracked = ConcurrentHashMap.newKeySet();

    /** The GC path of a handle of this process. */
    static final class Ref extends PhantomReference<PyObject> {
        final long id;
        final int slot;

        Ref(PyObject o, ReferenceQueue<PyObject> q) {
            super(o, q);
            this.id = o.id;
            this.slot = o.slot;
        }
    }

    private ProcessChannel(Interpreter owner, Process proc, InterpreterConfig.ProcessSpec spec) {
        this.owner = owner;
        this.proc = proc;
        this.pid = proc.pid();
        this.out = proc.getOutputStream();
        this.in = proc.getInputStream();
        this.memoryLimit = spec.memoryLimit;
        this.timeoutNanos = spec.callTimeoutMillis > 0 ? TimeUnit.MILLISECONDS.toNanos(spec.callTimeoutMillis) : 0;
        this.errPump = new Thread(this::pumpStderr, "pybridge-process-stderr-" + pid);
        errPump.setDaemon(true);
    }

    /** The child program: {@code -Dpybridge.process.executable}, else beside the native library. */
    static Path childProgram() {
        String p = System.getProperty("pybridge.process.executable");
        if (p != null && !p.isEmpty()) {
            return Paths.get(p).toAbsolutePath();
        }
        String lib = NativeLoader.override();
        if (lib != null) {
            Path sib = Paths.get(lib).resolveSibling("pybridge-process");
            if (Files.isExecutable(sib)) {
                return sib;
            }
        }
        throw new PyBridgeException("process interpreters need pybridge's child program (pybridge-process, built"
                + " with the native library by cargo build): set -Dpybridge.process.executable to it, or"
                + " -Dpybridge.native to a libpybridge.so that has it beside it");
    }

    /**
     * Starts the child for {@code owner} on the calling thread (its worker: the kernel's
     * parent-death signal is tied to the thread that starts a process) and waits until it is
     * ready. Python itself is then started by an {@code INIT} sent through it.
     */
    static ProcessChannel start(Interpreter owner, InterpreterConfig.ProcessSpec spec, PythonLocator.Found f)
            throws IOException {
        ProcessBuilder pb = new ProcessBuilder(childProgram().toString());
        Map<String, String> env = pb.environment();
        env.putAll(spec.environment);
        String libDir = new File(f.libpython).getParent();
        String ld = env.get("LD_LIBRARY_PATH");
        env.put("LD_LIBRARY_PATH", ld == null || ld.isEmpty() ? libDir : libDir + File.pathSeparator + ld);
        env.put("PYBRIDGE_PROCESS_PARENT", Long.toString(ProcessHandle.current().pid()));
        if (spec.workingDirectory != null) {
            pb.directory(new File(spec.workingDirectory));
        }
        Process p = pb.start();
        ProcessChannel c = new ProcessChannel(owner, p, spec);
        c.errPump.start();
        STARTED.incrementAndGet();
        synchronized (ProcessChannel.class) {
            used = true;
            LIVE.add(c);
            open++;
            ensureWatchdog();
        }
        c.callStart = System.nanoTime();
        try {
            byte[] hello = new byte[Contract.Process.REPLY_HEADER];
            if (!c.readFully(hello, hello.length)) {
                throw c.died("before it was ready");
            }
        } finally {
            c.callStart = 0;
        }
        return c;
    }

    // ---- requests -----------------------------------------------------------------------

    /** Sends {@code b}'s request and puts the reply in {@code b}, as {@code Native.invoke} would. */
    void invoke(Buf b, int op, long id, int slot) {
        if (death != null || closed) {
            if (op == Contract.Op.RELEASE_BATCH || op == Contract.Op.RELEASE) {
                // A scope or close releasing handles the process took with it: nothing left to do.
                b.bb.clear();
                b.bb.putLong(0);
                b.bb.flip();
                return;
            }
            if (death != null) {
                throw again();
            }
            throw new PyBridgeException(owner + " is closed");
        }
        if (!draining) {
            drain();
        }
        int len = b.bb.position();
        byte[] buf = takeIo(Contract.Process.REQUEST_HEADER + len);
        putInt(buf, 0, op);
        putLong(buf, 4, id);
        putInt(buf, 12, slot);
        putInt(buf, 16, len);
        b.bb.flip();
        b.bb.get(buf, Contract.Process.REQUEST_HEADER, len);
        Reference.reachabilityFence(b);
        byte[] h = new byte[Contract.Process.REPLY_HEADER];
        int status;
        int n;
        boolean outer = callStart == 0;
        if (outer) {
            callStart = System.nanoTime();
        }
        try {
            out.write(buf, 0, Contract.Process.REQUEST_HEADER + len);
            out.flush();
            while (true) {
                if (!readFully(h, Contract.Process.REPLY_HEADER)) {
                    throw died(null);
                }
                status = getInt(h, 0);
                n = getInt(h, 4);
                if (buf.length < n) {
                    buf = new byte[n];
                }
                if (!readFully(buf, n)) {
                    throw died(null);
                }
                if (status != Contract.Process.CALLBACK) {
                    break;
                }
                callback(buf, n);
            }
        } catch (IOException e) {
            throw died(e.toString());
        } finally {
            if (outer) {
                callStart = 0;
            }
        }
        b.bb.clear();
        b.ensure(n);
        b.bb.put(buf, 0, n);
        b.bb.clear();
        b.bb.limit(n);
        giveBackIo(buf);
        if (status != Contract.Status.OK) {
            throw Wire.readError(status, b);
        }
    }

    private byte[] takeIo(int need) {
        byte[] b = io;
        io = null;
        if (b == null || b.length < need) {
            b = new byte[Math.max(4096, need)];
        }
        return b;
    }

    private void giveBackIo(byte[] b) {
        if (b.length <= (1 << 20)) {
            io = b;
        }
    }

    /**
     * The child calls Java function {@code id} (a {@code CALLBACK} frame: the id, then the
     * request bytes {@code Callbacks.invoke} reads): run it here, on the worker, as the native
     * side would, and send its reply back. The function may call the child's Python meanwhile
     * (a nested request, which the child serves while it waits for this reply).
     */
    private void callback(byte[] frame, int n) throws IOException {
        long fid = (frame[0] & 0xffL)
                | (frame[1] & 0xffL) << 8
                | (frame[2] & 0xffL) << 16
                | (frame[3] & 0xffL) << 24
                | (frame[4] & 0xffL) << 32
                | (frame[5] & 0xffL) << 40
                | (frame[6] & 0xffL) << 48
                | (frame[7] & 0xffL) << 56;
        int len = n - 8;
        int cap = Math.max(len, 4096);
        ByteBuffer area = ByteBuffer.allocateDirect(cap);
        long addr = Native.bufferAddress(area);
        area.put(frame, 8, len);
        long r = Callbacks.invoke(fid, addr, len, cap);
        byte[] reply;
        if (r >= 0) {
            reply = new byte[Contract.Process.REQUEST_HEADER + (int) r];
            area.clear();
            area.get(reply, Contract.Process.REQUEST_HEADER, (int) r);
        } else {
            int need = (int) -r;
            ByteBuffer big = ByteBuffer.allocateDirect(need);
            int got = Callbacks.takeReply(Native.bufferAddress(big), need);
            reply = new byte[Contract.Process.REQUEST_HEADER + got];
            big.get(reply, Contract.Process.REQUEST_HEADER, got);
            Reference.reachabilityFence(big);
        }
        Reference.reachabilityFence(area);
        putInt(reply, 0, Contract.Process.CALLBACK_REPLY);
        putLong(reply, 4, 0);
        putInt(reply, 12, 0);
        putInt(reply, 16, reply.length - Contract.Process.REQUEST_HEADER);
        out.write(reply);
        out.flush();
    }

    private boolean readFully(byte[] dst, int n) throws IOException {
        int off = 0;
        while (off < n) {
            int k = in.read(dst, off, n - off);
            if (k < 0) {
                return false;
            }
            off += k;
        }
        return true;
    }

    // ---- releases -----------------------------------------------------------------------

    /** {@code close()} of a handle of this process: sent now on the worker, else queued for it. */
    void release(PyObject o) {
        Object ow = o.owner;
        if (ow instanceof Ref) {
            tracked.remove(ow);
            ((Ref) ow).clear();
        }
        if (death != null || closed) {
            return; // gone with the process
        }
        if (Thread.currentThread() == owner.worker()) {
            try (Buf b = Buf.acquire()) {
                b.putInt(Contract.Path.CLOSE);
                b.invoke(Contract.Op.RELEASE, o);
            }
        } else {
            pending.add(new long[] {o.id, o.slot});
        }
    }

    /** A handle the JVM collects: released in the child by the worker, once. */
    void track(PyObject o) {
        Ref r = new Ref(o, refs);
        o.owner = r;
        tracked.add(r);
    }

    /** Sends what was released off the worker thread and what the GC collected (worker only). */
    void drain() {
        if (death != null || closed || draining) {
            return;
        }
        long now = System.nanoTime();
        if (now - lastFreedCheck > 1_000_000_000L) {
            // Java functions the child's Python freed: forgotten by the JVM's registry.
            lastFreedCheck = now;
            draining = true;
            try {
                for (long fid : Ops.takeFreed()) {
                    Callbacks.release(fid);
                }
            } finally {
                draining = false;
            }
        }
        long[] e = pending.poll();
        Reference<? extends PyObject> r = refs.poll();
        if (e == null && r == null) {
            return;
        }
        long[] ids = new long[64];
        int[] slots = new int[64];
        int n = 0;
        int gc = 0;
        if (r != null && tracked.remove(r)) {
            ids[n] = ((Ref) r).id;
            slots[n++] = ((Ref) r).slot;
            gc++;
        }
        for (; e != null; e = pending.poll()) {
            if (n == ids.length) {
                ids = Arrays.copyOf(ids, n * 2);
                slots = Arrays.copyOf(slots, n * 2);
            }
            ids[n] = e[0];
            slots[n++] = (int) e[1];
        }
        while ((r = refs.poll()) != null) {
            if (!tracked.remove(r)) {
                continue;
            }
            if (n == ids.length) {
                ids = Arrays.copyOf(ids, n * 2);
                slots = Arrays.copyOf(slots, n * 2);
            }
            ids[n] = ((Ref) r).id;
            slots[n++] = ((Ref) r).slot;
            gc++;
        }
        if (n == 0) {
            return;
        }
        draining = true;
        try {
            Ops.releaseNow(ids, slots, n, gc == n ? Contract.Path.GC : Contract.Path.CLOSE);
        } finally {
            draining = false;
        }
    }

    // ---- death, close ---------------------------------------------------------------------

    boolean isDead() {
        return death != null;
    }

    private PythonProcessDiedException again() {
        PythonProcessDiedException d = death;
        return new PythonProcessDiedException(d.getMessage(), d.exitCode(), d.signal(), d.stderrTail());
    }

    /** The child is gone (its pipe ended): why, and its last words. */
    private synchronized PythonProcessDiedException died(String detail) {
        if (death != null) {
            return again();
        }
        try {
            if (!proc.waitFor(5, TimeUnit.SECONDS)) {
                killReason = killReason != null ? killReason : "it closed its pipe but did not exit: killed";
                proc.destroyForcibly();
                proc.waitFor(5, TimeUnit.SECONDS);
            }
            errPump.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        int code = proc.isAlive() ? -1 : proc.exitValue();
        int sig = code > 128 && code <= 128 + 64 ? code - 128 : 0;
        String lines;
        synchronized (tail) {
            lines = String.join("\n", tail);
        }
        StringBuilder m = new StringBuilder("the Python process of process interpreter '")
                .append(owner.name())
                .append("' (pid ")
                .append(pid)
                .append(") died");
        if (sig != 0) {
            m.append(": ended by signal ")
                    .append(sig)
                    .append(" (")
                    .append(signalName(sig))
                    .append(')');
        } else if (code >= 0) {
            m.append(": exit code ").append(code);
        }
        if (killReason != null) {
            m.append("; ").append(killReason);
        }
        m.append(lines.isEmpty() ? "; it wrote nothing to stderr" : "; its last stderr lines:\n" + lines);
        m.append("\nIts Python objects are gone. Close this interpreter and start a new one.");
        death = new PythonProcessDiedException(m.toString(), code, sig, lines);
        DEATHS.incrementAndGet();
        forget();
        Logs.debug(() -> "pybridge: " + death.getMessage());
        return again();
    }

    private void forget() {
        tracked.clear();
        pending.clear();
        synchronized (ProcessChannel.class) {
            if (LIVE.remove(this)) {
                open--;
            }
        }
    }

    /** Ends the child (the interpreter's close): asks it to exit, kills it if it does not. */
    void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (death == null) {
            try {
                putInt(head, 0, Contract.Process.OP_EXIT);
                putLong(head, 4, 0);
                putInt(head, 12, 0);
                putInt(head, 16, 0);
                out.write(head, 0, Contract.Process.REQUEST_HEADER);
                out.flush();
                out.close();
            } catch (IOException e) {
                // it is gone already
            }
            try {
                if (!proc.waitFor(5, TimeUnit.SECONDS)) {
                    proc.destroyForcibly();
                    proc.waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                proc.destroyForcibly();
            }
        }
        forget();
    }

    private void pumpStderr() {
        try (BufferedReader r =
                new BufferedReader(new InputStreamReader(proc.getErrorStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                synchronized (tail) {
                    if (tail.size() == TAIL_LINES) {
                        tail.removeFirst();
                    }
                    tail.addLast(line);
                }
                System.err.println(line);
            }
        } catch (IOException e) {
            // the process is gone
        }
    }

    // ---- the watchdog: call timeouts and memory limits ----------------------------------

    private static void ensureWatchdog() {
        if (watchdog != null && watchdog.isAlive()) {
            return;
        }
        watchdog = new Thread(ProcessChannel::watch, "pybridge-process-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
    }

    private static void watch() {
        while (true) {
            try {
                Thread.sleep(50);
                for (ProcessChannel c : LIVE) {
                    c.check();
                }
            } catch (InterruptedException e) {
                // keep watching: processes may still be open
            } catch (RuntimeException | Error e) {
                // a process that vanished under us: the next round sees it gone
            }
        }
    }

    private void check() {
        if (!proc.isAlive() || killReason != null) {
            return;
        }
        long started = callStart;
        if (timeoutNanos > 0 && started != 0 && System.nanoTime() - started > timeoutNanos) {
            killReason = "a call ran longer than the call timeout (" + TimeUnit.NANOSECONDS.toMillis(timeoutNanos)
                    + " ms): killed with SIGKILL";
            proc.destroyForcibly();
            return;
        }
        if (memoryLimit > 0) {
            long rss = rssBytes();
            if (rss > memoryLimit) {
                killReason = "its memory (RSS " + (rss >> 20) + " MiB) went over the memory limit ("
                        + (memoryLimit >> 20) + " MiB): killed with SIGKILL";
                proc.destroyForcibly();
            }
        }
    }

    private long rssBytes() {
        try {
            String s = new String(Files.readAllBytes(Paths.get("/proc/" + pid + "/statm")), StandardCharsets.US_ASCII);
            String[] f = s.trim().split(" ");
            return Long.parseLong(f[1]) * 4096L;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    static String signalName(int sig) {
        switch (sig) {
            case 1:
                return "SIGHUP";
            case 2:
                return "SIGINT";
            case 4:
                return "SIGILL";
            case 6:
                return "SIGABRT";
            case 7:
                return "SIGBUS";
            case 8:
                return "SIGFPE";
            case 9:
                return "SIGKILL";
            case 11:
                return "SIGSEGV";
            case 13:
                return "SIGPIPE";
            case 15:
                return "SIGTERM";
            default:
                return "signal " + sig;
        }
    }

    private static void putInt(byte[] a, int at, int v) {
        a[at] = (byte) v;
        a[at + 1] = (byte) (v >>> 8);
        a[at + 2] = (byte) (v >>> 16);
        a[at + 3] = (byte) (v >>> 24);
    }

    private static void putLong(byte[] a, int at, long v) {
        putInt(a, at, (int) v);
        putInt(a, at + 4, (int) (v >>> 32));
    }

    private static int getInt(byte[] a, int at) {
        return (a[at] & 0xff) | (a[at + 1] & 0xff) << 8 | (a[at + 2] & 0xff) << 16 | (a[at + 3] & 0xff) << 24;
    }
}
