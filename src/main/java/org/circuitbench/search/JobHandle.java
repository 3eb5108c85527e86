package org.circuitbench.search;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * One job's life, the same for the command line, the app and the tests: it runs on whatever thread
 * calls {@link #run()}; its events, then finished or failed, are handed to {@code events} in order
 * (the FX thread in the app, the job's own thread elsewhere); then {@link #result()} completes.
 * {@link #cancel()} asks the job to stop after its current evaluation; it then finishes with its
 * partial result, marked cancelled.
 */
public final class JobHandle<R> {
    private final Job<R> job;
    private final JobListener<R> listener;
    private final Executor events;
    private final JobContext context;
    private final CompletableFuture<R> result = new CompletableFuture<>();
    private volatile Throwable failure;

    public JobHandle(Job<R> job, JobListener<R> listener, Executor events) {
        this.job = job;
        this.listener = listener == null ? new JobListener<>() { } : listener;
        this.events = events;
        JobListener<R> l = this.listener;
        this.context = new JobContext(new JobListener<R>() {
            @Override
            public void started(String title, long total) {
                events.execute(() -> l.started(title, total));
            }

            @Override
            public void progress(Progress p) {
                events.execute(() -> l.progress(p));
            }

            @Override
            public void removal(Removal<?> r) {
                events.execute(() -> l.removal(r));
            }
        });
    }

    /** Starts a job on an executor; its events arrive on the job's thread. */
    public static <R> JobHandle<R> start(Executor executor, Job<R> job, JobListener<R> listener) {
        JobHandle<R> h = new JobHandle<>(job, listener, Runnable::run);
        executor.execute(h::run);
        return h;
    }

    /** Runs the job on the calling thread; for the command line and tests. */
    public static <R> R runHere(Job<R> job, JobListener<R> listener) throws Exception {
        JobHandle<R> h = new JobHandle<>(job, listener, Runnable::run);
        h.run();
        Throwable t = h.failure;
        if (t == null) return h.result.getNow(null);
        if (t instanceof Exception e) throw e;
        if (t instanceof Error e) throw e;
        throw new IllegalStateException(t);
    }

    /** Runs the job on the calling thread. Its failure is delivered, never thrown. */
    public void run() {
        R r;
        try {
            r = job.run(context);
        } catch (Throwable t) {
            failure = t;
            events.execute(() -> {
                try {
                    listener.failed(t);
                } finally {
                    result.completeExceptionally(t);
                }
            });
            return;
        }
        events.execute(() -> {
            try {
                listener.finished(r);
            } finally {
                result.complete(r);
            }
        });
    }

    public String title() {
        return job.title();
    }

    public void cancel() {
        context.cancel();
    }

    public boolean isCancelled() {
        return context.isCancelled();
    }

    /** What the job threw, once it has ended; null while it runs or when it succeeded. */
    public Throwable failure() {
        return failure;
    }

    public CompletableFuture<R> result() {
        return result;
    }
}
