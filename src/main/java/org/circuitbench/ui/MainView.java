package org.circuitbench.ui;

import javafx.animation.KeyFrame;
import javafx.animation.Timeline;
import javafx.collections.ListChangeListener;
import javafx.embed.swing.SwingFXUtils;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.ChoiceDialog;
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
import javafx.scene.control.TextInputDialog;
import javafx.scene.control.ToggleGroup;
import javafx.scene.input.KeyCombination;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import javafx.stage.DirectoryChooser;
import javafx.stage.FileChooser;
import javafx.stage.Window;
import javafx.util.Duration;
import org.circuitbench.ablation.Circuit;
import org.circuitbench.model.hub.HubDownloader;
import org.circuitbench.search.CircuitFormats;
import org.circuitbench.search.PruneResult;
import org.circuitbench.search.PruneSettings;
import org.circuitbench.search.Removal;
import org.circuitbench.search.SearchMethod;
import org.circuitbench.session.RecoveryStore;
import org.circuitbench.session.Session;
import org.circuitbench.session.SessionFiles;
import org.circuitbench.util.AtomicFiles;
import org.controlsfx.control.StatusBar;
import org.controlsfx.control.TaskProgressView;

import javax.imageio.ImageIO;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** The window: menus, the demo banner, tasks and named circuits on the left, the feature tabs, the status bar. */
public final class MainView extends BorderPane {
    private final MainViewModel vm;
    private final HeadGridView gridView;
    private final TabPane tabs = new TabPane();

    public MainView(MainViewModel vm, FxBackgroundRunner runner) {
        this.vm = vm;
        getStyleClass().add("main-view");
        gridView = new HeadGridView(vm.grid());
        gridView.setOnAttentionPattern(n -> AttentionPatternView.show(window(), vm, n));

        Tab circuitTab = new Tab("Circuit", padded(gridView));
        circuitTab.setId("tab-circuit");
        Tab editorTab = new Tab("Task editor", new TaskEditorView(vm.editor()));
        editorTab.setId("tab-editor");
        Tab runsTab = new Tab("Runs", new RunsView(vm.runs()));
        runsTab.setId("tab-runs");
        Tab analysisTab = new Tab("Importance & compare", new AnalysisView(vm.analysis(), vm.circuits()));
        analysisTab.setId("tab-analysis");
        tabs.getTabs().addAll(circuitTab, editorTab, runsTab, analysisTab);
        tabs.setTabClosingPolicy(TabPane.TabClosingPolicy.UNAVAILABLE);

        VBox top = new VBox(menus(), banner(), errorBar());
        setTop(top);
        setLeft(sidebar(runner));
        setCenter(tabs);
        setBottom(statusBar());

        Timeline autosave = new Timeline(new KeyFrame(Duration.seconds(30), e -> vm.autosave()));
        autosave.setCycleCount(Timeline.INDEFINITE);
        autosave.play();
        Timeline memory = new Timeline(new KeyFrame(Duration.seconds(3), e -> vm.model().refreshSummary()));
        memory.setCycleCount(Timeline.INDEFINITE);
        memory.play();
    }

    public HeadGridView gridView() {
        return gridView;
    }

    public TabPane tabs() {
        return tabs;
    }

    private static BorderPane padded(javafx.scene.Node n) {
        BorderPane p = new BorderPane(n);
        p.setPadding(new Insets(10));
        return p;
    }

    private Window window() {
        return getScene() == null ? null : getScene().getWindow();
    }

    // ---- first start ----------------------------------------------------------------------------

    /** A session or model named on the command line, else a recovery offer, else the demo. */
    public void firstStart(List<String> args) {
        Optional<RecoveryStore.Recovery> rec = vm.pendingRecovery();
        if (!vm.recoveryDamage().isEmpty()) Dialogs.error(window(), "A recovery copy is damaged", vm.recoveryDamage());
        if (!args.isEmpty()) {
            Path p = Path.of(args.get(0));
            if (p.toString().endsWith(".json")) {
                if (!vm.open(p)) vm.openDemo();
            } else {
                vm.loadModel(p.toString());
                vm.openDemo();
            }
            return;
        }
        if (rec.isPresent()) {
            boolean restore = Dialogs.confirm(window(), "Recover unsaved work?",
                    "Circuit Workbench ended with unsaved work. A copy of the session"
                            + (rec.get().originalFile() == null ? "" : " " + Path.of(rec.get().originalFile()).getFileName())
                            + " from " + rec.get().savedAt() + " was kept.", "Recover", "Discard");
            if (restore) {
                vm.recover(rec.get());
                return;
            }
            vm.discardRecovery();
        }
        vm.openDemo();
    }

