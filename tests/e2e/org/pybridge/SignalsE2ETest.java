package org.pybridge;

import static org.pybridge.E2E.check;
import static org.pybridge.E2E.checkEq;
import static org.pybridge.E2E.expect;

import java.util.Map;
import org.junit.Test;

/**
 * Issue 12, class 3: Python code cannot take the signals HotSpot relies on.
 * Before the fix, {@code faulthandler.enable()} (pytest and many tools call
 * it) followed by an ordinary Java {@code NullPointerException} aborted the
 * JVM, and {@code signal.signal(SIGSEGV, SIG_DFL)} from pure Python crashed
 * it. Each scenario runs in a child JVM, so a regression is a red test.
 */
public class SignalsE2ETest {

    @Test
    public void faulthandlerEnableIsHarmlessToTheJvm() {
        ChildJvm.Result r = ChildJvm.run(Faulthandler.class, Map.of(), 120);
        E2E.assertChildOk(r, "RESULT ok faulthandler");
    }

    /** Many NullPointerExceptions, some from JIT-compiled code (implicit null checks: a SIGSEGV). */
    static long npes(int n) {
        long caught = 0;
        for (int i = 0; i < n; i++) {
            String s = (i & 1) == 0 ? null : "x";
            try {
                caught += s.length() - 1;
            } catch (NullPointerException e) {
                caught++;
            }
        }
        return caught;
    }

    /** Child: faulthandler as pytest uses it, then Java faults the JVM handles itself. */
    public static final class Faulthandler {
        public static void main(String[] args) {
            E2E.child("faulthandler", args, a -> {
                Python.initialize();
                Python.exec("import faulthandler, sys\n"
                        + "faulthandler.enable(file=sys.stderr, all_threads=True)\n"
                        + "_fh_enabled = faulthandler.is_enabled()\n");
                check(Python.eval("_fh_enabled", Boolean.class), "is_enabled() reports the enable() call");
                checkEq(1_000_000L, npes(2_000_000), "NullPointerExceptions after faulthandler.enable()");
                Python.exec("import faulthandler\n_fh_was = faulthandler.disable()\n");
                check(Python.eval("_fh_was", Boolean.class), "disable() returns that it was enabled");
                check(!Python.eval("faulthandler.is_enabled()", Boolean.class), "disabled");
                // dump_traceback still works
                Python.exec("import faulthandler, io, tempfile\n"
                        + "with tempfile.TemporaryFile() as f:\n"
                        + "    faulthandler.dump_traceback(f)\n"
                        + "    f.seek(0)\n"
                        + "    _fh_dump = f.read().decode()\n");
                check(Python.eval("'File' in _fh_dump", Boolean.class), "dump_traceback() writes a traceback");
                checkEq(1_000_000L, npes(2_000_000), "NullPointerExceptions still caught");
            });
        }
    }

    @Test
    public void pythonCannotReplaceTheJvmsSignalHandlers() {
        ChildJvm.Result r = ChildJvm.run(SignalHandlers.class, Map.of(), 120);
        E2E.assertChildOk(r, "RESULT ok signal-handlers");
    }

    /** Child: every way pure Python could take a JVM signal is a clear Python exception. */
    public static final class SignalHandlers {
        public static void main(String[] args) {
            E2E.child("signal-handlers", args, a -> {
                Python.initialize();
                Python.exec("import signal, faulthandler");
                for (String code : new String[] {
                    "signal.signal(signal.SIGSEGV, signal.SIG_DFL)",
                    "signal.signal(signal.SIGBUS, lambda *a: None)",
                    "signal.signal(11, signal.SIG_IGN)",
                    "signal.signal(signal.SIGINT, lambda *a: None)",
                    "signal.signal(signal.SIGQUIT, signal.SIG_DFL)",
                    "faulthandler.register(signal.SIGSEGV)",
                    "signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGSEGV})"
                }) {
                    PythonException e = expect(PythonException.class, code, () -> Python.exec(code));
                    checkEq("pybridge.JvmSignalError", e.pythonType(), "the exception type for " + code);
                    check(e.getMessage().contains("JVM"), "the message says why: " + e.getMessage());
                }
                // a JvmSignalError is a ValueError: code written for "not the main thread" copes
                Python.exec("try:\n    signal.signal(signal.SIGTERM, signal.SIG_DFL)\n    _sig_ok = False\n"
                        + "except ValueError:\n    _sig_ok = True\n");
                check(Python.eval("_sig_ok", Boolean.class), "caught as ValueError");
                // signals the JVM does not use stay Python's
                Python.exec("_old = signal.signal(signal.SIGUSR1, lambda *a: None)\n"
                        + "signal.signal(signal.SIGUSR1, _old)\n"
                        + "faulthandler.register(signal.SIGUSR1)\nfaulthandler.unregister(signal.SIGUSR1)\n"
                        + "signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})\n"
                        + "signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGUSR1})\n");
                checkEq(1_000_000L, npes(2_000_000), "NullPointerExceptions after the attempts");
            });
        }
    }
}
