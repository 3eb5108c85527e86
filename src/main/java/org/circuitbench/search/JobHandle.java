package org.circuitbench.search;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * A job started on an executor. {@link #cancel()} asks it to stop after its current evaluation;
 * the job then finishes with its partial result, marked cancelled.
 */
public final class JobHandle<R> {
    private final JobContext context;
    private final CompletableFuture<R> result;

    private JobHandle(JobContext context, CompletableFuture<R> result) {
        this.context = context;
        this.result = result;
    }

    public static <R> JobHandle<R> start(Executor executor, Job<R> job, JobListener<R> listener) {
        JobContext ctx = new JobContext(listener);
        CompletableFuture<R> future = new CompletableFuture<>();
        executor.execute(() -> {
            try {
                R r = job.run(ctx);
                if (listener != null) listener.finished(r);
                future.complete(r);
            } catch (Throwable t) {
                if (listener != null) listener.failed(t);
                future.completeExceptionally(t);
            }
        });
        return new JobHandle<>(ctx, future);
    }

    /** Runs the job on the calling thread; for the command line and tests. */
    public static <R> R runHere(Job<R> job, JobListener<R> listener) throws Exception {
        JobContext ctx = new JobContext(listener);
        try {
            R r = job.run(ctx);
            if (listener != null) listener.finished(r);
            return r;
        } catch (Exception e) {
            if (listener != null) listener.failed(e);
            throw e;
        }
    }

    public void cancel() {
        context.cancel();
    }

    public CompletableFuture<R> result() {
        return result;
    }
}
