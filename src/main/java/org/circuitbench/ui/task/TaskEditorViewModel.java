package org.circuitbench.ui.task;

import javafx.beans.property.BooleanProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.LongProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleLongProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.beans.value.ChangeListener;
import javafx.collections.FXCollections;
import javafx.collections.ListChangeListener;
import javafx.collections.ObservableList;
import org.circuitbench.ablation.AblationTask;
import org.circuitbench.model.LoadedModel;
import org.circuitbench.search.Job;
import org.circuitbench.session.Session;
import org.circuitbench.task.Prompt;
import org.circuitbench.task.TaskDefinition;
import org.circuitbench.task.TaskException;
import org.circuitbench.task.TaskFile;
import org.circuitbench.task.TaskFiles;
import org.circuitbench.task.TaskProblem;
import org.circuitbench.task.TokenEncoder;
import org.circuitbench.task.TokenizedTask;
import org.circuitbench.task.library.LibraryTask;
import org.circuitbench.task.library.TaskLibrary;
import org.circuitbench.ui.common.AppServices;
import org.circuitbench.ui.common.BackgroundRunner;
import org.circuitbench.ui.common.Debouncer;
import org.circuitbench.ui.common.DialogService;
import org.circuitbench.ui.common.JobState;
import org.circuitbench.ui.common.LatestOnly;
import org.circuitbench.ui.common.Workspace;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The task editor: templates with placeholders bound to generators, the keep labels, inline
 * validation as you type, and a preview of every generated prompt as tokens with its length,
 * answers, and (on request) the full model's logit difference and whether it gets it right.
 * Checking (generating and tokenizing every prompt) waits for a pause in typing and runs in the
 * runner's quick lane, off the FX thread; only the newest edit's check is shown.
 */
public final class TaskEditorViewModel {
    /** One generated prompt as the preview shows it. */
    public record PreviewRow(int index, boolean clean, String text, String template, List<String> tokens,
                             String correct, String incorrect, Double fullLogitDiff, Boolean modelRight) {
        public int length() {
            return tokens.size();
        }
    }

    private final Workspace workspace;
    private final Debouncer debouncer;
    private final DialogService dialogs;
    private final Supplier<TokenEncoder> encoder;
    private final Function<String, List<String>> tokenTexts;
    private Consumer<Session.SessionTask> onApply = t -> { };
    private String refused; // why the session refused the task being applied; null: it took it
    private Runnable onEdit = () -> { };
    private String originalName;

    private final StringProperty name = new SimpleStringProperty("");
    private final ObservableList<TaskDefinition.TemplateSpec> templates = FXCollections.observableArrayList();
    private final IntegerProperty selectedTemplate = new SimpleIntegerProperty(-1);
    private final StringProperty templateId = new SimpleStringProperty("");
    private final StringProperty cleanText = new SimpleStringProperty("");
    private final StringProperty correct = new SimpleStringProperty("");
    private final StringProperty incorrect = new SimpleStringProperty("");
    private final StringProperty cleanVariables = new SimpleStringProperty("");
    private final IntegerProperty cleanCount = new SimpleIntegerProperty(100);
    private final LongProperty cleanSeed = new SimpleLongProperty(0);
    private final StringProperty corruptText = new SimpleStringProperty("");
    private final StringProperty corruptVariables = new SimpleStringProperty("");
    private final IntegerProperty corruptCount = new SimpleIntegerProperty(100);
    private final LongProperty corruptSeed = new SimpleLongProperty(1);
    private final StringProperty cleanCountText = new SimpleStringProperty("100");
    private final StringProperty cleanSeedText = new SimpleStringProperty("0");
    private final StringProperty corruptCountText = new SimpleStringProperty("100"); // as typed: a text that is no number is a problem
    private final StringProperty corruptSeedText = new SimpleStringProperty("1");
    private final StringProperty applyNote = new SimpleStringProperty(""); // why Apply did nothing
    /** The template's corrupt prompts pair with its clean prompts, one each, for patching (TemplateSpec.paired). */
    private final BooleanProperty corruptPaired = new SimpleBooleanProperty(false);
    private final StringProperty lists = new SimpleStringProperty("");
    private final ObservableList<String> keep = FXCollections.observableArrayList();
    private final BooleanProperty keepAll = new SimpleBooleanProperty(false);
    /** Whether an answer's token is the first token of " " + answer (the seed's rule) or of the answer itself. */
    private final BooleanProperty answerSpace = new SimpleBooleanProperty(true);
    private final ObservableList<String> labels = FXCollections.observableArrayList();
    private final ObservableList<TaskProblem> problems = FXCollections.observableArrayList();
    private final ObservableList<PreviewRow> preview = FXCollections.observableArrayList();
    private final StringProperty summary = new SimpleStringProperty("");
    private final BooleanProperty readOnly = new SimpleBooleanProperty(false);
    private final BooleanProperty dirty = new SimpleBooleanProperty(false);
    private final javafx.beans.binding.BooleanBinding canApply = javafx.beans.binding.Bindings.createBooleanBinding(
            () -> dirty.get() && problems.stream().noneMatch(TaskProblem::isError), dirty, problems);
    private final ObjectProperty<TaskFile> generated = new SimpleObjectProperty<>();
    private TaskFile explicitPrompts;
    private boolean loading;
    private final LatestOnly<Input, Checked> checks; // as you type: only the newest edit's check is shown
    private final JobState fullModel;                 // the full model on the prompts (Model preview)
    private Input shown;                              // what the problems and the preview shown were checked from

