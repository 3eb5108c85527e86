package org.circuitbench.ui.app;

import javafx.beans.property.BooleanProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ListChangeListener;
import javafx.collections.ObservableList;
import org.circuitbench.ablation.AblationTask;
import org.circuitbench.ablation.Circuit;
import org.circuitbench.ablation.FastEvaluator;
import org.circuitbench.model.AppPaths;
import org.circuitbench.model.Gpt2Tokenizer;
import org.circuitbench.model.LoadedModel;
import org.circuitbench.search.Job;
import org.circuitbench.session.RecoveryStore;
import org.circuitbench.session.Session;
import org.circuitbench.session.SessionException;
import org.circuitbench.session.SessionFiles;
import org.circuitbench.session.SessionMapper;
import org.circuitbench.task.TaskException;
import org.circuitbench.task.TaskFile;
import org.circuitbench.task.TokenEncoder;
import org.circuitbench.ui.analysis.AnalysisViewModel;
import org.circuitbench.ui.common.AppServices;
import org.circuitbench.ui.common.BackgroundRunner;
import org.circuitbench.ui.common.DialogService;
import org.circuitbench.ui.common.SessionTasks;
import org.circuitbench.ui.common.Workspace;
import org.circuitbench.ui.graph.GraphViewModel;
import org.circuitbench.ui.grid.GridViewModel;
import org.circuitbench.ui.heads.HeadsViewModel;
import org.circuitbench.ui.model.ModelViewModel;
import org.circuitbench.ui.runs.RunsViewModel;
import org.circuitbench.ui.task.TaskEditorViewModel;
import org.circuitbench.util.AtomicFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The window's state and the session it shows: the tasks, the selected task prepared on the
 * session's model, named circuits, runs; new, open, save (atomic), autosave to a recovery file,
 * and the question before unsaved work would be lost. It composes the feature view models
 * (model, grid, runs, analysis, editor, export) and wires them together. Everything shown derives
 * from the open session: opening another clears what was computed for the old one first.
 * <p>
 * A session names its model; that reference stays until the user picks another model. While the
 * loaded model is not the session's, no task is prepared and {@link #modelProblemProperty()} says
 * so (the window offers to load or download it), so no score of another model is shown as its own.
 */
public final class MainViewModel {
    private final AppServices services;
    private final BackgroundRunner runner;
    private final DialogService dialogs;
    private final Workspace workspace;
    private final RecoveryStore recovery;
    private final Path recentFile;
    private volatile Gpt2Tokenizer bundledTokenizer;

    private final ModelViewModel model;
    private final GridViewModel grid;
    private final RunsViewModel runs;
    private final AnalysisViewModel analysis;
    private final TaskEditorViewModel editor;
    private final ExportViewModel export;
    private final GraphViewModel graph;
    private final HeadsViewModel heads;

    private final ObservableList<Session.SessionTask> tasks = FXCollections.observableArrayList();
    private final ObservableList<String> taskNames = FXCollections.observableArrayList();
    private final ObjectProperty<Session.SessionTask> selectedTask = new SimpleObjectProperty<>();
    private final ObservableList<Session.NamedCircuit> circuits = FXCollections.observableArrayList();
    private final ObjectProperty<Path> file = new SimpleObjectProperty<>();
    private final ObjectProperty<Session.ModelRef> sessionModel = new SimpleObjectProperty<>();
    private final ReadOnlyStringWrapper modelProblem = new ReadOnlyStringWrapper("");
    private final BooleanProperty dirty = new SimpleBooleanProperty(false);
    private final BooleanProperty preparing = new SimpleBooleanProperty(false);
    private final StringProperty title = new SimpleStringProperty("Circuit Workbench");
    private final StringProperty status = new SimpleStringProperty("");
    private final StringProperty error = new SimpleStringProperty("");
    private final ObservableList<Path> recent = FXCollections.observableArrayList();
    private Session.UiState pendingUi = Session.UiState.EMPTY;
    private Optional<RecoveryStore.Recovery> offeredRecovery = Optional.empty();
    private volatile List<Session.SessionTask> taskSnapshot = List.of(); // for background jobs
    private volatile String loadedRef;          // the loaded model's reference (the model view model's, for jobs)
    private volatile String sessionModelName;   // the session's model reference, for jobs
    private long epoch;                         // bumped with each session: older jobs' results are dropped
    private int preparingJobs;

