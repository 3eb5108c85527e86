package org.circuitbench.ui;

import javafx.concurrent.Task;
import org.circuitbench.search.Job;
import org.circuitbench.search.JobContext;
import org.circuitbench.search.JobListener;
import org.circuitbench.search.Progress;
import org.circuitbench.search.Removal;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.function.Consumer;
import java.util.concurrent.Executors;

/**
 * Wraps each job in a {@link javafx.concurrent.Task} (progress, message, cancel) run on a small
 * pool of daemon threads, and hands each task to a sink such as ControlsFX's TaskProgressView. Cancel
 * is cooperative: the job stops after its current evaluation and still delivers its partial result.
 */
public final class FxBackgroundRunner implements BackgroundRunner {
    private final ExecutorService pool = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "circuitbench-job");
        t.setDaemon(true);
        return t;
    });
    private final UiThread ui = UiThread.fx();
    private Consumer<Task<?>> sink = t -> { };

    /** Where each new task is shown, e.g. a TaskProgressView's list (which removes finished tasks itself). */
    public void setTaskSink(Consumer<Task<?>> sink) {
        this.sink = sink;
    }

    @Override
    public <R> RunningJob<R> start(Job<R> job, JobListener<R> listener) {
        JobTask<R> task = new JobTask<>(job, listener, ui);
        ui.run(() -> sink.accept(task));
        pool.execute(task);
        return task;
    }

    /** A JavaFX Task around one of our jobs. */
    static final class JobTask<R> extends Task<R> implements RunningJob<R> {
        private final Job<R> job;
        private final JobListener<R> listener;
        private final UiThread ui;
        private final CompletableFuture<R> result = new CompletableFuture<>();
        private volatile JobContext context;
        private volatile boolean cancelRequested;

        JobTask(Job<R> job, JobListener<R> listener, UiThread ui) {
            this.job = job;
            this.listener = listener == null ? new JobListener<>() { } : listener;
            this.ui = ui;
            updateTitle(job.title());
        }

        @Override
        protected R call() {
            context = new JobContext(new JobListener<R>() {
                long total = -1;

                @Override
                public void started(String title, long t) {
                    total = t;
                    updateMessage("started");
                    ui.run(() -> listener.started(title, t));
                }

                @Override
                public void progress(Progress p) {
                    if (p.total() > 0) updateProgress(p.done(), p.total());
                    updateMessage(p.message());
                    ui.run(() -> listener.progress(p));
                }

                @Override
                public void removal(Removal<?> r) {
                    ui.run(() -> listener.removal(r));
                }
            });
            if (cancelRequested) context.cancel();
            try {
                R r = job.run(context);
                ui.run(() -> {
                    listener.finished(r);
                    result.complete(r);
                });
                return r;
            } catch (Throwable t) {
                ui.run(() -> {
                    listener.failed(t);
                    result.completeExceptionally(t);
                });
                throw t instanceof RuntimeException re ? re : new RuntimeException(t);
            }
        }

        /** Cooperative: the job ends after its current evaluation, with its partial result. */
        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            cancelRequested = true;
            JobContext c = context;
            if (c != null) c.cancel();
            updateMessage("cancelling…");
            return true;
        }

        @Override
        public CompletableFuture<R> result() {
            return result;
        }
    }
}
