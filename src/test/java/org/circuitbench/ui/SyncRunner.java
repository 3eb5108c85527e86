package org.circuitbench.ui;

import org.circuitbench.search.Job;
import org.circuitbench.search.JobContext;
import org.circuitbench.search.JobListener;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;

/**
 * Test runners. {@code immediate()} runs each job on the calling thread at once, so view models
 * are tested without the FX thread; {@code queued()} holds jobs until {@link #runNext()}, to test
 * what happens while work is in flight.
 */
final class SyncRunner implements BackgroundRunner {
    private final boolean queue;
    private final Deque<Runnable> pending = new ArrayDeque<>();

    private SyncRunner(boolean queue) {
        this.queue = queue;
    }

    static SyncRunner immediate() {
        return new SyncRunner(false);
    }

    static SyncRunner queued() {
        return new SyncRunner(true);
    }

    @Override
    public <R> RunningJob<R> start(Job<R> job, JobListener<R> listener) {
        JobContext ctx = new JobContext(listener);
        CompletableFuture<R> f = new CompletableFuture<>();
        Runnable run = () -> {
            try {
                R r = job.run(ctx);
                if (listener != null) listener.finished(r);
                f.complete(r);
            } catch (Throwable t) {
                if (listener != null) listener.failed(t);
                f.completeExceptionally(t);
            }
        };
        if (queue) pending.add(run);
        else run.run();
        return new RunningJob<>() {
            @Override
            public boolean cancel() {
                ctx.cancel();
                return true;
            }

            @Override
            public CompletableFuture<R> result() {
                return f;
            }
        };
    }

    int pending() {
        return pending.size();
    }

    void runNext() {
        pending.poll().run();
    }

    void runAll() {
        while (!pending.isEmpty()) runNext();
    }
}
