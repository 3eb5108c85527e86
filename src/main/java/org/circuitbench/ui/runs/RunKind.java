package org.circuitbench.ui.runs;

import org.circuitbench.search.Job;

import java.util.List;

/**
 * What one kind of run (prunes of nodes, runs on edges) adds to the one run lifecycle of
 * {@link RunViewModel}: how a run starts from its settings, what it ends as, and where its
 * circuit goes.
 *
 * @param <R> the run's record, as the session keeps it
 */
public interface RunKind<R> {
    /** A run about to start: the job's title, the status line while it runs, and its work, which ends as an {@link Outcome}. */
    record Launch<R>(String title, String status, Job.Body<Outcome<R>> work) {
    }

    /** How a run ended: its record, the status line, rows that follow its removals in the log (a curve), and whether it was cancelled. */
    record Outcome<R>(R record, String summary, List<LogRow> curve, boolean cancelled) {
    }

    /** The run at {@code threshold} with the kind's settings; an IllegalArgumentException says why it cannot start. */
    Launch<R> launch(double threshold);

    /** A past run's log, as it filled while the run went. */
    List<LogRow> log(R record);

    /** Puts the run's circuit where this kind of run edits (the grid, the graph); an IllegalArgumentException says why not. */
    void apply(R record);

    /** The run as the history lists it. */
    String describe(R record);

    /** Whether the run is of the session's model now (a run of another model is kept, not shown). */
    boolean ofThisModel(R record);

    /** A threshold as typed in the field: 3, not 3.0. */
    static String fmt(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
