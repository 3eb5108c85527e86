package org.circuitbench.ui.graph;

import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import javafx.collections.ObservableMap;
import org.circuitbench.ablation.AblationTask;
import org.circuitbench.ablation.Circuit;
import org.circuitbench.ablation.Edge;
import org.circuitbench.ablation.EdgeAttribution;
import org.circuitbench.ablation.EdgeCircuit;
import org.circuitbench.ablation.EdgeEvaluator;
import org.circuitbench.ablation.EdgeGraph;
import org.circuitbench.ablation.EvaluatorFactory;
import org.circuitbench.ablation.Node;
import org.circuitbench.ablation.Receiver;
import org.circuitbench.ablation.Sender;
import org.circuitbench.search.EdgeFormats;
import org.circuitbench.search.EdgePruneResult;
import org.circuitbench.search.EdgePruner;
import org.circuitbench.search.Job;
import org.circuitbench.search.JobHandle;
import org.circuitbench.search.MinimalEdgeCircuit;
import org.circuitbench.search.PruneSettings;
import org.circuitbench.session.Session;
import org.circuitbench.session.SessionMapper;
import org.circuitbench.ui.common.AppServices;
import org.circuitbench.ui.common.BackgroundRunner;
import org.circuitbench.ui.common.DialogService;
import org.circuitbench.ui.common.EditHistory;
import org.circuitbench.ui.common.Exports;
import org.circuitbench.ui.common.SessionTasks;
import org.circuitbench.ui.common.Workspace;
import org.circuitbench.ui.grid.GridViewModel;

import java.time.Clock;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The Graph view: the edge circuit of the selected task, edited by clicking edges and nodes, with
 * its exact score live and the one-pass attribution estimate beside it. Scores run in the live
 * lane, rapid edits merge, and a result shows only if it belongs to the graph's current circuit.
 * A slider keeps the top-n edges by attribution; runs (the edge prune of edges.md, the minimal
 * circuit by attribution) go in the background with progress, log and cancel. The grid and the
 * graph stay in step: a head toggled on the grid sets its edges here; a node whose edges are all
 * gone here shows as ablated on the grid.
 */
public final class GraphViewModel {
    /** What a run does: the seed's rule on every edge, or the smallest top-n by attribution. */
    public enum Method {
        GREEDY("edge prune (edges.md)"), ATTRIBUTION("minimal circuit by attribution");

        public final String label;

        Method(String label) {
            this.label = label;
        }

        @Override
        public String toString() {
            return label;
        }
    }

    /** Where a run starts. */
    public enum Start {
        ALL("every edge"), GRAPH("the graph's circuit"), GRID("the edges induced by the grid");

        public final String label;

        Start(String label) {
            this.label = label;
        }

        @Override
        public String toString() {
            return label;
        }
    }

    /** A row of a run's log: step, edge, score after removing it, seconds since the start. */
    public record LogRow(int step, String edge, double score, double seconds) {
    }

    private final BackgroundRunner runner;
    private final Workspace workspace;
    private final EvaluatorFactory evaluators;
    private final Clock clock;
    private final SessionTasks tasks;
    private final GridViewModel grid;
    private final Supplier<EdgeEvaluator> live;   // null result: no task is ready
    private final DialogService dialogs;
    private Runnable onChange = () -> { };

    private final ReadOnlyObjectWrapper<EdgeGraph> graph = new ReadOnlyObjectWrapper<>();
    private final ReadOnlyObjectWrapper<EdgeCircuit> circuit = new ReadOnlyObjectWrapper<>();
    private final StringProperty scoreText = new SimpleStringProperty("–");
    private final StringProperty detailText = new SimpleStringProperty("");
    private final StringProperty error = new SimpleStringProperty("");
    private final BooleanProperty busy = new SimpleBooleanProperty(false);
    private final ReadOnlyObjectWrapper<Double> score = new ReadOnlyObjectWrapper<>(); // the exact score of the shown circuit
    private final ReadOnlyObjectWrapper<EdgeAttribution> attribution = new ReadOnlyObjectWrapper<>();
    private final StringProperty attributionText = new SimpleStringProperty("");
    private final IntegerProperty topN = new SimpleIntegerProperty(0);
    private final ObservableMap<Integer, Double> effects = FXCollections.observableHashMap(); // edge id -> exact score without it

