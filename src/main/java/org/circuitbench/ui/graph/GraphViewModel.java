package org.circuitbench.ui.graph;

import javafx.beans.property.BooleanProperty;
import javafx.beans.property.SimpleBooleanProperty;
import org.circuitbench.ablation.AblationTask;
import org.circuitbench.ablation.Edge;
import org.circuitbench.ablation.EdgeAttribution;
import org.circuitbench.ablation.EdgeCircuit;
import org.circuitbench.ablation.EdgeEvaluator;
import org.circuitbench.ablation.EdgeGraph;
import org.circuitbench.search.CircuitFormats;
import org.circuitbench.ablation.Level;
import org.circuitbench.session.Session;
import org.circuitbench.session.SessionMapper;
import org.circuitbench.ui.common.AppServices;
import org.circuitbench.ui.common.DialogService;
import org.circuitbench.ui.common.Exports;
import org.circuitbench.ui.common.SessionTasks;
import org.circuitbench.ui.common.WorkingCircuit;

import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The Graph view: the edge circuit of the selected task ({@link GraphEdits}: clicks, undo, its
 * exact score live) and its one-pass attribution estimate ({@link GraphAttribution}: colours,
 * the top-n slider). Both compute only while the view shows. This class follows the task and the
 * session, writes what the session keeps, and exports the graph. Runs on edges are the runs
 * room's (an edge configuration of its run view model), shown beside the graph.
 */
public final class GraphViewModel {
    private final DialogService dialogs;
    private final SessionTasks tasks;
    private final BooleanProperty active = new SimpleBooleanProperty(false);
    private final GraphEdits edits;
    private final GraphAttribution attribution;
    private final FaithfulnessViewModel faithfulness;
    private Session.EdgeSet restore; // the session's graph, shown once its task is ready
    private Session.EdgeSet damaged; // the session's graph that does not fit the model: saved back as it was while standIn shows
    private EdgeCircuit standIn;     // what shows in its place (every edge); an edit replaces the damaged graph, undo brings it back
    private String damage = "";

    public GraphViewModel(AppServices services, SessionTasks tasks, WorkingCircuit working, Supplier<org.circuitbench.ablation.EvaluatorHandle<EdgeEvaluator>> live) {
        this.dialogs = services.dialogs();
        this.tasks = tasks;
        this.edits = new GraphEdits(services, tasks, working, live, active);
        this.attribution = new GraphAttribution(services, tasks, edits, active);
        this.faithfulness = new FaithfulnessViewModel(services, tasks, edits);
    }

    /** Called when what the session keeps changes (an edit, a named edge circuit). */
    public void setOnChange(Runnable r) {
        edits.setOnChange(() -> {
            if (damaged != null) edits.say(edits.circuit() == standIn ? damage : "");
            r.run();
        });
        faithfulness.setOnChange(r);
    }

    public GraphEdits edits() {
        return edits;
    }

    public GraphAttribution attribution() {
        return attribution;
    }

    /** The faithfulness curves of the selected task, each point's circuit one click from the graph. */
    public FaithfulnessViewModel faithfulness() {
        return faithfulness;
    }

    /**
     * Whether the Graph view is shown. Its scores and attribution are computed only then, so that
     * the grid's first score never waits behind them.
     */
    public BooleanProperty activeProperty() {
        return active;
    }

    public EdgeCircuit circuit() {
        return edits.circuit();
    }

    // ---- the task and the session ----------------------------------------------------------------

    /** The selected task is ready: the graph takes its model's shape and the session's graph (or every edge). */
    public void taskReady(AblationTask task) {
        var cfg = task.model().config();
        EdgeGraph g = new EdgeGraph(cfg.nLayer(), cfg.nHead());
        attribution.clear();
        faithfulness.clear();
        EdgeCircuit shown = edits.circuit();
        EdgeCircuit c = shown != null && shown.graph().equals(g) ? shown : EdgeCircuit.all(g); // another task of this model keeps the graph
        if (restore == null && damaged != null && (shown == null || shown == standIn)) restore = damaged; // it may fit this model
        damaged = null;
        if (restore != null) {
            try {
                c = SessionMapper.edges(restore, g);
            } catch (IllegalArgumentException e) {
                damaged = restore;
                standIn = c = EdgeCircuit.all(g);
                damage = "The session's graph does not fit this model (" + e.getMessage() + "); every edge is shown, and saving keeps the graph as it was until you edit it.";
            }
            restore = null;
        }
        edits.say(damaged != null ? damage : "");
        edits.show(g, c);
        faithfulness.show(tasks.selectedName(), task, g);
        attribution.compute();
    }

