package org.circuitbench.model.download;

/**
 * Progress of one download, called often from the downloading thread (a stall, from the
 * watchdog's). The hub's and the CUDA build's listeners are this one, so the app and the command
 * line show both the same way.
 */
@FunctionalInterface
public interface DownloadListener {
    void progress(String file, long done, long total);

    /** No data for {@code seconds}; by default shown as progress, "model.safetensors (no data for 12 s)". */
    default void stalled(String file, long done, long total, long seconds) {
        progress(file + " (no data for " + seconds + " s)", done, total);
    }
}
