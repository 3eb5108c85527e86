package org.circuitbench.ui.common;

import javafx.concurrent.Task;
import org.circuitbench.search.Job;
import org.circuitbench.search.JobHandle;
import org.circuitbench.search.JobListener;
import org.circuitbench.search.Progress;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

/**
 * Runs each job's {@link JobHandle} on a pool of daemon threads per lane, with its events on the FX
 * thread. Jobs of the work lane are also shown as {@link javafx.concurrent.Task}s (progress,
 * message, cancel) in a sink such as ControlsFX's TaskProgressView; the live score and quick
 * checks are not, as they come and go with every click or keystroke.
 */
public final class FxBackgroundRunner implements BackgroundRunner, AutoCloseable {
    private final Map<Lane, ExecutorService> pools = new EnumMap<>(Lane.class);
    private final UiThread ui = UiThread.fx();
    private Consumer<Task<?>> sink = t -> { };

    public FxBackgroundRunner() {
        pools.put(Lane.WORK, pool("circuitbench-work", 2));
        pools.put(Lane.LIVE, pool("circuitbench-live", 1));
        pools.put(Lane.QUICK, pool("circuitbench-quick", 1));
    }

    private static ExecutorService pool(String name, int threads) {
        return Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    /** Where each work-lane task is shown, e.g. a TaskProgressView's list (which removes finished tasks itself). */
    public void setTaskSink(Consumer<Task<?>> sink) {
        this.sink = sink;
    }

    /** Starts a job in a lane; once the runner is closed (the app is ending) nothing more starts. */
    @Override
    public <R> JobHandle<R> start(Lane lane, Job<R> job, JobListener<R> listener) {
        ExecutorService pool = pools.get(lane);
        try {
            if (lane != Lane.WORK) {
                JobHandle<R> h = new JobHandle<>(job, listener, ui::run);
                pool.execute(h::run);
                return h;
            }
            ShownTask<R> task = new ShownTask<>(job, listener, ui);
            pool.execute(task);
            ui.run(() -> sink.accept(task));
            return task.handle;
        } catch (RejectedExecutionException closed) {
            return new JobHandle<>(job, listener, ui::run); // never runs
        }
    }

    @Override
    public void close() {
        pools.values().forEach(ExecutorService::shutdownNow);
    }

    /** A JavaFX Task that shows a job's progress; cancelling it cancels the job (cooperatively). */
    private static final class ShownTask<R> extends Task<Void> {
        final JobHandle<R> handle;

        ShownTask(Job<R> job, JobListener<R> listener, UiThread ui) {
            JobListener<R> l = listener == null ? new JobListener<>() { } : listener;
            this.handle = new JobHandle<>(job, new JobListener<>() {
                @Override
                public void started(String title, long total) {
                    l.started(title, total);
                }

                @Override
                public void progress(Progress p) {
                    if (p.total() > 0) updateProgress(p.done(), p.total());
                    updateMessage(p.message());
                    l.progress(p);
                }

                @Override
                public void removal(org.circuitbench.search.Removal<?> r) {
                    l.removal(r);
                }

                @Override
                public void finished(R r) {
                    l.finished(r);
                }

                @Override
                public void failed(Throwable cause) {
                    l.failed(cause);
                }
            }, ui::run);
            updateTitle(job.title());
        }

        @Override
        protected Void call() throws Exception {
            handle.run();
            Throwable t = handle.failure();
            if (t instanceof Exception e) throw e;
            if (t != null) throw new IllegalStateException(t);
            return null;
        }

        /** Cooperative: the job ends after its current evaluation, with its partial result. */
        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            handle.cancel();
            updateMessage("cancelling…");
            return true;
        }
    }
}