    private final ObjectProperty<Method> method = new SimpleObjectProperty<>(Method.ATTRIBUTION);
    private final ObjectProperty<Start> start = new SimpleObjectProperty<>(Start.ALL);
    private final StringProperty thresholdText = new SimpleStringProperty("10");
    private final BooleanProperty running = new SimpleBooleanProperty(false);
    private final DoubleProperty progress = new SimpleDoubleProperty(0);
    private final StringProperty status = new SimpleStringProperty("");
    private final ObservableList<LogRow> log = FXCollections.observableArrayList();
    private final ObservableList<Session.EdgeRunRecord> history = FXCollections.observableArrayList();
    private final ObservableList<Session.NamedEdgeCircuit> named = FXCollections.observableArrayList();
    private final ObjectProperty<Session.EdgeRunRecord> selected = new SimpleObjectProperty<>();

    private final BooleanProperty active = new SimpleBooleanProperty(false);
    private boolean scoreStale;       // asked for while not shown: computed when the view is
    private boolean attributionStale;

    private final EditHistory<EdgeCircuit> edits = new EditHistory<>();
    private boolean scoring;
    private boolean pending;
    private long generation;     // bumped when the task or the session changes under the graph
    private boolean syncing;     // the graph is setting the grid: not an edit of the grid's
    private Session.EdgeSet restore; // the session's graph, shown once its task is ready
    private JobHandle<?> run;
    private long startedAt;

    public GraphViewModel(AppServices services, SessionTasks tasks, GridViewModel grid, Supplier<EdgeEvaluator> live) {
        this.runner = services.runner();
        this.workspace = services.workspace();
        this.evaluators = services.evaluators();
        this.clock = services.clock();
        this.tasks = tasks;
        this.grid = grid;
        this.live = live;
        this.dialogs = services.dialogs();
        active.addListener((o, was, now) -> {
            if (!now) return;
            if (scoreStale) requestScore();
            if (attributionStale) computeAttribution();
        });
        grid.circuitProperty().addListener((o, was, now) -> {
            if (!syncing && was != null && now != null && circuit.get() != null && was.layers() == now.layers()) gridEdited(was, now);
        });
    }

    public void setOnChange(Runnable r) {
        onChange = r;
    }

    // ---- the task and the session ----------------------------------------------------------------

    /** The selected task is ready: the graph takes its model's shape and the session's graph (or every edge). */
    public void taskReady(AblationTask task) {
        var cfg = task.model().config();
        EdgeGraph g = new EdgeGraph(cfg.nLayer(), cfg.nHead());
        generation++;
        graph.set(g);
        edits.clear();
        effects.clear();
        attribution.set(null);
        attributionText.set("");
        EdgeCircuit shown = circuit.get();
        EdgeCircuit c = shown != null && shown.graph().equals(g) ? shown : EdgeCircuit.all(g); // another task of this model keeps the graph
        if (restore != null) {
            try {
                c = SessionMapper.edges(restore, g);
            } catch (IllegalArgumentException e) {
                error.set("The session's graph does not fit this model (" + e.getMessage() + "); every edge is shown.");
            }
            restore = null;
        }
        circuit.set(c);
        requestScore();
        computeAttribution();
    }

    /** No task to show: nothing of the last one stays. */
    public void taskGone(String why) {
        generation++;
        graph.set(null);
        circuit.set(null);
        edits.clear();
        effects.clear();
        attribution.set(null);
        attributionText.set("");
        topN.set(0); // the slider's n belonged to the old task's attribution
        score.set(null);
        scoreText.set("–");
        detailText.set(why);
        error.set("");
    }

    /** Another session: its edge work replaces this, and a running edge run is stopped and dropped. */
    public void clear(Session.EdgeWork work) {
        if (run != null) run.cancel();
        run = null;
        running.set(false);
        progress.set(0);
        status.set("");
        log.clear();
        selected.set(null);
        history.setAll(work.runs());
        named.setAll(work.circuits());
        restore = work.graph();
        taskGone("No task is ready.");
    }

    /** The edge work as the session stores it. */
    public Session.EdgeWork snapshot() {
        EdgeCircuit c = circuit.get();
        Session.EdgeSet g = c != null ? (c.size() == c.graph().edgeCount() ? null : SessionMapper.edgeSet(c)) : restore;
        return new Session.EdgeWork(List.copyOf(named), List.copyOf(history), g);
    }