    public MainViewModel(AppServices services, RecoveryStore recovery, Path userDir) {
        this.services = services;
        this.runner = services.runner();
        this.dialogs = services.dialogs();
        this.workspace = services.workspace();
        this.recovery = recovery;
        this.recentFile = userDir.resolve("recent.txt");
        SessionTasks sessionTasks = new Tasks();
        this.model = new ModelViewModel(services);
        this.grid = new GridViewModel(services, this::liveEvaluator);
        this.runs = new RunsViewModel(services, sessionTasks, grid, this::addCircuit);
        this.analysis = new AnalysisViewModel(services, sessionTasks, grid, circuits);
        this.editor = new TaskEditorViewModel(services, this::encoder, this::tokenTexts);
        this.export = new ExportViewModel(services, grid, runs, () -> loadedRef, this::selectedTaskName);
        this.graph = new GraphViewModel(services, sessionTasks, grid, this::liveEdges);
        this.heads = new HeadsViewModel(services, sessionTasks, grid, analysis, () -> sessionModelName);
        heads.setOnChange(this::markDirty);
        heads.addScope("Graph's edge circuit", () -> graph.circuit() == null ? null : org.circuitbench.explain.Scope.edges(graph.circuit()),
                "The graph shows no edge circuit yet: open the Graph tab.");
        graph.circuitProperty().addListener((o, was, now) -> heads.refresh());
        grid.setOnEdit(this::markDirty);
        runs.setOnChange(this::markDirty);
        analysis.setOnChange(this::markDirty);
        graph.setOnChange(this::markDirty);
        editor.setOnApply(this::applyEditedTask);
        tasks.addListener((ListChangeListener<Session.SessionTask>) c -> {
            taskNames.setAll(tasks.stream().map(Session.SessionTask::name).toList());
            taskSnapshot = List.copyOf(tasks);
        });
        selectedTask.addListener((o, was, now) -> {
            if (now != null) editor.edit(now);
            else editor.clear();
            analysis.taskChanged();
            heads.taskChanged();
            prepareSelected();
        });
        sessionModel.addListener((o, a, b) -> sessionModelName = b == null ? null : b.name());
        file.addListener((o, a, b) -> updateTitle());
        dirty.addListener((o, a, b) -> updateTitle());
        grid.clear("No session is open.");
        loadRecent();
    }

    // ---- model ----------------------------------------------------------------------------------

    /** The user picks a model (menu or banner): it becomes the session's model once it has loaded. */
    public void loadModel(String ref) {
        model.load(ref, m -> modelChosen(ref), this::modelFailed);
        if (model.loadingProperty().get()) prepareSelected(); // shows that the model is loading
    }

    /** The user downloads a hub model: it becomes the session's model once it has loaded. */
    public void downloadModel(String name) {
        model.download(name, m -> modelChosen(name), this::modelFailed);
    }

    /** GPT-2 small from the cache, else from the hub. */
    public void getGpt2() {
        if (model.isCached("gpt2")) loadModel("gpt2");
        else downloadModel("gpt2");
    }

    /** Model → Download: asks which model, then downloads it. */
    public void chooseDownload() {
        dialogs.choose(model.downloadQuestion(), model.downloadSuggestions(), "gpt2").ifPresent(this::downloadModel);
    }

    /** Model → Open a model folder. */
    public void chooseModelFolder() {
        dialogs.openFolder("Open a model folder (config.json, model.safetensors, tokenizer.json)")
                .ifPresent(f -> loadModel(f.toAbsolutePath().toString()));
    }

    /** Model → Device: the model is loaded again on the chosen device, which the session keeps. */
    public void setDevice(String device) {
        model.deviceProperty().set(device);
        Session.ModelRef s = sessionModel.get();
        if (s != null && !device.equals(s.device())) {
            sessionModel.set(new Session.ModelRef(s.name(), device));
            markDirty();
        }
        if (loadedRef != null) loadSessionModel(loadedRef);
    }

    /** The banner's Load (or Download): fetches the session's own model. */
    public void fetchSessionModel() {
        Session.ModelRef s = sessionModel.get();
        if (s == null) return;
        boolean hubName = !s.name().equals(AppPaths.DEMO_REF) && !Files.isDirectory(Path.of(s.name()));
        if (hubName && !model.isCached(s.name())) {
            model.download(s.name(), m -> sessionModelLoaded(s.name()), this::modelFailed);
        } else {
            loadSessionModel(s.name());
        }
    }

