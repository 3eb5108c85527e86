package org.circuitbench.ui.app;

import javafx.animation.KeyFrame;
import javafx.animation.Timeline;
import javafx.beans.binding.Bindings;
import javafx.collections.ListChangeListener;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.Menu;
import javafx.scene.control.MenuBar;
import javafx.scene.control.MenuItem;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.RadioMenuItem;
import javafx.scene.control.SeparatorMenuItem;
import javafx.scene.control.Tab;
import javafx.scene.control.TabPane;
import javafx.scene.control.ToggleGroup;
import javafx.scene.control.Tooltip;
import javafx.scene.input.KeyCombination;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.FlowPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import javafx.stage.Window;
import javafx.stage.WindowEvent;
import javafx.util.Duration;
import org.circuitbench.ui.common.MethodChoice;
import org.circuitbench.ablation.AblationKind;
import org.circuitbench.ablation.Metric;
import org.circuitbench.ablation.Normalisation;
import org.circuitbench.model.AppPaths;
import org.circuitbench.search.CircuitFormats;
import org.circuitbench.session.Session;
import org.circuitbench.ui.analysis.AnalysisView;
import org.circuitbench.ui.common.Controls;
import org.circuitbench.ui.common.Exports;
import org.circuitbench.ui.common.FxBackgroundRunner;
import org.circuitbench.ui.graph.GraphView;
import org.circuitbench.ui.grid.HeadGridView;
import org.circuitbench.ui.heads.AttentionPatternView;
import org.circuitbench.ui.heads.HeadInspectorView;
import org.circuitbench.ui.heads.HeadsView;
import org.circuitbench.ui.model.GpuViewModel;
import org.circuitbench.ui.runs.EdgeRunsPanel;
import org.circuitbench.ui.runs.RunsView;
import org.circuitbench.ui.task.TaskEditorView;
import org.controlsfx.control.TaskProgressView;

import java.nio.file.Path;
import java.util.List;

/**
 * The window: menus, the banners (demo model, the session's missing model, errors), tasks and
 * named circuits on the left, the feature tabs, the status bar. It only binds: every action is a
 * view model's, and every question goes through the {@link DialogService}.
 */
public final class MainView extends BorderPane {
    private final MainViewModel vm;
    private final HeadGridView gridView;
    private final GraphView graphView;
    private final TabPane tabs = new TabPane();

