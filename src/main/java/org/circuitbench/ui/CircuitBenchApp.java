package org.circuitbench.ui;

import javafx.application.Application;
import javafx.application.Platform;
import javafx.scene.Scene;
import javafx.scene.image.Image;
import javafx.stage.Stage;
import org.circuitbench.model.AppPaths;
import org.circuitbench.session.RecoveryStore;

import java.util.List;

/** The desktop app: builds the view models and the window, then opens the first session. */
public final class CircuitBenchApp extends Application {
    private MainViewModel vm;
    private Workspace workspace;

    /** Entry point from {@code ./circuitbench} with no command. */
    public static void start(String[] args) {
        Application.launch(CircuitBenchApp.class, args);
    }

    @Override
    public void start(Stage stage) throws Exception {
        workspace = new Workspace();
        FxBackgroundRunner runner = new FxBackgroundRunner();
        vm = new MainViewModel(runner, workspace, RecoveryStore.inUserHome(), AppPaths.userDir());
        MainView view = new MainView(vm, runner);
        Scene scene = new Scene(view, 1360, 900);
        scene.getStylesheets().add(CircuitBenchApp.class.getResource("/org/circuitbench/ui/app.css").toExternalForm());
        stage.setScene(scene);
        stage.titleProperty().bind(vm.titleProperty());
        var icon = CircuitBenchApp.class.getResourceAsStream("/org/circuitbench/ui/icon.png");
        if (icon != null) stage.getIcons().add(new Image(icon));
        stage.setOnCloseRequest(e -> {
            if (vm.dirtyProperty().get() && !Dialogs.confirm(stage, "Quit without saving?",
                    "The session has unsaved changes. A recovery copy is kept until you save.", "Quit", "Stay")) {
                e.consume();
            }
        });
        stage.show();
        List<String> args = getParameters().getRaw();
        Platform.runLater(() -> view.firstStart(args));
    }

    @Override
    public void stop() {
        if (vm != null) vm.closing();
        Platform.exit();
        System.exit(0); // PyTorch's threads do not stop on their own
    }
}