    /** The banner's other choice: the session takes the loaded model as its own. */
    public void useLoadedModel() {
        if (loadedRef == null) return;
        sessionModel.set(new Session.ModelRef(loadedRef, model.deviceProperty().get()));
        markDirty();
        updateModelProblem(null);
        prepareSelected();
    }

    private void loadSessionModel(String ref) {
        model.load(ref, m -> sessionModelLoaded(ref), this::modelFailed);
        if (model.loadingProperty().get()) prepareSelected();
    }

    private void sessionModelLoaded(String ref) {
        loadedRef = ref;
        updateModelProblem(null);
        prepareSelected();
    }

    private void modelChosen(String ref) {
        loadedRef = ref;
        Session.ModelRef s = sessionModel.get();
        if (s == null || !s.name().equals(ref)) {
            sessionModel.set(new Session.ModelRef(ref, model.deviceProperty().get()));
            if (s != null) markDirty(); // a session that had no model takes the first one quietly
        }
        updateModelProblem(null);
        prepareSelected();
    }

    private void modelFailed(String why) {
        updateModelProblem(why);
        prepareSelected();
    }

    /** Whether the loaded model is the session's (a session without a model takes any). */
    private boolean sessionModelIsLoaded() {
        String want = sessionModelName, have = loadedRef;
        return have != null && (want == null || want.equals(have));
    }

    private void updateModelProblem(String why) {
        Session.ModelRef s = sessionModel.get();
        if (s == null || s.name().equals(loadedRef) || why == null && model.loadingProperty().get()) {
            modelProblem.set(""); // while the session's model loads, the status bar says so; a failure is said here
            return;
        }
        modelProblem.set("This session is for " + describeModel(s.name()) + ", which is not loaded"
                + (loadedRef == null ? "" : " (" + describeModel(loadedRef) + " is)") + ", so no scores are shown."
                + (why == null || why.isBlank() ? "" : " " + why));
    }

    static String describeModel(String ref) {
        return ref.equals(AppPaths.DEMO_REF) ? "the demo model" : ref;
    }

    private TokenEncoder encoder() {
        LoadedModel m = workspace.model();
        return m != null ? m.tokenizer()::encode : text -> bundled().encode(text);
    }

    private List<String> tokenTexts(String text) {
        LoadedModel m = workspace.model();
        return Arrays.asList(m != null ? m.tokenizer().tokenTexts(text) : bundled().tokenTexts(text));
    }

    /** GPT-2's tokenizer from the app itself, for the editor before a model is loaded; read on first use (off the FX thread). */
    private Gpt2Tokenizer bundled() {
        Gpt2Tokenizer t = bundledTokenizer;
        if (t != null) return t;
        synchronized (this) {
            if (bundledTokenizer == null) {
                try {
                    bundledTokenizer = Gpt2Tokenizer.bundled();
                } catch (org.circuitbench.model.ModelLoadException e) {
                    throw new IllegalStateException(e.getMessage(), e);
                }
            }
            return bundledTokenizer;
        }
    }

    // ---- tasks ----------------------------------------------------------------------------------

    public String selectedTaskName() {
        Session.SessionTask t = selectedTask.get();
        return t == null ? null : t.name();
    }

    /** The selected task as prepared on the session's model, if it is. */
    private Optional<AblationTask> selectedPrepared() {
        Session.SessionTask t = selectedTask.get();
        if (t == null || !sessionModelIsLoaded()) return Optional.empty();
        return workspace.task(Workspace.TaskKey.of(t));
    }

    private FastEvaluator liveEvaluator() {
        Session.SessionTask t = selectedTask.get();
        return selectedPrepared().isPresent() ? workspace.live(Workspace.TaskKey.of(t)) : null;
    }

    private org.circuitbench.ablation.EdgeEvaluator liveEdges() {
        Session.SessionTask t = selectedTask.get();
        return selectedPrepared().isPresent() ? workspace.edges(Workspace.TaskKey.of(t)) : null;
    }

    /** No task to show on the grid and the graph, and why. */
    private void clearViews(String why) {
        grid.clear(why);
        graph.taskGone(why);
    }

    /** The prompts of a session task: generated from its definition, or as imported. */
    TaskFile promptsOf(Session.SessionTask t) throws TaskException {
        return t.definition() != null ? t.definition().generate(encoder()) : t.prompts();
    }

    /** The session's tasks as the feature view models reach them. */
    private final class Tasks implements SessionTasks {
        @Override
        public String selectedName() {
            return selectedTaskName();
        }

        @Override
        public Optional<AblationTask> selected() {
            return selectedPrepared();
        }

