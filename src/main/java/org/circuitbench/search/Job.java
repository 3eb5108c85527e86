package org.circuitbench.search;

/** A unit of background work that reports through its context and checks it for cancellation. */
public interface Job<R> {
    String title();

    R run(JobContext context) throws Exception;
}