    public MainView(MainViewModel vm, FxBackgroundRunner runner) {
        this.vm = vm;
        getStyleClass().add("main-view");
        gridView = new HeadGridView(vm.grid());
        gridView.setOnAttentionPattern(n -> AttentionPatternView.show(window(), vm.heads(), n));
        graphView = new GraphView(vm.graph(), new EdgeRunsPanel(vm.edgeRuns(), vm.edgeRunSettings()));
        graphView.canvas().setOnInspect(vm.heads()::inspect);
        gridView.setOnInspect(vm.heads()::inspect);
        gridView.setOnExactSweep(vm.analysis()::runImportance);
        HeadInspectorView.install(this::window, vm.heads().inspector(),
                getClass().getResource("/org/circuitbench/ui/app.css") == null ? null : getClass().getResource("/org/circuitbench/ui/app.css").toExternalForm());

        tabs.getTabs().addAll(
                tab("Circuit", "tab-circuit", padded(gridView)),
                tab("Task editor", "tab-editor", new TaskEditorView(vm.editor())),
                tab("Graph", "tab-graph", graphView),
                tab("Runs", "tab-runs", new RunsView(vm.runs(), vm.prunes(), vm::askToSaveRun)),
                tab("Importance & compare", "tab-analysis", new AnalysisView(vm.analysis(), vm.circuits())),
                tab("Heads", "tab-heads", new HeadsView(vm.heads())));
        tabs.setTabClosingPolicy(TabPane.TabClosingPolicy.UNAVAILABLE);
        Tab graphTab = tabs.getTabs().stream().filter(t -> "tab-graph".equals(t.getId())).findFirst().orElseThrow();
        vm.graph().activeProperty().bind(graphTab.selectedProperty());

        setTop(new VBox(menus(), demoBanner(), modelBanner(), warningBanner(), errorBar()));
        setLeft(sidebar(runner));
        setCenter(tabs);
        setBottom(statusBar());

        Timeline autosave = new Timeline(new KeyFrame(Duration.seconds(30), e -> vm.document().autosave()));
        autosave.setCycleCount(Timeline.INDEFINITE);
        Timeline memory = new Timeline(new KeyFrame(Duration.seconds(3), e -> vm.model().refreshSummary()));
        memory.setCycleCount(Timeline.INDEFINITE);
        // While this view is the window's content: Quit, Ctrl+Q and the close button ask before
        // unsaved work is lost, and the timers run. A window that gets other content drops both.
        javafx.event.EventHandler<WindowEvent> guard = e -> {
            if (!vm.document().requestQuit()) e.consume();
        };
        sceneProperty().addListener((o, was, scene) -> {
            if (scene == null) return;
            scene.windowProperty().addListener((o2, w0, w) -> {
                if (w0 != null) w0.removeEventFilter(WindowEvent.WINDOW_CLOSE_REQUEST, guard);
                if (w == null) return;
                w.addEventFilter(WindowEvent.WINDOW_CLOSE_REQUEST, guard);
                autosave.play();
                memory.play();
                w.sceneProperty().addListener((o3, s0, s1) -> {
                    if (s1 != scene) {
                        w.removeEventFilter(WindowEvent.WINDOW_CLOSE_REQUEST, guard);
                        autosave.stop();
                        memory.stop();
                    }
                });
            });
        });
    }

    public HeadGridView gridView() {
        return gridView;
    }

    public GraphView graphView() {
        return graphView;
    }

    public TabPane tabs() {
        return tabs;
    }

    private static Tab tab(String title, String id, javafx.scene.Node content) {
        Tab t = new Tab(title, content);
        t.setId(id);
        return t;
    }

    private static BorderPane padded(javafx.scene.Node n) {
        BorderPane p = new BorderPane(n);
        p.setPadding(new Insets(10));
        return p;
    }

    private Window window() {
        return getScene() == null ? null : getScene().getWindow();
    }

    // ---- menus ----------------------------------------------------------------------------------

