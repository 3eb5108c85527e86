package org.circuitbench.ui.app;

import javafx.application.Platform;
import javafx.beans.value.ObservableValue;
import javafx.scene.Scene;
import org.circuitbench.util.StartupLog;
import org.circuitbench.util.StartupLog.Milestone;

import java.util.function.Predicate;

/**
 * Marks the milestones the app's window reaches ({@link StartupLog}): the first task on the grid,
 * the grid drawn, the first score drawn (its first frame is CircuitBenchApp's). It only watches the view models; with
 * {@code CIRCUITBENCH_EXIT_AFTER_STARTUP=1} it closes the app after the first score.
 */
final class StartupWatch {
    private StartupWatch() {
    }

    static void watch(Scene scene, MainViewModel vm) {
        once(vm.grid().circuitProperty(), c -> c != null, () -> {
            StartupLog.mark(Milestone.TASK);
            afterNextFrame(scene, () -> StartupLog.mark(Milestone.GRID));
        });
        once(vm.grid().detailsProperty(), d -> d != null, () -> afterNextFrame(scene, () -> {
            StartupLog.mark(Milestone.SCORE);
            if (StartupLog.exitAfterStartup()) Platform.runLater(() -> scene.getWindow().hide()); // the last window: the app stops
        }));
    }

    /** Runs {@code r} the first time {@code v} holds a value that passes {@code test}. */
    private static <T> void once(ObservableValue<T> v, Predicate<T> test, Runnable r) {
        if (test.test(v.getValue())) {
            r.run();
            return;
        }
        v.addListener(new javafx.beans.value.ChangeListener<T>() {
            @Override
            public void changed(ObservableValue<? extends T> o, T was, T now) {
                if (!test.test(now)) return;
                v.removeListener(this);
                r.run();
            }
        });
    }

    /** Runs {@code r} in the next pulse, after layout (the frame is drawn right after). */
    static void afterNextFrame(Scene scene, Runnable r) {
        boolean[] done = {false};
        Runnable[] self = new Runnable[1];
        self[0] = () -> {
            if (done[0]) return;
            done[0] = true;
            r.run();
            Platform.runLater(() -> scene.removePostLayoutPulseListener(self[0])); // not while the scene walks its listeners
        };
        scene.addPostLayoutPulseListener(self[0]);
        Platform.requestNextPulse();
    }
}
