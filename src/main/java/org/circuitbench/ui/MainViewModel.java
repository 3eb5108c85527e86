package org.circuitbench.ui;

import javafx.beans.property.BooleanProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import org.circuitbench.ablation.AblationTask;
import org.circuitbench.ablation.AttentionPatterns;
import org.circuitbench.ablation.Node;
import org.circuitbench.ablation.Circuit;
import org.circuitbench.ablation.FastEvaluator;
import org.circuitbench.model.AppPaths;
import org.circuitbench.model.Gpt2Tokenizer;
import org.circuitbench.model.LoadedModel;
import org.circuitbench.model.ModelLoadException;
import org.circuitbench.search.Job;
import org.circuitbench.search.JobContext;
import org.circuitbench.search.JobListener;
import org.circuitbench.session.RecoveryStore;
import org.circuitbench.session.Session;
import org.circuitbench.session.SessionException;
import org.circuitbench.session.SessionFiles;
import org.circuitbench.task.Prompt;
import org.circuitbench.task.TaskException;
import org.circuitbench.task.TaskFile;
import org.circuitbench.task.TokenEncoder;
import org.circuitbench.util.AtomicFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The window's state and the session it shows: the tasks, the selected task prepared on the
 * model, named circuits, runs; new, open, save (atomic) and autosave to a recovery file. It owns
 * the feature view models and wires them together.
 */
public final class MainViewModel {
    private final BackgroundRunner runner;
    private final Workspace workspace;
    private final RecoveryStore recovery;
    private final Path recentFile;
    private final Gpt2Tokenizer bundledTokenizer;

    private final ModelViewModel model;
    private final GridViewModel grid;
    private final RunsViewModel runs;
    private final AnalysisViewModel analysis;
    private final TaskEditorViewModel editor;

    private final ObservableList<Session.SessionTask> tasks = FXCollections.observableArrayList();
    private final ObservableList<String> taskNames = FXCollections.observableArrayList();
    private final ObjectProperty<Session.SessionTask> selectedTask = new SimpleObjectProperty<>();
    private final ObservableList<Session.NamedCircuit> circuits = FXCollections.observableArrayList();
    private final ObjectProperty<Path> file = new SimpleObjectProperty<>();
    private final BooleanProperty dirty = new SimpleBooleanProperty(false);
    private final BooleanProperty preparing = new SimpleBooleanProperty(false);
    private final StringProperty title = new SimpleStringProperty("Circuit Workbench");
    private final StringProperty status = new SimpleStringProperty("");
    private final StringProperty error = new SimpleStringProperty("");
    private final ObservableList<Path> recent = FXCollections.observableArrayList();
    private Session.UiState pendingUi = Session.UiState.EMPTY;
    private Optional<RecoveryStore.Recovery> offeredRecovery = Optional.empty();
    private String modelRef;

    public MainViewModel(BackgroundRunner runner, Workspace workspace, RecoveryStore recovery, Path userDir) throws ModelLoadException {
        this.runner = runner;
        this.workspace = workspace;
        this.recovery = recovery;
        this.recentFile = userDir.resolve("recent.txt");
        this.bundledTokenizer = Gpt2Tokenizer.bundled();
        this.model = new ModelViewModel(runner, workspace);
        this.grid = new GridViewModel(runner, workspace, this::liveEvaluator);
        this.runs = new RunsViewModel(runner, workspace, this::selectedTaskName, grid, this::addCircuit);
        this.analysis = new AnalysisViewModel(runner, workspace, this::selectedTaskName, grid, circuits, taskNames, this::ensurePrepared);
        this.editor = new TaskEditorViewModel(runner, workspace, this::encoder, this::tokenTexts);
        grid.setOnEdit(this::markDirty);
        runs.setOnChange(this::markDirty);
        editor.setOnApply(this::applyEditedTask);
        tasks.addListener((javafx.collections.ListChangeListener<Session.SessionTask>) c ->
                taskNames.setAll(tasks.stream().map(Session.SessionTask::name).toList()));
        selectedTask.addListener((o, was, now) -> {
            if (now != null) {
                editor.edit(now);
                prepareSelected(null);
            }
        });
        file.addListener((o, a, b) -> updateTitle());
        dirty.addListener((o, a, b) -> updateTitle());
        loadRecent();
    }

    // ---- model ----------------------------------------------------------------------------------

    /** Loads a model and prepares the selected task on it. */
    public void loadModel(String ref) {
        model.load(ref, m -> {
            boolean changed = modelRef != null && !modelRef.equals(ref);
            modelRef = ref;
            if (changed) markDirty();
            prepareSelected(null);
        });
    }

    public void downloadModel(String name) {
        model.download(name, m -> {
            modelRef = name;
            markDirty();
            prepareSelected(null);
        });
    }

    private TokenEncoder encoder() {
        LoadedModel m = workspace.model();
        return m != null ? m.tokenizer()::encode : bundledTokenizer::encode;
    }