    private MenuBar menus() {
        Menu file = new Menu("File");
        Menu recent = new Menu("Open recent");
        recent.setId("menu-recent");
        Runnable fillRecent = () -> {
            recent.getItems().clear();
            for (Path p : vm.document().recent()) recent.getItems().add(item(p.toString(), null, null, () -> vm.document().openRecent(p)));
            recent.setDisable(vm.document().recent().isEmpty());
        };
        vm.document().recent().addListener((ListChangeListener<Path>) c -> fillRecent.run());
        fillRecent.run();
        Menu export = new Menu("Export");
        export.getItems().addAll(
                item("Grid as PNG…", "menu-export-png", null, () -> vm.export().exportGridImage(scale -> Exports.png(gridView, scale))),
                item("Removal log of the selected run as CSV…", "menu-export-csv", null, vm.export()::exportSelectedRun),
                item("Grid circuit as JSON…", null, null, () -> vm.export().exportGridCircuit(CircuitFormats.Format.JSON)),
                item("Grid circuit in the paper's JSON…", null, null, () -> vm.export().exportGridCircuit(CircuitFormats.Format.PAPER)),
                item("Grid circuit as a Python list…", null, null, () -> vm.export().exportGridCircuit(CircuitFormats.Format.PYTHON)),
                new SeparatorMenuItem(),
                item("Graph as PNG…", "menu-export-graph-png", null, () -> vm.graph().exportPng(scale -> Exports.png(graphView.canvas(), scale))),
                item("Graph as SVG…", "menu-export-graph-svg", null, () -> vm.graph().exportSvg(graphView.graphLayout())),
                item("Graph for Graphviz (DOT)…", "menu-export-graph-dot", null, () -> vm.graph().export(CircuitFormats.Format.DOT)),
                item("Edge circuit as JSON…", "menu-export-edges-json", null, () -> vm.graph().export(CircuitFormats.Format.JSON)),
                item("Edge circuit as a Python list…", "menu-export-edges-py", null, () -> vm.graph().export(CircuitFormats.Format.PYTHON)));
        MenuItem quit = item("Quit", "menu-quit", "Shortcut+Q", () -> {
            Window w = window();
            if (w != null) w.fireEvent(new WindowEvent(w, WindowEvent.WINDOW_CLOSE_REQUEST)); // asks first, as the close button does
        });
        file.getItems().addAll(
                item("New session", "menu-new", "Shortcut+N", vm.document()::newSession),
                item("Open…", "menu-open", "Shortcut+O", vm.document()::openSession),
                recent,
                item("Open a sample session…", "menu-samples", null, vm.document()::openSample),
                new SeparatorMenuItem(),
                item("Save", "menu-save", "Shortcut+S", vm.document()::saveSession),
                item("Save as…", "menu-save-as", "Shortcut+Shift+S", vm.document()::saveSessionAs),
                export, new SeparatorMenuItem(), quit);

        Menu edit = new Menu("Edit");
        MenuItem undo = item("Undo", "menu-undo", "Shortcut+Z", vm.grid()::undo);
        MenuItem redo = item("Redo", "menu-redo", "Shortcut+Y", vm.grid()::redo);
        undo.disableProperty().bind(vm.grid().canUndoProperty().not());
        redo.disableProperty().bind(vm.grid().canRedoProperty().not());
        edit.getItems().addAll(undo, redo, new SeparatorMenuItem(),
                item("Select all heads", null, null, vm.grid()::selectAll),
                item("Select no head", null, null, vm.grid()::selectNone));

        Menu cache = new Menu("From the Hugging Face cache");
        cache.setOnShowing(e -> {
            vm.model().refreshCache();
            cache.getItems().clear();
            for (String repo : vm.model().cachedModels()) cache.getItems().add(item(repo, null, null, () -> vm.loadModel(repo)));
            if (cache.getItems().isEmpty()) {
                MenuItem none = new MenuItem(vm.model().emptyCacheText());
                none.setDisable(true);
                cache.getItems().add(none);
            }
        });
        cache.getItems().add(new MenuItem("…")); // filled when shown
        Menu device = new Menu("Device");
        ToggleGroup g = new ToggleGroup();
        for (String d : List.of("auto", "cpu", "gpu")) {
            RadioMenuItem r = new RadioMenuItem(d.equals("auto") ? "Auto (GPU if there is one)" : d.toUpperCase());
            r.setToggleGroup(g);
            r.setSelected(vm.model().deviceProperty().get().equals(d));
            vm.model().deviceProperty().addListener((o, a, b) -> r.setSelected(d.equals(b)));
            r.setOnAction(e -> vm.setDevice(d));
            device.getItems().add(r);
        }
        device.getItems().add(new SeparatorMenuItem());
        device.getItems().addAll(gpuMenuItems());
        Menu model = new Menu("Model");
        model.getItems().addAll(
                item("Open a model folder…", "menu-open-model", null, vm::chooseModelFolder),
                cache,
                item("Download from the hub…", "menu-download", null, vm::chooseDownload),
                item("Use the demo model", "menu-demo-model", null, () -> vm.loadModel(AppPaths.DEMO_REF)),
                new SeparatorMenuItem(), device);

        Menu help = new Menu("Help");
        help.getItems().add(item("About", "menu-about", null, () -> vm.dialogs().info("Circuit Workbench 0.1",
                "Find attention-head circuits in GPT-2 by mean ablation and greedy pruning, as in the seed notebook. "
                        + "Scores are 100 × ablated logit difference / full logit difference.")));
        MenuBar bar = new MenuBar(file, edit, model, help);
        bar.setId("menu-bar");
        return bar;
    }