    /** No task to show: nothing of the last one stays. */
    public void taskGone(String why) {
        if (damaged != null && edits.circuit() != null && edits.circuit() != standIn) damaged = null; // an edit had replaced it
        edits.clear(why);
        attribution.taskGone();
        faithfulness.clear();
    }

    /** Another session: its named edge circuits and graph replace these. */
    public void clear(Session s) {
        edits.named().setAll(s.circuits(Level.EDGES));
        restore = s.ui().graph();
        faithfulness.restore(s.faithfulness());
        damaged = null;
        standIn = null;
        taskGone("No task is ready.");
    }

    /** The graph and the named edge circuits as the session stores them (its edge runs are the runs room's). */
    public Session.EdgeSet graphSnapshot() {
        EdgeCircuit c = edits.circuit();
        if (c == null) return restore != null ? restore : damaged;
        if (damaged != null && c == standIn) return damaged;
        return c.size() == c.graph().edgeCount() ? null : SessionMapper.edgeSet(c);
    }

    // ---- what an edge says ------------------------------------------------------------------------

    /** An edge's tooltip: its name, its attribution, and its exact effect once computed. */
    public String edgeInfo(int id) {
        EdgeCircuit c = edits.circuit();
        if (c == null) return "";
        Edge e = c.graph().edge(id);
        StringBuilder sb = new StringBuilder(e.toString());
        EdgeAttribution a = attribution.attributionProperty().get();
        if (a != null && c.contains(e) && a.state().contains(e)) {
            sb.append(String.format(Locale.ROOT, "%nattribution %+.4f points (estimated at %s)", a.of(e), a.state()));
        }
        Double exact = edits.effects().get(id);
        Double now = edits.scoreProperty().get();
        if (exact != null && now != null) {
            sb.append(String.format(Locale.ROOT, "%nexact: %.4f without it (%+.4f)", exact, exact - now));
        } else if (c.contains(e)) {
            sb.append("\nexact effect: computing…");
            edits.requestEffect(id);
        } else {
            sb.append("\nremoved: it carries its sender's mean");
        }
        return sb.toString();
    }

    // ---- exports --------------------------------------------------------------------------------

    /** The graph's circuit as our JSON, a Python list of (sender, receiver) tuples, or Graphviz DOT. */
    public void export(CircuitFormats.Format format) {
        EdgeCircuit c = edits.circuit();
        if (c == null) {
            dialogs.error("No graph to export", "Open a task first; the Graph view then holds an edge circuit.");
            return;
        }
        String[] names = switch (format) {
            case JSON -> new String[] {"Export the edge circuit as JSON", "edges.json"};
            case PYTHON -> new String[] {"Export the edge circuit as a Python list", "edges.py"};
            case DOT -> new String[] {"Export the graph for Graphviz", "graph.dot"};
            case PAPER, CSV -> throw new IllegalArgumentException(format.id() + " is not a format of a graph");
        };
        DialogService.FileType type = switch (format) {
            case JSON -> DialogService.FileType.JSON;
            case PYTHON -> DialogService.FileType.PYTHON;
            case DOT -> new DialogService.FileType("Graphviz files", List.of("*.dot", "*.gv"));
            case PAPER, CSV -> throw new IllegalArgumentException(format.id() + " is not a format of a graph");
        };
        EdgeAttribution a = attribution.attributionProperty().get();
        dialogs.saveFile(names[0], type, names[1]).ifPresent(p -> Exports.writeText(dialogs, p, CircuitFormats.export(format, c,
                new CircuitFormats.About(null, tasks.selectedName(), "the Graph view", edits.scoreProperty().get(), null,
                        a != null && a.state().equals(c) ? a : null))));
    }

    /** The graph as SVG, drawn as on screen. */
    public void exportSvg(GraphLayout layout) {
        EdgeCircuit c = edits.circuit();
        if (c == null || layout == null) {
            dialogs.error("No graph to export", "Open a task first; the Graph view then holds an edge circuit.");
            return;
        }
        dialogs.saveFile("Export the graph as SVG", new DialogService.FileType("SVG images", List.of("*.svg")), "graph.svg")
                .ifPresent(p -> Exports.writeText(dialogs, p, GraphSvg.svg(layout, c, attribution.attributionProperty().get())));
    }

    /** The graph as a PNG, as the view renders it. */
    public void exportPng(Exports.Png png) {
        Exports.saveImage(dialogs, "Export the graph as an image", "graph.png", png);
    }

    /** Asks for a name, then keeps the graph's circuit under it. */
    public void askToSave() {
        if (edits.circuit() == null) return;
        dialogs.input("Name for this edge circuit", "edges " + (edits.named().size() + 1)).ifPresent(edits::saveAs);
    }
}
