package org.circuitbench.ui;

import javafx.beans.property.BooleanProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.LongProperty;
import javafx.beans.property.ObjectProperty;
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
import org.circuitbench.search.JobContext;
import org.circuitbench.search.JobListener;
import org.circuitbench.session.Session;
import org.circuitbench.task.Prompt;
import org.circuitbench.task.TaskDefinition;
import org.circuitbench.task.TaskException;
import org.circuitbench.task.TaskFile;
import org.circuitbench.task.TaskFiles;
import org.circuitbench.task.TaskProblem;
import org.circuitbench.task.TokenEncoder;
import org.circuitbench.task.TokenizedTask;

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
 */
public final class TaskEditorViewModel {
    /** One generated prompt as the preview shows it. */
    public record PreviewRow(int index, boolean clean, String text, String template, List<String> tokens,
                             String correct, String incorrect, Double fullLogitDiff, Boolean modelRight) {
        public int length() {
            return tokens.size();
        }
    }

    private final BackgroundRunner runner;
    private final Workspace workspace;
    private final Supplier<TokenEncoder> encoder;
    private final Function<String, List<String>> tokenTexts;
    private Consumer<Session.SessionTask> onApply = t -> { };
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
    private final StringProperty lists = new SimpleStringProperty("");
    private final ObservableList<String> keep = FXCollections.observableArrayList();
    private final BooleanProperty keepAll = new SimpleBooleanProperty(false);
    private final ObservableList<String> labels = FXCollections.observableArrayList();
    private final ObservableList<TaskProblem> problems = FXCollections.observableArrayList();
    private final ObservableList<PreviewRow> preview = FXCollections.observableArrayList();
    private final StringProperty summary = new SimpleStringProperty("");
    private final BooleanProperty readOnly = new SimpleBooleanProperty(false);
    private final BooleanProperty dirty = new SimpleBooleanProperty(false);
    private final BooleanProperty busy = new SimpleBooleanProperty(false);
    private final ObjectProperty<TaskFile> generated = new SimpleObjectProperty<>();
    private TaskFile explicitPrompts;
    private boolean loading;

    public TaskEditorViewModel(BackgroundRunner runner, Workspace workspace, Supplier<TokenEncoder> encoder,
                               Function<String, List<String>> tokenTexts) {
        this.runner = runner;
        this.workspace = workspace;
        this.encoder = encoder;
        this.tokenTexts = tokenTexts;
        ChangeListener<Object> templateEdit = (o, a, b) -> {
            if (!loading) {
                storeTemplate();
                changed();
            }
        };
        for (var p : List.of(templateId, cleanText, correct, incorrect, cleanVariables, cleanCount, cleanSeed,
                corruptText, corruptVariables, corruptCount, corruptSeed)) {
            p.addListener(templateEdit);
        }
        ChangeListener<Object> taskEdit = (o, a, b) -> {
            if (!loading) changed();
        };
        name.addListener(taskEdit);
        lists.addListener(taskEdit);
        keepAll.addListener(taskEdit);
        keep.addListener((ListChangeListener<String>) c -> {
            if (!loading) changed();
        });
        selectedTemplate.addListener((o, a, b) -> loadTemplate());
    }

