package org.circuitbench.ui.heads;

import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import org.circuitbench.ablation.AblationTask;
import org.circuitbench.ablation.AttentionPatterns;
import org.circuitbench.ablation.Circuit;
import org.circuitbench.ablation.EdgeEvaluator;
import org.circuitbench.ablation.Node;
import org.circuitbench.explain.DirectLogitAttribution;
import org.circuitbench.explain.Explainer;
import org.circuitbench.explain.Explanation;
import org.circuitbench.explain.HeadAttribution;
import org.circuitbench.explain.HeadTypes;
import org.circuitbench.explain.LabelAttention;
import org.circuitbench.explain.LogitLens;
import org.circuitbench.explain.Measure;
import org.circuitbench.explain.OvScores;
import org.circuitbench.explain.Scope;
import org.circuitbench.search.Importance;
import org.circuitbench.search.Job;
import org.circuitbench.search.JobHandle;
import org.circuitbench.search.Progress;
import org.circuitbench.session.Session;
import org.circuitbench.session.SessionMapper;
import org.circuitbench.task.Prompt;
import org.circuitbench.ui.analysis.AnalysisViewModel;
import org.circuitbench.ui.common.AppServices;
import org.circuitbench.ui.common.BackgroundRunner;
import org.circuitbench.ui.common.Cells;
import org.circuitbench.ui.common.DialogService;
import org.circuitbench.ui.common.Exports;
import org.circuitbench.ui.common.SessionTasks;
import org.circuitbench.ui.common.Workspace;
import org.circuitbench.ui.grid.GridViewModel;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
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
    /** What a heatmap can show. */
    public enum Kind {
        DLA("DLA", "dla"),
        ATTENTION("attention to", "attention"),
        OV_NEXT("OV next", "ov_next"),
        OV_COPY("OV copy", "ov_copy"),
        PREVIOUS_TOKEN("previous token", "previous_token"),
        DUPLICATE_TOKEN("duplicate token", "duplicate_token"),
        INDUCTION("induction", "induction"),
        EXACT("exact importance", "exact_drop"),
        ATTRIBUTION("attribution (estimate)", "estimated_drop");

        final String title;
        final String id;

        Kind(String title, String id) {
            this.title = title;
            this.id = id;
        }
    }

    /** A measure of the chooser; {@code label} is the position label of an attention measure (S1, …, end). */
    public record HeadMeasure(Kind kind, String label) {
        public static HeadMeasure of(Kind k) {
            return new HeadMeasure(k, null);
        }

        public static HeadMeasure attention(String label) {
            return new HeadMeasure(Kind.ATTENTION, label);
        }

        public String name() {
            return kind == Kind.ATTENTION ? "attention to " + label : kind.title;
        }

        /** The column name of its CSV export. */
        public String id() {
            return kind == Kind.ATTENTION ? "attention_" + label : kind.id;
        }

        @Override
        public String toString() {
            return name();
        }
    }

    /** A scope of the chooser: its name and the scope it is now (null, with {@code unavailable} saying why, when it cannot be used). */
    public record ScopeChoice(String name, Supplier<Scope> scope, String unavailable) {
        @Override
        public String toString() {
            return name;
        }
    }

    /**
     * One measure on the grid: {@code values[l][h]} (NaN: none, e.g. a head outside the circuit),
     * {@code mlp[l]} or null when the measure has no MLP column, the circuit to outline (or null),
     * the colour range, and whether it is signed (a diverging scale around 0).
     */
    public record Heatmap(HeadMeasure measure, String scope, double[][] values, double[] mlp, Circuit outline, double lo,
                          double hi, boolean diverging, String format, String caption) {
        public int layers() {
            return values.length;
        }

        public int heads() {
            return values.length == 0 ? 0 : values[0].length;
        }

        public double value(Node n) {
            return switch (n) {
                case Node.Head h -> values[h.layer()][h.head()];
                case Node.Mlp m -> mlp == null ? Double.NaN : mlp[m.layer()];
            };
        }

        /** A value as its cell shows it; "–" for none; never "-0.00". */
        public String text(double v) {
            return Double.isNaN(v) ? "–" : Cells.format(format, v);
        }

    }

    /** A node's estimated and exact drop, for the scatter. */
    public record ScatterPoint(Node node, double estimate, double exact) {
    }

    /** A lens line: its name and values. */
    public record LensSeries(String name, LogitLens lens) {
    }

    /** What is kept for one task, model and scope. */
    record Key(String task, String model, String scope) {
    }

    record Stored(Explanation explanation, HeadAttribution estimate) {
        Stored withExplanation(Explanation x) {
            return new Stored(x, estimate);
        }

        Stored withEstimate(HeadAttribution a) {
            return new Stored(explanation, a);
        }
    }

    /** Estimates of grid circuits nobody asked to explain are kept for this many recent circuits per task. */
    static final int KEPT_ESTIMATES = 8;

    private final BackgroundRunner runner;
    private final DialogService dialogs;
    private final Workspace workspace;
    private final SessionTasks tasks;
    private final GridViewModel grid;
    private final AnalysisViewModel analysis;
    private final Supplier<String> model;
    private final HeadInspectorViewModel inspector;

    private final ObservableList<ScopeChoice> scopes = FXCollections.observableArrayList();
    private final ObjectProperty<ScopeChoice> selectedScope = new SimpleObjectProperty<>();
    private final ObservableList<HeadMeasure> measures = FXCollections.observableArrayList();
    private final ObjectProperty<HeadMeasure> selectedMeasure = new SimpleObjectProperty<>(HeadMeasure.of(Kind.DLA));
    private final ReadOnlyObjectWrapper<Heatmap> heatmap = new ReadOnlyObjectWrapper<>();
    private final StringProperty placeholder = new SimpleStringProperty("");
    private final ObservableList<LensSeries> lens = FXCollections.observableArrayList();
    private final ObservableList<ScatterPoint> scatter = FXCollections.observableArrayList();
    private final StringProperty scatterCaption = new SimpleStringProperty("");
    private final BooleanProperty busy = new SimpleBooleanProperty(false);
    private final BooleanProperty estimating = new SimpleBooleanProperty(false);
    private final DoubleProperty progress = new SimpleDoubleProperty(0);
    private final StringProperty status = new SimpleStringProperty("");

    private final Map<Key, Stored> store = new LinkedHashMap<>();
    private final Map<AblationTask, Explainer> explainers = new IdentityHashMap<>();
    private final Set<Key> failedEstimates = new HashSet<>();
    private final List<Session.ExplanationRecord> pendingRecords = new ArrayList<>(); // restored, read once a task shows the model's shape
    private final List<Session.ExplanationRecord> unreadable = new ArrayList<>();     // damaged: not shown, saved back as they were
    private JobHandle<?> current;
    private long epoch; // bumped with the session, the task, or an edited task: older jobs' results are dropped
    private boolean refreshing;
    private boolean between = true; // after clear(), until the new session selects its task: the old task is not used
    private Runnable onChange = () -> { };

    public HeadsViewModel(AppServices services, SessionTasks tasks, GridViewModel grid, AnalysisViewModel analysis, Supplier<String> model) {
        this.runner = services.runner();
        this.dialogs = services.dialogs();
        this.workspace = services.workspace();
        this.tasks = tasks;
        this.grid = grid;
        this.analysis = analysis;
        this.model = model;
        this.inspector = new HeadInspectorViewModel(services, tasks, this);
        scopes.add(new ScopeChoice("Full model", () -> Scope.FULL, ""));
        scopes.add(new ScopeChoice("Grid's circuit", () -> grid.circuit() == null ? null : Scope.nodes(grid.circuit()),
                "The grid shows no circuit yet."));
        selectedScope.set(scopes.get(0));
        measures.setAll(measureList(List.of()));
        selectedScope.addListener((o, a, b) -> refresh());
        selectedMeasure.addListener((o, a, b) -> refresh());
        grid.circuitProperty().addListener((o, a, b) -> refresh());
        grid.overlayProperty().addListener((o, a, b) -> refresh());
        analysis.importanceResultProperty().addListener((o, a, b) -> refresh());
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
        stop();
        store.clear();
        pendingRecords.clear();
        unreadable.clear();
        explainers.clear();
        failedEstimates.clear();
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
        store.keySet().removeIf(k -> name.equals(k.task()));
        pendingRecords.removeIf(r -> name.equals(r.task()));
        unreadable.removeIf(r -> name.equals(r.task()));
        failedEstimates.removeIf(k -> name.equals(k.task()));
        refresh();
    }

    private void stop() {
        epoch++;
        if (current != null) current.cancel();
        current = null;
        busy.set(false);
        progress.set(0);
    }

    /** The stored results, for the session file. */
    public List<Session.ExplanationRecord> records() {
        List<Session.ExplanationRecord> out = new ArrayList<>();
        store.forEach((k, v) -> out.add(SessionMapper.record(k.task(), k.model(), k.scope(), v.explanation(), v.estimate())));
        out.addAll(pendingRecords); // not read yet (the session's model is not loaded): kept as they were
        out.addAll(unreadable);     // nothing the user saved is lost by opening and saving a session
        return out;
    }

    /**
     * The results a session was saved with (after {@link #clear()}). Their shape is checked when
     * a task of the session is shown; a damaged record is not shown then (with a message) and is
     * saved back as it was.
     */
    public void restore(List<Session.ExplanationRecord> records) {
        pendingRecords.clear();
        pendingRecords.addAll(records);
        refresh();
    }

    /** Records of the session are read once the model's shape is known (a prepared task). */
    private void adoptPending(int layers, int heads) {
        if (pendingRecords.isEmpty()) return;
        List<String> bad = new ArrayList<>();
        for (Session.ExplanationRecord r : pendingRecords) {
            if (r == null || r.task() == null || r.scope() == null) continue;
            try {
                Explanation x = SessionMapper.explanation(r, layers, heads);
                HeadAttribution a = SessionMapper.estimate(r, layers, heads);
                if (x != null || a != null) store.put(new Key(r.task(), r.model(), r.scope()), new Stored(x, a));
            } catch (IllegalArgumentException e) {
                bad.add(e.getMessage());
                unreadable.add(r);
            }
        }
        pendingRecords.clear();
        if (!bad.isEmpty()) status.set("Not shown: " + String.join(" ", bad));
    }

    // ---- computing ----------------------------------------------------------------------------

    /** One explain job: the measures of one scope. */
    private record Step(Scope scope, Key key, String name, Set<Measure> measures) {
    }

    /**
     * Computes every measure the selected scope lacks: the quick ones (DLA, lens, attention, head
     * types) first, so they show in seconds, then OV (long: every head reads the whole
     * vocabulary). For a circuit, the full model's lens and DLA come first, to compare with.
     */
    public void compute() {
        if (busy.get()) return;
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
        Key k = key(s);
        if (!(s instanceof Scope.Full)) {
            Key full = key(Scope.FULL);
            Set<Measure> m = missing(full, EnumSet.of(Measure.DLA, Measure.LENS, Measure.ATTENTION));
            if (!m.isEmpty()) steps.add(new Step(Scope.FULL, full, "the full model", m));
        }
        Set<Measure> quick = missing(k, EnumSet.of(Measure.DLA, Measure.LENS, Measure.ATTENTION, Measure.HEADS));
        if (!quick.isEmpty()) steps.add(new Step(s, k, choice.name(), quick));
        boolean labelled = ex.attentionLabels().size() > 1 && t.model().config().nLayer() > 1;
        if (labelled && !missing(k, EnumSet.of(Measure.OV)).isEmpty()) steps.add(new Step(s, k, choice.name(), EnumSet.of(Measure.OV)));
        if (steps.isEmpty()) {
            status.set("Every measure is computed for " + choice.name().toLowerCase(Locale.ROOT)
                    + (labelled ? "." : " (OV scores need labelled positions, which this task has not)."));
            refresh();
            return;
        }
        busy.set(true);
        progress.set(0);
        run(ex, steps, 0, epoch, System.nanoTime());
    }

    private void run(Explainer ex, List<Step> steps, int i, long e, long t0) {
        Step st = steps.get(i);
        String ids = String.join(", ", st.measures().stream().map(m -> m.id).toList());
        status.set("computing " + ids + " for " + st.name().toLowerCase(Locale.ROOT) + "…");
        current = runner.start(Job.of("explain " + st.name().toLowerCase(Locale.ROOT) + ": " + ids,
                        workspace.reading(ctx -> ex.job(st.scope(), st.measures()).run(ctx)))
                .onProgress(p -> {
                    if (e != epoch) return;
                    progress.set((i + fraction(p)) / steps.size());
                    String msg = p.message();
                    if (msg != null && !msg.isBlank()) status.set((msg.startsWith(ids) ? "" : ids + ": ") + msg + "…");
                })
                .onSuccess(x -> {
                    if (e != epoch) return; // the session or task moved on: show nothing stale
                    merge(st.key(), x);
                    onChange.run();
                    if (x.cancelled()) {
                        finish("cancelled; the measures finished before are kept");
                    } else if (i + 1 < steps.size()) {
                        refresh();
                        run(ex, steps, i + 1, e, t0);
                    } else {
                        finish(String.format(Locale.ROOT, "computed in %.1f s", (System.nanoTime() - t0) / 1e9));
                    }
                })
                .onFailure(x -> {
                    if (e != epoch) return;
                    finish("failed: " + Job.message(x));
                }));
    }

    private static double fraction(Progress p) {
        return p.total() > 0 ? Math.min(1, (double) p.done() / p.total()) : 0;
    }

    private void finish(String message) {
        busy.set(false);
        progress.set(0);
        current = null;
        status.set(message);
        refresh();
    }

    public void cancel() {
        if (current != null) current.cancel();
    }

    /** The measures of {@code want} that {@code k} lacks; head types, the same for every scope and task of a model, are copied from any. */
    private Set<Measure> missing(Key k, Set<Measure> want) {
        Explanation x = explanation(k);
        Set<Measure> out = EnumSet.noneOf(Measure.class);
        for (Measure m : want) {
            boolean have = x != null && switch (m) {
                case DLA -> x.dla() != null;
                case LENS -> x.lens() != null;
                case ATTENTION -> x.attention() != null;
                case OV -> x.ov() != null;
                case HEADS -> x.heads() != null;
            };
            if (m == Measure.HEADS && !have) {
                HeadTypes types = headTypes(k.model());
                if (types != null && x != null) {
                    put(k, stored(k).withExplanation(with(x, types)));
                    have = true;
                }
            }
            if (!have) out.add(m);
        }
        return out;
    }

    private HeadTypes headTypes(String modelRef) {
        for (var e : store.entrySet()) {
            if (java.util.Objects.equals(e.getKey().model(), modelRef) && e.getValue().explanation() != null
                    && e.getValue().explanation().heads() != null) return e.getValue().explanation().heads();
        }
        return null;
    }

    private static Explanation with(Explanation x, HeadTypes t) {
        return new Explanation(x.scope(), x.logitDiff(), x.fullLogitDiff(), x.dla(), x.lens(), x.attention(), x.ov(), t, x.seconds(), x.cancelled());
    }

    /** A new run's measures join what the key had (a later run never loses an earlier measure). */
    private void merge(Key k, Explanation x) {
        if (x.dla() == null && x.lens() == null && x.attention() == null && x.ov() == null && x.heads() == null) return; // cancelled at once
        Explanation old = explanation(k);
        Explanation m = old == null ? x : new Explanation(x.scope(), x.logitDiff(), x.fullLogitDiff(),
                x.dla() != null ? x.dla() : old.dla(), x.lens() != null ? x.lens() : old.lens(),
                x.attention() != null ? x.attention() : old.attention(), x.ov() != null ? x.ov() : old.ov(),
                x.heads() != null ? x.heads() : old.heads(), old.seconds() + x.seconds(), x.cancelled());
        put(k, stored(k).withExplanation(m));
    }

    private Stored stored(Key k) {
        Stored s = store.get(k);
        return s == null ? new Stored(null, null) : s;
    }

    private void put(Key k, Stored s) {
        store.put(k, s);
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
        if (estimating.get()) {
            status.set("An estimate is running; click Estimate again when it is done.");
            return;
        }
        failedEstimates.remove(key(s));
        status.set(ESTIMATING);
        requestEstimate(s);
    }

    private static final String ESTIMATING = "Estimating each node's drop (one forward and one backward pass)…";

    /** The estimates that are shown and missing (the grid's overlay, the heatmap or the scatter) are computed, one at a time. */
    private void ensureEstimates() {
        if (between || estimating.get() || tasks.selectedKey().isEmpty()) return;
        Circuit c = grid.circuit();
        if (grid.overlayProperty().get() == GridViewModel.Overlay.ATTRIBUTION && c != null) {
            Scope s = Scope.nodes(c);
            if (stored(key(s)).estimate() == null && !failedEstimates.contains(key(s))) {
                requestEstimate(s);
                return;
            }
        }
        Kind kind = selectedMeasure.get() == null ? null : selectedMeasure.get().kind();
        Scope s = selectedScope();
        if ((kind == Kind.ATTRIBUTION || kind == Kind.EXACT) && s != null && stored(key(s)).estimate() == null
                && !failedEstimates.contains(key(s))) {
            requestEstimate(s);
        }
    }

    private void requestEstimate(Scope s) {
        if (between || estimating.get()) return;
        Workspace.TaskKey tk = tasks.selectedKey().orElse(null);
        if (tk == null) return;
        Key k = key(s);
        long e = epoch;
        estimating.set(true);
        runner.start(BackgroundRunner.Lane.LIVE, Job.of("estimate each node's drop", workspace.reading(ctx -> {
                    EdgeEvaluator ev = workspace.edges(tk);
                    synchronized (ev) {
                        return HeadAttribution.compute(ev, s);
                    }
                }))
                .onSuccess(a -> {
                    estimating.set(false);
                    if (e == epoch) {
                        if (ESTIMATING.equals(status.get())) {
                            status.set("Estimated each node's drop: the measure 'attribution (estimate)', the scatter and the grid's "
                                    + "Estimate drops show it.");
                        }
                        put(k, stored(k).withEstimate(a));
                        forgetOldEstimates(k);
                        onChange.run();
                    }
                    refresh();
                })
                .onFailure(x -> {
                    estimating.set(false);
                    if (e == epoch) {
                        failedEstimates.add(k);
                        status.set("The estimate failed: " + Job.message(x));
                    }
                    refresh();
                }));
    }

    /** Estimate-only entries of grid circuits pile up as the user clicks: the oldest beyond {@link #KEPT_ESTIMATES} go. */
    private void forgetOldEstimates(Key newest) {
        List<Key> only = store.entrySet().stream()
                .filter(x -> java.util.Objects.equals(x.getKey().task(), newest.task()) && x.getValue().explanation() == null && !x.getKey().equals(newest))
                .map(Map.Entry::getKey).toList();
        for (int i = 0; i < only.size() - (KEPT_ESTIMATES - 1); i++) store.remove(only.get(i));
    }

    /** The exact sweep (Importance tab) of the selected scope's circuit, when that is the grid's circuit. */
    public void runExact() {
        Scope s = selectedScope();
        Circuit c = s == null ? null : circuitOf(s);
        if (c == null || !c.equals(grid.circuit())) {
            status.set("The exact sweep ranks the grid's circuit: choose the grid's circuit as the scope"
                    + " (or put every head on the grid for the full model).");
            return;
        }
        analysis.runImportance();
    }

    // ---- what is shown ------------------------------------------------------------------------

    private Scope selectedScope() {
        ScopeChoice c = selectedScope.get();
        return c == null ? null : c.scope().get();
    }

    /** The key of a scope for the selected task and the session's model. */
    Key key(Scope s) {
        return new Key(tasks.selectedName(), model.get(), scopeKey(s));
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

    Explanation explanation(Key k) {
        Stored s = store.get(k);
        return s == null ? null : s.explanation();
    }

    HeadAttribution storedEstimate(Key k) {
        Stored s = store.get(k);
        return s == null ? null : s.estimate();
    }

    /** The exact sweep of the scope's circuit, if the Importance tab holds one. */
    Importance.Result exact(Scope s) {
        Importance.Result r = analysis.importanceResultProperty().get();
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

    /** The selected task, prepared; none while a new session is being applied. */
    private AblationTask selectedTask() {
        return between ? null : tasks.selected().orElse(null);
    }

    private void show() {
        AblationTask t = selectedTask();
        if (t != null) adoptPending(t.model().config().nLayer(), t.model().config().nHead());
        Scope s = t == null ? null : selectedScope();
        Key k = s == null ? null : key(s);
        Explanation x = k == null ? null : explanation(k);
        List<String> labels = x != null && x.attention() != null ? x.attention().labels()
                : t != null ? explainer(t).attentionLabels() : List.of();
        List<HeadMeasure> list = measureList(labels);
        if (!list.equals(measures)) {
            HeadMeasure keep = selectedMeasure.get();
            measures.setAll(list);
            selectedMeasure.set(list.contains(keep) ? keep : list.get(0));
        }
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
        Heatmap h = heatmap(selectedMeasure.get(), scopeName, s, x, est, r);
        heatmap.set(h);
        placeholder.set(h != null ? "" : missingText(selectedMeasure.get(), scopeName, s));
    }

    private String missingText(HeadMeasure m, String scopeName, Scope s) {
        String scope = s instanceof Scope.Full ? "the full model" : "the " + scopeName.toLowerCase(Locale.ROOT);
        return switch (m.kind()) {
            case EXACT -> {
                Circuit c = circuitOf(s);
                yield c != null && c.equals(grid.circuit())
                        ? "No exact sweep of " + scope + " yet: Exact sweep ranks it (the Importance tab shows it too)."
                        : "The exact sweep ranks the grid's circuit; for " + scope + " none is available"
                          + (s instanceof Scope.Full ? " unless every head is on the grid." : ".");
            }
            case ATTRIBUTION -> estimating.get() ? "Estimating each node's drop (one forward and one backward pass)…"
                    : "No estimate for " + scope + " yet: Estimate computes it.";
            case OV_NEXT, OV_COPY -> m.name() + " is not computed for " + scope + " yet: Compute runs every measure"
                    + " (OV is the long one: each head reads the whole vocabulary).";
            default -> m.name() + " is not computed for " + scope + " yet: Compute runs it in the background.";
        };
    }

    static List<HeadMeasure> measureList(List<String> attentionLabels) {
        List<HeadMeasure> out = new ArrayList<>();
        out.add(HeadMeasure.of(Kind.DLA));
        for (String l : attentionLabels) out.add(HeadMeasure.attention(l));
        for (Kind k : List.of(Kind.OV_NEXT, Kind.OV_COPY, Kind.PREVIOUS_TOKEN, Kind.DUPLICATE_TOKEN, Kind.INDUCTION, Kind.EXACT, Kind.ATTRIBUTION)) {
            out.add(HeadMeasure.of(k));
        }
        return out;
    }

    /** The heatmap of one measure, or null when it is not computed. */
    private Heatmap heatmap(HeadMeasure m, String scopeName, Scope s, Explanation x, HeadAttribution est, Importance.Result r) {
        Circuit outline = switch (s) {
            case Scope.Full f -> grid.circuit();
            case Scope.Nodes n -> n.circuit();
            case Scope.Edges e -> e.circuit().nodes();
        };
        String outlined = outline == null ? "" : s instanceof Scope.Full ? " Outlined: the grid's circuit." : " Outlined: the circuit's nodes.";
        return switch (m.kind()) {
            case DLA -> {
                DirectLogitAttribution d = x == null ? null : x.dla();
                yield d == null ? null : signed(m, scopeName, d.heads(), d.mlp(), outline, "%.2f", String.format(Locale.ROOT,
                        "Each head's and MLP's direct share of the logit difference at end (logits). With embed %.3f, the "
                                + "attention biases and ln_f's bias %.3f they sum to the pass's logit difference %.4f.%s",
                        d.embed(), d.lnBias(), d.logitDiff(), outlined));
            }
            case ATTENTION -> {
                LabelAttention a = x == null ? null : x.attention();
                if (a == null || !a.labels().contains(m.label())) yield null;
                double[][] v = a.values()[a.labels().indexOf(m.label())];
                yield new Heatmap(m, scopeName, v, null, outline, 0, 1, false, "%.2f",
                        "Mean attention weight from end to " + m.label() + ", over the clean prompts that have it." + outlined);
            }
            case OV_NEXT, OV_COPY -> {
                OvScores o = x == null ? null : x.ov();
                if (o == null) yield null;
                boolean next = m.kind() == Kind.OV_NEXT;
                yield new Heatmap(m, scopeName, next ? o.next() : o.copy(), null, outline, 0, 100, false, "%.0f",
                        String.format(Locale.ROOT, "%% of the %d (prompt, label) pairs whose %s is among the head's OV top %d tokens%s.%s",
                                o.pairs(), next ? "successor" : "own token", Explainer.TOP_K,
                                next ? " (" + o.pairsWithSuccessor() + " have a successor)" : "", outlined));
            }
            case PREVIOUS_TOKEN, DUPLICATE_TOKEN, INDUCTION -> {
                HeadTypes t = x == null ? null : x.heads();
                if (t == null) yield null;
                double[][] v = m.kind() == Kind.PREVIOUS_TOKEN ? t.previousToken() : m.kind() == Kind.DUPLICATE_TOKEN ? t.duplicateToken() : t.induction();
                yield new Heatmap(m, scopeName, v, null, outline, 0, 1, false, "%.2f", String.format(Locale.ROOT,
                        "TransformerLens head_detector score on %d sequences of %d random tokens repeated twice; always the full model's.%s",
                        t.batch(), t.halfLength(), outlined));
            }
            case EXACT -> {
                if (r == null) yield null;
                int layers = outline != null ? outline.layers() : r.circuit().layers(), heads = r.circuit().heads();
                double[][] v = nan(layers, heads);
                double[] mlp = r.circuit().hasMlpNodes() ? nanRow(layers) : null;
                for (Importance.Entry e : r.entries()) {
                    double d = e.drop(r.circuitScore());
                    if (e.node() instanceof Node.Head h) v[h.layer()][h.head()] = d;
                    else if (mlp != null) mlp[e.node().layer()] = d;
                }
                yield signed(m, scopeName, v, mlp, outline, "%.1f", String.format(Locale.ROOT,
                        "Points the circuit's score (%.2f %%) loses without each node: the exact importance sweep, one ablated pass per node%s.%s",
                        r.circuitScore(), r.cancelled() ? " (cancelled: partial)" : "", outlined));
            }
            case ATTRIBUTION -> est == null ? null : signed(m, scopeName, est.heads(), est.mlp(), outline, "%.1f", String.format(Locale.ROOT,
                    "Estimated points the score (%.2f %%) loses without each node: edge attribution patching, one forward and one "
                            + "backward pass (minus the sum over the node's kept out-edges).%s", est.score(), outlined));
        };
    }

    /**
     * A signed measure on a scale symmetric around 0, set by the heads (the grid's subject): MLPs,
     * often larger, would wash the heads out, so an MLP beyond the scale is drawn at its end (its
     * value is written in the cell all the same).
     */
    private static Heatmap signed(HeadMeasure m, String scope, double[][] v, double[] mlp, Circuit outline, String format, String caption) {
        double max = 0, mlpMax = 0;
        for (double[] row : v) for (double d : row) if (!Double.isNaN(d)) max = Math.max(max, Math.abs(d));
        if (mlp != null) for (double d : mlp) if (!Double.isNaN(d)) mlpMax = Math.max(mlpMax, Math.abs(d));
        if (max == 0) max = mlpMax > 0 ? mlpMax : 1;
        String note = mlpMax > max ? " The colours span the heads' values; an MLP beyond them is drawn at the end of the scale." : "";
        return new Heatmap(m, scope, v, mlp, outline, -max, max, true, format, caption + note);
    }

    private static double[][] nan(int layers, int heads) {
        double[][] v = new double[layers][heads];
        for (double[] row : v) java.util.Arrays.fill(row, Double.NaN);
        return v;
    }

    private static double[] nanRow(int n) {
        double[] v = new double[n];
        java.util.Arrays.fill(v, Double.NaN);
        return v;
    }

    /** The grid's attribution overlay shows the stored estimate of its circuit, once there is one. */
    private void syncGridEstimate() {
        Circuit c = grid.circuit();
        if (c == null || tasks.selectedName() == null) return;
        HeadAttribution a = storedEstimate(key(Scope.nodes(c)));
        if (a == null || c.equals(grid.estimateCircuitProperty().get())) return;
        Map<Node, Double> drops = new LinkedHashMap<>();
        for (int l = 0; l < c.layers(); l++) {
            for (int h = 0; h < c.heads(); h++) if (!Double.isNaN(a.heads()[l][h])) drops.put(Node.head(l, h), a.heads()[l][h]);
            if (c.hasMlpNodes() && !Double.isNaN(a.mlp()[l])) drops.put(Node.mlp(l), a.mlp()[l]);
        }
        grid.showEstimate(drops, c);
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
        Circuit circuit = ablated ? grid.circuit() : null;
        runner.start(Job.of("attention pattern of " + head, workspace.reading(ctx -> AttentionPatterns.compute(task.get(), prompt, head, circuit)))
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
        StringBuilder sb = new StringBuilder();
        HeadMeasure m = h.measure();
        if (m.kind() == Kind.DLA) {
            DirectLogitAttribution d = explanation(key(s)).dla();
            sb.append("node,dla\n");
            for (DirectLogitAttribution.Entry e : d.entries()) sb.append(e.node()).append(',').append(num(e.value())).append('\n');
            return sb.toString();
        }
        if (m.kind() == Kind.EXACT || m.kind() == Kind.ATTRIBUTION) {
            HeadAttribution est = storedEstimate(key(s));
            Importance.Result r = exact(s);
            sb.append("node,estimated_drop,exact_drop\n");
            for (Node n : nodes(h)) {
                double e = est == null ? Double.NaN : est.drop(n), x = Double.NaN;
                if (r != null) {
                    for (Importance.Entry en : r.entries()) if (en.node().equals(n)) x = en.drop(r.circuitScore());
                }
                if (Double.isNaN(e) && Double.isNaN(x)) continue;
                sb.append(n).append(',').append(num(e)).append(',').append(num(x)).append('\n');
            }
            return sb.toString();
        }
        sb.append("node,").append(m.id()).append('\n');
        for (Node n : nodes(h)) sb.append(n).append(',').append(num(h.value(n))).append('\n');
        return sb.toString();
    }

    private static List<Node> nodes(Heatmap h) {
        List<Node> out = new ArrayList<>();
        for (int l = 0; l < h.layers(); l++) {
            for (int k = 0; k < h.heads(); k++) out.add(Node.head(l, k));
            if (h.mlp() != null) out.add(Node.mlp(l));
        }
        return out;
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "" : Double.toString(v);
    }

    /** The logit lens as CSV: each point, the full model's value and the scope's. */
    public void exportLensCsv() {
        if (lens.isEmpty()) {
            dialogs.error("Nothing to export", "The logit lens is not computed yet: Compute runs it.");
            return;
        }
        dialogs.saveFile("Export the logit lens as CSV", DialogService.FileType.CSV, "lens.csv").ifPresent(p -> write(p, lensCsv()));
    }

    String lensCsv() {
        StringBuilder sb = new StringBuilder("after");
        for (LensSeries s : lens) sb.append(',').append(s.name().replace(',', ' '));
        sb.append('\n');
        List<LogitLens.Point> first = lens.get(0).lens().points();
        for (int i = 0; i < first.size(); i++) {
            sb.append(first.get(i).after());
            for (LensSeries s : lens) sb.append(',').append(num(s.lens().points().get(i).logitDiff()));
            sb.append('\n');
        }
        return sb.toString();
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
    public BooleanProperty busyProperty() { return busy; }
    public BooleanProperty estimatingProperty() { return estimating; }
    public DoubleProperty progressProperty() { return progress; }
    public StringProperty statusProperty() { return status; }

    /** How many results are kept (for tests: nothing of a previous session). */
    int storedCount() {
        return store.size() + pendingRecords.size();
    }

    Optional<AblationTask> task() {
        return Optional.ofNullable(selectedTask());
    }
}