        @Override
        public Optional<Workspace.TaskKey> selectedKey() {
            Session.SessionTask t = selectedTask.get();
            return selectedPrepared().isPresent() ? Optional.of(Workspace.TaskKey.of(t)) : Optional.empty();
        }

        @Override
        public List<String> names() {
            return List.copyOf(taskNames);
        }

        @Override
        public AblationTask prepare(String name) throws TaskException {
            Session.SessionTask t = taskSnapshot.stream().filter(x -> x.name().equals(name)).findFirst()
                    .orElseThrow(() -> new TaskException("The session has no task '" + name + "'."));
            if (!sessionModelIsLoaded()) throw new TaskException("The session's model " + sessionModelName + " is not loaded.");
            return workspace.prepare(Workspace.TaskKey.of(t), () -> promptsOf(t));
        }
    }

    /** Prepares the selected task in the background (once per content and model), then points the grid at it. */
    private void prepareSelected() {
        Session.SessionTask t = selectedTask.get();
        if (t == null) {
            clearViews(tasks.isEmpty() ? "The session has no task yet: add one with New." : "Pick a task.");
            return;
        }
        if (model.loadingProperty().get()) {
            clearViews(model.messageProperty().get().isEmpty() ? "Loading the model…" : model.messageProperty().get());
            return; // prepared once it has loaded
        }
        if (!sessionModelIsLoaded()) {
            clearViews(modelProblem.get().isEmpty() ? "No model is loaded." : modelProblem.get());
            return;
        }
        LoadedModel m = workspace.model();
        Workspace.TaskKey key = Workspace.TaskKey.of(t);
        long e = epoch;
        preparing.set(++preparingJobs > 0);
        status.set("preparing " + t.name() + " on " + m.name() + "…");
        Circuit current = grid.circuit();
        runner.start(Job.of("prepare " + t.name(), ctx -> workspace.prepare(key, () -> promptsOf(t)))
                .onSuccess(task -> {
                    preparing.set(--preparingJobs > 0);
                    if (selectedTask.get() != t || e != epoch || !sessionModelIsLoaded()) return; // the user moved on
                    showPrepared(t, task, current);
                })
                .onFailure(x -> {
                    preparing.set(--preparingJobs > 0);
                    if (selectedTask.get() != t || e != epoch) return;
                    clearViews("Task '" + t.name() + "' cannot be prepared.");
                    error.set("Task '" + t.name() + "': " + Job.message(x));
                    status.set("");
                }));
    }

    private void showPrepared(Session.SessionTask t, AblationTask task, Circuit current) {
        var cfg = task.model().config();
        Session.UiState ui = pendingUi;
        pendingUi = Session.UiState.EMPTY;
        Circuit start = current;
        if (ui.grid() != null) {
            try {
                start = Circuit.parse(ui.grid(), cfg.nLayer(), cfg.nHead());
            } catch (IllegalArgumentException ignored) {
                start = null; // a circuit of another shape: all heads
            }
        }
        grid.reset(cfg.nLayer(), cfg.nHead(), start);
        restoreOverlay(ui, cfg.nLayer(), cfg.nHead());
        graph.taskReady(task);
        status.set(String.format(Locale.ROOT, "%s: %d clean prompts · full logit diff %.4f",
                t.name(), task.tokenized().cleanCount(), task.fullLogitDiff()));
        task.tokenized().warnings().stream().findFirst().ifPresent(w -> status.set(status.get() + " · warning: " + w.message()));
        model.refreshSummary();
    }

    /** The overlay a session was saved with, from the data it stored. */
    private void restoreOverlay(Session.UiState ui, int layers, int heads) {
        try {
            if (ui.importance() != null) analysis.showImportance(SessionMapper.result(ui.importance(), layers, heads));
            if (ui.overlay() == Session.Overlay.COMPARE && ui.compared() != null) analysis.showComparisonOverlay(ui.compared());
            grid.overlayProperty().set(ui.overlay() == Session.Overlay.IMPORTANCE && ui.importance() != null ? GridViewModel.Overlay.IMPORTANCE
                    : ui.overlay() == Session.Overlay.COMPARE && !grid.compared().isEmpty() ? GridViewModel.Overlay.COMPARE
                    : ui.overlay() == Session.Overlay.ATTRIBUTION ? GridViewModel.Overlay.ATTRIBUTION
                    : GridViewModel.Overlay.NONE);
        } catch (IllegalArgumentException e) {
            status.set("The saved overlay does not fit this model: " + e.getMessage());
        }
    }