    /** What a check reads, taken on the FX thread. */
    private record Input(boolean readOnly, TaskFile explicit, TaskDefinition definition, List<TaskProblem> form) {
    }

    /** What a check found. */
    private record Checked(List<TaskProblem> problems, List<String> labels, List<PreviewRow> preview, String summary,
                           TaskFile generated) {
    }

    public TaskEditorViewModel(AppServices services, Supplier<TokenEncoder> encoder, Function<String, List<String>> tokenTexts) {
        this.checks = new LatestOnly<>(services.runner(), BackgroundRunner.Lane.QUICK, new Checking());
        this.fullModel = new JobState(services);
        this.workspace = services.workspace();
        this.debouncer = services.debouncers().get();
        this.dialogs = services.dialogs();
        this.encoder = encoder;
        this.tokenTexts = tokenTexts;
        ChangeListener<Object> templateEdit = (o, a, b) -> {
            if (!loading) {
                storeTemplate();
                changed();
            }
        };
        for (var p : List.of(templateId, cleanText, correct, incorrect, cleanVariables, cleanCount, cleanSeed,
                corruptText, corruptVariables, corruptCount, corruptSeed, corruptPaired)) {
            p.addListener(templateEdit);
        }
        ChangeListener<Object> taskEdit = (o, a, b) -> {
            if (!loading) changed();
        };
        name.addListener(taskEdit);
        lists.addListener(taskEdit);
        keepAll.addListener(taskEdit);
        answerSpace.addListener(taskEdit);
        keep.addListener((ListChangeListener<String>) c -> {
            if (!loading) changed();
        });
        selectedTemplate.addListener((o, a, b) -> loadTemplate());
        typedNumber(cleanCount, cleanCountText);
        typedNumber(cleanSeed, cleanSeedText);
        typedNumber(corruptCount, corruptCountText);
        typedNumber(corruptSeed, corruptSeedText);
        dirty.addListener((o, a, b) -> applyNote.set(""));
    }

    public void setOnApply(Consumer<Session.SessionTask> c) {
        onApply = c;
    }

    /** The session refuses the task {@link #apply()} hands it: the edits stay unapplied, and the note says why. */
    public void refuse(String why) {
        refused = why;
    }

    /** Called after each edit the user makes (the session keeps the unapplied task, and compares itself with its file). */
    public void setOnEdit(Runnable r) {
        onEdit = r;
    }