    /** Under Model → Device: what GPU was found, Enable GPU, and going back to the CPU build. */
    private MenuItem[] gpuMenuItems() {
        GpuViewModel gpu = vm.model().gpu();
        MenuItem found = new MenuItem();
        found.setId("menu-gpu-status");
        found.textProperty().bind(gpu.foundProperty());
        found.setDisable(true);
        MenuItem enable = item("Enable GPU (download PyTorch's CUDA build)…", "menu-enable-gpu", null, gpu::enable);
        enable.disableProperty().bind(gpu.canEnableProperty().not().or(gpu.busyProperty()));
        MenuItem cpu = item("Use PyTorch's CPU build from the next start", "menu-use-cpu", null, gpu::useCpu);
        cpu.disableProperty().bind(gpu.canUseCpuProperty().not());
        gpu.refresh();
        return new MenuItem[] {found, enable, cpu};
    }

    private static MenuItem item(String text, String id, String accel, Runnable action) {
        MenuItem m = new MenuItem(text);
        if (id != null) m.setId(id);
        if (accel != null) m.setAccelerator(KeyCombination.keyCombination(accel));
        m.setOnAction(e -> action.run());
        return m;
    }

    // ---- banners --------------------------------------------------------------------------------

    private javafx.scene.Node demoBanner() {
        Label text = new Label("This is the small demo model seqcont-tiny (12 × 12 heads like GPT-2 small, d_model 96), "
                + "trained on sequence continuation. Real findings need GPT-2 itself.");
        text.setWrapText(true);
        Button gpt2 = Controls.fixed(Controls.button("Get GPT-2 small", "banner-get-gpt2", vm::getGpt2));
        Button folder = Controls.fixed(Controls.button("Open a model folder…", null, vm::chooseModelFolder));
        javafx.beans.property.BooleanProperty dismissed = new javafx.beans.property.SimpleBooleanProperty(false);
        Button close = Controls.fixed(Controls.button("✕", "demo-banner-dismiss", () -> dismissed.set(true)));
        close.setTooltip(new Tooltip("Hide this note"));
        close.getStyleClass().add("dismiss");
        return banner("demo-banner", vm.model().demoProperty().and(dismissed.not()).and(vm.modelProblemProperty().isEmpty()),
                text, gpt2, folder, close);
    }

    /** The selected task's percentages may mislead (a baseline within noise of 0; docs/methods.md): say why. */
    private javafx.scene.Node warningBanner() {
        Label text = new Label();
        text.setId("method-warning");
        text.setWrapText(true);
        text.setMaxWidth(Double.MAX_VALUE);
        text.textProperty().bind(vm.warningProperty());
        HBox b = new HBox(10, text);
        HBox.setHgrow(text, Priority.ALWAYS);
        b.setAlignment(Pos.CENTER_LEFT);
        b.getStyleClass().addAll("banner", "banner-warning");
        b.setId("method-warning-banner");
        var show = vm.warningProperty().isNotEmpty();
        b.visibleProperty().bind(show);
        b.managedProperty().bind(show);
        return b;
    }

