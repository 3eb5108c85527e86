package org.circuitbench.ui.graph;

import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.value.ObservableBooleanValue;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import javafx.collections.ObservableMap;
import org.circuitbench.ablation.AblationTask;
import org.circuitbench.ablation.Circuit;
import org.circuitbench.ablation.Edge;
import org.circuitbench.ablation.EdgeCircuit;
import org.circuitbench.ablation.EdgeEvaluator;
import org.circuitbench.ablation.EvaluatorHandle;
import org.circuitbench.ablation.EdgeGraph;
import org.circuitbench.ablation.Node;
import org.circuitbench.ablation.Receiver;
import org.circuitbench.ablation.Sender;
import org.circuitbench.search.Job;
import org.circuitbench.session.Session;
import org.circuitbench.session.SessionMapper;
import org.circuitbench.ui.common.AppServices;
import org.circuitbench.ui.common.BackgroundRunner;
import org.circuitbench.ui.common.EditHistory;
import org.circuitbench.ui.common.JobState;
import org.circuitbench.ui.common.LatestOnly;
import org.circuitbench.ui.common.ScoreText;
import org.circuitbench.ui.common.SessionTasks;
import org.circuitbench.ui.common.WorkingCircuit;
import org.circuitbench.ui.common.Workspace;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The graph's edge circuit and its edits: clicks on edges and nodes, all and none, undo and redo,
 * its exact score live, each edge's exact effect on hover, and the edge circuits kept under a
 * name. It stays in step with the working (node) circuit: a head toggled on the grid sets its
 * edges here; a node whose edges are all gone here shows as ablated on the grid.
 */
public final class GraphEdits {
    private final Workspace workspace;
    private final SessionTasks tasks;
    private final WorkingCircuit working;
    private final Supplier<EvaluatorHandle<EdgeEvaluator>> live; // null result: no task is ready
    private final ObservableBooleanValue active;
    private Runnable onChange = () -> { };
    private String standing = ""; // a problem said before any score, which a score does not hide (a session's graph that does not fit)

    private final ReadOnlyObjectWrapper<EdgeGraph> graph = new ReadOnlyObjectWrapper<>();
    private final ReadOnlyObjectWrapper<EdgeCircuit> circuit = new ReadOnlyObjectWrapper<>();
    private final ReadOnlyObjectWrapper<Double> score = new ReadOnlyObjectWrapper<>(); // the exact score of the shown circuit
    private final ScoreText text = new ScoreText();
    private final ObservableMap<Integer, Double> effects = FXCollections.observableHashMap(); // edge id -> exact score without it
    private final ObservableList<Session.NamedCircuit> named = FXCollections.observableArrayList();

    private final EditHistory<EdgeCircuit> edits = new EditHistory<>();
    private final LatestOnly<EdgeCircuit, Double> scorer;
    private final JobState effectJobs;
    private boolean scoreStale;  // asked for while the view is hidden: computed when it shows
    private boolean syncing;     // the graph is setting the grid: not an edit of the grid's
    private FromGrid fromGrid;   // the graph's last change that followed the grid, while nothing else changed it

    /** The grid went from {@code gridBefore} to {@code gridAfter}, and the graph followed from {@code before} to {@code after}. */
    private record FromGrid(Circuit gridBefore, Circuit gridAfter, EdgeCircuit before, EdgeCircuit after) {
        boolean undoneBy(Circuit was, Circuit now, EdgeCircuit shown) {
            return gridAfter.equals(was) && gridBefore.equals(now) && after.equals(shown);
        }
    }

    GraphEdits(AppServices services, SessionTasks tasks, WorkingCircuit working, Supplier<EvaluatorHandle<EdgeEvaluator>> live,
               ObservableBooleanValue active) {
        this.workspace = services.workspace();
        this.tasks = tasks;
        this.working = working;
        this.live = live;
        this.active = active;
        this.scorer = new LatestOnly<>(services.runner(), BackgroundRunner.Lane.LIVE, new Scoring());
        this.effectJobs = new JobState(services);
        active.addListener((o, was, now) -> {
            if (now && scoreStale) requestScore();
        });
        working.circuitProperty().addListener((o, was, now) -> {
            if (syncing || was == null || now == null || circuit.get() == null || was.layers() != now.layers()) return;
            FromGrid f = fromGrid;
            if (f != null && f.undoneBy(was, now, circuit.get())) gridTookBack(f);
            else gridEdited(was, now);
        });
    }