    /** Opens a task of the session in the editor. */
    public void edit(Session.SessionTask t) {
        loading = true;
        try {
            originalName = t.name();
            name.set(t.name());
            explicitPrompts = t.definition() == null ? t.prompts() : null;
            readOnly.set(t.definition() == null);
            TaskDefinition d = t.definition();
            templates.setAll(d == null ? List.of() : d.templates());
            lists.set(d == null ? "" : formatLists(d.lists()));
            List<String> k = d != null ? d.keep() : t.prompts() == null ? null : t.prompts().keep();
            keepAll.set(k == null);
            keep.setAll(k == null ? List.of() : k);
            Boolean space = d != null ? d.answerSpace() : t.prompts() == null ? null : t.prompts().answerSpace();
            answerSpace.set(space == null || space);
            selectedTemplate.set(-1);
            selectedTemplate.set(templates.isEmpty() ? -1 : 0);
            loadTemplate();
        } finally {
            loading = false;
        }
        dirty.set(false);
        check();
    }

    /** No task: the editor is empty (a new session without tasks). */
    public void clear() {
        loading = true;
        try {
            originalName = null;
            name.set("");
            explicitPrompts = null;
            readOnly.set(true);
            templates.clear();
            lists.set("");
            keepAll.set(true);
            keep.clear();
            answerSpace.set(true);
            selectedTemplate.set(-1);
            loadTemplate();
        } finally {
            loading = false;
        }
        dirty.set(false);
        checks.reset();
        shown = input();
        labels.clear();
        problems.clear();
        preview.clear();
        summary.set("");
        generated.set(null);
    }

    /** A new, empty task with one template ready to fill in. */
    public void newTask(String taskName) {
        TaskDefinition.PromptSpec clean = new TaskDefinition.PromptSpec("{a} {a+1} {a+2} {a+3}", "{a+4}", "{a}",
                List.of(new TaskDefinition.Variable("a", "1..100")), 0, 0);
        TaskDefinition.PromptSpec corrupt = new TaskDefinition.PromptSpec(
                "{randint(d, d+10)} {randint(d, d+10)} {randint(d, d+10)} {randint(d, d+10)}", null, null,
                List.of(new TaskDefinition.Variable("d", "randint(1, 9) * 10")), 100, 1);
        edit(new Session.SessionTask(taskName, new TaskDefinition(taskName,
                List.of(new TaskDefinition.TemplateSpec("t0", clean, corrupt)), List.of("end", "S3", "S2", "S1"), Map.of()), null, null));
        dirty.set(true);
        onEdit.run();
    }

    /** The task library's tasks (IOI, greater-than, induction, the seed's), for New from library…. */
    public List<LibraryTask> libraryTasks() {
        return TaskLibrary.tasks();
    }

    /**
     * A new task from the library: its generators for {@code seed} and {@code count}, open to edit;
     * Apply adds it to the session. The same task, seed and count always give the same prompts.
     */
    public void newFromLibrary(LibraryTask task, long seed, int count) throws TaskException {
        TaskDefinition d = task.definition(seed, count);
        edit(new Session.SessionTask(d.name(), d, null, null));
        originalName = null; // a new task for the session
        dirty.set(true);
    }

    /** New from library…: asks which task and which seed, then opens it with the task's usual count. */
    public void chooseFromLibrary() {
        List<String> choices = libraryTasks().stream().map(t -> t.id() + ": " + t.title()).toList();
        dialogs.choose("New task from the library", choices, choices.get(0)).ifPresent(choice -> {
            LibraryTask task = libraryTasks().get(choices.indexOf(choice));
            dialogs.input("Seed for " + task.id() + " (the same seed gives the same prompts)", "1").ifPresent(text -> {
                long seed;
                try {
                    seed = Long.parseLong(text.trim());
                } catch (NumberFormatException e) {
                    dialogs.error("Not a seed", "'" + org.circuitbench.util.Texts.cap(text) + "' is not a whole number; give a seed such as 1.");
                    return;
                }
                try {
                    newFromLibrary(task, seed, task.defaultCount());
                } catch (TaskException e) {
                    dialogs.error("Cannot make " + task.id(), e.getMessage());
                }
            });
        });
    }

    public void addTemplate() {
        TaskDefinition.PromptSpec empty = new TaskDefinition.PromptSpec("", "", "", List.of(), 0, 0);
        templates.add(new TaskDefinition.TemplateSpec("t" + templates.size(), empty,
                new TaskDefinition.PromptSpec("", null, null, List.of(), 100, 1)));
        selectedTemplate.set(templates.size() - 1);
        changed();
    }