    private void applyEditedTask(Session.SessionTask t) {
        String old = editor.originalName();
        int i = old == null ? -1 : indexOfTask(old);
        if (i < 0 && indexOfTask(t.name()) >= 0) {
            dialogs.error("A task is called '" + t.name() + "' already", "Give this task another name.");
            return;
        }
        if (i >= 0) tasks.set(i, t);
        else tasks.add(t);
        if (old != null) heads.taskEdited(old); // its explanations were of the old prompts
        heads.taskEdited(t.name());
        markDirty();
        selectedTask.set(null);
        selectedTask.set(t);
    }

    private int indexOfTask(String name) {
        for (int i = 0; i < tasks.size(); i++) if (tasks.get(i).name().equals(name)) return i;
        return -1;
    }

    public void newTask() {
        int n = tasks.size() + 1;
        while (indexOfTask("task " + n) >= 0) n++;
        editor.newTask("task " + n);
    }

    public void removeTask(Session.SessionTask t) {
        if (t == null) return;
        tasks.remove(t);
        heads.taskEdited(t.name());
        if (selectedTask.get() == t) selectedTask.set(tasks.isEmpty() ? null : tasks.get(0));
        markDirty();
    }

    // ---- named circuits -------------------------------------------------------------------------

    public void addCircuit(Session.NamedCircuit c) {
        circuits.removeIf(x -> x.name().equals(c.name()));
        circuits.add(c);
        markDirty();
    }

    /** Keeps the grid's circuit under a name, with its current score. */
    public void saveGridAs(String name) {
        if (name == null || name.isBlank() || grid.circuit() == null) return;
        var d = grid.detailsProperty().get();
        addCircuit(new Session.NamedCircuit(name.trim(), grid.circuit().toSpec(), selectedTaskName(),
                d == null ? null : d.score(), "from the grid"));
    }

    /** Save grid…: asks for a name. */
    public void askToSaveGrid() {
        if (grid.circuit() == null) return;
        dialogs.input("Name for the grid's circuit", "circuit " + (circuits.size() + 1)).ifPresent(this::saveGridAs);
    }

    /** Save as circuit… in the Runs tab: asks for a name for the selected run's circuit. */
    public void askToSaveRun() {
        Session.RunRecord r = runs.selectedProperty().get();
        if (r == null) return;
        dialogs.input("Name for this circuit", r.method() + " " + RunsViewModel.fmt(r.threshold()) + ", " + r.task())
                .ifPresent(runs::saveSelectedAs);
    }

    public void showOnGrid(Session.NamedCircuit c) {
        if (c == null) return;
        try {
            grid.setCircuit(Circuit.parse(c.circuit(), grid.layersProperty().get(), grid.headsProperty().get()));
        } catch (IllegalArgumentException e) {
            error.set("Circuit '" + c.name() + "': " + e.getMessage());
        }
    }

    public void removeCircuit(Session.NamedCircuit c) {
        circuits.remove(c);
        markDirty();
    }

    // ---- sessions -------------------------------------------------------------------------------

    public Session snapshot() {
        GridViewModel.Overlay o = grid.overlayProperty().get();
        var imp = analysis.importanceResultProperty().get();
        List<String> compared = analysis.selectedForCompare().isEmpty() ? null : new ArrayList<>(analysis.selectedForCompare());
        Session.UiState ui = pendingUi != Session.UiState.EMPTY && grid.circuit() == null
                // not shown yet (its model is missing or loading): what the session had stays as it was
                ? new Session.UiState(selectedTaskName(), pendingUi.grid(), pendingUi.overlay(), compared, pendingUi.importance())
                : new Session.UiState(selectedTaskName(), grid.circuit() == null ? null : grid.circuit().toSpec(),
                o == GridViewModel.Overlay.NONE ? null : Session.Overlay.valueOf(o.name()), compared,
                imp == null ? null : SessionMapper.record(imp));
        Session.ModelRef m = sessionModel.get();
        return new Session(Session.SCHEMA_VERSION, m == null ? null : new Session.ModelRef(m.name(), model.deviceProperty().get()),
                new ArrayList<>(tasks), new ArrayList<>(circuits), new ArrayList<>(runs.history()), ui, graph.snapshot(), heads.records());
    }