    void setOnChange(Runnable r) {
        onChange = r;
    }

    // ---- the task -------------------------------------------------------------------------------

    /** The task's graph, showing {@code c}: no undo history, effects or score of what was shown before. */
    void show(EdgeGraph g, EdgeCircuit c) {
        fromGrid = null;
        scorer.reset();
        effectJobs.reset();
        graph.set(g);
        edits.clear();
        effects.clear();
        circuit.set(c);
        requestScore();
    }

    /** No task to show: nothing of the last one stays; {@code why} is what the score panel says. */
    void clear(String why) {
        fromGrid = null;
        scorer.reset();
        effectJobs.reset();
        graph.set(null);
        circuit.set(null);
        edits.clear();
        effects.clear();
        score.set(null);
        standing = "";
        text.clear(why);
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
        if (c != null) edit(nodeToggled(c, node));
    }

    /** {@code c} with every edge into and out of {@code node} removed, or, when it has none, restored. */
    private static EdgeCircuit nodeToggled(EdgeCircuit c, Object node) {
        List<Edge> touching = touching(c.graph(), node);
        boolean any = touching.stream().anyMatch(c::contains);
        BitSet ids = c.ids();
        for (Edge e : touching) ids.set(c.graph().id(e), !any);
        return EdgeCircuit.ofIds(c.graph(), ids);
    }

    /**
     * Takes back the click that toggled {@code node} as if it never happened (a double-click whose
     * second click came after its first was already taken as a click): only when it was the last edit.
     */
    public void cancelToggleNode(Object node) {
        EdgeCircuit now = circuit.get();
        EdgeCircuit before = now == null ? null : edits.forgetLast(b -> nodeToggled(b, node).equals(now));
        if (before != null) show(before, true);
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
        if (toGrid) fromGrid = null; // the graph's own edit: the grid's last change is no longer what it shows
        circuit.set(next);
        effects.clear();
        onChange.run();
        if (toGrid) syncGrid(next);
        requestScore();
    }

    /** The grid shows as ablated every node whose edges are all gone here (a head or MLP with no kept out-edge). */
    private void syncGrid(EdgeCircuit c) {
        Circuit g = working.get();
        if (g == null || g.layers() != c.graph().layers()) return;
        Circuit nodes = c.nodes();
        Circuit shown = g.hasMlpNodes() || nodes.hasMlpNodes() ? nodes : Circuit.of(g.layers(), g.heads(), nodes.nodes(), false);
        if (shown.equals(g)) return;
        syncing = true;
        try {
            working.set(shown);
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
            fromGrid = new FromGrid(was, now, c, next);
        }
    }

    /**
     * The grid took back its last change (the first click of a double-click, or Undo): the graph
     * goes back exactly to the edges it had, not to every edge the grid induces, and that step
     * leaves no trace in its history.
     */
    private void gridTookBack(FromGrid f) {
        fromGrid = null;
        edits.forgetLast(b -> b.equals(f.before()));
        show(f.before(), false);
    }

    public ReadOnlyBooleanProperty canUndoProperty() {
        return edits.canUndoProperty();
    }

    public ReadOnlyBooleanProperty canRedoProperty() {
        return edits.canRedoProperty();
    }

    // ---- live score -----------------------------------------------------------------------------

    /** Scores the graph's circuit exactly in the live lane, while the view shows; newer requests merge into one. */
    public void requestScore() {
        score.set(null);
        text.computing();
        scoreStale = !active.get();
        if (!scoreStale) scorer.request();
    }

    /** The live score's side of the graph: what is scored, how, and what shows. */
    private final class Scoring implements LatestOnly.Client<EdgeCircuit, Double> {
        @Override
        public EdgeCircuit target() {
            return circuit.get();
        }