    public void removeTemplate() {
        int i = selectedTemplate.get();
        if (i < 0 || templates.size() <= 1) return;
        templates.remove(i);
        selectedTemplate.set(Math.min(i, templates.size() - 1));
        changed();
    }

    private void loadTemplate() {
        int i = selectedTemplate.get();
        boolean was = loading;
        loading = true;
        try {
            if (i < 0 || i >= templates.size()) {
                for (StringProperty p : List.of(templateId, cleanText, correct, incorrect, cleanVariables, corruptText, corruptVariables)) p.set("");
                return;
            }
            TaskDefinition.TemplateSpec t = templates.get(i);
            templateId.set(t.id());
            cleanText.set(nz(t.clean().text()));
            correct.set(nz(t.clean().correct()));
            incorrect.set(nz(t.clean().incorrect()));
            cleanVariables.set(formatVariables(t.clean().variables()));
            cleanCount.set(t.clean().count());
            cleanSeed.set(t.clean().seed());
            TaskDefinition.PromptSpec c = t.corrupt() == null ? new TaskDefinition.PromptSpec("", null, null, List.of(), 100, 1) : t.corrupt();
            corruptText.set(nz(c.text()));
            corruptVariables.set(formatVariables(c.variables()));
            corruptCount.set(c.count());
            corruptSeed.set(c.seed());
            corruptPaired.set(t.paired());
        } finally {
            loading = was;
        }
    }

    private void storeTemplate() {
        int i = selectedTemplate.get();
        if (i < 0 || i >= templates.size()) return;
        templates.set(i, new TaskDefinition.TemplateSpec(templateId.get(),
                new TaskDefinition.PromptSpec(cleanText.get(), correct.get(), incorrect.get(), parseVariables(cleanVariables.get()),
                        cleanCount.get(), cleanSeed.get()),
                new TaskDefinition.PromptSpec(corruptText.get(), null, null, parseVariables(corruptVariables.get()),
                        corruptCount.get(), corruptSeed.get()), corruptPaired.get()));
    }

    /**
     * A number field's text: a whole number sets {@code value}; anything else is a problem of the
     * task (not a silent fallback to the last number), until it is fixed.
     */
    private void typedNumber(javafx.beans.property.Property<Number> value, StringProperty text) {
        value.addListener((o, a, b) -> {
            if (!text.get().trim().equals(String.valueOf(b))) text.set(String.valueOf(b));
        });
        text.addListener((o, a, b) -> {
            Long v = wholeNumber(b);
            if (v == null) {
                if (!loading) changed(); // its problem shows, and Apply is refused
            } else if (v != value.getValue().longValue()) {
                value.setValue(value instanceof IntegerProperty ? (Number) (int) (long) v : (Number) v);
            } else if (!loading) {
                changed(); // a fixed text that gives the number it had: the problem goes
            }
        });
    }