    /**
     * Shows a session: what was computed for the old one goes (panels, overlays, messages, running
     * jobs, prepared tasks it does not share); its model is loaded if another is.
     */
    public void apply(Session s, Path from) {
        epoch++;
        runs.clear();
        analysis.clear();
        graph.clear(s.edges());
        heads.clear();
        grid.clear("Preparing the session…");
        error.set("");
        model.errorProperty().set("");
        status.set("");
        pendingUi = s.ui();
        tasks.setAll(s.tasks());
        circuits.setAll(s.circuits());
        runs.history().setAll(s.runs());
        heads.restore(s.explanations());
        analysis.selectedForCompare().setAll(s.ui().compared() == null ? List.of() : s.ui().compared());
        file.set(from);
        dirty.set(false);
        freeTasksOtherThan(s.tasks());
        Session.ModelRef wanted = s.model() != null ? s.model()
                : loadedRef == null ? null : new Session.ModelRef(loadedRef, model.deviceProperty().get());
        sessionModel.set(wanted);
        if (wanted != null && wanted.device() != null) model.deviceProperty().set(wanted.device());
        Session.SessionTask select = tasks.stream().filter(t -> t.name().equals(s.ui().selectedTask())).findFirst()
                .orElse(tasks.isEmpty() ? null : tasks.get(0));
        selectedTask.set(null);
        editor.clear();
        boolean load = wanted != null && !wanted.name().equals(loadedRef);
        modelProblem.set("");
        if (load) model.load(wanted.name(), m -> sessionModelLoaded(wanted.name()), this::modelFailed); // prepares once loaded
        else updateModelProblem(null);
        selectedTask.set(select);
        if (select == null) prepareSelected();
    }

    /** Prepared tasks of the old session that the new one does not have are freed, in the background (it waits for running jobs). */
    private void freeTasksOtherThan(List<Session.SessionTask> keep) {
        Set<Workspace.TaskKey> keys = new HashSet<>();
        keep.forEach(t -> keys.add(Workspace.TaskKey.of(t)));
        runner.start(Job.of("free the previous session's tasks", ctx -> {
            workspace.retainOnly(keys);
            return null;
        }));
    }

    /** File → New: an empty session for the same model, after asking about unsaved work. */
    public void newSession() {
        if (!mayReplaceSession("start a new session")) return;
        Session.ModelRef m = sessionModel.get();
        apply(new Session(Session.SCHEMA_VERSION, m, List.of(), List.of(), List.of(), Session.UiState.EMPTY), null);
    }

    /** File → Open…: asks about unsaved work, then for the file. */
    public void openSession() {
        if (!mayReplaceSession("open another session")) return;
        dialogs.openFile("Open a session", DialogService.FileType.SESSION, file.get() == null ? null : file.get().getParent())
                .ifPresent(this::openOrSay);
    }

    /** File → Open recent. */
    public void openRecent(Path p) {
        if (mayReplaceSession("open " + p.getFileName())) openOrSay(p);
    }

    /** File → Open a sample session…: the sample opens as an untitled copy, so saving never changes it. */
    public void openSample() {
        if (!mayReplaceSession("open a sample session")) return;
        dialogs.openFile("Open a sample session", DialogService.FileType.SESSION, AppPaths.samples().map(s -> s.resolve("sessions")).orElse(null))
                .ifPresent(p -> {
                    if (openOrSay(p)) file.set(null);
                });
    }

    private boolean openOrSay(Path p) {
        if (open(p)) return true;
        dialogs.error("Cannot open " + p.getFileName(), error.get());
        return false;
    }

    /** Opens a session file; a file that cannot be read leaves everything as it was. No question is asked. */
    public boolean open(Path path) {
        Session before = snapshot();
        Path beforeFile = file.get();
        boolean beforeDirty = dirty.get();
        try {
            Session s = SessionFiles.read(path);
            apply(s, path);
            remember(path);
            error.set("");
            return true;
        } catch (SessionException e) {
            error.set(e.getMessage());
            return false;
        } catch (RuntimeException e) { // a session the checks missed: put the previous one back
            apply(before, beforeFile);
            dirty.set(beforeDirty);
            error.set(path + " could not be opened (" + e + "). The session that was open is unchanged.");
            return false;
        }
    }