    // ---- edits ----------------------------------------------------------------------------------

    public ReadOnlyObjectProperty<EdgeGraph> graphProperty() {
        return graph.getReadOnlyProperty();
    }

    public ReadOnlyObjectProperty<EdgeCircuit> circuitProperty() {
        return circuit.getReadOnlyProperty();
    }

    public EdgeCircuit circuit() {
        return circuit.get();
    }

    /** Click on an edge: removes it, or restores it. */
    public void toggleEdge(Edge e) {
        EdgeCircuit c = circuit.get();
        if (c != null) edit(c.toggled(e));
    }

    public void toggleEdge(int id) {
        EdgeGraph g = graph.get();
        if (g != null) toggleEdge(g.edge(id));
    }

    /** Click on a node: removes every edge into and out of it, or, when it has none, restores them all. */
    public void toggleNode(Object node) {
        EdgeCircuit c = circuit.get();
        if (c == null) return;
        List<Edge> touching = touching(c.graph(), node);
        boolean any = touching.stream().anyMatch(c::contains);
        BitSet ids = c.ids();
        for (Edge e : touching) ids.set(c.graph().id(e), !any);
        edit(EdgeCircuit.ofIds(c.graph(), ids));
    }

    /** Every edge of the graph into or out of a node (embed, a head with its q, k, v, an MLP, the logits). */
    public static List<Edge> touching(EdgeGraph g, Object node) {
        List<Edge> out = new ArrayList<>();
        for (int r = 0; r < g.receiverCount(); r++) {
            Receiver rec = g.receiver(r);
            boolean into = switch (rec) {
                case Receiver.HeadInput in -> in.head().equals(node);
                case Node.Mlp m -> m.equals(node);
                case Receiver.Logits l -> l.equals(node);
            };
            for (int s = 0; s < g.sendersOf(r); s++) {
                Sender sender = g.sender(s);
                if (into || sender.equals(node)) out.add(new Edge(sender, rec));
            }
        }
        return out;
    }

    public void selectAll() {
        EdgeCircuit c = circuit.get();
        if (c != null) edit(EdgeCircuit.all(c.graph()));
    }

    public void selectNone() {
        EdgeCircuit c = circuit.get();
        if (c != null) edit(EdgeCircuit.none(c.graph()));
    }

    /** Replaces the graph's circuit (a run's result, a named circuit, the slider) as one undoable step. */
    public void setCircuit(EdgeCircuit c) {
        if (circuit.get() == null) throw new IllegalArgumentException("No task is ready.");
        if (!c.graph().equals(graph.get())) {
            throw new IllegalArgumentException("That edge circuit is for a " + c.graph().layers() + "×" + c.graph().heads() + " model.");
        }
        edit(c);
    }

    private void edit(EdgeCircuit next) {
        EdgeCircuit now = circuit.get();
        if (next.equals(now)) return;
        edits.edited(now);
        show(next, true);
    }

    public void undo() {
        EdgeCircuit back = edits.undo(circuit.get());
        if (back != null) show(back, true);
    }

    public void redo() {
        EdgeCircuit forward = edits.redo(circuit.get());
        if (forward != null) show(forward, true);
    }

    /** Shows {@code next} and scores it; {@code toGrid}: the grid follows (not when the edit came from the grid). */
    private void show(EdgeCircuit next, boolean toGrid) {
        circuit.set(next);
        effects.clear();
        onChange.run();
        if (toGrid) syncGrid(next);
        requestScore();
    }

    /** The grid shows as ablated every node whose edges are all gone here (a head or MLP with no kept out-edge). */
    private void syncGrid(EdgeCircuit c) {
        Circuit g = grid.circuit();
        if (g == null || g.layers() != c.graph().layers()) return;
        Circuit nodes = c.nodes();
        Circuit shown = g.hasMlpNodes() || nodes.hasMlpNodes() ? nodes : Circuit.of(g.layers(), g.heads(), nodes.nodes(), false);
        if (shown.equals(g)) return;
        syncing = true;
        try {
            grid.setCircuit(shown);
        } finally {
            syncing = false;
        }
    }

