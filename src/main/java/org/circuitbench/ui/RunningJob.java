package org.circuitbench.ui;

import java.util.concurrent.CompletableFuture;

/** A background job as the view models see it: cancel it, or wait for its result. */
public interface RunningJob<R> {
    /** Asks the job to stop after its current evaluation; it then finishes with a partial result. */
    boolean cancel();

    CompletableFuture<R> result();
}