    // ---- menus ----------------------------------------------------------------------------------

    private MenuBar menus() {
        Menu file = new Menu("File");
        MenuItem newS = item("New session", "menu-new", "Shortcut+N", vm::newSession);
        MenuItem open = item("Open…", "menu-open", "Shortcut+O", this::openSession);
        Menu recent = new Menu("Open recent");
        Runnable fillRecent = () -> {
            recent.getItems().clear();
            for (Path p : vm.recent()) {
                MenuItem m = new MenuItem(p.toString());
                m.setOnAction(e -> openPath(p));
                recent.getItems().add(m);
            }
            recent.setDisable(vm.recent().isEmpty());
        };
        vm.recent().addListener((ListChangeListener<Path>) c -> fillRecent.run());
        fillRecent.run();
        MenuItem samples = item("Open a sample session…", "menu-samples", null, this::openSample);
        MenuItem save = item("Save", "menu-save", "Shortcut+S", this::save);
        MenuItem saveAs = item("Save as…", "menu-save-as", "Shortcut+Shift+S", this::saveAs);
        Menu export = new Menu("Export");
        export.getItems().addAll(
                item("Grid as PNG…", "menu-export-png", null, this::exportPng),
                item("Removal log of the selected run as CSV…", "menu-export-csv", null, this::exportCsv),
                item("Grid circuit as JSON…", null, null, () -> exportCircuit(CircuitFormats.Format.JSON)),
                item("Grid circuit in the paper's JSON…", null, null, () -> exportCircuit(CircuitFormats.Format.PAPER)),
                item("Grid circuit as a Python list…", null, null, () -> exportCircuit(CircuitFormats.Format.PYTHON)));
        MenuItem quit = item("Quit", null, "Shortcut+Q", () -> window().hide());
        file.getItems().addAll(newS, open, recent, samples, new SeparatorMenuItem(), save, saveAs, export, new SeparatorMenuItem(), quit);

        Menu edit = new Menu("Edit");
        MenuItem undo = item("Undo", "menu-undo", "Shortcut+Z", vm.grid()::undo);
        MenuItem redo = item("Redo", "menu-redo", "Shortcut+Y", vm.grid()::redo);
        undo.disableProperty().bind(vm.grid().canUndoProperty().not());
        redo.disableProperty().bind(vm.grid().canRedoProperty().not());
        edit.getItems().addAll(undo, redo, new SeparatorMenuItem(),
                item("Select all heads", null, null, vm.grid()::selectAll),
                item("Select no head", null, null, vm.grid()::selectNone));

        Menu model = new Menu("Model");
        Menu cache = new Menu("From the Hugging Face cache");
        Runnable fillCache = () -> {
            cache.getItems().clear();
            for (String repo : vm.model().cachedModels()) {
                MenuItem m = new MenuItem(repo);
                m.setOnAction(e -> vm.loadModel(repo));
                cache.getItems().add(m);
            }
            if (cache.getItems().isEmpty()) {
                MenuItem none = new MenuItem("(no GPT-2 models in " + org.circuitbench.model.ModelResolver.fromEnvironment().hubCache() + ")");
                none.setDisable(true);
                cache.getItems().add(none);
            }
        };
        cache.setOnShowing(e -> {
            vm.model().refreshCache();
            fillCache.run();
        });
        fillCache.run();
        Menu device = new Menu("Device");
        ToggleGroup g = new ToggleGroup();
        for (String d : List.of("auto", "cpu", "gpu")) {
            RadioMenuItem r = new RadioMenuItem(d.equals("auto") ? "Auto (GPU if there is one)" : d.toUpperCase());
            r.setToggleGroup(g);
            r.setSelected(vm.model().deviceProperty().get().equals(d));
            r.setOnAction(e -> {
                vm.model().deviceProperty().set(d);
                if (vm.modelRef() != null) vm.loadModel(vm.modelRef());
            });
            device.getItems().add(r);
        }
        device.getItems().add(new SeparatorMenuItem());
        device.getItems().addAll(gpuMenuItems());
        model.getItems().addAll(
                item("Open a model folder…", "menu-open-model", null, this::openModelFolder),
                cache,
                item("Download from the hub…", "menu-download", null, this::download),
                item("Use the demo model", null, null, () -> vm.loadModel(org.circuitbench.model.AppPaths.DEMO_REF)),
                new SeparatorMenuItem(), device);

        Menu help = new Menu("Help");
        help.getItems().add(item("About", null, null, () -> Dialogs.error(window(), "Circuit Workbench 0.1",
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
        MenuItem enable = item("Enable GPU (download PyTorch's CUDA build)…", "menu-enable-gpu", null, () -> gpu.enable(plan ->
                Dialogs.confirm(window(), "Download PyTorch's CUDA build?", plan.describe()
                        + "\n\nThe bundled CPU build stays; the GPU is used after a restart.", "Download", "Cancel")));
        enable.disableProperty().bind(gpu.canEnableProperty().not().or(gpu.busyProperty()));
        MenuItem cpu = item("Use PyTorch's CPU build from the next start", "menu-use-cpu", null, gpu::useCpu);
        cpu.disableProperty().bind(gpu.canUseCpuProperty().not());
        gpu.restartNeededProperty().addListener((o, was, now) -> {
            if (now) Dialogs.info(window(), "Restart to use the GPU", gpu.messageProperty().get());
        });
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

    private javafx.scene.Node banner() {
        Label text = new Label("This is the small demo model seqcont-tiny (12 × 12 heads like GPT-2 small, d_model 96), "
                + "trained on sequence continuation. Real findings need GPT-2 itself.");
        text.setWrapText(true);
        Button gpt2 = new Button("Get GPT-2 small");
        gpt2.setId("banner-get-gpt2");
        gpt2.setOnAction(e -> getGpt2());
        Button folder = new Button("Open a model folder…");
        folder.setOnAction(e -> openModelFolder());
        HBox b = new HBox(10, text, gpt2, folder);
        HBox.setHgrow(text, Priority.ALWAYS);
        b.setAlignment(Pos.CENTER_LEFT);
        b.getStyleClass().add("banner");
        b.setId("demo-banner");
        b.visibleProperty().bind(vm.model().demoProperty());
        b.managedProperty().bind(vm.model().demoProperty());
        return b;
    }

    private javafx.scene.Node errorBar() {
        Label err = new Label();
        err.setId("error-bar");
        err.setWrapText(true);
        err.getStyleClass().add("error-bar");
        Runnable update = () -> {
            String a = vm.errorProperty().get(), b = vm.model().errorProperty().get();
            String t = (a == null ? "" : a) + (b == null || b.isEmpty() ? "" : (a == null || a.isEmpty() ? "" : "\n") + b);
            err.setText(t);
            err.setVisible(!t.isEmpty());
            err.setManaged(!t.isEmpty());
        };
        vm.errorProperty().addListener((o, a, b) -> update.run());
        vm.model().errorProperty().addListener((o, a, b) -> update.run());
        update.run();
        err.setOnMouseClicked(e -> {
            vm.errorProperty().set("");
            vm.model().errorProperty().set("");
        });
        return err;
    }

    private javafx.scene.Node sidebar(FxBackgroundRunner runner) {
        ListView<Session.SessionTask> tasks = new ListView<>(vm.tasks());
        tasks.setId("task-list");
        tasks.setPrefHeight(160);
        tasks.setCellFactory(Controls.textCells(t -> t.name() + (t.definition() == null ? " (imported)" : "")));
        tasks.getSelectionModel().selectedItemProperty().addListener((o, a, b) -> {
            if (b != null && b != vm.selectedTaskProperty().get()) vm.selectedTaskProperty().set(b);
        });
        vm.selectedTaskProperty().addListener((o, a, b) -> {
            if (b != null && tasks.getSelectionModel().getSelectedItem() != b) tasks.getSelectionModel().select(b);
        });
        Button newTask = new Button("New");
        newTask.setOnAction(e -> {
            vm.newTask();
            tabs.getSelectionModel().select(1);
        });
        Button removeTask = new Button("Remove");
        removeTask.disableProperty().bind(tasks.getSelectionModel().selectedItemProperty().isNull());
        removeTask.setOnAction(e -> vm.removeTask(tasks.getSelectionModel().getSelectedItem()));

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
                setTooltip(new javafx.scene.control.Tooltip(c.circuit() + (c.score() == null ? "" : "\nscore " + c.score())
                        + (c.task() == null ? "" : " on " + c.task()) + (c.note() == null ? "" : "\n" + c.note())));
            }
        });
        circuits.setOnMouseClicked(e -> {
            if (e.getClickCount() == 2 && circuits.getSelectionModel().getSelectedItem() != null) {
                vm.showOnGrid(circuits.getSelectionModel().getSelectedItem());
            }
        });
        Button saveGrid = new Button("Save grid…");
        saveGrid.setId("circuit-save-grid");
        saveGrid.setOnAction(e -> {
            TextInputDialog d = new TextInputDialog("circuit " + (vm.circuits().size() + 1));
            d.setHeaderText("Name for the grid's circuit");
            d.initOwner(window());
            d.showAndWait().ifPresent(vm::saveGridAs);
        });
        Button show = new Button("Show");
        show.disableProperty().bind(circuits.getSelectionModel().selectedItemProperty().isNull());
        show.setOnAction(e -> vm.showOnGrid(circuits.getSelectionModel().getSelectedItem()));
        Button remove = new Button("Remove");
        remove.disableProperty().bind(circuits.getSelectionModel().selectedItemProperty().isNull());
        remove.setOnAction(e -> vm.removeCircuit(circuits.getSelectionModel().getSelectedItem()));

        TaskProgressView<javafx.concurrent.Task<?>> progress = new TaskProgressView<>();
        progress.setId("task-progress");
        runner.setTaskSink(t -> progress.getTasks().add(t));
        progress.setPrefHeight(150);

        Label tasksLabel = new Label("Tasks");
        tasksLabel.getStyleClass().add("section");
        Label circuitsLabel = new Label("Named circuits");
        circuitsLabel.getStyleClass().add("section");
        Label bgLabel = new Label("Background work");
        bgLabel.getStyleClass().add("section");
        VBox side = new VBox(6, tasksLabel, tasks, new HBox(6, newTask, removeTask), circuitsLabel, circuits,
                new HBox(6, saveGrid, show, remove), bgLabel, progress);
        VBox.setVgrow(circuits, Priority.ALWAYS);
        side.setPadding(new Insets(8));
        side.setPrefWidth(290);
        side.setMinWidth(250);
        side.getStyleClass().add("sidebar");
        return side;
    }

    private javafx.scene.Node statusBar() {
        StatusBar bar = new StatusBar();
        bar.setId("status-bar");
        bar.textProperty().bind(vm.model().summaryProperty());
        Label status = new Label();
        status.setId("status-text");
        status.textProperty().bind(vm.statusProperty());
        Label loading = new Label();
        loading.textProperty().bind(vm.model().messageProperty());
        ProgressBar p = new ProgressBar();
        p.setPrefWidth(120);
        p.progressProperty().bind(vm.model().progressProperty());
        p.visibleProperty().bind(vm.model().loadingProperty().or(vm.preparingProperty()));
        Button cancelDownload = new Button("Cancel");
        cancelDownload.visibleProperty().bind(vm.model().loadingProperty().and(vm.model().progressProperty().greaterThanOrEqualTo(0)));
        cancelDownload.setOnAction(e -> vm.model().cancelDownload());
        Label note = new Label();
        note.textProperty().bind(vm.model().deviceNoteProperty());
        note.getStyleClass().add("caption");
        Region gap = new Region();
        bar.getRightItems().addAll(status, gap, note, loading, p, cancelDownload, gpuStatus());
        return bar;
    }

    /** The GPU's state; while Enable GPU downloads, its progress and a Cancel button. */
    private javafx.scene.Node gpuStatus() {
        GpuViewModel gpu = vm.model().gpu();
        Label state = new Label();
        state.setId("gpu-status");
        state.textProperty().bind(gpu.statusProperty());
        state.setTooltip(new javafx.scene.control.Tooltip());
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
        Button cancel = new Button("Cancel");
        cancel.setId("gpu-cancel");
        cancel.visibleProperty().bind(gpu.busyProperty().and(gpu.progressProperty().greaterThanOrEqualTo(0)));
        cancel.managedProperty().bind(cancel.visibleProperty());
        cancel.setOnAction(e -> gpu.cancel());
        HBox box = new HBox(6, text, p, cancel, state);
        box.setAlignment(Pos.CENTER_RIGHT);
        return box;
    }

    // ---- actions --------------------------------------------------------------------------------

    private FileChooser sessionChooser(String title) {
        FileChooser fc = new FileChooser();
        fc.setTitle(title);
        fc.getExtensionFilters().add(new FileChooser.ExtensionFilter("Circuit Workbench sessions", "*" + SessionFiles.EXTENSION, "*.json"));
        return fc;
    }

    private void openSession() {
        File f = sessionChooser("Open a session").showOpenDialog(window());
        if (f != null) openPath(f.toPath());
    }

    private void openPath(Path p) {
        if (!vm.open(p)) Dialogs.error(window(), "Cannot open " + p.getFileName(), vm.errorProperty().get());
    }

    private void openSample() {
        Optional<Path> dir = org.circuitbench.model.AppPaths.samples().map(s -> s.resolve("sessions"));
        FileChooser fc = sessionChooser("Open a sample session");
        dir.ifPresent(d -> fc.setInitialDirectory(d.toFile()));
        File f = fc.showOpenDialog(window());
        if (f != null) {
            openPath(f.toPath());
            vm.fileProperty().set(null); // keep the sample itself unchanged
        }
    }

    private void save() {
        if (vm.fileProperty().get() == null) saveAs();
        else if (!vm.save()) Dialogs.error(window(), "Not saved", vm.errorProperty().get());
    }

    private void saveAs() {
        FileChooser fc = sessionChooser("Save the session");
        fc.setInitialFileName("session" + SessionFiles.EXTENSION);
        File f = fc.showSaveDialog(window());
        if (f != null && !vm.saveAs(f.toPath())) Dialogs.error(window(), "Not saved", vm.errorProperty().get());
    }

    private void exportPng() {
        FileChooser fc = new FileChooser();
        fc.setInitialFileName("grid.png");
        File f = fc.showSaveDialog(window());
        if (f == null) return;
        try {
            writePng(gridView, f.toPath());
        } catch (IOException e) {
            Dialogs.error(window(), "Cannot write " + f.getName(), e.getMessage());
        }
    }

    /** A node as a PNG, written atomically. */
    static void writePng(javafx.scene.Node node, Path file) throws IOException {
        var image = node.snapshot(null, null);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        ImageIO.write(SwingFXUtils.fromFXImage(image, null), "png", out);
        AtomicFiles.write(file, out.toByteArray());
    }

    private void exportCsv() {
        Session.RunRecord r = vm.runs().selectedProperty().get();
        if (r == null) {
            Dialogs.error(window(), "No run selected", "Select a run in the Runs tab first.");
            return;
        }
        FileChooser fc = new FileChooser();
        fc.setInitialFileName("removals.csv");
        File f = fc.showSaveDialog(window());
        if (f == null) return;
        try {
            AtomicFiles.writeString(f.toPath(), CircuitFormats.csv(asResult(r)));
        } catch (IOException e) {
            Dialogs.error(window(), "Cannot write " + f.getName(), e.getMessage());
        }
    }

    private PruneResult asResult(Session.RunRecord r) {
        int l = vm.grid().layersProperty().get(), h = vm.grid().headsProperty().get();
        List<Removal<org.circuitbench.ablation.Node>> removals = r.removals().stream()
                .map(x -> new Removal<>(org.circuitbench.ablation.Node.parse(x.head()), x.score(), x.seconds(), 1)).toList();
        Circuit start = Circuit.parse(r.start(), l, h);
        return new PruneResult(new PruneSettings(SearchMethod.parse(r.method()), r.threshold(), start.isEmpty() ? Circuit.all(l, h) : start,
                r.seed(), Math.max(1, r.iterations())), Circuit.parse(r.circuit(), l, h), r.score(), removals, r.evaluations(), 1,
                r.seconds(), r.cancelled(), 0);
    }

    private void exportCircuit(CircuitFormats.Format format) {
        FileChooser fc = new FileChooser();
        fc.setInitialFileName(format == CircuitFormats.Format.PYTHON ? "circuit.py" : "circuit.json");
        File f = fc.showSaveDialog(window());
        if (f == null) return;
        Circuit c = vm.grid().circuit();
        try {
            String text = switch (format) {
                case PYTHON -> CircuitFormats.python(c);
                case PAPER -> CircuitFormats.paper(c).toPrettyString();
                default -> CircuitFormats.json(c, null, vm.modelRef(), vm.selectedTaskName()).toPrettyString();
            };
            AtomicFiles.writeString(f.toPath(), text + "\n");
        } catch (IOException e) {
            Dialogs.error(window(), "Cannot write " + f.getName(), e.getMessage());
        }
    }

    private void openModelFolder() {
        DirectoryChooser dc = new DirectoryChooser();
        dc.setTitle("Open a model folder (config.json, model.safetensors, tokenizer.json)");
        File f = dc.showDialog(window());
        if (f != null) vm.loadModel(f.getAbsolutePath());
    }

    private void getGpt2() {
        vm.model().refreshCache();
        if (vm.model().cachedModels().contains("openai-community/gpt2") || vm.model().cachedModels().contains("gpt2")) {
            vm.loadModel("gpt2");
        } else {
            vm.downloadModel("gpt2");
        }
    }

    private void download() {
        ChoiceDialog<String> d = new ChoiceDialog<>("gpt2", HubDownloader.suggestions());
        d.setHeaderText("Download a GPT-2 model from " + HubDownloader.fromEnvironment().endpoint()
                + " into the Hugging Face cache.\nA download can be cancelled and resumed; HF_ENDPOINT and HF_TOKEN are honoured.");
        d.initOwner(window());
        d.showAndWait().ifPresent(vm::downloadModel);
    }
}