    public void setOnApply(Consumer<Session.SessionTask> c) {
        onApply = c;
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
            selectedTemplate.set(-1);
            selectedTemplate.set(templates.isEmpty() ? -1 : 0);
            loadTemplate();
        } finally {
            loading = false;
        }
        dirty.set(false);
        revalidate();
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
                        corruptCount.get(), corruptSeed.get())));
    }

    private void changed() {
        dirty.set(true);
        revalidate();
    }

    /** The definition as it stands in the editor. */
    public TaskDefinition definition() {
        return new TaskDefinition(name.get(), new ArrayList<>(templates), keepAll.get() ? null : new ArrayList<>(keep), parseLists(lists.get()));
    }

    /** Generates and checks; fills the problems, labels and preview. Runs on each edit. */
    public void revalidate() {
        TokenEncoder enc = encoder.get();
        List<TaskProblem> found = new ArrayList<>();
        TaskFile file = null;
        if (readOnly.get()) {
            file = explicitPrompts;
            labels.setAll(labelsOf(file));
        } else {
            TaskDefinition d = definition();
            List<String> available = d.positionLabels();
            labels.setAll(available);
            try {
                file = d.generate(enc);
            } catch (TaskException e) {
                found.add(TaskProblem.error(e.getMessage()));
            }
            found.addAll(d.keepProblems());
        }
        if (file != null) {
            TokenizedTask checked = TokenizedTask.check(file, enc);
            found.addAll(checked.problems());
            List<PreviewRow> rows = new ArrayList<>();
            for (int i = 0; i < file.clean().size(); i++) rows.add(row(i, true, file.clean().get(i), null, null));
            for (int i = 0; i < file.corrupt().size(); i++) rows.add(row(i, false, file.corrupt().get(i), null, null));
            preview.setAll(rows);
            summary.set(file.clean().size() + " clean prompts, " + file.corrupt().size() + " corrupt prompts, "
                    + checked.templates().size() + " template(s)");
        } else {
            preview.clear();
            summary.set("");
        }
        generated.set(found.stream().anyMatch(TaskProblem::isError) ? null : file);
        problems.setAll(found);
    }

    private PreviewRow row(int i, boolean clean, Prompt p, Double ld, Boolean right) {
        return new PreviewRow(i, clean, p.text(), p.template(), tokenTexts.apply(p.text()), p.correct(), p.incorrect(), ld, right);
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
        if (file == null || m == null || busy.get()) return;
        busy.set(true);
        runner.start(workspace.guarded(new Job<Object[]>() {
            @Override
            public String title() {
                return "full model on " + file.clean().size() + " prompts";
            }

            @Override
            public Object[] run(JobContext ctx) throws Exception {
                try (AblationTask t = AblationTask.prepare(m, file)) {
                    return new Object[] {t.fullPerPrompt(), t.fullTop1Flags()};
                }
            }
        }), new JobListener<>() {
            @Override
            public void finished(Object[] r) {
                busy.set(false);
                float[] ld = (float[]) r[0];
                boolean[] right = (boolean[]) r[1];
                List<PreviewRow> rows = new ArrayList<>();
                for (PreviewRow p : preview) {
                    rows.add(p.clean() && p.index() < ld.length
                            ? new PreviewRow(p.index(), true, p.text(), p.template(), p.tokens(), p.correct(), p.incorrect(),
                            (double) ld[p.index()], right[p.index()]) : p);
                }
                preview.setAll(rows);
            }

            @Override
            public void failed(Throwable cause) {
                busy.set(false);
                problems.add(TaskProblem.error(cause.getMessage() == null ? cause.toString() : cause.getMessage()));
            }
        });
    }

    /** Hands the edited task to the session; refuses while there are errors. */
    public boolean apply() {
        revalidate();
        if (problems.stream().anyMatch(TaskProblem::isError)) return false;
        String n = name.get() == null || name.get().isBlank() ? "task" : name.get().trim();
        Session.SessionTask t = readOnly.get()
                ? new Session.SessionTask(n, null, new TaskFile(n, explicitPrompts.clean(), explicitPrompts.corrupt(),
                        keepAll.get() ? null : new ArrayList<>(keep)), null)
                : new Session.SessionTask(n, definition(), null, null);
        onApply.accept(t);
        originalName = n;
        dirty.set(false);
        return true;
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
    public StringProperty listsProperty() { return lists; }
    public ObservableList<String> keep() { return keep; }
    public BooleanProperty keepAllProperty() { return keepAll; }
    public ObservableList<String> labels() { return labels; }
    public ObservableList<TaskProblem> problems() { return problems; }
    public ObservableList<PreviewRow> preview() { return preview; }
    public StringProperty summaryProperty() { return summary; }
    public BooleanProperty readOnlyProperty() { return readOnly; }
    public BooleanProperty dirtyProperty() { return dirty; }
    public BooleanProperty busyProperty() { return busy; }
    public ObjectProperty<TaskFile> generatedProperty() { return generated; }
}
