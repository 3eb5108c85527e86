package org.circuitbench.ui.app;

import javafx.application.Platform;
import javafx.geometry.Pos;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.scene.layout.VBox;

/**
 * What the window shows while the app is being built, a fraction of a second after the start: the
 * name and a progress line for each start-up step ({@link StartupPreload}'s). Plain labels, so that
 * its first frame costs almost nothing; the app replaces it as soon as it is built.
 */
final class StartupScreen extends VBox {
    private final Label step = new Label("Starting…");

    StartupScreen(StartupPreload preload) {
        Label name = new Label("Circuit Workbench");
        name.getStyleClass().add("startup-title");
        step.setId("startup-step");
        step.getStyleClass().add("caption");
        ProgressBar bar = new ProgressBar(-1);
        bar.setPrefWidth(240);
        getChildren().addAll(name, bar, step);
        setAlignment(Pos.CENTER);
        setSpacing(12);
        setId("startup-screen");
        preload.onStep(s -> Platform.runLater(() -> step.setText(s)));
    }
}