    private List<String> tokenTexts(String text) {
        LoadedModel m = workspace.model();
        return Arrays.asList(m != null ? m.tokenizer().tokenTexts(text) : bundledTokenizer.tokenTexts(text));
    }

    // ---- tasks ----------------------------------------------------------------------------------

    public String selectedTaskName() {
        Session.SessionTask t = selectedTask.get();
        return t == null ? null : t.name();
    }

    private FastEvaluator liveEvaluator() {
        String n = selectedTaskName();
        if (n == null || workspace.task(n).isEmpty()) return null;
        return workspace.live(n);
    }

    /** The prompts of a session task: generated from its definition, or as imported. */
    TaskFile promptsOf(Session.SessionTask t) throws TaskException {
        return t.definition() != null ? t.definition().generate(encoder()) : t.prompts();
    }

    /** Prepares a task if it is not yet (blocking: for background jobs); false if it cannot be. */
    public boolean ensurePrepared(String name) {
        if (workspace.task(name).isPresent()) return true;
        Optional<Session.SessionTask> t = tasks.stream().filter(x -> x.name().equals(name)).findFirst();
        if (t.isEmpty() || workspace.model() == null) return false;
        try {
            workspace.prepare(name, promptsOf(t.get()));
            return true;
        } catch (TaskException e) {
            return false;
        }
    }

    /** Prepares the selected task in the background, then points the grid at it. */
    private void prepareSelected(Circuit keepCircuit) {
        Session.SessionTask t = selectedTask.get();
        LoadedModel m = workspace.model();
        if (t == null || m == null || model.loadingProperty().get()) return;
        preparing.set(true);
        status.set("preparing " + t.name() + " on " + m.name() + "…");
        Circuit current = keepCircuit != null ? keepCircuit : grid.circuit();
        runner.start(new Job<AblationTask>() {
            @Override
            public String title() {
                return "prepare " + t.name();
            }

            @Override
            public AblationTask run(JobContext ctx) throws Exception {
                return workspace.prepare(t.name(), promptsOf(t));
            }
        }, new JobListener<>() {
            @Override
            public void finished(AblationTask task) {
                preparing.set(false);
                if (selectedTask.get() != t) return; // the user moved on
                var cfg = task.model().config();
                Circuit start = current;
                if (pendingUi.grid() != null) {
                    try {
                        start = Circuit.parse(pendingUi.grid(), cfg.nLayer(), cfg.nHead());
                    } catch (IllegalArgumentException ignored) {
                        start = null;
                    }
                    pendingUi = Session.UiState.EMPTY;
                }
                grid.reset(cfg.nLayer(), cfg.nHead(), start);
                error.set("");
                status.set(String.format(Locale.ROOT, "%s: %d clean prompts · full logit diff %.4f",
                        t.name(), task.tokenized().cleanCount(), task.fullLogitDiff()));
                task.tokenized().warnings().stream().findFirst().ifPresent(w -> status.set(status.get() + " · warning: " + w.message()));
                model.refreshSummary();
            }

            @Override
            public void failed(Throwable cause) {
                preparing.set(false);
                error.set("Task '" + t.name() + "': " + (cause.getMessage() == null ? cause : cause.getMessage()));
                status.set("");
            }
        });
    }

    private void applyEditedTask(Session.SessionTask t) {
        String old = editor.originalName();
        int i = old == null ? -1 : indexOfTask(old);
        if (i >= 0) {
            tasks.set(i, t);
            if (!old.equals(t.name())) workspace.remove(old);
        } else {
            tasks.add(t);
        }
        markDirty();
        selectedTask.set(null);
        selectedTask.set(t);
    }

    private int indexOfTask(String name) {
        for (int i = 0; i < tasks.size(); i++) if (tasks.get(i).name().equals(name)) return i;
        return -1;
    }

    public void newTask() {
        String name = "task " + (tasks.size() + 1);
        editor.newTask(name);
    }

    public void removeTask(Session.SessionTask t) {
        tasks.remove(t);
        workspace.remove(t.name());
        if (selectedTask.get() == t) selectedTask.set(tasks.isEmpty() ? null : tasks.get(0));
        markDirty();
    }

    /** A head's attention pattern on a clean prompt, computed in the background. */
    public void attentionPattern(Node.Head head, int prompt, boolean ablated,
                                 java.util.function.Consumer<AttentionPatterns.Pattern> onResult,
                                 java.util.function.Consumer<String> onError) {
        String name = selectedTaskName();
        Optional<AblationTask> task = name == null ? Optional.empty() : workspace.task(name);
        if (task.isEmpty()) {
            onError.accept("No task is ready.");
            return;
        }
        Circuit circuit = ablated ? grid.circuit() : null;
        runner.start(workspace.guarded(new Job<AttentionPatterns.Pattern>() {
            @Override
            public String title() {
                return "attention pattern of " + head;
            }

            @Override
            public AttentionPatterns.Pattern run(JobContext ctx) {
                return AttentionPatterns.compute(task.get(), prompt, head, circuit);
            }
        }), new JobListener<>() {
            @Override
            public void finished(AttentionPatterns.Pattern p) {
                onResult.accept(p);
            }

            @Override
            public void failed(Throwable cause) {
                onError.accept(cause.getMessage() == null ? cause.toString() : cause.getMessage());
            }
        });
    }