        @Override
        public Job.Fluent<Double> job(EdgeCircuit target) {
            EvaluatorHandle<EdgeEvaluator> ev = live.get();
            return ev == null ? null : Job.of("score " + target.size() + " edges", workspace.reading(ctx -> ev.use(e -> {
                e.setBase(target);
                return e.score(target);
            })));
        }

        @Override
        public void none() {
            text.none(null);
        }

        @Override
        public void failed(EdgeCircuit target, Throwable cause) {
            text.failed(cause);
        }

        @Override
        public void show(EdgeCircuit target, Double s) {
            score.set(s);
            AblationTask task = tasks.selected().orElse(null);
            text.show(s, task == null ? org.circuitbench.ablation.Method.DEFAULT : task.method(),
                    String.format(Locale.ROOT, "%,d of %,d edges kept · circuit logit diff %.4f · full %.4f",
                    target.size(), target.graph().edgeCount(), task == null ? Double.NaN : s * task.fullLogitDiff() / 100,
                    task == null ? Double.NaN : task.fullLogitDiff()));
            if (!standing.isEmpty()) text.setError(standing);
        }
    }

    /** The exact score without one edge (for its tooltip), computed once per circuit in the live lane. */
    public void requestEffect(int id) {
        EdgeCircuit c = circuit.get();
        EvaluatorHandle<EdgeEvaluator> ev = c == null ? null : live.get();
        if (ev == null || effects.containsKey(id) || !c.contains(c.graph().edge(id))) return;
        EdgeCircuit without = c.without(c.graph().edge(id));
        effectJobs.side(BackgroundRunner.Lane.LIVE, Job.of("exact effect of " + c.graph().edge(id), workspace.reading(ctx -> ev.use(e -> {
                    e.setBase(c);
                    return e.score(without);
                })))
                .onSuccess(s -> {
                    if (c.equals(circuit.get())) effects.put(id, s);
                }));
    }

    public ObservableMap<Integer, Double> effects() {
        return effects;
    }

    public ReadOnlyStringProperty scoreTextProperty() {
        return text.scoreProperty();
    }

    public ReadOnlyStringProperty detailTextProperty() {
        return text.detailProperty();
    }

    public ReadOnlyStringProperty errorProperty() {
        return text.errorProperty();
    }

    /**
     * Says what went wrong before any score (a session's graph that does not fit); it stays said
     * until it is taken back ({@code ""}) or the task goes.
     */
    void say(String problem) {
        standing = problem;
        text.setError(problem);
    }

    public ReadOnlyBooleanProperty busyProperty() {
        return scorer.busyProperty();
    }

    public ReadOnlyObjectProperty<Double> scoreProperty() {
        return score.getReadOnlyProperty();
    }

    // ---- named edge circuits --------------------------------------------------------------------

    public ObservableList<Session.NamedCircuit> named() {
        return named;
    }

    /** Keeps the graph's circuit under a name. */
    public void saveAs(String name) {
        EdgeCircuit c = circuit.get();
        if (c == null || name == null || name.isBlank()) return;
        named.removeIf(x -> x.name().equals(name.trim()));
        named.add(SessionMapper.named(name.trim(), c, tasks.selectedName(), score.get(), null).withModel(tasks.modelName()));
        onChange.run();
    }

    /**
     * A named edge circuit as the list shows it: its name, task and score; a score of another
     * model than the session's says which (the circuit itself still applies to a model of its shape).
     */
    public String describe(Session.NamedCircuit n) {
        String score = n.score() == null ? "" : String.format(Locale.ROOT, " · %.2f %%", n.score());
        if (!score.isEmpty() && !tasks.ofThisModel(n.model())) score += " on " + SessionTasks.describeModel(n.model());
        return n.name() + " · " + n.task() + score;
    }

    /** The session's model changed: the list says again which scores are of another model. */
    public void modelChanged() {
        named.setAll(List.copyOf(named));
    }

    /** A named edge circuit on the graph. */
    public void showNamed(Session.NamedCircuit n) {
        EdgeGraph g = graph.get();
        if (g != null) setCircuit(SessionMapper.edges(n.edges(), g));
    }
}