    /** The choosers of the scoring method (docs/methods.md): every score in the window uses it; saved in the session. */
    private javafx.scene.Node methodChoosers() {
        MethodChoice m = vm.method();
        javafx.scene.control.ComboBox<AblationKind> ablation = new javafx.scene.control.ComboBox<>(
                javafx.collections.FXCollections.observableArrayList(AblationKind.values()));
        ablation.setId("method-ablation");
        ablation.valueProperty().bindBidirectional(m.ablationProperty());
        javafx.scene.control.ComboBox<Metric> metric = new javafx.scene.control.ComboBox<>(
                javafx.collections.FXCollections.observableArrayList(Metric.values()));
        metric.setId("method-metric");
        metric.valueProperty().bindBidirectional(m.metricProperty());
        javafx.scene.control.ComboBox<Normalisation> norm = new javafx.scene.control.ComboBox<>(m.normalisations());
        norm.setId("method-normalisation");
        norm.valueProperty().bindBidirectional(m.normalisationProperty());
        ablation.setTooltip(new javafx.scene.control.Tooltip("What a removed head or edge carries: the template mean (the seed's), "
                + "the mean over all corrupt prompts, its paired corrupt prompt's activation (patch), or zeros."));
        metric.setTooltip(new javafx.scene.control.Tooltip("What is measured on each clean prompt (see docs/methods.md)."));
        norm.setTooltip(new javafx.scene.control.Tooltip("ratio: 100 × circuit / full; faithfulness: 100 × (circuit − empty) / "
                + "(full − empty); none: KL in nats."));
        VBox box = new VBox(4, Controls.section("Scoring"), new HBox(4, new Label("ablation"), ablation), new HBox(4, new Label("metric"), metric),
                new HBox(4, new Label("scale"), norm));
        box.setId("method-choosers");
        return box;
    }

    /** The session's own model is not loaded: say so, and offer to load it or to use the loaded one. */
    private javafx.scene.Node modelBanner() {
        Label text = new Label();
        text.setId("model-problem");
        text.setWrapText(true);
        text.textProperty().bind(vm.modelProblemProperty());
        Button fetch = Controls.button("", "model-fetch", vm::fetchSessionModel);
        fetch.textProperty().bind(Bindings.createStringBinding(() -> {
            Session.ModelRef m = vm.sessionModelProperty().get();
            return m == null ? "Load" : "Load " + MainViewModel.describeModel(m.name());
        }, vm.sessionModelProperty()));
        fetch.disableProperty().bind(vm.model().loadingProperty());
        Controls.fixed(fetch);
        Button useLoaded = Controls.fixed(Controls.button("Use the loaded model instead", "model-use-loaded", vm::useLoadedModel));
        useLoaded.disableProperty().bind(vm.model().loadingProperty().or(vm.model().refProperty().isNull()));
        HBox b = banner("model-banner", vm.modelProblemProperty().isNotEmpty(), text, fetch, useLoaded);
        b.getStyleClass().add("banner-warning");
        return b;
    }

    /** A banner under the menus: its text takes the width, its buttons follow; it takes no room while it is hidden. */
    private static HBox banner(String id, javafx.beans.value.ObservableBooleanValue show, Label text, Button... buttons) {
        HBox b = new HBox(10, text);
        b.getChildren().addAll(buttons);
        HBox.setHgrow(text, Priority.ALWAYS);
        b.setAlignment(Pos.CENTER_LEFT);
        b.getStyleClass().add("banner");
        b.setId(id);
        b.visibleProperty().bind(show);
        b.managedProperty().bind(show);
        return b;
    }

    private javafx.scene.Node errorBar() {
        Label err = new Label();
        err.setId("error-bar");
        err.setWrapText(true);
        err.setMaxWidth(Double.MAX_VALUE);
        err.textProperty().bind(Bindings.createStringBinding(() -> {
            String a = vm.errorProperty().get(), b = vm.model().errorProperty().get();
            a = a == null ? "" : a;
            b = b == null ? "" : b;
            return a.isEmpty() ? b : b.isEmpty() ? a : a + "\n" + b;
        }, vm.errorProperty(), vm.model().errorProperty()));
        Button dismiss = Controls.button("Dismiss", "error-dismiss", () -> {
            vm.errorProperty().set("");
            vm.model().errorProperty().set("");
        });
        HBox bar = new HBox(10, err, Controls.fixed(dismiss));
        HBox.setHgrow(err, Priority.ALWAYS);
        bar.setAlignment(Pos.CENTER_LEFT);
        bar.getStyleClass().add("error-bar");
        bar.setId("error-banner");
        var show = err.textProperty().isNotEmpty();
        bar.visibleProperty().bind(show);
        bar.managedProperty().bind(show);
        return bar;
    }

