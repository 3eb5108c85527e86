package org.circuitbench.search;

/** What a running job sees: whether it was cancelled, and where to send its events. */
public final class JobContext {
    private volatile boolean cancelled;
    private final JobListener<?> listener;

    public JobContext(JobListener<?> listener) {
        this.listener = listener == null ? new JobListener<>() { } : listener;
    }

    public static JobContext silent() {
        return new JobContext(null);
    }

    public void cancel() {
        cancelled = true;
    }

    public boolean isCancelled() {
        return cancelled || Thread.currentThread().isInterrupted();
    }

    public JobListener<?> listener() {
        return listener;
    }

    void progress(Progress p) {
        listener.progress(p);
    }

    void removal(Removal<?> r) {
        listener.removal(r);
    }

    void started(String title, long total) {
        listener.started(title, total);
    }
}