    /** A head toggled on the grid: its edges go, or come back to every node present on the grid. */
    private void gridEdited(Circuit was, Circuit now) {
        EdgeCircuit c = circuit.get();
        EdgeGraph g = c.graph();
        BitSet ids = c.ids();
        EdgeCircuit inducedNow = EdgeCircuit.induced(g, now);
        for (int s = 1; s < g.senderCount(); s++) {
            Node n = (Node) g.sender(s);
            if (was.keeps(n) == now.keeps(n)) continue;
            for (Edge e : touching(g, n)) {
                int id = g.id(e);
                if (now.keeps(n)) ids.set(id, inducedNow.contains(e));
                else ids.clear(id);
            }
        }
        EdgeCircuit next = EdgeCircuit.ofIds(g, ids);
        if (!next.equals(c)) {
            edits.edited(c);
            show(next, false);
        }
    }

    public ReadOnlyBooleanProperty canUndoProperty() {
        return edits.canUndoProperty();
    }

    public ReadOnlyBooleanProperty canRedoProperty() {
        return edits.canRedoProperty();
    }

    // ---- live score -----------------------------------------------------------------------------

    /**
     * Whether the Graph view is shown. Its scores and attribution are computed only then, so that
     * the grid's first score never waits behind them.
     */
    public BooleanProperty activeProperty() {
        return active;
    }

    /** Scores the graph's circuit exactly in the live lane; while one score runs, newer requests merge into one. */
    public void requestScore() {
        score.set(null);
        scoreText.set("…");
        scoreStale = !active.get();
        if (scoreStale) return;
        if (scoring) {
            pending = true;
            busy.set(true);
            return;
        }
        EdgeCircuit target = circuit.get();
        EdgeEvaluator ev = target == null ? null : live.get();
        if (ev == null) {
            scoreText.set("–");
            busy.set(false);
            return;
        }
        long gen = generation;
        scoring = true;
        busy.set(true);
        runner.start(BackgroundRunner.Lane.LIVE, Job.of("score " + target.size() + " edges", workspace.reading(ctx -> {
                    synchronized (ev) { // the Heads view may use it from the work lane
                        ev.setBase(target);
                        return ev.score(target);
                    }
                }))
                .onSuccess(s -> scored(target, s, null, gen))
                .onFailure(e -> scored(target, Double.NaN, e, gen)));
    }

    private void scored(EdgeCircuit target, double s, Throwable cause, long gen) {
        scoring = false;
        if (pending || gen != generation) { // the graph moved on: compute the newest state, show nothing stale
            pending = false;
            if (circuit.get() != null) requestScore();
            else busy.set(false);
            return;
        }
        busy.set(false);
        if (cause != null) {
            error.set(Job.message(cause));
            scoreText.set("error");
            return;
        }
        if (!target.equals(circuit.get())) {
            requestScore();
            return;
        }
        error.set("");
        score.set(s);
        scoreText.set(String.format(Locale.ROOT, "%.2f %%", s));
        AblationTask task = live.get() == null ? null : live.get().task();
        detailText.set(String.format(Locale.ROOT, "%,d of %,d edges kept · circuit logit diff %.4f · full %.4f",
                target.size(), target.graph().edgeCount(), task == null ? Double.NaN : s * task.fullLogitDiff() / 100,
                task == null ? Double.NaN : task.fullLogitDiff()));
    }

    /** The exact score without one edge (for its tooltip), computed once per circuit in the live lane. */
    public void requestEffect(int id) {
        EdgeCircuit c = circuit.get();
        EdgeEvaluator ev = c == null ? null : live.get();
        if (ev == null || effects.containsKey(id) || !c.contains(c.graph().edge(id))) return;
        long gen = generation;
        EdgeCircuit without = c.without(c.graph().edge(id));
        runner.start(BackgroundRunner.Lane.LIVE, Job.of("exact effect of " + c.graph().edge(id), workspace.reading(ctx -> {
                    synchronized (ev) {
                        ev.setBase(c);
                        return ev.score(without);
                    }
                }))
                .onSuccess(s -> {
                    if (gen == generation && c.equals(circuit.get())) effects.put(id, s);
                }));
    }

    public ObservableMap<Integer, Double> effects() {
        return effects;
    }

