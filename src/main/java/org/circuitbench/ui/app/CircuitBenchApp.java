package org.circuitbench.ui.app;

import javafx.application.Application;
import javafx.application.Platform;
import javafx.scene.Scene;
import javafx.scene.image.Image;
import javafx.stage.Stage;
import org.circuitbench.model.AppPaths;
import org.circuitbench.session.RecoveryStore;
import org.circuitbench.ui.common.AppServices;
import org.circuitbench.ui.common.FxBackgroundRunner;
import org.circuitbench.ui.common.FxDialogService;
import org.circuitbench.ui.common.Workspace;

import java.util.List;

/**
 * The desktop app: builds the services, the view models and the window, shows the window at once
 * (the model loads and the first task is prepared in the background, with progress in the status
 * bar), then opens the first session.
 */
public final class CircuitBenchApp extends Application {
    private MainViewModel vm;
    private Workspace workspace;
    private FxBackgroundRunner runner;

    /** Entry point from {@code ./circuitbench} with no command. */
    public static void start(String[] args) {
        limitTorchThreads();
        Application.launch(CircuitBenchApp.class, args);
    }

    /**
     * PyTorch's threads per op: half the cores (at least one) unless set. The app runs its jobs side
     * by side (the live score beside a prune), and on a busy 2-core machine two spinning threads per
     * op made the first grid take 8 to 13 s instead of 0.5 s (docs/performance.md, Start-up).
     * {@code -Dai.djl.pytorch.num_threads=N} or OMP_NUM_THREADS chooses otherwise.
     */
    static void limitTorchThreads() {
        if (System.getProperty("ai.djl.pytorch.num_threads") == null && System.getenv("OMP_NUM_THREADS") == null) {
            System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(Math.max(1, Runtime.getRuntime().availableProcessors() / 2)));
        }
    }

    @Override
    public void start(Stage stage) {
        workspace = new Workspace();
        runner = new FxBackgroundRunner();
        AppServices services = AppServices.standard(runner, new FxDialogService(() -> stage), workspace);
        vm = new MainViewModel(services, RecoveryStore.inUserHome(), AppPaths.userDir());
        MainView view = new MainView(vm, runner);
        Scene scene = new Scene(view, 1360, 900);
        scene.getStylesheets().add(CircuitBenchApp.class.getResource("/org/circuitbench/ui/app.css").toExternalForm());
        stage.setScene(scene);
        stage.titleProperty().bind(vm.document().titleProperty());
        var icon = CircuitBenchApp.class.getResourceAsStream("/org/circuitbench/ui/icon.png");
        if (icon != null) stage.getIcons().add(new Image(icon));
        stage.show();
        List<String> args = getParameters().getRaw();
        Platform.runLater(() -> vm.document().start(args));
    }

    @Override
    public void stop() {
        if (vm != null) vm.document().closing();
        Platform.exit();
        System.exit(0); // PyTorch's threads do not stop on their own
    }
}