    private static Long wholeNumber(String text) {
        try {
            long v = Long.parseLong(text == null ? "" : text.trim());
            return v == (int) v ? v : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** The number fields whose text is no whole number. */
    private List<TaskProblem> formProblems() {
        if (readOnly.get()) return List.of();
        List<TaskProblem> out = new ArrayList<>();
        if (wholeNumber(cleanCountText.get()) == null) {
            out.add(TaskProblem.error("The clean count '" + cleanCountText.get().trim() + "' is not a whole number."));
        }
        if (wholeNumber(cleanSeedText.get()) == null) {
            out.add(TaskProblem.error("The clean seed '" + cleanSeedText.get().trim() + "' is not a whole number."));
        }
        if (wholeNumber(corruptCountText.get()) == null) {
            out.add(TaskProblem.error("The corrupt count '" + corruptCountText.get().trim() + "' is not a whole number."));
        }
        if (wholeNumber(corruptSeedText.get()) == null) {
            out.add(TaskProblem.error("The corrupt seed '" + corruptSeedText.get().trim() + "' is not a whole number."));
        }
        return out;
    }

    private void changed() {
        dirty.set(true);
        onEdit.run();
        debouncer.request(this::check);
    }

    /** Checks the editor's task in the background; the result is shown only if no newer edit came meanwhile. */
    private void check() {
        checks.request();
    }

    /** The checks' side of the editor: what is checked, how, and what shows. */
    private final class Checking implements LatestOnly.Client<Input, Checked> {
        @Override
        public Input target() {
            return input();
        }

        @Override
        public Job.Fluent<Checked> job(Input in) {
            TokenEncoder enc = encoder.get();
            return Job.of("check the task", ctx -> check(in, enc, tokenTexts));
        }

        @Override
        public void show(Input in, Checked c) {
            TaskEditorViewModel.this.show(c, in);
        }

        @Override
        public void failed(Input in, Throwable e) {
            TaskEditorViewModel.this.show(new Checked(List.of(TaskProblem.error(Job.message(e))), List.of(), List.of(), "", null), in);
        }
    }

    /** The definition as it stands in the editor. */
    public TaskDefinition definition() {
        return new TaskDefinition(name.get(), new ArrayList<>(templates), keepAll.get() ? null : new ArrayList<>(keep), parseLists(lists.get()),
                answerSpace.get());
    }

    /** Checks the editor's task now, on this thread, unless the newest check is already shown. */
    public void revalidate() {
        Input in = input();
        if (in.equals(shown)) return;
        show(check(in, encoder.get(), tokenTexts), in);
    }

    private Input input() {
        TaskFile e = explicitPrompts;
        TaskFile explicit = e == null ? null : new TaskFile(e.name(), e.clean(), e.corrupt(), e.keep(), answerSpace.get());
        return new Input(readOnly.get(), explicit, readOnly.get() ? null : definition(), formProblems());
    }

    /** Generates and checks a task: its problems, position labels and preview. Runs off the FX thread. */
    private static Checked check(Input in, TokenEncoder enc, Function<String, List<String>> tokenTexts) {
        List<TaskProblem> found = new ArrayList<>(in.form());
        List<String> labels;
        TaskFile file = null;
        if (in.readOnly()) {
            file = in.explicit();
            labels = labelsOf(file);
        } else {
            TaskDefinition d = in.definition();
            labels = d.positionLabels();
            try {
                file = d.generate(enc);
            } catch (TaskException e) {
                found.add(TaskProblem.error(e.getMessage()));
            }
            found.addAll(d.keepProblems());
        }
        List<PreviewRow> rows = new ArrayList<>();
        String summary = "";
        if (file != null) {
            TokenizedTask checked = TokenizedTask.check(file, enc);
            found.addAll(checked.problems());
            for (int i = 0; i < file.clean().size(); i++) rows.add(row(i, true, file.clean().get(i), tokenTexts));
            for (int i = 0; i < file.corrupt().size(); i++) rows.add(row(i, false, file.corrupt().get(i), tokenTexts));
            summary = file.clean().size() + " clean prompts, " + file.corrupt().size() + " corrupt prompts, "
                    + checked.templates().size() + " template(s)";
        }
        TaskFile generated = found.stream().anyMatch(TaskProblem::isError) ? null : file;
        return new Checked(found, labels, rows, summary, generated);
    }

    private void show(Checked c, Input from) {
        shown = from;
        labels.setAll(c.labels());
        preview.setAll(c.preview());
        summary.set(c.summary());
        generated.set(c.generated());
        problems.setAll(c.problems());
    }

    private static PreviewRow row(int i, boolean clean, Prompt p, Function<String, List<String>> tokenTexts) {
        return new PreviewRow(i, clean, p.text(), p.template(), tokenTexts.apply(p.text()), Prompt.joined(p.correct()), Prompt.joined(p.incorrect()), null, null);
    }

    private static List<String> labelsOf(TaskFile f) {
        List<String> out = new ArrayList<>(List.of(TokenizedTask.END));
        if (f != null) f.clean().forEach(p -> p.positions().keySet().forEach(k -> {
            if (!out.contains(k)) out.add(k);
        }));
        return out;
    }

    /** Scores each clean prompt with the full model: its logit difference and whether the top token is right. */
    public void computeModelPreview() {
        TaskFile file = generated.get();
        LoadedModel m = workspace.model();
        if (file == null || m == null || fullModel.isRunning()) return;
        Input at = shown;
        fullModel.start(Job.of("full model on " + file.clean().size() + " prompts", workspace.reading(ctx -> {
                    try (AblationTask t = AblationTask.prepare(m, file)) {
                        return new FullModel(t.fullPerPrompt(), t.fullTop1Flags());
                    }
                }))
                .onSuccess(r -> {
                    if (!at.equals(shown)) return; // the prompts changed meanwhile
                    List<PreviewRow> rows = new ArrayList<>();
                    for (PreviewRow p : preview) {
                        rows.add(p.clean() && p.index() < r.logitDiff().length
                                ? new PreviewRow(p.index(), true, p.text(), p.template(), p.tokens(), p.correct(), p.incorrect(),
                                (double) r.logitDiff()[p.index()], r.right()[p.index()]) : p);
                    }
                    preview.setAll(rows);
                })
                .onFailure(e -> {
                    problems.add(TaskProblem.error(Job.message(e)));
                }));
    }

    /** The full model's logit difference and top-1 verdict on each clean prompt. */
    private record FullModel(float[] logitDiff, boolean[] right) {
    }

    /** Hands the edited task to the session; refuses while there are errors. */
    public boolean apply() {
        if (readOnly.get() && explicitPrompts == null) return false; // no task open
        revalidate();
        long errors = problems.stream().filter(TaskProblem::isError).count();
        if (errors > 0) {
            applyNote.set("Not applied: " + (errors == 1 ? "1 error" : errors + " errors") + " to fix first (under Problems).");
            return false;
        }
        Session.SessionTask t = edited();
        refused = null;
        onApply.accept(t);
        if (refused != null) { // the session refused it (a name in use): the edits stay, still to apply
            applyNote.set("Not applied: " + refused);
            return false;
        }
        originalName = t.name();
        dirty.set(false);
        return true;
    }

    /** The task as it stands in the editor (what Apply hands on), checked or not. */
    private Session.SessionTask edited() {
        String n = name.get() == null || name.get().isBlank() ? "task" : name.get().trim();
        return readOnly.get()
                ? new Session.SessionTask(n, null, new TaskFile(n, explicitPrompts.clean(), explicitPrompts.corrupt(),
                        keepAll.get() ? null : new ArrayList<>(keep), answerSpace.get()), null)
                : new Session.SessionTask(n, definition(), null, null);
    }

    /** The edits not applied yet, as the session keeps them; null when there are none (or no task is open). */
    public Session.Draft draft() {
        if (!dirty.get() || readOnly.get() && explicitPrompts == null) return null;
        return new Session.Draft(originalName, edited());
    }

    /** Shows a session's unapplied edits again: the task as it was being edited, still to apply. */
    public void restore(Session.Draft d) {
        edit(d.task());
        originalName = d.of();
        dirty.set(true);
    }

    /** Drops the edits not applied: the editor shows {@code original} again (null: nothing). */
    public void discard(Session.SessionTask original) {
        if (original == null) clear();
        else edit(original);
    }

    /** The name the task had when it was opened (the session finds it by this). */
    public String originalName() {
        return originalName;
    }

    public void importFile(Path file) throws TaskException {
        TaskFile f = TaskFiles.read(file);
        String n = f.name().isBlank() ? file.getFileName().toString().replaceFirst("\\.json$", "") : f.name();
        edit(new Session.SessionTask(n, null, f, "imported from " + file.getFileName()));
        originalName = null; // a new task for the session
        dirty.set(true);
        onEdit.run();
    }

    /** Import task file…: asks for the file; a file that cannot be read is said in a dialog. */
    public void chooseImport() {
        dialogs.openFile("Import a task file", DialogService.FileType.TASK, null).ifPresent(p -> {
            try {
                importFile(p);
            } catch (TaskException e) {
                dialogs.error("Cannot import " + p.getFileName(), e.getMessage());
            }
        });
    }

    /** Export task file…: the generated prompts as a task file for the headless commands. */
    public void chooseExport() {
        if (generated.get() == null) {
            dialogs.error("Cannot export", "The task has errors; fix them before exporting.");
            return;
        }
        dialogs.saveFile("Export the task file", DialogService.FileType.TASK, name.get() + ".json").ifPresent(p -> {
            try {
                exportFile(p);
            } catch (IOException | TaskException e) {
                dialogs.error("Cannot export to " + p.getFileName(), e.getMessage());
            }
        });
    }

    public void exportFile(Path file) throws IOException, TaskException {
        TaskFile f = generated.get();
        if (f == null) throw new TaskException("The task has errors; fix them before exporting.");
        TaskFiles.write(file, f);
    }

    // ---- text forms of variables and lists ------------------------------------------------------

    static String formatVariables(List<TaskDefinition.Variable> vars) {
        StringBuilder sb = new StringBuilder();
        for (TaskDefinition.Variable v : vars) sb.append(v.name()).append(" = ").append(v.expression()).append('\n');
        return sb.toString().trim();
    }

    static List<TaskDefinition.Variable> parseVariables(String text) {
        List<TaskDefinition.Variable> out = new ArrayList<>();
        if (text == null) return out;
        for (String line : text.split("\n")) {
            if (line.isBlank()) continue;
            int eq = line.indexOf('=');
            out.add(eq < 0 ? new TaskDefinition.Variable(line.trim(), "")
                    : new TaskDefinition.Variable(line.substring(0, eq).trim(), line.substring(eq + 1).trim()));
        }
        return out;
    }

    static String formatLists(Map<String, List<String>> lists) {
        StringBuilder sb = new StringBuilder();
        lists.forEach((k, v) -> sb.append(k).append(": ").append(String.join(", ", v)).append('\n'));
        return sb.toString().trim();
    }

    static Map<String, List<String>> parseLists(String text) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        if (text == null) return out;
        for (String line : text.split("\n")) {
            int colon = line.indexOf(':');
            if (line.isBlank() || colon < 0) continue;
            List<String> items = new ArrayList<>();
            for (String s : line.substring(colon + 1).split(",")) if (!s.isBlank()) items.add(s.trim());
            out.put(line.substring(0, colon).trim(), items);
        }
        return out;
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }

    public StringProperty nameProperty() { return name; }
    public ObservableList<TaskDefinition.TemplateSpec> templates() { return templates; }
    public IntegerProperty selectedTemplateProperty() { return selectedTemplate; }
    public StringProperty templateIdProperty() { return templateId; }
    public StringProperty cleanTextProperty() { return cleanText; }
    public StringProperty correctProperty() { return correct; }
    public StringProperty incorrectProperty() { return incorrect; }
    public StringProperty cleanVariablesProperty() { return cleanVariables; }
    public IntegerProperty cleanCountProperty() { return cleanCount; }
    public LongProperty cleanSeedProperty() { return cleanSeed; }
    public StringProperty corruptTextProperty() { return corruptText; }
    public StringProperty corruptVariablesProperty() { return corruptVariables; }
    public IntegerProperty corruptCountProperty() { return corruptCount; }
    public LongProperty corruptSeedProperty() { return corruptSeed; }
    /** The corrupt count's field as typed (a text that is no whole number is a problem). */
    public StringProperty cleanCountTextProperty() { return cleanCountText; }
    public StringProperty cleanSeedTextProperty() { return cleanSeedText; }
    public StringProperty corruptCountTextProperty() { return corruptCountText; }
    public StringProperty corruptSeedTextProperty() { return corruptSeedText; }
    /** Why the last Apply did nothing; empty once the task is edited again. */
    public StringProperty applyNoteProperty() { return applyNote; }
    /** Whether Apply would apply: there are edits, and no error among the problems shown. */
    public javafx.beans.binding.BooleanBinding canApplyProperty() { return canApply; }
    public BooleanProperty corruptPairedProperty() { return corruptPaired; }
    public StringProperty listsProperty() { return lists; }
    public ObservableList<String> keep() { return keep; }
    public BooleanProperty keepAllProperty() { return keepAll; }
    public BooleanProperty answerSpaceProperty() { return answerSpace; }
    public ObservableList<String> labels() { return labels; }
    public ObservableList<TaskProblem> problems() { return problems; }
    public ObservableList<PreviewRow> preview() { return preview; }
    public StringProperty summaryProperty() { return summary; }
    public BooleanProperty readOnlyProperty() { return readOnly; }
    public BooleanProperty dirtyProperty() { return dirty; }
    public ReadOnlyBooleanProperty busyProperty() { return fullModel.runningProperty(); }
    public ObjectProperty<TaskFile> generatedProperty() { return generated; }
}