    /** An edge's tooltip: its name, its attribution, and its exact effect once computed. */
    public String edgeInfo(int id) {
        EdgeCircuit c = circuit.get();
        if (c == null) return "";
        Edge e = c.graph().edge(id);
        StringBuilder sb = new StringBuilder(e.toString());
        EdgeAttribution a = attribution.get();
        if (a != null && c.contains(e) && a.state().contains(e)) {
            sb.append(String.format(Locale.ROOT, "%nattribution %+.4f points (estimated at %s)", a.of(e), a.state()));
        }
        Double exact = effects.get(id);
        Double now = score.get();
        if (exact != null && now != null) {
            sb.append(String.format(Locale.ROOT, "%nexact: %.4f without it (%+.4f)", exact, exact - now));
        } else if (c.contains(e)) {
            sb.append("\nexact effect: computing…");
            requestEffect(id);
        } else {
            sb.append("\nremoved: it carries its sender's mean");
        }
        return sb.toString();
    }

    public StringProperty scoreTextProperty() {
        return scoreText;
    }

    public StringProperty detailTextProperty() {
        return detailText;
    }

    public StringProperty errorProperty() {
        return error;
    }

    public BooleanProperty busyProperty() {
        return busy;
    }

    public ReadOnlyObjectProperty<Double> scoreProperty() {
        return score.getReadOnlyProperty();
    }

    // ---- attribution and the slider -------------------------------------------------------------

    /** One forward and one backward pass at the graph's circuit: every kept edge's estimated effect. */
    public void computeAttribution() {
        EdgeCircuit c = circuit.get();
        AblationTask task = tasks.selected().orElse(null);
        attributionStale = !active.get() && c != null;
        if (c == null || task == null || attributionStale) return;
        long gen = generation;
        attributionText.set("attribution: computing…");
        runner.start(Job.of("attribution of " + c.size() + " edges", workspace.reading(ctx -> {
                    try (EdgeEvaluator ev = new EdgeEvaluator(task, false)) {
                        long t0 = System.nanoTime();
                        EdgeAttribution a = ev.attribute(c);
                        return new Timed(a, (System.nanoTime() - t0) / 1e9);
                    }
                }))
                .onSuccess(r -> {
                    if (gen != generation) return;
                    topN.set(r.attribution().state().size()); // first: the slider reads it when the attribution arrives
                    attribution.set(r.attribution());
                    attributionText.set(String.format(Locale.ROOT, "attribution of %,d edges at score %.2f in %.1f s (estimates; exact on hover)",
                            r.attribution().state().size(), r.attribution().score(), r.seconds()));
                })
                .onFailure(e -> {
                    if (gen == generation) attributionText.set("attribution failed: " + Job.message(e));
                }));
    }

    public ReadOnlyObjectProperty<EdgeAttribution> attributionProperty() {
        return attribution.getReadOnlyProperty();
    }

    public StringProperty attributionTextProperty() {
        return attributionText;
    }

    /**
     * The attribution's line as shown: says so when the graph's circuit has changed since, as the
     * slider and Keep top n then rank the edges of that earlier circuit (they may bring back edges
     * removed since).
     */
    public javafx.beans.binding.StringBinding attributionCaption() {
        return javafx.beans.binding.Bindings.createStringBinding(() -> {
            EdgeAttribution a = attribution.get();
            EdgeCircuit c = circuit.get();
            boolean earlier = a != null && c != null && !a.state().equals(c);
            return attributionText.get() + (earlier ? String.format(Locale.ROOT,
                    " · computed at an earlier circuit of %,d edges: the slider ranks those; Attribution here ranks this one", a.state().size()) : "");
        }, attribution, circuit, attributionText);
    }

    private record Timed(EdgeAttribution attribution, double seconds) {
    }

    /** The slider: how many edges, by the size of their attribution, to keep. */
    public IntegerProperty topNProperty() {
        return topN;
    }

    /** The top-n edges by the size of their attribution, from the state it was computed at. */
    public EdgeCircuit topCircuit(int n) {
        EdgeAttribution a = attribution.get();
        if (a == null) throw new IllegalStateException("No attribution yet.");
        List<Edge> ranking = a.ranking();
        BitSet ids = new BitSet();
        for (int i = 0; i < Math.min(n, ranking.size()); i++) ids.set(a.state().graph().id(ranking.get(i)));
        return EdgeCircuit.ofIds(a.state().graph(), ids);
    }

