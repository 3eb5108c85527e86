package org.circuitbench.ui.runs;

import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleObjectProperty;
import org.circuitbench.ablation.AblationTask;
import org.circuitbench.ablation.EdgeCircuit;
import org.circuitbench.ablation.EdgeEvaluator;
import org.circuitbench.ablation.EdgeGraph;
import org.circuitbench.ablation.EvaluatorFactory;
import org.circuitbench.ablation.Edge;
import org.circuitbench.search.PruneResult;
import org.circuitbench.search.EdgePruner;
import org.circuitbench.search.MinimalEdgeCircuit;
import org.circuitbench.session.Session;
import org.circuitbench.session.SessionMapper;
import org.circuitbench.ui.common.AppServices;
import org.circuitbench.ui.common.SessionTasks;
import org.circuitbench.ui.common.WorkingCircuit;
import org.circuitbench.ui.common.Workspace;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Runs on edges as a kind of run: the seed's rule on every edge, or the smallest top-n by
 * attribution; from every edge, the graph's circuit or the edges the grid induces; and their
 * result onto the graph.
 */
public final class EdgeRuns implements RunKind<Session.RunRecord> {
    /** What a run does: the seed's rule on every edge, or the smallest top-n by attribution. */
    public enum Method {
        GREEDY("greedy edge prune (the seed's rule on every edge)"), ATTRIBUTION("minimal circuit by attribution");

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

    private final Workspace workspace;
    private final EvaluatorFactory evaluators;
    private final Clock clock;
    private final SessionTasks tasks;
    private final WorkingCircuit working;
    private final Supplier<EdgeCircuit> graph;   // the graph's circuit; null: no task is ready
    private final Consumer<EdgeCircuit> toGraph;  // the graph takes a run's circuit (one undoable edit)
    private final ObjectProperty<Method> method = new SimpleObjectProperty<>(Method.ATTRIBUTION);
    private final ObjectProperty<Start> start = new SimpleObjectProperty<>(Start.ALL);

    public EdgeRuns(AppServices services, SessionTasks tasks, WorkingCircuit working, Supplier<EdgeCircuit> graph, Consumer<EdgeCircuit> toGraph) {
        this.workspace = services.workspace();
        this.evaluators = services.evaluators();
        this.clock = services.clock();
        this.tasks = tasks;
        this.working = working;
        this.graph = graph;
        this.toGraph = toGraph;
    }

    @Override
    public Launch<Session.RunRecord> launch(double t) {
        String taskName = tasks.selectedName();
        AblationTask task = tasks.selected().orElse(null);
        EdgeCircuit graphNow = graph.get();
        if (task == null || graphNow == null) throw new IllegalArgumentException("No task is ready. Load the session's model and pick a task.");
        task.method().checkThreshold(t); // on the task's scale: a percentage, or for kl a KL in nats
        EdgeGraph g = graphNow.graph();
        EdgeCircuit from = switch (start.get()) {
            case ALL -> EdgeCircuit.all(g);
            case GRAPH -> graphNow;
            case GRID -> EdgeCircuit.induced(g, working.get());
        };
        String spec = switch (start.get()) {
            case ALL -> "all";
            case GRAPH -> "the graph (" + graphNow.size() + " edges)";
            case GRID -> "induced:" + working.get().toSpec();
        };
        if (from.isEmpty()) throw new IllegalArgumentException("The start has no edges.");
        Method m = method.get();
        String id = Long.toString(System.nanoTime(), 36);
        String model = tasks.modelName();
        return new Launch<>(m.label + ", T = " + RunKind.fmt(t) + " (" + taskName + ")",
                "running the " + m.label + " at T = " + RunKind.fmt(t) + " from " + from.size() + " edges",
                workspace.reading(ctx -> {
                    try (EdgeEvaluator ev = evaluators.edges(task)) {
                        return m == Method.GREEDY ? pruned(id, taskName, model, new EdgePruner(ev, spec, from, t, evaluators.speculation(task)).run(ctx))
                                : minimal(id, taskName, model, new MinimalEdgeCircuit(ev, spec, from, t).run(ctx));
                    }
                }));
    }

    private Outcome<Session.RunRecord> pruned(String id, String task, String model, PruneResult<Edge, EdgeCircuit> r) {
        return new Outcome<>(SessionMapper.record(id, task, r, clock.instant()).withModel(model),
                String.format(Locale.ROOT, "%s: %,d edges kept at %.2f %% after %,d evaluations in %.1f s",
                        r.cancelled() ? "cancelled, partial log kept" : "finished", r.circuit().size(), r.score(), r.evaluations(), r.seconds()),
                List.of(), r.cancelled());
    }

    private Outcome<Session.RunRecord> minimal(String id, String task, String model, PruneResult<Edge, EdgeCircuit> r) {
        List<LogRow> curve = new ArrayList<>();
        for (PruneResult.Point p : r.curve()) curve.add(curvePoint(p.size(), p.score()));
        return new Outcome<>(SessionMapper.record(id, task, r, clock.instant()).withModel(model),
                String.format(Locale.ROOT, "%s: %,d edges at %.2f %% (exact) after %d exact passes in %.1f s%s",
                        r.cancelled() ? "cancelled" : "finished", r.circuit().size(), r.score(), r.evaluations(), r.seconds(),
                        r.reached() ? "" : "; even the start does not reach 100 − T"),
                curve, r.cancelled());
    }

    private static LogRow curvePoint(int edges, double score) {
        return new LogRow(0, String.format(Locale.ROOT, "top %,d edges", edges), score, 0);
    }

    @Override
    public List<LogRow> log(Session.RunRecord run) {
        List<LogRow> out = new ArrayList<>();
        for (Session.RemovalRecord r : run.removals()) out.add(new LogRow(out.size() + 1, r.element(), r.score(), r.seconds()));
        for (Session.CurvePoint p : run.curve()) {
            LogRow c = curvePoint(p.edges(), p.score());
            out.add(new LogRow(out.size() + 1, c.element(), c.score(), c.seconds()));
        }
        return out;
    }

    /** Puts the run's kept edges on the graph. */
    @Override
    public void apply(Session.RunRecord run) {
        EdgeCircuit now = graph.get();
        if (now == null) throw new IllegalArgumentException("No task is ready.");
        toGraph.accept(SessionMapper.edges(run.kept(), now.graph()));
    }

    @Override
    public String describe(Session.RunRecord r) {
        return String.format(Locale.ROOT, "%s T=%s · %s · %.2f %%%s", r.method(), RunKind.fmt(r.threshold()),
                r.task(), r.score(), r.cancelled() ? " (cancelled)" : "");
    }

    @Override
    public boolean ofThisModel(Session.RunRecord r) {
        return tasks.ofThisModel(r.model());
    }

    public ObjectProperty<Method> methodProperty() {
        return method;
    }

    public ObjectProperty<Start> startProperty() {
        return start;
    }
}
