package org.circuitbench.ui.common;

import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import org.circuitbench.search.Job;

import java.util.Objects;

/**
 * The live score of something the user edits (the grid's circuit, the graph's, the task in the
 * editor): every edit asks for one, but while one is computed the newer asks merge, so only the
 * newest state is computed next, and a result is handed on only if it belongs to the state on
 * screen when it arrives. Rapid clicks thus cost at most one computation more than the last one,
 * and no number is ever shown beside a state it was not computed for.
 *
 * @param <T> what is scored (a circuit, a task definition)
 * @param <R> its score
 */
public final class LatestOnly<T, R> {
    /** What the scorer asks of its view model. */
    public interface Client<T, R> {
        /** What is on screen now; null when there is nothing to score. */
        T target();

        /** The job that scores {@code target} (its title and work), or null when it cannot be scored now (no task is ready). */
        Job.Fluent<R> job(T target);

        /** {@code result} belongs to the state on screen: show it. */
        void show(T target, R result);

        /** Scoring the state on screen failed. */
        void failed(T target, Throwable cause);

        /** There is nothing to score (no target, or no job for it): the score says so. */
        default void none() {
        }
    }

    private final BackgroundRunner runner;
    private final BackgroundRunner.Lane lane;
    private final Client<T, R> client;
    private final ReadOnlyBooleanWrapper busy = new ReadOnlyBooleanWrapper(false);
    private boolean computing;
    private boolean pending;
    private long generation; // the guard: bumped when what is scored changes under the scorer (another task)

    public LatestOnly(BackgroundRunner runner, BackgroundRunner.Lane lane, Client<T, R> client) {
        this.runner = runner;
        this.lane = lane;
        this.client = client;
    }

    /** Scores the state on screen: now if nothing is being computed, else once the running computation ends. */
    public void request() {
        if (computing) {
            pending = true;
            busy.set(true);
            return;
        }
        T target = client.target();
        Job.Fluent<R> job = target == null ? null : client.job(target);
        if (job == null) {
            busy.set(false);
            client.none();
            return;
        }
        long g = generation;
        computing = true;
        busy.set(true);
        runner.start(lane, job.onSuccess(r -> done(target, r, null, g)).onFailure(e -> done(target, null, e, g)));
    }

    /**
     * What is scored changed under the scorer (another task, or none): a computation running now
     * shows nothing, and the newest state is scored once it ends.
     */
    public void reset() {
        generation++;
        if (!computing) busy.set(false);
    }

    private void done(T target, R result, Throwable cause, long g) {
        computing = false;
        if (pending || g != generation || !Objects.equals(target, client.target())) { // the screen moved on: score what it shows now
            pending = false;
            request();
            return;
        }
        busy.set(false);
        if (cause != null) client.failed(target, cause);
        else client.show(target, result);
    }

    /** Whether a score is being computed or waits to be. */
    public ReadOnlyBooleanProperty busyProperty() {
        return busy.getReadOnlyProperty();
    }

    public boolean isBusy() {
        return busy.get();
    }
}
