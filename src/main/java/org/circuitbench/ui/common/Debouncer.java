package org.circuitbench.ui.common;

import javafx.animation.PauseTransition;
import javafx.util.Duration;

/**
 * Runs the last of a burst of requests once the burst is over (the task editor's checks while
 * typing). In the app a request waits for a pause; tests run it at once.
 */
@FunctionalInterface
public interface Debouncer {
    Debouncer IMMEDIATE = Runnable::run;

    /** Runs {@code r} after a pause of requests to this debouncer, instead of any earlier request. */
    void request(Runnable r);

    /** On the FX thread, after {@code millis} without a newer request. */
    static Debouncer fx(long millis) {
        return new Debouncer() {
            private PauseTransition pause;
            private Runnable last;

            @Override
            public void request(Runnable r) {
                last = r;
                if (pause == null) {
                    pause = new PauseTransition(Duration.millis(millis));
                    pause.setOnFinished(e -> last.run());
                }
                pause.playFromStart();
            }
        };
    }
}