    /**
     * Before unsaved work would go (New, Open, a sample, Quit): Save, Don't save or Cancel; and a
     * running prune or sweep is stopped only if the user agrees. True when the action may go on.
     */
    public boolean mayReplaceSession(String action) {
        boolean running = runs.runningProperty().get() || graph.runningProperty().get() || analysis.busyProperty().get()
                || heads.busyProperty().get();
        if (dirty.get()) {
            String name = file.get() == null ? "the untitled session" : file.get().getFileName().toString();
            DialogService.Unsaved answer = dialogs.askToSave("Save the changes to " + name + "?",
                    "The session has unsaved changes. To " + action + ", save them first, or leave them unsaved: they are then lost."
                            + (running ? " The running work stops either way." : ""));
            switch (answer) {
                case CANCEL -> {
                    return false;
                }
                case SAVE -> {
                    return saveSession();
                }
                case DISCARD -> {
                    discardChanges();
                    return true;
                }
            }
        }
        return !running || dialogs.confirm("Stop the running work?", "A prune, an edge run, an importance sweep or an explanation is running. To " + action
                + ", it stops and its result is not kept.", "Stop it", "Keep working");
    }

    /** Quit (the menu, Ctrl+Q or the window's close button): asks as for any lost work; true when the app may close. */
    public boolean requestQuit() {
        return mayReplaceSession("quit");
    }

    /** The user chose not to save: the changes, and their recovery copy, go. */
    private void discardChanges() {
        dirty.set(false);
        recovery.clear();
    }

    /** File → Save: to the session's file, or asks for one. False when not saved (cancelled, or an error that was shown). */
    public boolean saveSession() {
        if (file.get() == null) return saveSessionAs();
        if (save()) return true;
        dialogs.error("Not saved", error.get());
        return false;
    }

    /** File → Save as… */
    public boolean saveSessionAs() {
        Optional<Path> p = dialogs.saveFile("Save the session", DialogService.FileType.SESSION, "session" + SessionFiles.EXTENSION);
        if (p.isEmpty()) return false;
        if (saveAs(p.get())) return true;
        dialogs.error("Not saved", error.get());
        return false;
    }

    public boolean save() {
        return file.get() != null && saveAs(file.get());
    }

    public boolean saveAs(Path path) {
        Path p = path.toString().endsWith(".json") ? path : Path.of(path + SessionFiles.EXTENSION);
        try {
            SessionFiles.write(p, snapshot());
            file.set(p);
            dirty.set(false);
            recovery.clear();
            remember(p);
            status.set("saved " + p.getFileName());
            return true;
        } catch (IOException e) {
            error.set("Could not save " + p + ": " + e.getMessage() + ". The previous file is unchanged.");
            return false;
        }
    }

    /** Copies the session to the recovery file if it has unsaved changes. */
    public void autosave() {
        if (!dirty.get()) return;
        try {
            recovery.save(snapshot(), file.get());
        } catch (IOException e) {
            status.set("autosave failed: " + e.getMessage());
        }
    }

    public Optional<RecoveryStore.Recovery> pendingRecovery() {
        offeredRecovery = recovery.pending();
        return offeredRecovery;
    }

    /** Recovery copies that {@link #pendingRecovery()} found damaged and kept aside, and where; "" if none. */
    public String recoveryDamage() {
        return String.join(" ", recovery.damaged());
    }

    public void recover(RecoveryStore.Recovery r) {
        apply(r.session(), r.originalFile() == null ? null : Path.of(r.originalFile()));
        dirty.set(true);
        try {
            recovery.adopt(r); // this instance's copy now; the old one goes
        } catch (IOException e) {
            status.set("autosave failed: " + e.getMessage());
        }
    }

    public void discardRecovery() {
        offeredRecovery.ifPresent(recovery::discard);
    }

    /** The recovery question's text: which session, and when its copy was made, in the user's words. */
    String recoveryQuestion(RecoveryStore.Recovery r) {
        String which = r.originalFile() == null ? "an untitled session" : Path.of(r.originalFile()).getFileName().toString();
        return "Circuit Workbench closed without saving the changes to " + which + ". A copy made " + when(r.savedAt(), services.clock())
                + " was kept. Recover it, or discard it for good?";
    }

    /** "today at 14:05", "yesterday at 09:12", "on 3 March 2025 at 14:05", in the clock's time zone. */
    static String when(Instant t, Clock clock) {
        ZonedDateTime at = t.atZone(clock.getZone());
        LocalDate today = LocalDate.now(clock);
        String time = at.format(DateTimeFormatter.ofPattern("HH:mm", Locale.ENGLISH));
        if (at.toLocalDate().equals(today)) return "today at " + time;
        if (at.toLocalDate().equals(today.minusDays(1))) return "yesterday at " + time;
        return "on " + at.format(DateTimeFormatter.ofPattern("d MMMM yyyy", Locale.ENGLISH)) + " at " + time;
    }

