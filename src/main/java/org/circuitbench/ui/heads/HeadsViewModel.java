package org.circuitbench.ui.heads;

import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyDoubleProperty;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.beans.value.ObservableValue;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import org.circuitbench.ablation.AblationTask;
import org.circuitbench.ablation.AttentionPatterns;
import org.circuitbench.ablation.Circuit;
import org.circuitbench.ablation.EdgeEvaluator;
import org.circuitbench.ablation.Node;
import org.circuitbench.explain.Explainer;
import org.circuitbench.explain.Explanation;
import org.circuitbench.explain.HeadAttribution;
import org.circuitbench.explain.LogitLens;
import org.circuitbench.explain.Measure;
import org.circuitbench.explain.Scope;
import org.circuitbench.search.Importance;
import org.circuitbench.search.Job;
import org.circuitbench.search.Progress;
import org.circuitbench.session.Session;
import org.circuitbench.task.Prompt;
import org.circuitbench.ui.common.AppServices;
import org.circuitbench.ui.common.BackgroundRunner;
import org.circuitbench.ui.common.DialogService;
import org.circuitbench.ui.common.Exports;
import org.circuitbench.ui.common.GridOverlays;
import org.circuitbench.ui.common.JobState;
import org.circuitbench.ui.common.SessionTasks;
import org.circuitbench.ui.common.WorkingCircuit;
import org.circuitbench.ui.common.Workspace;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The Heads view: the measures of docs/explain.md as one heatmap on the layers × heads grid, for a
 * chosen scope (the full model, the grid's circuit, or a scope another view adds with
 * {@link #addScope}); the logit lens of the full model beside the scope's; the attribution estimate
 * of each node's drop against the exact importance sweep; and the head inspector.
 * <p>
 * Results are kept per task, model and scope (a node circuit's scope is its spec, so editing the
 * grid never shows the old circuit's numbers), saved in the session, and dropped with the session
 * ({@link #clear()}) or when their task is edited ({@link #taskEdited}). All computing runs in the
 * background: the measures in the work lane (progress, cancel), the one-pass estimate in the live
 * lane with the task's shared edge evaluator.
 */
public final class HeadsViewModel {
    /** A scope of the chooser: its name and the scope it is now (null, with {@code unavailable} saying why, when it cannot be used). */
    public record ScopeChoice(String name, Supplier<Scope> scope, String unavailable) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** A node's estimated and exact drop, for the scatter. */
    public record ScatterPoint(Node node, double estimate, double exact) {
    }

    /** A lens line: its name and values. */
    public record LensSeries(String name, LogitLens lens) {
    }

    private final DialogService dialogs;
    private final Workspace workspace;
    private final SessionTasks tasks;
    private final WorkingCircuit working;
    private final GridOverlays overlays;
    private final ObservableValue<Importance.Result> exactSweep;
    private final Runnable runExactSweep;
    private final Supplier<String> model;
    private final HeadInspectorViewModel inspector;

    private final ObservableList<ScopeChoice> scopes = FXCollections.observableArrayList();
    private final ObjectProperty<ScopeChoice> selectedScope = new SimpleObjectProperty<>();
    private final ObservableList<HeadMeasure> measures = FXCollections.observableArrayList();
    private final ObjectProperty<HeadMeasure> selectedMeasure = new SimpleObjectProperty<>(HeadMeasure.of(HeadMeasure.Kind.DLA));
    private final ReadOnlyObjectWrapper<Heatmap> heatmap = new ReadOnlyObjectWrapper<>();
    private final StringProperty placeholder = new SimpleStringProperty("");
    private final ObservableList<LensSeries> lens = FXCollections.observableArrayList();
    private final ObservableList<ScatterPoint> scatter = FXCollections.observableArrayList();
    private final StringProperty scatterCaption = new SimpleStringProperty("");
    private final JobState jobs;      // the measures, in the work lane
    private final JobState estimates; // the one-pass estimate, in the live lane
    private final StringProperty status;

    private final ExplanationStore store = new ExplanationStore();
    private final Map<AblationTask, Explainer> explainers = new IdentityHashMap<>();
    private boolean refreshing;
    private boolean between = true; // after clear(), until the new session selects its task: the old task is not used
    private Runnable onChange = () -> { };

    public HeadsViewModel(AppServices services, SessionTasks tasks, WorkingCircuit working, GridOverlays overlays,
                          ObservableValue<Importance.Result> exactSweep, Runnable runExactSweep, Supplier<String> model) {
        this.jobs = new JobState(services);
        this.estimates = new JobState(services);
        this.status = jobs.statusProperty();
        this.dialogs = services.dialogs();
        this.workspace = services.workspace();
        this.tasks = tasks;
        this.working = working;
        this.overlays = overlays;
        this.exactSweep = exactSweep;
        this.runExactSweep = runExactSweep;
        this.model = model;
        this.inspector = new HeadInspectorViewModel(services, tasks, this);
        scopes.add(new ScopeChoice("Full model", () -> Scope.FULL, ""));
        scopes.add(new ScopeChoice("Grid's circuit", () -> working.get() == null ? null : Scope.nodes(working.get()),
                "The grid shows no circuit yet."));
        selectedScope.set(scopes.get(0));
        measures.setAll(HeadMeasure.list(List.of()));
        selectedScope.addListener((o, a, b) -> refresh());
        selectedMeasure.addListener((o, a, b) -> refresh());
        working.circuitProperty().addListener((o, a, b) -> refresh());
        overlays.estimateWanted().addListener((o, a, b) -> refresh());
        exactSweep.addListener((o, a, b) -> refresh());
    }

    /** The measure and the scope chosen, as the session keeps them: the measure's id and the scope's name (null: the first of each). */
    public record Choices(String measure, String scope) {
    }

    /** The measure and scope as the session saves them (the first of each lists as null). */
    public Choices choices() {
        if (pendingChoices != null) return pendingChoices;
        HeadMeasure m = selectedMeasure.get();
        ScopeChoice c = selectedScope.get();
        return new Choices(m == null || m.equals(measures.get(0)) ? null : m.id(), c == null || c == scopes.get(0) ? null : c.name());
    }

    /** A session's measure and scope: chosen once the selected task shows which measures it has. */
    public void restoreChoices(Choices c) {
        pendingChoices = c.measure() == null && c.scope() == null ? null : c;
        refresh();
    }

    private void adoptChoices(List<HeadMeasure> list) {
        Choices c = pendingChoices;
        pendingChoices = null;
        scopes.stream().filter(x -> x.name().equals(c.scope())).findFirst().ifPresent(selectedScope::set);
        list.stream().filter(x -> x.id().equals(c.measure())).findFirst().ifPresent(selectedMeasure::set);
    }

    /** Called when results the session keeps change. */
    public void setOnChange(Runnable r) {
        onChange = r;
    }

    /**
     * Adds a scope to the chooser, e.g. the Graph view's edge circuit ({@code () -> Scope.edges(c)}):
     * {@code scope} gives the scope as it is now, or null when it cannot be used ({@code unavailable}
     * says why). Call {@link #refresh()} when what it gives changes.
     */
    public ScopeChoice addScope(String name, Supplier<Scope> scope, String unavailable) {
        ScopeChoice c = new ScopeChoice(name, scope, unavailable);
        scopes.add(c);
        return c;
    }

    // ---- session and task ---------------------------------------------------------------------

    /** Another session: nothing computed for the old one stays, and its running work is stopped. */
    public void clear() {
        between = true;
        pendingChoices = null;
        stop();
        store.clear();
        explainers.clear();
        inspector.clear();
        status.set("");
        refresh();
    }

    /** Another task is shown: its results stay stored; running work for the old one stops. */
    public void taskChanged() {
        between = false;
        stop();
        status.set("");
        inspector.clear();
        refresh();
    }

    /** The task called {@code name} was edited (or replaced): what was computed on its old prompts goes. */
    public void taskEdited(String name) {
        stop();
        store.forgetTask(name);
        refresh();
    }

    /** The session, task or prompts moved on: running work stops and shows nothing. */
    private void stop() {
        jobs.reset();
        estimates.reset();
    }

    /** The stored results, for the session file. */
    public List<Session.ExplanationRecord> records() {
        return store.records();
    }

    /**
     * The results a session was saved with (after {@link #clear()}). Their shape is checked when
     * a task of the session is shown; a damaged record is not shown then (with a message) and is
     * saved back as it was.
     */
    public void restore(List<Session.ExplanationRecord> records) {
        store.restore(records);
        refresh();
    }

    // ---- computing ----------------------------------------------------------------------------

    /** One explain job: the measures of one scope. */
    private record Step(Scope scope, ExplanationStore.Key key, String name, Set<Measure> measures) {
    }

    /**
     * Computes every measure the selected scope lacks: the quick ones (DLA, lens, attention, head
     * types) first, so they show in seconds, then OV (long: every head reads the whole
     * vocabulary). For a circuit, the full model's lens and DLA come first, to compare with.
     */
    public void compute() {
        if (jobs.isRunning()) return;
        AblationTask t = selectedTask();
        if (t == null) {
            status.set("No task is ready yet.");
            return;
        }
        ScopeChoice choice = selectedScope.get();
        Scope s = choice == null ? null : choice.scope().get();
        if (s == null) {
            status.set(choice == null ? "Choose a scope." : choice.unavailable());
            return;
        }
        Explainer ex = explainer(t);
        List<Step> steps = new ArrayList<>();
        ExplanationStore.Key k = key(s);
        if (!(s instanceof Scope.Full)) {
            ExplanationStore.Key full = key(Scope.FULL);
            Set<Measure> m = store.missing(full, EnumSet.of(Measure.DLA, Measure.LENS, Measure.ATTENTION));
            if (!m.isEmpty()) steps.add(new Step(Scope.FULL, full, "the full model", m));
        }
        Set<Measure> quick = store.missing(k, EnumSet.of(Measure.DLA, Measure.LENS, Measure.ATTENTION, Measure.HEADS));
        if (!quick.isEmpty()) steps.add(new Step(s, k, choice.name(), quick));
        boolean labelled = ex.attentionLabels().size() > 1 && t.model().config().nLayer() > 1;
        if (labelled && !store.missing(k, EnumSet.of(Measure.OV)).isEmpty()) steps.add(new Step(s, k, choice.name(), EnumSet.of(Measure.OV)));
        if (steps.isEmpty()) {
            status.set("Every measure is computed for " + choice.name().toLowerCase(Locale.ROOT)
                    + (labelled ? "." : " (OV scores need labelled positions, which this task has not)."));
            refresh();
            return;
        }
        run(ex, steps, 0, System.nanoTime());
    }

    /** Step {@code i} of the explain jobs, each started when the one before has finished (the quick measures show meanwhile). */
    private void run(Explainer ex, List<Step> steps, int i, long t0) {
        Step st = steps.get(i);
        String ids = String.join(", ", st.measures().stream().map(m -> m.id).toList());
        status.set("computing " + ids + " for " + st.name().toLowerCase(Locale.ROOT) + "…");
        jobs.start(Job.of("explain " + st.name().toLowerCase(Locale.ROOT) + ": " + ids,
                        workspace.reading(ctx -> ex.job(st.scope(), st.measures()).run(ctx)))
                .onProgress(p -> {
                    jobs.setProgress((i + fraction(p)) / steps.size());
                    String msg = p.message();
                    if (msg != null && !msg.isBlank()) status.set((msg.startsWith(ids) ? "" : ids + ": ") + msg + "…");
                })
                .onSuccess(x -> {
                    store.merge(st.key(), x);
                    onChange.run();
                    if (x.cancelled()) {
                        finish("cancelled; the measures finished before are kept");
                    } else if (i + 1 < steps.size()) {
                        refresh();
                        run(ex, steps, i + 1, t0);
                    } else {
                        finish(String.format(Locale.ROOT, "computed in %.1f s", (System.nanoTime() - t0) / 1e9));
                    }
                })
                .onFailure(x -> finish("failed: " + Job.message(x))));
    }

    private static double fraction(Progress p) {
        return p.total() > 0 ? Math.min(1, (double) p.done() / p.total()) : 0;
    }

    private void finish(String message) {
        jobs.setProgress(0);
        status.set(message);
        refresh();
    }

    public void cancel() {
        jobs.cancel();
    }

    Explainer explainer(AblationTask t) {
        return explainers.computeIfAbsent(t, Explainer::new);
    }

    // ---- the estimate (one backward pass) -----------------------------------------------------

    /** Computes the attribution estimate of the selected scope now, even if an earlier try failed. */
    public void estimate() {
        Scope s = selectedScope() ;
        if (s == null) {
            status.set(selectedScope.get() == null ? "Choose a scope." : selectedScope.get().unavailable());
            return;
        }
        if (estimates.isRunning()) {
            status.set("An estimate is running; click Estimate again when it is done.");
            return;
        }
        store.retryEstimate(key(s));
        status.set(ESTIMATING);
        requestEstimate(s);
    }

    private static final String ESTIMATING = "Estimating each node's drop (one forward and one backward pass)…";

    /** The estimates that are shown and missing (the grid's overlay, the heatmap or the scatter) are computed, one at a time. */
    private void ensureEstimates() {
        if (between || estimates.isRunning() || tasks.selectedKey().isEmpty()) return;
        Circuit c = working.get();
        if (overlays.estimateWanted().get() && c != null) {
            Scope s = Scope.nodes(c);
            if (store.lacksEstimate(key(s))) {
                requestEstimate(s);
                return;
            }
        }
        HeadMeasure.Kind kind = selectedMeasure.get() == null ? null : selectedMeasure.get().kind();
        Scope s = selectedScope();
        if ((kind == HeadMeasure.Kind.ATTRIBUTION || kind == HeadMeasure.Kind.EXACT) && s != null && store.lacksEstimate(key(s))) {
            requestEstimate(s);
        }
    }

    private void requestEstimate(Scope s) {
        if (between || estimates.isRunning()) return;
        Workspace.TaskKey tk = tasks.selectedKey().orElse(null);
        if (tk == null) return;
        ExplanationStore.Key k = key(s);
        estimates.start(BackgroundRunner.Lane.LIVE, Job.of("estimate each node's drop", workspace.reading(ctx -> {
                    return workspace.edges(tk).use(ev -> HeadAttribution.compute(ev, s));
                }))
                .onSuccess(a -> {
                    if (ESTIMATING.equals(status.get())) {
                        status.set("Estimated each node's drop: the measure 'attribution (estimate)', the scatter and the grid's "
                                + "Estimate drops show it.");
                    }
                    store.putEstimate(k, a);
                    onChange.run();
                    refresh();
                })
                .onFailure(x -> {
                    store.estimateFailed(k);
                    status.set("The estimate failed: " + Job.message(x));
                    refresh();
                }));
    }

    /** The exact sweep (Importance tab) of the selected scope's circuit, when that is the grid's circuit. */
    public void runExact() {
        Scope s = selectedScope();
        Circuit c = s == null ? null : circuitOf(s);
        if (c == null || !c.equals(working.get())) {
            status.set("The exact sweep ranks the grid's circuit: choose the grid's circuit as the scope"
                    + " (or put every head on the grid for the full model).");
            return;
        }
        runExactSweep.run();
    }

    // ---- what is shown ------------------------------------------------------------------------

    private Scope selectedScope() {
        ScopeChoice c = selectedScope.get();
        return c == null ? null : c.scope().get();
    }

    /** The key of a scope for the selected task and the session's model. */
    ExplanationStore.Key key(Scope s) {
        return new ExplanationStore.Key(tasks.selectedName(), model.get(), scopeKey(s));
    }

    /** "full", a node circuit's spec, or "edges:" and an edge circuit's spec: one key per pass. */
    static String scopeKey(Scope s) {
        return switch (s) {
            case Scope.Full f -> "full";
            case Scope.Nodes n -> n.circuit().toSpec();
            case Scope.Edges e -> "edges:" + e.circuit().toSpec();
        };
    }

    /** The node circuit a scope ablates (all heads for the full model), or null for an edge circuit. */
    Circuit circuitOf(Scope s) {
        return switch (s) {
            case Scope.Full f -> {
                AblationTask t = selectedTask();
                yield t == null ? null : Circuit.all(t.model().config().nLayer(), t.model().config().nHead());
            }
            case Scope.Nodes n -> n.circuit();
            case Scope.Edges e -> null;
        };
    }

    Explanation explanation(ExplanationStore.Key k) {
        return store.explanation(k);
    }

    HeadAttribution storedEstimate(ExplanationStore.Key k) {
        return store.estimate(k);
    }

    /** The exact sweep of the scope's circuit, if the Importance tab holds one. */
    Importance.Result exact(Scope s) {
        Importance.Result r = exactSweep.getValue();
        Circuit c = s == null ? null : circuitOf(s);
        return r != null && c != null && r.circuit().equals(c) ? r : null;
    }

    /** Updates everything shown from the stored results, the scope and the measure; then fetches estimates that are shown but missing. */
    public void refresh() {
        if (refreshing) return;
        refreshing = true;
        try {
            show();
        } finally {
            refreshing = false;
        }
        inspector.refresh();
        Scope now = selectedTask() != null ? selectedScope() : null;
        String shown = now == null ? null : tasks.selectedName() + "@" + scopeKey(now);
        if (!java.util.Objects.equals(shown, shownScope)) {
            shownScope = shown;
            inspector.scopeChanged(); // the pattern and OV tokens are of the scope's pass
        }
        ensureEstimates();
    }

    private String shownScope;
    private Choices pendingChoices; // a session's measure and scope, chosen once its task is ready

    /** The selected task, prepared; none while a new session is being applied. */
    private AblationTask selectedTask() {
        return between ? null : tasks.selected().orElse(null);
    }

    private void show() {
        AblationTask t = selectedTask();
        if (t != null) {
            List<String> bad = store.adoptPending(t.model().config().nLayer(), t.model().config().nHead());
            if (!bad.isEmpty()) status.set("Not shown: " + String.join(" ", bad));
        }
        Scope s = t == null ? null : selectedScope();
        ExplanationStore.Key k = s == null ? null : key(s);
        Explanation x = k == null ? null : explanation(k);
        List<String> labels = x != null && x.attention() != null ? x.attention().labels()
                : t != null ? explainer(t).attentionLabels() : List.of();
        List<HeadMeasure> list = HeadMeasure.list(labels);
        if (!list.equals(measures)) {
            HeadMeasure keep = selectedMeasure.get();
            measures.setAll(list);
            selectedMeasure.set(list.contains(keep) ? keep : list.get(0));
        }
        if (pendingChoices != null && t != null) adoptChoices(list);
        syncGridEstimate();
        lens.clear();
        scatter.clear();
        scatterCaption.set("");
        if (t == null) {
            heatmap.set(null);
            placeholder.set("No task is ready.");
            return;
        }
        if (s == null) {
            heatmap.set(null);
            placeholder.set(selectedScope.get() == null ? "Choose a scope." : selectedScope.get().unavailable());
            return;
        }
        String scopeName = selectedScope.get().name();
        // the lens: the full model's beside the scope's
        Explanation full = explanation(key(Scope.FULL));
        if (full != null && full.lens() != null) lens.add(new LensSeries("full model", full.lens()));
        if (!(s instanceof Scope.Full) && x != null && x.lens() != null) lens.add(new LensSeries(scopeName.toLowerCase(Locale.ROOT), x.lens()));
        // estimate against exact
        HeadAttribution est = storedEstimate(k);
        Importance.Result r = exact(s);
        if (est != null && r != null) {
            double err = 0, worst = -1;
            Node worstNode = null;
            for (Importance.Entry en : r.entries()) {
                double e = est.drop(en.node()), d = en.drop(r.circuitScore());
                if (Double.isNaN(e) || Double.isNaN(d)) continue;
                scatter.add(new ScatterPoint(en.node(), e, d));
                err += Math.abs(e - d);
                if (Math.abs(e - d) > worst) {
                    worst = Math.abs(e - d);
                    worstNode = en.node();
                }
            }
            if (!scatter.isEmpty()) {
                scatterCaption.set(String.format(Locale.ROOT, "%d nodes · mean |estimate − exact| %.2f points · largest %.2f (%s)",
                        scatter.size(), err / scatter.size(), worst, worstNode instanceof Node.Mlp ? "MLP " + worstNode.layer() : "head " + worstNode));
            }
        }
        Heatmap h = Heatmap.of(selectedMeasure.get(), scopeName, s, working.get(), x, est, r);
        heatmap.set(h);
        placeholder.set(h != null ? "" : missingText(selectedMeasure.get(), scopeName, s));
    }

    private String missingText(HeadMeasure m, String scopeName, Scope s) {
        String scope = s instanceof Scope.Full ? "the full model" : "the " + scopeName.toLowerCase(Locale.ROOT);
        return switch (m.kind()) {
            case EXACT -> {
                Circuit c = circuitOf(s);
                yield c != null && c.equals(working.get())
                        ? "No exact sweep of " + scope + " yet: Exact sweep ranks it (the Importance tab shows it too)."
                        : "The exact sweep ranks the grid's circuit; for " + scope + " none is available"
                          + (s instanceof Scope.Full ? " unless every head is on the grid." : ".");
            }
            case ATTRIBUTION -> estimates.isRunning() ? "Estimating each node's drop (one forward and one backward pass)…"
                    : "No estimate for " + scope + " yet: Estimate computes it.";
            case OV_NEXT, OV_COPY -> m.name() + " is not computed for " + scope + " yet: Compute runs every measure"
                    + " (OV is the long one: each head reads the whole vocabulary).";
            default -> m.name() + " is not computed for " + scope + " yet: Compute runs it in the background.";
        };
    }

    /** The grid's attribution overlay shows the stored estimate of its circuit, once there is one. */
    private void syncGridEstimate() {
        Circuit c = working.get();
        if (c == null || tasks.selectedName() == null) return;
        HeadAttribution a = storedEstimate(key(Scope.nodes(c)));
        if (a == null || c.equals(overlays.estimateShownFor())) return;
        Map<Node, Double> drops = new LinkedHashMap<>();
        for (int l = 0; l < c.layers(); l++) {
            for (int h = 0; h < c.heads(); h++) if (!Double.isNaN(a.heads()[l][h])) drops.put(Node.head(l, h), a.heads()[l][h]);
            if (c.hasMlpNodes() && !Double.isNaN(a.mlp()[l])) drops.put(Node.mlp(l), a.mlp()[l]);
        }
        overlays.showEstimate(drops, c);
    }

    // ---- the head inspector -------------------------------------------------------------------

    /** Opens the head inspector on {@code head} (from the grid, a heatmap or the Graph view). */
    public void inspect(Node.Head head) {
        inspector.inspect(head);
    }

    public HeadInspectorViewModel inspector() {
        return inspector;
    }

    /** The selected scope's name, key and explanation, for the inspector. */
    String scopeName() {
        return selectedScope.get() == null ? "" : selectedScope.get().name();
    }

    Scope scopeNow() {
        return selectedScope();
    }

    // ---- attention patterns -------------------------------------------------------------------

    /** A head's attention pattern on a clean prompt, computed in the background. */
    public void attentionPattern(Node.Head head, int prompt, boolean ablated,
                                 Consumer<AttentionPatterns.Pattern> onResult, Consumer<String> onError) {
        Optional<AblationTask> task = tasks.selected();
        if (task.isEmpty()) {
            onError.accept("No task is ready.");
            return;
        }
        Circuit circuit = ablated ? working.get() : null;
        jobs.side(BackgroundRunner.Lane.WORK, Job.of("attention pattern of " + head, workspace.reading(ctx -> AttentionPatterns.compute(task.get(), prompt, head, circuit)))
                .onSuccess(onResult)
                .onFailure(e -> onError.accept(Job.message(e))));
    }

    /** The clean prompts of the selected task, for pickers. */
    public List<String> cleanPrompts() {
        return tasks.selected().map(t -> t.tokenized().task().clean().stream().map(Prompt::text).toList()).orElse(List.of());
    }

    // ---- exports ------------------------------------------------------------------------------

    /** The shown measure as CSV: each node and its value (for importance, the estimate and the exact drop side by side). */
    public void exportCsv() {
        String csv = csv();
        if (csv == null) {
            dialogs.error("Nothing to export", "The " + selectedMeasure.get().name() + " heatmap is not computed for this scope yet.");
            return;
        }
        dialogs.saveFile("Export " + selectedMeasure.get().name() + " as CSV", DialogService.FileType.CSV,
                selectedMeasure.get().id().toLowerCase(Locale.ROOT) + ".csv").ifPresent(p -> write(p, csv));
    }

    /** The CSV of the shown measure, or null when it is not computed. */
    String csv() {
        Heatmap h = heatmap.get();
        if (h == null) return null;
        Scope s = selectedScope();
        return HeadsCsv.measure(h, explanation(key(s)), storedEstimate(key(s)), exact(s));
    }

    /** The logit lens as CSV: each point, the full model's value and the scope's. */
    public void exportLensCsv() {
        if (lens.isEmpty()) {
            dialogs.error("Nothing to export", "The logit lens is not computed yet: Compute runs it.");
            return;
        }
        dialogs.saveFile("Export the logit lens as CSV", DialogService.FileType.CSV, "lens.csv").ifPresent(p -> write(p, HeadsCsv.lens(lens)));
    }

    /** The heatmap (with its legend) as the view renders it. */
    public void exportHeatmapPng(Exports.Png png) {
        if (heatmap.get() == null) {
            dialogs.error("Nothing to export", "The heatmap is not computed for this scope yet.");
            return;
        }
        savePng("Export the heatmap as an image", "heatmap-" + selectedMeasure.get().id().toLowerCase(Locale.ROOT) + ".png", png);
    }

    public void exportLensPng(Exports.Png png) {
        if (lens.isEmpty()) {
            dialogs.error("Nothing to export", "The logit lens is not computed yet: Compute runs it.");
            return;
        }
        savePng("Export the logit lens as an image", "lens.png", png);
    }

    private void savePng(String title, String name, Exports.Png png) {
        Exports.saveImage(dialogs, title, name, png);
    }

    private void write(Path p, String text) {
        Exports.writeText(dialogs, p, text);
    }

    // ---- properties ---------------------------------------------------------------------------

    public ObservableList<ScopeChoice> scopes() { return scopes; }
    public ObjectProperty<ScopeChoice> selectedScopeProperty() { return selectedScope; }
    public ObservableList<HeadMeasure> measures() { return measures; }
    public ObjectProperty<HeadMeasure> selectedMeasureProperty() { return selectedMeasure; }
    public ReadOnlyObjectProperty<Heatmap> heatmapProperty() { return heatmap.getReadOnlyProperty(); }
    public StringProperty placeholderProperty() { return placeholder; }
    public ObservableList<LensSeries> lens() { return lens; }
    public ObservableList<ScatterPoint> scatter() { return scatter; }
    public StringProperty scatterCaptionProperty() { return scatterCaption; }
    public ReadOnlyBooleanProperty busyProperty() { return jobs.runningProperty(); }
    public ReadOnlyBooleanProperty estimatingProperty() { return estimates.runningProperty(); }
    public ReadOnlyDoubleProperty progressProperty() { return jobs.progressProperty(); }
    public StringProperty statusProperty() { return status; }

    /** How many results are kept (for tests: nothing of a previous session). */
    int storedCount() {
        return store.size();
    }

    Optional<AblationTask> task() {
        return Optional.ofNullable(selectedTask());
    }
}
