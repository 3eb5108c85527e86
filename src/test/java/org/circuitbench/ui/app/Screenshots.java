package org.circuitbench.ui.app;

import javafx.application.Platform;
import javafx.scene.Scene;
import javafx.stage.Stage;
import org.circuitbench.model.AppPaths;
import org.circuitbench.session.RecoveryStore;
import org.circuitbench.session.Session;
import org.circuitbench.session.SessionFiles;
import org.circuitbench.ui.common.AppServices;
import org.circuitbench.ui.common.Exports;
import org.circuitbench.ui.common.FxBackgroundRunner;
import org.circuitbench.ui.common.FxDialogService;
import org.circuitbench.ui.common.Workspace;
import org.circuitbench.ui.grid.GridViewModel;
import org.circuitbench.ui.heads.HeadInspectorView;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Developer tool behind packaging/screenshot.sh: opens the app's window (under Xvfb, with the real
 * toolkit), shows the views the README shows, and writes each as a PNG of the window's content:
 * the grid (circuit.png), the task editor (task-editor.png), importance (importance.png),
 * compare (compare.png), the Heads view (heads.png), the head inspector (inspector.png) and the
 * Graph view (graph.png) and the grid's attribution overlay (estimate.png).
 * <pre>java -cp target/classes:target/test-classes:target/lib/* org.circuitbench.ui.Screenshots OUT_DIR [WIDTH HEIGHT]</pre>
 */