    /** Keeps the slider's top-n edges: the graph shows them and their exact score. */
    public void applyTopN() {
        if (attribution.get() == null || circuit.get() == null) return;
        edit(topCircuit(topN.get()));
    }

    // ---- runs -----------------------------------------------------------------------------------

    public ObjectProperty<Method> methodProperty() {
        return method;
    }

    public ObjectProperty<Start> startProperty() {
        return start;
    }

    public StringProperty thresholdTextProperty() {
        return thresholdText;
    }

    public BooleanProperty runningProperty() {
        return running;
    }

    public DoubleProperty progressProperty() {
        return progress;
    }

    public StringProperty statusProperty() {
        return status;
    }

    public ObservableList<LogRow> log() {
        return log;
    }

    public ObservableList<Session.EdgeRunRecord> history() {
        return history;
    }

    public ObjectProperty<Session.EdgeRunRecord> selectedProperty() {
        return selected;
    }

    public ObservableList<Session.NamedEdgeCircuit> named() {
        return named;
    }

    /** Starts a run on the selected task; bad settings give a message in {@link #statusProperty()}. */
    public boolean startRun() {
        if (running.get()) return false;
        double t;
        try {
            t = Double.parseDouble(thresholdText.get().trim());
            PruneSettings.checkThreshold(t);
        } catch (NumberFormatException e) {
            status.set("Threshold '" + thresholdText.get().trim() + "' is not a number; give a percentage such as 10.");
            return false;
        } catch (IllegalArgumentException e) {
            status.set(e.getMessage());
            return false;
        }
        String taskName = tasks.selectedName();
        AblationTask task = tasks.selected().orElse(null);
        EdgeCircuit graphNow = circuit.get();
        if (task == null || graphNow == null) {
            status.set("No task is ready. Load the session's model and pick a task.");
            return false;
        }
        EdgeGraph g = graphNow.graph();
        EdgeCircuit from = switch (start.get()) {
            case ALL -> EdgeCircuit.all(g);
            case GRAPH -> graphNow;
            case GRID -> EdgeCircuit.induced(g, grid.circuit());
        };
        String spec = switch (start.get()) {
            case ALL -> "all";
            case GRAPH -> "the graph (" + graphNow.size() + " edges)";
            case GRID -> "induced:" + grid.circuit().toSpec();
        };
        if (from.isEmpty()) {
            status.set("The start has no edges.");
            return false;
        }
        Method m = method.get();
        log.clear();
        running.set(true);
        progress.set(-1);
        startedAt = System.nanoTime();
        status.set("running the " + m.label + " at T = " + fmt(t) + " from " + from.size() + " edges");
        long e = generation;
        Job.Fluent<Object> job = Job.of(m.label + ", T = " + fmt(t) + " (" + taskName + ")", workspace.reading(ctx -> {
            try (EdgeEvaluator ev = evaluators.edges(task)) {
                return m == Method.GREEDY ? new EdgePruner(ev, spec, from, t, 1).run(ctx) : new MinimalEdgeCircuit(ev, spec, from, t).run(ctx);
            }
        }));
        run = runner.start(job
                .onProgress(p -> {
                    if (e != generation) return;
                    progress.set(p.fraction());
                    status.set(String.format(Locale.ROOT, "%s · %.0f s", p.message(), (System.nanoTime() - startedAt) / 1e9));
                })
                .onRemoval(r -> {
                    if (e == generation) log.add(new LogRow(log.size() + 1, r.element().toString(), r.score(), r.elapsedSeconds()));
                })
                .onSuccess(r -> {
                    if (e == generation) finished(taskName, r);
                })
                .onFailure(x -> {
                    if (e != generation) return;
                    running.set(false);
                    status.set("the run failed: " + Job.message(x));
                }));
        return true;
    }

