package org.circuitbench.ui.common;

import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyDoubleProperty;
import javafx.beans.property.ReadOnlyDoubleWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import org.circuitbench.search.Job;
import org.circuitbench.search.JobContext;
import org.circuitbench.search.JobHandle;
import org.circuitbench.search.JobListener;
import org.circuitbench.search.Progress;
import org.circuitbench.search.Removal;

import java.time.Clock;
import java.util.Locale;

/**
 * One view model's background work as the window shows it: whether it runs, its progress and time
 * left, a status line, and Cancel; and the guard that keeps a job of an older state from showing
 * anything. Every view model that starts work holds one (or one per independent piece of work)
 * instead of its own running flag, epoch counter and handle.
 * <p>
 * The state moves on with {@link #reset()} (another session, task or model) and with each
 * {@link #start}: from then on the older job is cancelled and its events, result and failure are
 * dropped, so a result never lands on a screen that shows something else. A {@link #side} job
 * runs alongside without being tracked, and falls silent the same way.
 */
public final class JobState {
    private final BackgroundRunner runner;
    private final Clock clock;
    private final ReadOnlyBooleanWrapper running = new ReadOnlyBooleanWrapper(false);
    private final ReadOnlyDoubleWrapper progress = new ReadOnlyDoubleWrapper(0);
    private final ReadOnlyStringWrapper eta = new ReadOnlyStringWrapper("");
    private final StringProperty status = new SimpleStringProperty("");
    private long generation; // the guard: bumped whenever the state moves on
    private Tracked current;  // the tracked job, until it ends or the state moves on
    private long startedAt;

    public JobState(BackgroundRunner runner, Clock clock) {
        this.runner = runner;
        this.clock = clock;
    }

    public JobState(AppServices services) {
        this(services.runner(), services.clock());
    }

    /** Starts the tracked job in the work lane; see {@link #start(BackgroundRunner.Lane, Job.Fluent)}. */
    public <R> JobHandle<R> start(Job.Fluent<R> job) {
        return start(BackgroundRunner.Lane.WORK, job);
    }

    /**
     * Starts the tracked job: it runs, its progress and time left show here, and its handlers
     * run while it is still this state's newest job. A job still running from before is cancelled
     * and falls silent (callers that must not replace one check {@link #runningProperty()} first).
     */
    public <R> JobHandle<R> start(BackgroundRunner.Lane lane, Job.Fluent<R> job) {
        moveOn();
        long g = generation;
        startedAt = clock.millis();
        running.set(true);
        progress.set(-1);
        eta.set("");
        Tracked t = new Tracked();
        current = t;
        JobHandle<R> h = runner.start(lane, Job.of(job.title(), ctx -> {
            t.running(ctx);
            return job.run(ctx);
        }), guarded(g, job.listener(), true));
        t.handle = h;
        return h;
    }

    /** A short job alongside the tracked one (not shown as running); its handlers run until the state moves on. */
    public <R> JobHandle<R> side(BackgroundRunner.Lane lane, Job.Fluent<R> job) {
        return runner.start(lane, job, guarded(generation, job.listener(), false));
    }

    /**
     * The state moved on (another session, task or model): the running job stops, nothing of it
     * shows, and the progress bar and time left clear. The status line is the view model's to say.
     */
    public void reset() {
        moveOn();
    }

    /** Asks the running job to stop after its current step; it then ends as its kind does (a partial result, or a failure). */
    public void cancel() {
        if (current != null && running.get()) current.cancel();
    }

    private void moveOn() {
        generation++;
        if (current != null) current.cancel();
        current = null;
        running.set(false);
        progress.set(0);
        eta.set("");
    }

    private <R> JobListener<R> guarded(long g, JobListener<R> l, boolean tracked) {
        return new JobListener<>() {
            @Override
            public void started(String title, long total) {
                if (g == generation) l.started(title, total);
            }

            @Override
            public void progress(Progress p) {
                if (g != generation) return;
                if (tracked) {
                    progress.set(p.fraction());
                    eta.set(eta(p, (clock.millis() - startedAt) / 1e3));
                }
                l.progress(p);
            }

            @Override
            public void removal(Removal<?> r) {
                if (g == generation) l.removal(r);
            }

            @Override
            public void finished(R result) {
                if (g != generation) return;
                if (tracked) ended();
                l.finished(result);
            }

            @Override
            public void failed(Throwable cause) {
                if (g != generation) return;
                if (tracked) ended();
                l.failed(cause);
            }
        };
    }

    /** The job ended: it no longer runs, and no time is left (a cancelled run keeps its progress bar where it stopped). */
    private void ended() {
        current = null;
        running.set(false);
        eta.set("");
    }

    /**
     * The tracked job's handle and, once it runs, its context: Cancel reaches it whether it waits
     * in its lane, runs on another thread, or runs on this one (a runner that runs jobs at once).
     */
    private static final class Tracked {
        volatile JobHandle<?> handle;
        private volatile JobContext context;
        private volatile boolean cancelled;

        void running(JobContext ctx) {
            context = ctx;
            if (cancelled) ctx.cancel();
        }

        void cancel() {
            cancelled = true;
            JobContext c = context;
            if (c != null) c.cancel();
            JobHandle<?> h = handle;
            if (h != null) h.cancel();
        }
    }

    /** "259/2000 · 46 s left" while the total is known, else "259 done · 12 s". */
    static String eta(Progress p, double seconds) {
        if (p.total() > 0 && p.done() > 0) {
            return String.format(Locale.ROOT, "%,d/%,d · %.0f s left", p.done(), p.total(), seconds / p.done() * (p.total() - p.done()));
        }
        return String.format(Locale.ROOT, "%,d done · %.0f s", p.done(), seconds);
    }

    /** Sets the progress bar (a job of several steps shows its overall share); −1: indeterminate. */
    public void setProgress(double fraction) {
        progress.set(fraction);
    }

    /** Seconds since the tracked job started. */
    public double seconds() {
        return (clock.millis() - startedAt) / 1e3;
    }

    public ReadOnlyBooleanProperty runningProperty() {
        return running.getReadOnlyProperty();
    }

    public boolean isRunning() {
        return running.get();
    }

    public ReadOnlyDoubleProperty progressProperty() {
        return progress.getReadOnlyProperty();
    }

    public ReadOnlyStringProperty etaProperty() {
        return eta.getReadOnlyProperty();
    }

    /** The status line; the view model writes what each step means. */
    public StringProperty statusProperty() {
        return status;
    }
}