public final class Screenshots {
    private Screenshots() {
    }

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args.length > 0 ? args[0] : "docs");
        int width = args.length > 2 ? Integer.parseInt(args[1]) : 1360, height = args.length > 2 ? Integer.parseInt(args[2]) : 900;
        Files.createDirectories(out);
        Path user = Files.createTempDirectory("cb-screens");
        System.setProperty("circuitbench.userDir", user.toString());
        CountDownLatch started = new CountDownLatch(1);
        Platform.startup(started::countDown);
        started.await();
        MainViewModel[] vm = new MainViewModel[1];
        MainView[] view = new MainView[1];
        onFx(() -> {
            Stage stage = new Stage();
            Workspace ws = new Workspace();
            FxBackgroundRunner runner = new FxBackgroundRunner();
            vm[0] = new MainViewModel(AppServices.standard(runner, new FxDialogService(() -> stage), ws), new RecoveryStore(user), user);
            view[0] = new MainView(vm[0], runner);
            Scene scene = new Scene(view[0], width, height);
            scene.getStylesheets().add(Screenshots.class.getResource("/org/circuitbench/ui/app.css").toExternalForm());
            stage.setScene(scene);
            stage.setTitle("Circuit Workbench");
            stage.show();
            vm[0].document().open(AppPaths.samples().orElseThrow().resolve("sessions/cross-task-seqcont-tiny" + SessionFiles.EXTENSION));
            vm[0].document().fileProperty().set(null);
        });
        MainViewModel m = vm[0];
        await(() -> m.grid().detailsProperty().get() != null && !m.preparingProperty().get(), 120);
        onFx(() -> {
            Session.NamedCircuit digits = m.circuits().get(0);
            m.showOnGrid(digits);
        });
        await(() -> m.grid().detailsProperty().get() != null && m.grid().circuit().size() < 144, 60);
        shoot(view[0], out.resolve("circuit.png"));

        onFx(() -> view[0].tabs().getSelectionModel().select(1));
        await(() -> m.editor().preview().size() > 0, 30);
        shoot(view[0], out.resolve("task-editor.png"));

        onFx(() -> {
            view[0].tabs().getSelectionModel().select(tab(view[0], "tab-analysis"));
            ((javafx.scene.control.TabPane) tab(view[0], "tab-analysis").getContent()).getSelectionModel().select(0);
            m.analysis().runImportance();
        });
        await(() -> m.analysis().importanceResultProperty().get() != null && !m.analysis().busyProperty().get(), 120);
        shoot(view[0], out.resolve("importance.png"));

        onFx(() -> {
            ((javafx.scene.control.TabPane) tab(view[0], "tab-analysis").getContent()).getSelectionModel().select(1);
            m.analysis().selectedForCompare().setAll(m.circuits().stream().limit(3).map(Session.NamedCircuit::name).toList());
            m.analysis().runComparison();
        });
        await(() -> !m.analysis().comparison().isEmpty() && !m.analysis().busyProperty().get(), 120);
        onFx(() -> {
            m.analysis().selectedForCompare().setAll(m.circuits().stream().map(Session.NamedCircuit::name).toList());
            m.analysis().runMatrix();
        });
        await(() -> m.analysis().matrixProperty().get() != null && !m.analysis().busyProperty().get(), 180);
        shoot(view[0], out.resolve("compare.png"));

        // the Heads view on the grid's circuit: DLA, the lens beside the full model's, the estimate against the sweep
        onFx(() -> {
            view[0].tabs().getSelectionModel().select(tab(view[0], "tab-heads"));
            m.heads().selectedScopeProperty().set(m.heads().scopes().get(1));
            m.heads().compute();
        });
        await(() -> !m.heads().busyProperty().get() && m.heads().heatmapProperty().get() != null, 300);
        onFx(() -> m.heads().estimate());
        await(() -> !m.heads().estimatingProperty().get() && !m.heads().scatter().isEmpty(), 60);
        shoot(view[0], out.resolve("heads.png"));

        onFx(() -> m.heads().inspect(org.circuitbench.ablation.Node.head(9, 1)));
        await(() -> m.heads().inspector().patternProperty().get() != null && !m.heads().inspector().ovTokens().isEmpty(), 120);
        Thread.sleep(500);
        onFx(() -> {
            try {
                for (javafx.stage.Window w : List.copyOf(javafx.stage.Window.getWindows())) {
                    if (w.getScene() != null && w.getScene().getRoot() instanceof HeadInspectorView) {
                        Exports.writePng(w.getScene().getRoot(), out.resolve("inspector.png"));
                        ((Stage) w).hide();
                    }
                }
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });

        // the Graph view: the minimal circuit by attribution at T = 10 from every edge
        onFx(() -> {
            view[0].tabs().getSelectionModel().select(tab(view[0], "tab-graph"));
            m.edgeRunSettings().methodProperty().set(org.circuitbench.ui.runs.EdgeRuns.Method.ATTRIBUTION);
            m.edgeRuns().thresholdTextProperty().set("10");
        });
        await(() -> m.graph().edits().scoreProperty().get() != null && m.graph().attribution().attributionProperty().get() != null, 300);
        onFx(() -> m.edgeRuns().start());
        await(() -> !m.edgeRuns().history().isEmpty() && !m.edgeRuns().runningProperty().get(), 600);
        onFx(() -> m.edgeRuns().applySelected());
        await(() -> m.graph().edits().scoreProperty().get() != null && !m.graph().edits().busyProperty().get(), 300);
        shoot(view[0], out.resolve("graph.png"));

        onFx(() -> {
            view[0].tabs().getSelectionModel().select(tab(view[0], "tab-circuit"));
            m.grid().overlayProperty().set(GridViewModel.Overlay.ATTRIBUTION);
        });
        await(() -> m.grid().estimateIsCurrent(), 60);
        shoot(view[0], out.resolve("estimate.png"));
        System.out.println("wrote " + List.of("circuit.png", "task-editor.png", "importance.png", "compare.png", "heads.png", "inspector.png",
                "graph.png", "estimate.png") + " to " + out);
        System.exit(0);
    }

    private static void shoot(MainView view, Path file) throws Exception {
        Thread.sleep(500); // let the last layout and animations settle
        onFx(() -> {
            try {
                Exports.writePng(view.getScene().getRoot(), file);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
    }

    private static void onFx(Runnable r) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        Platform.runLater(() -> {
            try {
                r.run();
            } finally {
                done.countDown();
            }
        });
        if (!done.await(60, TimeUnit.SECONDS)) throw new IllegalStateException("the FX thread did not answer");
    }

    private static void await(BooleanSupplier ready, int seconds) throws Exception {
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        while (System.nanoTime() < end) {
            boolean[] r = new boolean[1];
            onFx(() -> r[0] = ready.getAsBoolean());
            if (r[0]) return;
            Thread.sleep(200);
        }
        throw new IllegalStateException("the app was not ready within " + seconds + " s");
    }

    /** The main window's tab with this id (tabs are found by id, not by position). */
    static javafx.scene.control.Tab tab(MainView v, String id) {
        return v.tabs().getTabs().stream().filter(t -> id.equals(t.getId())).findFirst().orElseThrow();
    }
}