    /** The clean prompts of the selected task, for pickers. */
    public List<String> cleanPrompts() {
        String name = selectedTaskName();
        return name == null ? List.of() : workspace.task(name)
                .map(t -> t.tokenized().task().clean().stream().map(Prompt::text).toList()).orElse(List.of());
    }

    // ---- named circuits -------------------------------------------------------------------------

    public void addCircuit(Session.NamedCircuit c) {
        circuits.removeIf(x -> x.name().equals(c.name()));
        circuits.add(c);
        markDirty();
    }

    /** Keeps the grid's circuit under a name, with its current score. */
    public void saveGridAs(String name) {
        if (name == null || name.isBlank()) return;
        var d = grid.detailsProperty().get();
        addCircuit(new Session.NamedCircuit(name.trim(), grid.circuit().toSpec(), selectedTaskName(),
                d == null ? null : d.score(), "from the grid"));
    }

    public void showOnGrid(Session.NamedCircuit c) {
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
        Session.UiState ui = new Session.UiState(selectedTaskName(), grid.circuit() == null ? null : grid.circuit().toSpec(),
                grid.overlayProperty().get().name().toLowerCase(Locale.ROOT), new ArrayList<>(analysis.selectedForCompare()));
        return new Session(Session.SCHEMA_VERSION, modelRef == null ? null : new Session.ModelRef(modelRef, model.deviceProperty().get()),
                new ArrayList<>(tasks), new ArrayList<>(circuits), new ArrayList<>(runs.history()), ui);
    }

    /** Shows a session: its tasks, circuits and runs; loads its model if another is loaded. */
    public void apply(Session s, Path from) {
        pendingUi = s.ui();
        tasks.setAll(s.tasks());
        circuits.setAll(s.circuits());
        runs.history().setAll(s.runs());
        analysis.selectedForCompare().setAll(s.ui().compared() == null ? List.of() : s.ui().compared());
        file.set(from);
        dirty.set(false);
        Session.SessionTask select = tasks.stream().filter(t -> t.name().equals(s.ui().selectedTask())).findFirst()
                .orElse(tasks.isEmpty() ? null : tasks.get(0));
        String wanted = s.model() == null ? modelRef : s.model().name();
        if (s.model() != null && s.model().device() != null) model.deviceProperty().set(s.model().device());
        selectedTask.set(null);
        if (wanted != null && !wanted.equals(modelRef)) loadModel(wanted); // prepares the task once loaded
        selectedTask.set(select);
    }

    public void newSession() {
        apply(new Session(Session.SCHEMA_VERSION, modelRef == null ? null : new Session.ModelRef(modelRef, null),
                List.of(), List.of(), List.of(), Session.UiState.EMPTY), null);
    }

    /** Opens a session file; a file that cannot be read leaves everything as it was. */
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

    public boolean save() {
        return file.get() == null ? false : saveAs(file.get());
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

    /** Exit: unsaved changes get a fresh recovery copy (offered at the next start); else none is left. */
    public void closing() {
        if (dirty.get()) autosave(); else recovery.clear();
        recovery.close();
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
        } catch (IOException ignored) {
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

    /** Opens the bundled demo model and the digits sample session (the first start). */
    public void openDemo() {
        Optional<Path> digits = AppPaths.samples().map(s -> s.resolve("sessions").resolve("digits-seqcont-tiny" + SessionFiles.EXTENSION))
                .filter(Files::isRegularFile);
        if (digits.isPresent() && open(digits.get())) {
            file.set(null); // a sample is a template: saving asks where
            return;
        }
        loadModel(AppPaths.DEMO_REF);
    }

    public ModelViewModel model() { return model; }
    public GridViewModel grid() { return grid; }
    public RunsViewModel runs() { return runs; }
    public AnalysisViewModel analysis() { return analysis; }
    public TaskEditorViewModel editor() { return editor; }
    public ObservableList<Session.SessionTask> tasks() { return tasks; }
    public ObservableList<String> taskNames() { return taskNames; }
    public ObjectProperty<Session.SessionTask> selectedTaskProperty() { return selectedTask; }
    public ObservableList<Session.NamedCircuit> circuits() { return circuits; }
    public ObjectProperty<Path> fileProperty() { return file; }
    public BooleanProperty dirtyProperty() { return dirty; }
    public BooleanProperty preparingProperty() { return preparing; }
    public StringProperty titleProperty() { return title; }
    public StringProperty statusProperty() { return status; }
    public StringProperty errorProperty() { return error; }
    public ObservableList<Path> recent() { return recent; }
    public Workspace workspace() { return workspace; }
    public String modelRef() { return modelRef; }
}
