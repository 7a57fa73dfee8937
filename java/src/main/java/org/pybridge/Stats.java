package org.pybridge;

/**
 * A snapshot of pybridge's counters ({@link Python#stats()}). Cheap: no GIL.
 * Tests use it to prove that nothing leaks: after a workload,
 * {@link #liveHandles()} is back where it was and
 * {@code created == releasedByClose + releasedByScope + releasedByGc + live}.
 */
public final class Stats {
    private final long liveHandles;
    private final long created;
    private final long releasedByClose;
    private final long releasedByScope;
    private final long releasedByGc;
    private final long queuedReleases;
    private final long threadStates;
    private final long threadStatesFreed;
    private final long gilAbandoned;
    private final long releaseBatches;
    private final long releaseErrors;
    private final long tableSize;
    private final long gilGateWaits;
    private final long gilGateFallbacks;
    private final long gcTracked;
    private final long gcNudges;
    private final int openScopes;
    private final long reclaimerRecoveries;
    private final long releaseThreadRecoveries;

    Stats(long[] v, long gcTracked, long gcNudges, int openScopes) {
        this.liveHandles = v[Contract.Stat.LIVE];
        this.created = v[Contract.Stat.CREATED];
        this.releasedByClose = v[Contract.Stat.RELEASED_CLOSE];
        this.releasedByScope = v[Contract.Stat.RELEASED_SCOPE];
        this.releasedByGc = v[Contract.Stat.RELEASED_GC];
        this.queuedReleases = v[Contract.Stat.QUEUED];
        this.threadStates = v[Contract.Stat.THREAD_STATES];
        this.threadStatesFreed = v[Contract.Stat.THREAD_STATES_FREED];
        this.gilAbandoned = v[Contract.Stat.GIL_ABANDONED];
        this.releaseBatches = v[Contract.Stat.RELEASE_BATCHES];
        this.releaseErrors = v[Contract.Stat.RELEASE_ERRORS];
        this.tableSize = v[Contract.Stat.TABLE_SIZE];
        this.gilGateWaits = v[Contract.Stat.GATE_WAITS];
        this.gilGateFallbacks = v[Contract.Stat.GATE_FALLBACKS];
        this.releaseThreadRecoveries = v[Contract.Stat.RELEASE_RECOVERIES];
        this.gcTracked = gcTracked;
        this.gcNudges = gcNudges;
        this.openScopes = openScopes;
        this.reclaimerRecoveries = Lifetimes.RECLAIMER_RECOVERIES.get();
        this.processInterpreters = ProcessChannel.open;
        this.processStarted = ProcessChannel.STARTED.get();
        this.processDeaths = ProcessChannel.DEATHS.get();
    }

    private final long processInterpreters;
    private final long processStarted;
    private final long processDeaths;

    /**
     * Process interpreters open now (their child process alive and not closed).
     *
     * @return process interpreters open now
     */
    public long processInterpreters() {
        return processInterpreters;
    }

    /**
     * Process interpreters started since this JVM started.
     *
     * @return process interpreters started
     */
    public long processInterpretersStarted() {
        return processStarted;
    }

    /**
     * Process interpreters whose process died (crash, exit, kill, memory limit, call timeout).
     *
     * @return deaths of process interpreters' processes
     */
    public long processDeaths() {
        return processDeaths;
    }

