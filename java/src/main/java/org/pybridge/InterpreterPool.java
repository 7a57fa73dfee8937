package org.pybridge;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * {@code N} interpreters, each on its own thread, with the same code loaded
 * into every one at start: Python in parallel on {@code N} cores when they
 * are isolated (Python 3.12+, the default there).
 *
 * <pre>{@code
 * try (InterpreterPool pool = InterpreterPool.create(4, InterpreterConfig.isolated()
 *         .withStartupCode("def score(x):\n    return x * x"))) {
 *     List<CompletableFuture<Long>> fs = new ArrayList<>();
 *     for (int i = 0; i < 100; i++) {
 *         long x = i;
 *         fs.add(pool.submit(() -> Python.mainModule().getAttr("score").callAs(Long.class, x)));
 *     }
 * }
 * }</pre>
 *
 * <p>A task runs on one member (the one with the fewest tasks in flight),
 * inside that interpreter: pybridge calls in it use that interpreter, and
 * its result must not carry that interpreter's objects out (convert to Java
 * values inside). {@link #submitTo} picks the member, for work that keeps
 * state in one interpreter (one per task thread of an engine, say).
 */
public final class InterpreterPool implements AutoCloseable {
    private final CopyOnWriteArrayList<Interpreter> members;
    private final List<InterpreterConfig> configs;
    private final AtomicIntegerArray inFlight;
    private final AtomicInteger next = new AtomicInteger();

    private InterpreterPool(List<Interpreter> members, List<InterpreterConfig> configs) {
        this.members = new CopyOnWriteArrayList<>(members);
        this.configs = configs;
        this.inFlight = new AtomicIntegerArray(members.size());
    }

    /**
     * Member {@code index}; a process interpreter whose process died is closed and replaced by a
     * new one of the same configuration first.
     */
    private Interpreter member(int index) {
        Interpreter m = members.get(index);
        if (!m.isDead()) {
            return m;
        }
        synchronized (this) {
            m = members.get(index);
            if (m.isDead()) {
                try {
                    m.close();
                } catch (RuntimeException ignored) {
                    // it is dead: nothing is left to close
                }
                m = Python.newInterpreter(configs.get(index));
                members.set(index, m);
            }
            return m;
        }
    }

    /**
     * Starts {@code size} interpreters made by {@code cfg} (its start-up code
     * runs in each). If one fails to start, those started are closed and the
     * error is thrown.
     *
     * @param size how many interpreters
     * @param cfg the configuration of each
     * @return the started pool
     */
    public static InterpreterPool create(int size, InterpreterConfig cfg) {
        if (size < 1) {
            throw new IllegalArgumentException("an interpreter pool needs at least one member, not " + size);
        }
        List<Interpreter> started = new ArrayList<>(size);
        List<InterpreterConfig> configs = new ArrayList<>(size);
        try {
            for (int i = 0; i < size; i++) {
                String base = cfg.name != null ? cfg.name : "pool";
                configs.add(cfg.withName(base + "-" + i));
                started.add(Python.newInterpreter(configs.get(i)));
            }
        } catch (RuntimeException e) {
            try {
                Interpreter.closeAll(started);
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        return new InterpreterPool(started, Collections.unmodifiableList(configs));
    }

    /**
     * The members, in order.
     *
     * @return the interpreters, in order
     */
    public List<Interpreter> members() {
        return Collections.unmodifiableList(members);
    }

    /**
     * Number of members.
     *
     * @return how many interpreters
     */
    public int size() {
        return members.size();
    }

    /**
     * Runs {@code task} in the member with the fewest tasks in flight.
     *
     * @param <T> the type of the result
     * @param task the code to run
     * @return a future of what {@code task} returns
     */
    public <T> CompletableFuture<T> submit(Callable<T> task) {
        int n = members.size();
        int start = Math.floorMod(next.getAndIncrement(), n);
        int best = start;
        for (int k = 1; k < n; k++) {
            int i = (start + k) % n;
            if (inFlight.get(i) < inFlight.get(best)) {
                best = i;
            }
        }
        return submitTo(best, task);
    }

    /**
     * Runs {@code task} in member {@code index}.
     *
     * @param <T> the type of the result
     * @param index which member, from 0
     * @param task the code to run
     * @return a future of what {@code task} returns
     */
    public <T> CompletableFuture<T> submitTo(int index, Callable<T> task) {
        inFlight.incrementAndGet(index);
        CompletableFuture<T> f = member(index).submit(task);
        return f.whenComplete((v, e) -> inFlight.decrementAndGet(index));
    }

    /**
     * Runs {@code code} in every member (definitions, imports), waiting for all.
     *
     * @param code Python statements
     */
    public void execAll(String code) {
        List<CompletableFuture<Object>> fs = new ArrayList<>();
        for (int i = 0; i < members.size(); i++) {
            fs.add(submitTo(i, () -> {
                Python.exec(code);
                return null;
            }));
        }
        CompletableFuture.allOf(fs.toArray(new CompletableFuture<?>[0])).join();
    }

    /** Closes every member (after its queued tasks); the first failure is thrown after all were tried. */
    @Override
    public void close() {
        Interpreter.closeAll(members);
    }
}
