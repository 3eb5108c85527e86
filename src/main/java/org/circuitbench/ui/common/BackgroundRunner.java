package org.circuitbench.ui.common;

import org.circuitbench.search.Job;
import org.circuitbench.search.JobHandle;
import org.circuitbench.search.JobListener;

/**
 * Runs jobs off the FX thread; their events arrive on the UI thread, in order. Each job runs in a
 * lane: long work (prunes, sweeps, loading) shares {@link Lane#WORK}; the grid's live score has
 * {@link Lane#LIVE} to itself, so it never waits behind a prune; short checks that must stay quick
 * (the task editor's) use {@link Lane#QUICK}. The app uses {@link FxBackgroundRunner}; view-model
 * tests use one that runs jobs on the calling thread.
 */
public interface BackgroundRunner {
    enum Lane { WORK, LIVE, QUICK }

    <R> JobHandle<R> start(Lane lane, Job<R> job, JobListener<R> listener);

    default <R> JobHandle<R> start(Job.Fluent<R> job) {
        return start(Lane.WORK, job, job.listener());
    }

    default <R> JobHandle<R> start(Lane lane, Job.Fluent<R> job) {
        return start(lane, job, job.listener());
    }
}