    /**
     * Handles holding a Python reference now (created minus released).
     *
     * @return handles holding a Python reference now (created minus released)
     */
    public long liveHandles() {
        return liveHandles;
    }
    /**
     * Handles created since start.
     *
     * @return handles created since start
     */
    public long created() {
        return created;
    }
    /**
     * Released by {@link PyObject#close()}.
     *
     * @return released by {@link PyObject#close()}
     */
    public long releasedByClose() {
        return releasedByClose;
    }
    /**
     * Released by closing a {@link ResourceScope}.
     *
     * @return released by closing a {@link ResourceScope}
     */
    public long releasedByScope() {
        return releasedByScope;
    }
    /**
     * Released because the JVM collected the wrapper.
     *
     * @return released because the JVM collected the wrapper
     */
    public long releasedByGc() {
        return releasedByGc;
    }
    /**
     * Handed to the native release queue, not dropped yet.
     *
     * @return handed to the native release queue, not dropped yet
     */
    public long queuedReleases() {
        return queuedReleases;
    }
    /**
     * Python thread states pybridge keeps for JVM threads (one per thread that called in).
     *
     * @return Python thread states pybridge keeps for JVM threads (one per thread that called in)
     */
    public long threadStates() {
        return threadStates;
    }
    /**
     * Thread states freed because their JVM thread ended.
     *
     * @return thread states freed because their JVM thread ended
     */
    public long threadStatesFreed() {
        return threadStatesFreed;
    }
    /**
     * Threads that ended while holding the GIL through {@link Python#acquireGil()}.
     *
     * @return threads that ended while holding the GIL through {@link Python#acquireGil()}
     */
    public long gilAbandoned() {
        return gilAbandoned;
    }
    /**
     * Batches the release queue dropped.
     *
     * @return batches the release queue dropped
     */
    public long releaseBatches() {
        return releaseBatches;
    }
    /**
     * Exceptions raised by {@code __del__} while releasing (logged).
     *
     * @return exceptions raised by {@code __del__} while releasing (logged)
     */
    public long releaseErrors() {
        return releaseErrors;
    }
    /**
     * Occupied slots as the native table counts them; equals liveHandles (a cross-check).
     *
     * @return occupied slots as the native table counts them
     */
    public long tableSize() {
        return tableSize;
    }
    /**
     * Calls that found another JVM thread running Python, waited for it at
     * pybridge's call gate (a short spin in front of the GIL) and got in
     * without sleeping on the GIL. See {@link PythonConfig#gilSpin(long)}.
     * @return calls that found another JVM thread running Python, waited for it at pybridge's call gate (a short spin in front of the GIL) and got in without sleeping on the GIL
     */
    public long gilGateWaits() {
        return gilGateWaits;
    }
    /**
     * Calls that waited at the call gate for the whole spin budget and then
     * queued for the GIL the ordinary way (a long-running or blocked call
     * held it).
     *
     * @return calls that waited at the call gate for the whole spin budget and then queued for the GIL the ordinary way (a long-running or blocked call held it)
     */
    public long gilGateFallbacks() {
        return gilGateFallbacks;
    }
    /**
     * Handles whose release waits for the JVM garbage collector.
     *
     * @return handles whose release waits for the JVM garbage collector
     */
    public long gcTracked() {
        return gcTracked;
    }
    /**
     * Times pybridge asked the JVM for a collection because Python memory was held.
     *
     * @return times pybridge asked the JVM for a collection because Python memory was held
     */
    public long gcNudges() {
        return gcNudges;
    }
    /**
     * Times the {@code pybridge-reclaimer} thread (which hands handles the JVM
     * collected to the native release queue) recovered: an interrupt ignored,
     * an error survived, or the thread started again.
     * @return times the {@code pybridge-reclaimer} thread (which hands handles the JVM collected to the native release queue) recovered
     */
    public long reclaimerRecoveries() {
        return reclaimerRecoveries;
    }
    /**
     * Batches whose release failed inside the native {@code pybridge-release}
     * thread with an internal error (the thread goes on with the next batch).
     * @return batches whose release failed inside the native {@code pybridge-release} thread with an internal error (the thread goes on with the next batch)
     */
    public long releaseThreadRecoveries() {
        return releaseThreadRecoveries;
    }
    /**
     * Open {@link ResourceScope}s on the calling thread.
     *
     * @return open {@link ResourceScope}s on the calling thread
     */
    public int openScopes() {
        return openScopes;
    }
    /**
     * Java objects that Python holds: function objects passed as callables,
     * opaque Java objects, direct buffers shared with numpy. A count that
     * keeps growing can be a cross-runtime cycle (see docs/guide/lifetimes-and-the-gil.md).
     *
     * @return the number of Java objects that Python holds
     */
    public int javaFunctions() {
        return Callbacks.alive();
    }

    @Override
    public String toString() {
        return "Stats{live=" + liveHandles + ", created=" + created + ", releasedByClose=" + releasedByClose
                + ", releasedByScope=" + releasedByScope + ", releasedByGc=" + releasedByGc
                + ", queued=" + queuedReleases + ", gcTracked=" + gcTracked + ", gcNudges=" + gcNudges
                + ", threadStates=" + threadStates + ", threadStatesFreed=" + threadStatesFreed
                + ", gilAbandoned=" + gilAbandoned + ", openScopes=" + openScopes
                + ", releaseErrors=" + releaseErrors + ", reclaimerRecoveries=" + reclaimerRecoveries
                + ", releaseThreadRecoveries=" + releaseThreadRecoveries
                + ", gilGateWaits=" + gilGateWaits + ", gilGateFallbacks=" + gilGateFallbacks
                + ", javaFunctions=" + Callbacks.alive() + "}";
    }
}