    private void finished(String task, Object result) {
        running.set(false);
        String id = Long.toString(System.nanoTime(), 36);
        Session.EdgeRunRecord rec;
        if (result instanceof EdgePruneResult r) {
            rec = SessionMapper.record(id, task, r, clock.instant());
            status.set(String.format(Locale.ROOT, "%s: %,d edges kept at %.2f %% after %,d evaluations in %.1f s",
                    r.cancelled() ? "cancelled, partial log kept" : "finished", r.circuit().size(), r.score(), r.evaluations(), r.seconds()));
        } else {
            MinimalEdgeCircuit.Result r = (MinimalEdgeCircuit.Result) result;
            rec = SessionMapper.record(id, task, r, clock.instant());
            for (MinimalEdgeCircuit.Point p : r.curve()) log.add(new LogRow(log.size() + 1, String.format(Locale.ROOT, "top %,d edges", p.edges()), p.score(), 0));
            status.set(String.format(Locale.ROOT, "%s: %,d edges at %.2f %% (exact) after %d exact passes in %.1f s%s",
                    r.cancelled() ? "cancelled" : "finished", r.n(), r.score(), r.exactPasses(), r.seconds(),
                    r.reached() ? "" : "; even the start does not reach 100 − T"));
        }
        progress.set(rec.cancelled() ? progress.get() : 1);
        history.add(rec);
        selected.set(rec);
        onChange.run();
    }

    public void cancelRun() {
        if (run != null && running.get()) {
            run.cancel();
            status.set("cancelling after the current evaluation…");
        }
    }

    /** The selected run's circuit on the graph. */
    public void applySelected() {
        Session.EdgeRunRecord r = selected.get();
        EdgeGraph g = graph.get();
        if (r == null || g == null) return;
        setCircuit(SessionMapper.edges(r.kept(), g));
    }

    /** Keeps the graph's circuit under a name. */
    public void saveAs(String name) {
        EdgeCircuit c = circuit.get();
        if (c == null || name == null || name.isBlank()) return;
        named.removeIf(x -> x.name().equals(name.trim()));
        named.add(new Session.NamedEdgeCircuit(name.trim(), tasks.selectedName(), SessionMapper.edgeSet(c), score.get(), null));
        onChange.run();
    }

    /** A named edge circuit on the graph. */
    public void showNamed(Session.NamedEdgeCircuit n) {
        EdgeGraph g = graph.get();
        if (g != null) setCircuit(SessionMapper.edges(n.edges(), g));
    }

    // ---- exports --------------------------------------------------------------------------------

    /** The graph's circuit as our JSON, a Python list of (sender, receiver) tuples, or Graphviz DOT. */
    public void export(EdgeFormats.Format format) {
        EdgeCircuit c = circuit.get();
        if (c == null) {
            dialogs.error("No graph to export", "Open a task first; the Graph view then holds an edge circuit.");
            return;
        }
        String[] names = switch (format) {
            case JSON -> new String[] {"Export the edge circuit as JSON", "edges.json"};
            case PYTHON -> new String[] {"Export the edge circuit as a Python list", "edges.py"};
            case DOT -> new String[] {"Export the graph for Graphviz", "graph.dot"};
        };
        DialogService.FileType type = switch (format) {
            case JSON -> DialogService.FileType.JSON;
            case PYTHON -> DialogService.FileType.PYTHON;
            case DOT -> new DialogService.FileType("Graphviz files", List.of("*.dot", "*.gv"));
        };
        EdgeAttribution a = attribution.get();
        dialogs.saveFile(names[0], type, names[1]).ifPresent(p -> write(p, EdgeFormats.export(format, c, score.get(),
                "the Graph view", null, tasks.selectedName(), a != null && a.state().equals(c) ? a : null)));
    }

    /** The graph as SVG, drawn as on screen. */
    public void exportSvg(GraphLayout layout) {
        EdgeCircuit c = circuit.get();
        if (c == null || layout == null) {
            dialogs.error("No graph to export", "Open a task first; the Graph view then holds an edge circuit.");
            return;
        }
        dialogs.saveFile("Export the graph as SVG", new DialogService.FileType("SVG images", List.of("*.svg")), "graph.svg")
                .ifPresent(p -> write(p, GraphSvg.svg(layout, c, attribution.get())));
    }

    /** The graph as a PNG, as the view renders it. */
    public void exportPng(Exports.Png png) {
        Exports.saveImage(dialogs, "Export the graph as an image", "graph.png", png);
    }

    private void write(java.nio.file.Path p, String text) {
        Exports.writeText(dialogs, p, text);
    }

    /** Asks for a name, then keeps the graph's circuit under it. */
    public void askToSave() {
        if (circuit.get() == null) return;
        dialogs.input("Name for this edge circuit", "edges " + (named.size() + 1)).ifPresent(this::saveAs);
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
