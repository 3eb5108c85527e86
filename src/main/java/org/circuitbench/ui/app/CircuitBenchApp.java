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
import org.circuitbench.util.StartupLog;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The desktop app: builds the services, the view models and the window, shows the window at once
 * (the model loads and the first task is prepared in the background, with progress in the status
 * bar), then opens the first session.
 */
public final class CircuitBenchApp extends Application {
    private MainViewModel vm;
    private Workspace workspace;
    private FxBackgroundRunner runner;

    private static StartupPreload preload;

    /**
     * Entry point from {@code ./circuitbench} with no command, or a session file. The first
     * screen's work (PyTorch's natives, the model, the task, the first score) starts at once in the
     * background ({@link StartupPreload}); JavaFX starts meanwhile.
     */
    public static void start(String[] args) {
        limitTorchThreads();
        preload = StartupPreload.begin(List.of(args));
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
        if (preload == null) preload = StartupPreload.begin(getParameters().getRaw()); // launched another way
        runner = new FxBackgroundRunner();
        open(stage, preload, getParameters().getRaw(), runner, ws -> AppServices.standard(runner, new FxDialogService(() -> stage), ws),
                RecoveryStore.inUserHome(), AppPaths.userDir(), built -> {
                    vm = built;
                    workspace = preload.workspace();
                });
    }

    /**
     * Shows the window at once, with a progress line for each start-up step ({@link StartupScreen}),
     * then builds the app in it once that frame is drawn, and opens the first session. The first
     * session's model and task are meanwhile read in the background ({@link StartupPreload}).
     * Tests call this with their own services.
     */
    static void open(Stage stage, StartupPreload preload, List<String> args, FxBackgroundRunner runner,
                     Function<Workspace, AppServices> services, RecoveryStore recovery, Path userDir, Consumer<MainViewModel> built) {
        String css = CircuitBenchApp.class.getResource("/org/circuitbench/ui/app.css").toExternalForm();
        Scene first = new Scene(new StartupScreen(preload), 1360, 900);
        first.getStylesheets().add(css);
        stage.setScene(first);
        stage.setTitle("Circuit Workbench");
        var icon = CircuitBenchApp.class.getResourceAsStream("/org/circuitbench/ui/icon.png");
        if (icon != null) stage.getIcons().add(new Image(icon));
        stage.show();
        // A frame is drawn on the render thread after its pulse, and then handed to the window on
        // this thread; the next pulse waits for that drawing. So once the third pulse comes, the
        // first frame is on the screen, and only then is the app built here (it keeps this thread
        // busy for a while).
        StartupWatch.afterNextFrame(first, () -> StartupWatch.afterNextFrame(first, () -> StartupWatch.afterNextFrame(first, () -> {
            StartupLog.mark(StartupLog.Milestone.WINDOW);
            Platform.runLater(() -> {
                preload.awaitNativesChosen(); // the services read the GPU set-up it applies
                MainViewModel vm = new MainViewModel(services.apply(preload.workspace()), recovery, userDir);
                Scene scene = new Scene(new MainView(vm, runner), first.getWidth(), first.getHeight());
                scene.getStylesheets().add(css);
                stage.setScene(scene); // the window keeps its size
                stage.titleProperty().bind(vm.document().titleProperty());
                StartupWatch.watch(scene, vm);
                built.accept(vm);
                Platform.runLater(() -> vm.document().start(args));
            });
        })));
    }

    @Override
    public void stop() {
        if (vm != null) vm.document().closing();
        Platform.exit();
        System.exit(0); // PyTorch's threads do not stop on their own
    }
}
