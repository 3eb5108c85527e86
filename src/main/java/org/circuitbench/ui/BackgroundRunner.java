package org.circuitbench.ui;

import org.circuitbench.search.Job;
import org.circuitbench.search.JobListener;

/**
 * Runs jobs off the FX thread. The listener's events arrive on the UI thread, in order. The app
 * uses {@link FxBackgroundRunner}; view-model tests use one that runs jobs on the calling thread.
 */
public interface BackgroundRunner {
    <R> RunningJob<R> start(Job<R> job, JobListener<R> listener);
}