    /** Exit: unsaved changes the user did not decline get a fresh recovery copy (offered at the next start); else none is left. */
    public void closing() {
        if (dirty.get()) autosave(); else recovery.clear();
        recovery.close();
    }

    /**
     * The first session: one named on the command line (a session file, or a model folder with the
     * demo session); else a recovery copy left by a run that did not close, if the user wants it;
     * else the demo.
     */
    public void start(List<String> args) {
        Optional<RecoveryStore.Recovery> rec = pendingRecovery();
        if (!recoveryDamage().isEmpty()) dialogs.error("A recovery copy is damaged", recoveryDamage());
        if (!args.isEmpty()) {
            Path p = Path.of(args.get(0));
            if (p.toString().endsWith(".json")) {
                if (!open(p)) {
                    dialogs.error("Cannot open " + p.getFileName(), error.get());
                    openDemo();
                }
            } else {
                openDemo();
                loadModel(p.toString());
            }
            return;
        }
        if (rec.isPresent()) {
            if (dialogs.confirm("Recover unsaved work?", recoveryQuestion(rec.get()), "Recover", "Discard")) {
                recover(rec.get());
                return;
            }
            discardRecovery();
        }
        openDemo();
    }

    private void markDirty() {
        dirty.set(true);
    }

    private void updateTitle() {
        String name = file.get() == null ? "untitled" : file.get().getFileName().toString();
        title.set((dirty.get() ? "• " : "") + name + " — Circuit Workbench");
    }

    private void loadRecent() {
        try {
            if (Files.isRegularFile(recentFile)) {
                recent.setAll(Files.readAllLines(recentFile).stream().filter(l -> !l.isBlank()).map(Path::of).limit(10).toList());
            }
        } catch (IOException | java.nio.file.InvalidPathException ignored) {
            // no recent files is fine
        }
    }

    private void remember(Path p) {
        recent.remove(p.toAbsolutePath());
        recent.add(0, p.toAbsolutePath());
        while (recent.size() > 10) recent.remove(recent.size() - 1);
        try {
            AtomicFiles.writeString(recentFile, String.join("\n", recent.stream().map(Path::toString).toList()) + "\n");
        } catch (IOException ignored) {
            // the list is a convenience
        }
    }

    /** The digits sample session on the bundled demo model, which the first start opens; empty if it is missing. */
    static Optional<Path> demoSession() {
        return AppPaths.samples().map(s -> s.resolve("sessions").resolve("digits-seqcont-tiny" + SessionFiles.EXTENSION))
                .filter(Files::isRegularFile);
    }

    /** Opens the digits sample session on the bundled demo model (the first start). */
    public void openDemo() {
        Optional<Path> digits = demoSession();
        if (digits.isPresent() && open(digits.get())) {
            file.set(null); // a sample is a template: saving asks where
            return;
        }
        loadModel(AppPaths.DEMO_REF);
    }

    public ModelViewModel model() { return model; }
    public GridViewModel grid() { return grid; }
    public GraphViewModel graph() { return graph; }
    public RunsViewModel runs() { return runs; }
    public AnalysisViewModel analysis() { return analysis; }
    public TaskEditorViewModel editor() { return editor; }
    public ExportViewModel export() { return export; }
    public HeadsViewModel heads() { return heads; }
    public DialogService dialogs() { return dialogs; }
    public ObservableList<Session.SessionTask> tasks() { return tasks; }
    public ObservableList<String> taskNames() { return taskNames; }
    public ObjectProperty<Session.SessionTask> selectedTaskProperty() { return selectedTask; }
    public ObservableList<Session.NamedCircuit> circuits() { return circuits; }
    public ObjectProperty<Path> fileProperty() { return file; }
    public ObjectProperty<Session.ModelRef> sessionModelProperty() { return sessionModel; }
    public ReadOnlyStringProperty modelProblemProperty() { return modelProblem.getReadOnlyProperty(); }
    public BooleanProperty dirtyProperty() { return dirty; }
    public BooleanProperty preparingProperty() { return preparing; }
    public StringProperty titleProperty() { return title; }
    public StringProperty statusProperty() { return status; }
    public StringProperty errorProperty() { return error; }
    public ObservableList<Path> recent() { return recent; }
    public Workspace workspace() { return workspace; }
    /** The loaded model's reference (which may not be the session's: see {@link #modelProblemProperty()}). */
    public String modelRef() { return loadedRef; }
}
