package org.circuitbench.ui.app;

import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
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
import org.circuitbench.session.SessionMapper;
import org.circuitbench.task.TaskException;
import org.circuitbench.task.TaskFile;
import org.circuitbench.task.TokenEncoder;
import org.circuitbench.ui.analysis.AnalysisViewModel;
import org.circuitbench.ui.common.AppServices;
import org.circuitbench.ui.common.BackgroundRunner;
import org.circuitbench.ui.common.DialogService;
import org.circuitbench.ui.common.JobState;
import org.circuitbench.ui.common.MethodChoice;
import org.circuitbench.ui.common.SessionTasks;
import org.circuitbench.ui.common.WorkingCircuit;
import org.circuitbench.ui.common.Workspace;
import org.circuitbench.ui.graph.GraphViewModel;
import org.circuitbench.ui.grid.GridViewModel;
import org.circuitbench.ui.heads.HeadsViewModel;
import org.circuitbench.ui.model.ModelViewModel;
import org.circuitbench.ui.runs.EdgeRuns;
import org.circuitbench.ui.runs.NodePrunes;
import org.circuitbench.ui.runs.RunKind;
import org.circuitbench.ui.runs.RunViewModel;
import org.circuitbench.ui.task.TaskEditorViewModel;

import java.nio.file.Files;
import java.nio.file.Path;
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
    private volatile Gpt2Tokenizer bundledTokenizer;

    private final ModelViewModel model;
    private final WorkingCircuit working = new WorkingCircuit();
    private final GridViewModel grid;
    private final NodePrunes prunes;
    private final RunViewModel<Session.RunRecord> runs;
    private final EdgeRuns edgeRunSettings;
    private final RunViewModel<Session.RunRecord> edgeRuns;
    private final AnalysisViewModel analysis;
    private final TaskEditorViewModel editor;
    private final ExportViewModel export;
    private final GraphViewModel graph;
    private final HeadsViewModel heads;

    private final ObservableList<Session.SessionTask> tasks = FXCollections.observableArrayList();
    private final ObservableList<String> taskNames = FXCollections.observableArrayList();
    private final ObjectProperty<Session.SessionTask> selectedTask = new SimpleObjectProperty<>();
    private final ObservableList<Session.NamedCircuit> circuits = FXCollections.observableArrayList();
    private final ObjectProperty<Session.ModelRef> sessionModel = new SimpleObjectProperty<>();
    private final ReadOnlyStringWrapper modelProblem = new ReadOnlyStringWrapper("");
    private final StringProperty status = new SimpleStringProperty("");
    private final StringProperty error = new SimpleStringProperty("");
    private final MethodChoice method = new MethodChoice();
    private final ReadOnlyStringWrapper warning = new ReadOnlyStringWrapper("");
    private boolean applying;                   // a session is being shown: its method is not an edit
    private Session.UiState pendingUi = Session.UiState.EMPTY;
    private volatile List<Session.SessionTask> taskSnapshot = List.of(); // for background jobs
    private volatile String loadedRef;          // the loaded model's reference (the model view model's, for jobs)
    private volatile String sessionModelName;   // the session's model reference, for jobs
    private final JobState preparation;         // the selected task's, on the session's model
    private final SessionDocument document;
    private final SessionTasks sessionTasks;

    public MainViewModel(AppServices services, RecoveryStore recovery, Path userDir) {
        this.services = services;
        this.runner = services.runner();
        this.dialogs = services.dialogs();
        this.workspace = services.workspace();
        this.preparation = new JobState(services);
        this.document = new SessionDocument(new Shown(), dialogs, services.clock(), recovery, userDir, error, status);
        this.sessionTasks = new Tasks();
        this.model = new ModelViewModel(services);
        this.grid = new GridViewModel(services, working, this::liveEvaluator);
        this.prunes = new NodePrunes(services, sessionTasks, working, this::addCircuit);
        this.runs = new RunViewModel<>(services, prunes, 3);
        this.analysis = new AnalysisViewModel(services, sessionTasks, working, grid, circuits);
        this.editor = new TaskEditorViewModel(services, this::encoder, this::tokenTexts);
        this.export = new ExportViewModel(services, grid, runs, prunes, () -> loadedRef, this::selectedTaskName);
        this.graph = new GraphViewModel(services, sessionTasks, working, this::liveEdges);
        this.edgeRunSettings = new EdgeRuns(services, sessionTasks, working, graph::circuit, graph.edits()::setCircuit);
        this.edgeRuns = new RunViewModel<>(services, edgeRunSettings, 10);
        this.heads = new HeadsViewModel(services, sessionTasks, working, grid, analysis.importanceResultProperty(), analysis::runImportance,
                () -> sessionModelName);
        heads.setOnChange(document::changed);
        heads.addScope("Graph's edge circuit", () -> graph.circuit() == null ? null : org.circuitbench.explain.Scope.edges(graph.circuit()),
                "The graph shows no edge circuit yet: open the Graph tab.");
        graph.edits().circuitProperty().addListener((o, was, now) -> heads.refresh());
        working.setOnEdit(document::changed);
        runs.setOnChange(document::changed);
        edgeRuns.setOnChange(document::changed);
        analysis.setOnChange(document::changed);
        graph.setOnChange(document::changed);
        editor.setOnApply(this::applyEditedTask);
        editor.setOnEdit(document::changed); // an unapplied edit is unsaved work: title, questions, recovery copy
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
        sessionModel.addListener((o, a, b) -> {
            sessionModelName = b == null ? null : b.name();
            if (a == null || b == null || !a.name().equals(b.name())) modelChanged();
        });
        method.methodProperty().addListener((o, was, now) -> methodChanged());
        grid.clear("No session is open.");
    }

    // ---- the scoring method ---------------------------------------------------------------------

    /** The choosers of the ablation kind, metric and normalisation that every score uses (saved in the session). */
    public MethodChoice method() {
        return method;
    }

    /**
     * Why the selected task's percentages may mislead (a full metric within noise of 0, a
     * faithfulness baseline that runs backwards; docs/methods.md), for a banner; empty when nothing is amiss.
     */
    public ReadOnlyStringProperty warningProperty() {
        return warning.getReadOnlyProperty();
    }

    // ---- model ----------------------------------------------------------------------------------

    /** The user picks a model (menu or banner): it becomes the session's model once it has loaded. */
    public void loadModel(String ref) {
        // the window keeps showing the loaded model's work while another loads: a load that fails changes nothing
        model.load(ref, m -> modelChosen(ref), this::modelFailed);
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
            document.changed();
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
        stampResults();
        sessionModel.set(new Session.ModelRef(loadedRef, model.deviceProperty().get()));
        document.changed();
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
            stampResults();
            sessionModel.set(new Session.ModelRef(ref, model.deviceProperty().get()));
            if (s != null) document.changed(); // a session that had no model takes the first one quietly
        }
        updateModelProblem(null);
        prepareSelected();
    }

    /**
     * Before the session takes another model: results that do not yet say their model (from files
     * written before they did) are of the model the session has had, and keep saying so.
     */
    private void stampResults() {
        String old = sessionModelName;
        if (old == null) return;
        runs.history().replaceAll(r -> r.model() == null ? r.withModel(old) : r);
        edgeRuns.history().replaceAll(r -> r.model() == null ? r.withModel(old) : r);
        circuits.replaceAll(c -> c.model() == null && c.score() != null ? c.withModel(old) : c);
        graph.edits().named().replaceAll(c -> c.model() == null && c.score() != null ? c.withModel(old) : c);
    }

    /**
     * The session's model changed: nothing computed on another model stays on screen as if it were
     * this one's. Runs of other models are kept and not listed; the analyses go; saved circuits
     * whose score is of another model say so.
     */
    private void modelChanged() {
        runs.modelChanged();
        edgeRuns.modelChanged();
        analysis.modelChanged();
        graph.edits().modelChanged();
        circuits.setAll(List.copyOf(circuits));
    }

    /** A saved circuit's score as the list's tooltip says it: with its model when that is not the session's. */
    public String scoreNote(Session.NamedCircuit c) {
        if (c.score() == null) return "";
        return String.format(Locale.ROOT, "score %.2f %%", c.score())
                + (sessionTasks.ofThisModel(c.model()) ? "" : " on " + SessionTasks.describeModel(c.model()));
    }

    private void modelFailed(String why) {
        updateModelProblem(why);
        // the task shown on the session's own model stays as it is (its circuit, its undo history);
        // only a view waiting for a model learns that none came
        if (!sessionModelIsLoaded() || grid.circuit() == null) prepareSelected();
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
        return workspace.task(key(t));
    }

    private org.circuitbench.ablation.EvaluatorHandle<FastEvaluator> liveEvaluator() {
        Session.SessionTask t = selectedTask.get();
        return selectedPrepared().isPresent() ? workspace.live(key(t)) : null;
    }

    private org.circuitbench.ablation.EvaluatorHandle<org.circuitbench.ablation.EdgeEvaluator> liveEdges() {
        Session.SessionTask t = selectedTask.get();
        return selectedPrepared().isPresent() ? workspace.edges(key(t)) : null;
    }

    /** No task to show on the grid and the graph, and why. */
    private void clearViews(String why) {
        grid.clear(why);
        graph.taskGone(why);
        warning.set("");
    }

    /** The workspace's key of a session task under the chosen method. */
    private Workspace.TaskKey key(Session.SessionTask t) {
        return Workspace.TaskKey.of(t, method.method());
    }

    /**
     * Another ablation, metric or normalisation: every score changes, so what was computed under
     * the old method goes, and the selected task is prepared under the new one.
     */
    private void methodChanged() {
        if (applying) return;
        analysis.taskChanged();
        heads.taskChanged();
        document.changed();
        freeTasksOtherThan(List.copyOf(tasks)); // the old method's values
        prepareSelected();
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
            return selectedPrepared().isPresent() ? Optional.of(key(t)) : Optional.empty();
        }

        @Override
        public List<String> names() {
            return List.copyOf(taskNames);
        }

        @Override
        public String modelName() {
            return sessionModelName;
        }

        @Override
        public AblationTask prepare(String name) throws TaskException {
            Session.SessionTask t = taskSnapshot.stream().filter(x -> x.name().equals(name)).findFirst()
                    .orElseThrow(() -> new TaskException("The session has no task '" + name + "'."));
            if (!sessionModelIsLoaded()) throw new TaskException("The session's model " + sessionModelName + " is not loaded.");
            return workspace.prepare(key(t), () -> promptsOf(t));
        }
    }

    /** Prepares the selected task in the background (once per content and model), then points the grid at it. */
    private void prepareSelected() {
        preparation.reset(); // the task, model or session moved on: an older preparation shows nothing
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
        Workspace.TaskKey key = key(t);
        status.set("preparing " + t.name() + " on " + m.name() + "…");
        Circuit current = grid.circuit();
        preparation.start(Job.of("prepare " + t.name(), ctx -> workspace.prepare(key, () -> promptsOf(t)))
                .onSuccess(task -> {
                    // the user moved on to another method: the newer preparation shows its own
                    if (sessionModelIsLoaded() && key.equals(key(t))) showPrepared(t, task, current);
                })
                .onFailure(x -> {
                    if (!key.equals(key(t))) return;
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
        status.set(String.format(Locale.ROOT, "%s: %d clean prompts · full %s %.4f%s",
                t.name(), task.tokenized().cleanCount(), task.method().metric().label(), task.fullMetric(),
                task.method().isDefault() ? "" : " · " + task.method().describe()));
        warning.set(String.join(" ", task.warnings()));
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
        int same = indexOfTask(t.name());
        if (same >= 0 && same != i) { // a new task, or a rename, onto another task's name: two tasks of one name would not read back
            dialogs.error("A task is called '" + t.name() + "' already", "Give this task another name.");
            editor.refuse("a task is called '" + t.name() + "' already.");
            return;
        }
        if (i >= 0) tasks.set(i, t);
        else tasks.add(t);
        if (old != null) heads.taskEdited(old); // its explanations were of the old prompts
        heads.taskEdited(t.name());
        selectedTask.set(null);
        selectedTask.set(t);
        document.changed(); // after the task is shown again: its grid is part of what is compared with the file
    }

    private int indexOfTask(String name) {
        for (int i = 0; i < tasks.size(); i++) if (tasks.get(i).name().equals(name)) return i;
        return -1;
    }

    /** Tasks → New: a new task in the editor, once an edit not applied yet is applied or let go. */
    public boolean newTask() {
        if (!mayLeaveEdit("start a new task")) return false;
        int n = tasks.size() + 1;
        while (indexOfTask("task " + n) >= 0) n++;
        editor.newTask("task " + n);
        return true;
    }

    /**
     * The user picks a task in the list: it is shown, once an edit not applied yet is applied
     * (if it can be) or let go. False when the selection stays where it was.
     */
    public boolean selectTask(Session.SessionTask t) {
        if (t == selectedTask.get() && !editor.dirtyProperty().get()) return true;
        if (!mayLeaveEdit("show task '" + (t == null ? "" : t.name()) + "'")) return false;
        if (t != selectedTask.get()) selectedTask.set(t);
        else editor.edit(t);
        return true;
    }

    /** Before the editor's unapplied edits would go: Apply (refused while there are errors), Don't apply, or Cancel. */
    private boolean mayLeaveEdit(String action) {
        Session.Draft d = editor.draft();
        if (d == null) return true;
        String which = d.of() == null ? "the new task '" + d.task().name() + "'" : "task '" + d.of() + "'";
        switch (dialogs.askToApply("Apply the edits to " + which + "?",
                "The task editor has edits that are not applied yet. To " + action + ", apply them first, or let them go: they are then lost.")) {
            case SAVE -> {
                return editor.apply();
            }
            case DISCARD -> {
                editor.discard(selectedTask.get());
                document.changed();
                return true;
            }
            default -> {
                return false;
            }
        }
    }

    public void removeTask(Session.SessionTask t) {
        if (t == null) return;
        tasks.remove(t);
        heads.taskEdited(t.name());
        if (selectedTask.get() == t) selectedTask.set(tasks.isEmpty() ? null : tasks.get(0));
        document.changed();
    }

    // ---- named circuits -------------------------------------------------------------------------

    public void addCircuit(Session.NamedCircuit c) {
        circuits.removeIf(x -> x.name().equals(c.name()));
        circuits.add(c);
        document.changed();
    }

    /** Keeps the grid's circuit under a name, with its current score. */
    public void saveGridAs(String name) {
        if (name == null || name.isBlank() || grid.circuit() == null) return;
        var d = grid.detailsProperty().get();
        addCircuit(new Session.NamedCircuit(name.trim(), grid.circuit().toSpec(), selectedTaskName(),
                d == null ? null : d.score(), "from the grid").withModel(d == null ? null : sessionModelName));
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
        dialogs.input("Name for this circuit", r.method() + " " + RunKind.fmt(r.threshold()) + ", " + r.task())
                .ifPresent(name -> prunes.saveAs(r, name));
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
        document.changed();
    }

    // ---- sessions -------------------------------------------------------------------------------

    public Session snapshot() {
        GridViewModel.Overlay o = grid.overlayProperty().get();
        var imp = analysis.importanceResultProperty().get();
        List<String> compared = analysis.selectedForCompare().isEmpty() ? null : new ArrayList<>(analysis.selectedForCompare());
        Session.UiState ui = pendingUi != Session.UiState.EMPTY && grid.circuit() == null
                // not shown yet (its model is missing or loading): what the session had stays as it was
                ? new Session.UiState(selectedTaskName(), pendingUi.grid(), pendingUi.overlay(), compared, pendingUi.importance(),
                null, Session.MethodRecord.of(method.method()))
                : new Session.UiState(selectedTaskName(), grid.circuit() == null ? null : grid.circuit().toSpec(),
                o == GridViewModel.Overlay.NONE ? null : Session.Overlay.valueOf(o.name()), compared,
                imp == null ? null : SessionMapper.record(imp), null, Session.MethodRecord.of(method.method()));
        ui = ui.with(editor.draft(), heads.choices().measure(), heads.choices().scope());
        Session.ModelRef m = sessionModel.get();
        List<Session.NamedCircuit> allCircuits = new ArrayList<>(circuits);
        allCircuits.addAll(graph.edits().named());
        List<Session.RunRecord> allRuns = new ArrayList<>(runs.history());
        allRuns.addAll(edgeRuns.history());
        return new Session(Session.SCHEMA_VERSION, m == null ? null : new Session.ModelRef(m.name(), model.deviceProperty().get()),
                new ArrayList<>(tasks), allCircuits, allRuns, ui.withGraph(graph.graphSnapshot()), heads.records(),
                graph.faithfulness().records());
    }

    /** Shows {@code s} as the session of file {@code from} (null: untitled), unchanged since; see {@link SessionDocument#apply}. */
    public void apply(Session s, Path from) {
        document.apply(s, from);
    }

    /**
     * Shows a session: what was computed for the old one goes (panels, overlays, messages, running
     * jobs, prepared tasks it does not share); its model is loaded if another is.
     */
    private void show(Session s) {
        preparation.reset();
        runs.clear(s.runs(org.circuitbench.ablation.Level.NODES));
        edgeRuns.clear(s.runs(org.circuitbench.ablation.Level.EDGES));
        analysis.clear();
        graph.clear(s);
        heads.clear();
        grid.clear("Preparing the session…");
        error.set("");
        model.errorProperty().set("");
        status.set("");
        pendingUi = s.ui();
        applying = true;
        try {
            method.set(s.ui().method() == null ? null : s.ui().method().method());
        } finally {
            applying = false;
        }
        tasks.setAll(s.tasks());
        circuits.setAll(s.circuits(org.circuitbench.ablation.Level.NODES));
        heads.restore(s.explanations());
        heads.restoreChoices(new HeadsViewModel.Choices(s.ui().headsMeasure(), s.ui().headsScope()));
        analysis.selectedForCompare().setAll(s.ui().compared() == null ? List.of() : s.ui().compared());
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
        if (s.ui().draft() != null) editor.restore(s.ui().draft()); // the edits not applied when it was saved
    }

    /** Prepared tasks of the old session that the new one does not have are freed, in the background (it waits for running jobs). */
    private void freeTasksOtherThan(List<Session.SessionTask> keep) {
        Set<Workspace.TaskKey> keys = new HashSet<>();
        keep.forEach(t -> keys.add(key(t)));
        if (!workspace.holdsOtherThan(keys)) return; // nothing to free (the first start): no job to list
        runner.start(Job.of("free the previous session's tasks", ctx -> {
            workspace.retainOnly(keys);
            return null;
        }));
    }

    /** The window as the session document sees it. */
    private final class Shown implements SessionDocument.Window {
        @Override
        public Session snapshot() {
            return MainViewModel.this.snapshot();
        }

        @Override
        public void show(Session s) {
            MainViewModel.this.show(s);
        }

        @Override
        public boolean workRunning() {
            return runs.runningProperty().get() || edgeRuns.runningProperty().get() || analysis.busyProperty().get()
                    || heads.busyProperty().get();
        }

        @Override
        public Session.ModelRef model() {
            return sessionModel.get();
        }

        @Override
        public void loadModel(String ref) {
            MainViewModel.this.loadModel(ref);
        }
    }

    public SessionDocument document() { return document; }
    public ModelViewModel model() { return model; }
    public GridViewModel grid() { return grid; }
    public GraphViewModel graph() { return graph; }
    public RunViewModel<Session.RunRecord> runs() { return runs; }
    public NodePrunes prunes() { return prunes; }
    public RunViewModel<Session.RunRecord> edgeRuns() { return edgeRuns; }
    public EdgeRuns edgeRunSettings() { return edgeRunSettings; }
    public WorkingCircuit working() { return working; }
    public AnalysisViewModel analysis() { return analysis; }
    public TaskEditorViewModel editor() { return editor; }
    public ExportViewModel export() { return export; }
    public HeadsViewModel heads() { return heads; }
    public DialogService dialogs() { return dialogs; }
    public ObservableList<Session.SessionTask> tasks() { return tasks; }
    public ObservableList<String> taskNames() { return taskNames; }
    public ObjectProperty<Session.SessionTask> selectedTaskProperty() { return selectedTask; }
    public ObservableList<Session.NamedCircuit> circuits() { return circuits; }
    public ObjectProperty<Session.ModelRef> sessionModelProperty() { return sessionModel; }
    public ReadOnlyStringProperty modelProblemProperty() { return modelProblem.getReadOnlyProperty(); }
    public ReadOnlyBooleanProperty preparingProperty() { return preparation.runningProperty(); }
    public StringProperty statusProperty() { return status; }
    public StringProperty errorProperty() { return error; }
    public Workspace workspace() { return workspace; }
    /** The loaded model's reference (which may not be the session's: see {@link #modelProblemProperty()}). */
    public String modelRef() { return loadedRef; }
}