    // ---- sidebar and status ---------------------------------------------------------------------

    private javafx.scene.Node sidebar(FxBackgroundRunner runner) {
        ListView<Session.SessionTask> tasks = new ListView<>(vm.tasks());
        tasks.setId("task-list");
        tasks.setPrefHeight(160);
        tasks.setCellFactory(Controls.textCells(t -> t.name() + (t.definition() == null ? " (imported)" : "")));
        tasks.getSelectionModel().selectedItemProperty().addListener((o, a, b) -> {
            if (b == null || b == vm.selectedTaskProperty().get() || vm.selectTask(b)) return;
            // the user kept the task being edited: the list goes back to it (after this change has run its course)
            javafx.application.Platform.runLater(() -> tasks.getSelectionModel().select(vm.selectedTaskProperty().get()));
        });
        vm.selectedTaskProperty().addListener((o, a, b) -> {
            if (b == null) tasks.getSelectionModel().clearSelection();
            else if (tasks.getSelectionModel().getSelectedItem() != b) tasks.getSelectionModel().select(b);
        });
        Button newTask = Controls.button("New", "task-new", () -> {
            if (vm.newTask()) tabs.getSelectionModel().select(1);
        });
        Button removeTask = Controls.button("Remove", "task-remove", () -> vm.removeTask(tasks.getSelectionModel().getSelectedItem()));
        removeTask.disableProperty().bind(tasks.getSelectionModel().selectedItemProperty().isNull());

        ListView<Session.NamedCircuit> circuits = new ListView<>(vm.circuits());
        circuits.setId("circuit-list");
        circuits.setCellFactory(l -> new ListCell<>() {
            @Override
            protected void updateItem(Session.NamedCircuit c, boolean empty) {
                super.updateItem(c, empty);
                if (empty || c == null) {
                    setText(null);
                    setTooltip(null);
                    return;
                }
                int n = c.circuit().equals("all") ? -1 : c.circuit().equals("none") ? 0 : c.circuit().split(",").length;
                setText(c.name() + " (" + (n < 0 ? "all" : n) + ")");
                setWrapText(true);
                setPrefWidth(0); // wrap long names within the list's width
                setTooltip(new Tooltip(c.circuit() + (c.score() == null ? "" : "\n" + vm.scoreNote(c))
                        + (c.task() == null ? "" : " on " + c.task()) + (c.note() == null ? "" : "\n" + c.note())));
            }
        });
        circuits.setOnMouseClicked(e -> {
            if (e.getClickCount() == 2) vm.showOnGrid(circuits.getSelectionModel().getSelectedItem());
        });
        Button saveGrid = Controls.button("Save grid…", "circuit-save-grid", vm::askToSaveGrid);
        saveGrid.disableProperty().bind(vm.grid().circuitProperty().isNull());
        Button show = Controls.button("Show", "circuit-show", () -> vm.showOnGrid(circuits.getSelectionModel().getSelectedItem()));
        show.disableProperty().bind(circuits.getSelectionModel().selectedItemProperty().isNull().or(vm.grid().circuitProperty().isNull()));
        Button remove = Controls.button("Remove", "circuit-remove", () -> vm.removeCircuit(circuits.getSelectionModel().getSelectedItem()));
        remove.disableProperty().bind(circuits.getSelectionModel().selectedItemProperty().isNull());

        TaskProgressView<javafx.concurrent.Task<?>> progress = new TaskProgressView<>();
        progress.setId("task-progress");
        runner.setTaskSink(t -> progress.getTasks().add(t));
        progress.setPrefHeight(150);

        VBox side = new VBox(6, Controls.section("Tasks"), tasks, new HBox(6, newTask, removeTask), methodChoosers(),
                Controls.section("Named circuits"), circuits, new HBox(6, saveGrid, show, remove), Controls.section("Background work"), progress);
        VBox.setVgrow(circuits, Priority.ALWAYS);
        side.setPadding(new Insets(8));
        side.setPrefWidth(270);
        side.setMinWidth(230);
        side.getStyleClass().add("sidebar");
        return side;
    }


