package org.circuitbench.search;

/**
 * Events of a background job, in order: started, progress and removals while it runs, then
 * finished (also for a cancelled run, whose result says so) or failed. Called on the job's thread.
 */
public interface JobListener<R> {
    /** {@code total} is the number of evaluations expected, or −1 when it is not known in advance. */
    default void started(String title, long total) {
    }

    default void progress(Progress progress) {
    }

    default void removal(Removal<?> removal) {
    }

    default void finished(R result) {
    }

    default void failed(Throwable cause) {
    }
}
