package org.circuitbench.ui.common;

/** Where view-model state changes run: the FX thread in the app, the caller's thread in tests. */
@FunctionalInterface
public interface UiThread {
    UiThread DIRECT = Runnable::run;

    void run(Runnable r);

    static UiThread fx() {
        return r -> {
            if (javafx.application.Platform.isFxApplicationThread()) r.run();
            else javafx.application.Platform.runLater(r);
        };
    }
}