    /**
     * The status line: what the session says, the model with its device and memory, what loads,
     * and the GPU. Its items wrap to a second row in a narrow window rather than cut their words.
     */
    private javafx.scene.Node statusBar() {
        FlowPane bar = new FlowPane(14, 2);
        bar.setId("status-bar");
        bar.getStyleClass().add("status-line");
        bar.setPadding(new Insets(3, 8, 3, 8));
        bar.setAlignment(Pos.CENTER_LEFT);
        Label summary = Controls.fixed(new Label());
        summary.setId("model-summary");
        summary.textProperty().bind(vm.model().summaryProperty());
        Label status = Controls.fixed(new Label());
        status.setId("status-text");
        status.textProperty().bind(vm.statusProperty());
        Label loading = new Label();
        loading.setId("model-message");
        loading.textProperty().bind(vm.model().messageProperty());
        ProgressBar p = new ProgressBar();
        p.setPrefWidth(120);
        p.progressProperty().bind(vm.model().progressProperty());
        p.visibleProperty().bind(vm.model().loadingProperty().or(vm.preparingProperty()));
        Button cancelDownload = Controls.button("Cancel", null, vm.model()::cancelDownload);
        cancelDownload.visibleProperty().bind(vm.model().loadingProperty().and(vm.model().progressProperty().greaterThanOrEqualTo(0)));
        Label note = Controls.fixed(new Label());
        note.textProperty().bind(vm.model().deviceNoteProperty());
        note.getStyleClass().add("caption");
        Controls.fixed(loading);
        for (javafx.scene.Node n : List.of(note, loading, p, cancelDownload)) n.managedProperty().bind(n.visibleProperty());
        note.visibleProperty().bind(note.textProperty().isNotEmpty());
        loading.visibleProperty().bind(loading.textProperty().isNotEmpty());
        bar.getChildren().addAll(status, summary, note, loading, p, cancelDownload, gpuStatus());
        return bar;
    }

    /** The GPU's state; while Enable GPU downloads, its progress and a Cancel button. */
    private javafx.scene.Node gpuStatus() {
        GpuViewModel gpu = vm.model().gpu();
        Label state = new Label();
        state.setId("gpu-status");
        state.textProperty().bind(gpu.statusProperty());
        state.setTooltip(new Tooltip());
        state.getTooltip().textProperty().bind(gpu.detailProperty());
        Label text = new Label();
        text.textProperty().bind(gpu.messageProperty());
        text.visibleProperty().bind(gpu.busyProperty());
        text.managedProperty().bind(gpu.busyProperty());
        ProgressBar p = new ProgressBar();
        p.setPrefWidth(120);
        p.progressProperty().bind(gpu.progressProperty());
        p.visibleProperty().bind(gpu.busyProperty());
        p.managedProperty().bind(gpu.busyProperty());
        Button cancel = Controls.button("Cancel", "gpu-cancel", gpu::cancel);
        cancel.visibleProperty().bind(gpu.busyProperty().and(gpu.progressProperty().greaterThanOrEqualTo(0)));
        cancel.managedProperty().bind(cancel.visibleProperty());
        HBox box = new HBox(6, text, p, cancel, state);
        box.setAlignment(Pos.CENTER_LEFT);
        return box;
    }
}
