package org.circuitbench.ui.common;

import org.circuitbench.search.Job;
import org.circuitbench.search.JobHandle;
import org.circuitbench.search.JobListener;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Test runners, with the app's job lifecycle ({@link JobHandle}) and events on the calling thread.
 * {@code immediate()} runs each job at once, so view models are tested without the FX thread;
 * {@code queued()} holds jobs until {@link #runNext()}, to test what happens while work is in
 * flight. Each job's lane is recorded.
 */
public final class SyncRunner implements BackgroundRunner {
    private final boolean queue;
    private final Deque<Runnable> pending = new ArrayDeque<>();
    public final List<String> started = new ArrayList<>(); // "LANE title", in order

    private SyncRunner(boolean queue) {
        this.queue = queue;
    }

    public static SyncRunner immediate() {
        return new SyncRunner(false);
    }

    public static SyncRunner queued() {
        return new SyncRunner(true);
    }

    @Override
    public <R> JobHandle<R> start(Lane lane, Job<R> job, JobListener<R> listener) {
        JobHandle<R> h = new JobHandle<>(job, listener, Runnable::run);
        started.add(lane + " " + job.title());
        if (queue) pending.add(h::run);
        else h.run();
        return h;
    }

    public int pending() {
        return pending.size();
    }

    public void runNext() {
        pending.poll().run();
    }

    public void runAll() {
        while (!pending.isEmpty()) runNext();
    }
}
