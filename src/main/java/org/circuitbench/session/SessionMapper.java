package org.circuitbench.session;

import org.circuitbench.ablation.Circuit;
import org.circuitbench.ablation.EdgeCircuit;
import org.circuitbench.ablation.EdgeGraph;
import org.circuitbench.ablation.SetOperation;
import org.circuitbench.ablation.Node;
import org.circuitbench.search.EdgePruneResult;
import org.circuitbench.search.Importance;
import org.circuitbench.search.MinimalEdgeCircuit;
import org.circuitbench.search.PruneResult;
import org.circuitbench.search.PruneSettings;
import org.circuitbench.search.Removal;

import java.time.Instant;
import java.util.List;

/**
 * Between the session file's records and the engine's values, in one place: a prune's result and
 * its {@link Session.RunRecord} (the removal log keeps each removal's pass), an importance sweep
 * and its {@link Session.ImportanceRecord}. Circuits are stored as specs; reading one back needs
 * the model's shape.
 */
public final class SessionMapper {
    private SessionMapper() {
    }

    /** A finished (or cancelled) prune of {@code task} as the session stores it. */
    public static Session.RunRecord record(String id, String task, PruneResult r, Instant finishedAt) {
        List<Session.RemovalRecord> removals = r.removals().stream()
                .map(x -> new Session.RemovalRecord(x.element().toString(), x.score(), x.elapsedSeconds(), x.pass())).toList();
        PruneSettings s = r.settings();
        return new Session.RunRecord(id, task, s.method(), s.threshold(), s.start().toSpec(), s.seed(), s.iterations(), removals,
                r.circuit().toSpec(), r.score(), r.evaluations(), r.seconds(), r.cancelled(), finishedAt.toString());
    }

    /** A stored run as the engine's result, on a model of {@code layers} × {@code heads}; the exports read this. */
    public static PruneResult result(Session.RunRecord r, int layers, int heads) {
        List<Removal<Node>> removals = r.removals().stream()
                .map(x -> new Removal<>(Node.parse(x.head()), x.score(), x.seconds(), x.pass())).toList();
        Circuit start = Circuit.parse(r.start(), layers, heads);
        int passes = r.removals().stream().mapToInt(Session.RemovalRecord::pass).max().orElse(0);
        PruneSettings settings = new PruneSettings(r.method(), r.threshold(), start.isEmpty() ? Circuit.all(layers, heads) : start,
                r.seed(), Math.max(1, r.iterations()));
        return new PruneResult(settings, Circuit.parse(r.circuit(), layers, heads), r.score(), removals, r.evaluations(), passes,
                r.seconds(), r.cancelled(), 0);
    }

    /** An importance sweep as the session stores it. */
    public static Session.ImportanceRecord record(Importance.Result r) {
        return new Session.ImportanceRecord(r.circuit().toSpec(), r.circuitScore(),
                r.entries().stream().map(e -> new Session.NodeScore(e.node().toString(), e.scoreWithout())).toList(), r.cancelled());
    }

    /** A stored sweep as the engine's result, on a model of {@code layers} × {@code heads}. */
    public static Importance.Result result(Session.ImportanceRecord r, int layers, int heads) {
        List<Importance.Entry> entries = r.entries().stream()
                .map(e -> new Importance.Entry(Node.parse(e.node()), e.scoreWithout())).toList();
        return new Importance.Result(Circuit.parse(r.circuit(), layers, heads), r.circuitScore(), entries, entries.size(), 0, r.cancelled());
    }

    // ---- edges ----------------------------------------------------------------------------------

    /** An edge circuit as the session stores it: by its kept edges or by its removed ones, whichever list is shorter. */
    public static Session.EdgeSet edgeSet(EdgeCircuit c) {
        if (c.size() * 2 <= c.graph().edgeCount()) return new Session.EdgeSet(c.toStrings(), null);
        EdgeCircuit removed = EdgeCircuit.all(c.graph()).combine(SetOperation.DIFFERENCE, c);
        return new Session.EdgeSet(null, removed.toStrings());
    }

    /** A stored edge set on {@code graph}; a bad edge name gets a one-line message. */
    public static EdgeCircuit edges(Session.EdgeSet s, EdgeGraph graph) {
        if (s.kept() != null) return EdgeCircuit.of(graph, s.kept().stream().map(graph::parse).toList());
        EdgeCircuit removed = EdgeCircuit.of(graph, s.removed().stream().map(graph::parse).toList());
        return EdgeCircuit.all(graph).combine(SetOperation.DIFFERENCE, removed);
    }

    /** An edge prune (edges.md's greedy pass) as the session stores it. */
    public static Session.EdgeRunRecord record(String id, String task, EdgePruneResult r, Instant finishedAt) {
        List<Session.EdgeRemovalRecord> removals = r.removals().stream()
                .map(x -> new Session.EdgeRemovalRecord(x.element().toString(), x.score(), x.elapsedSeconds())).toList();
        return new Session.EdgeRunRecord(id, task, "greedy", r.threshold(), r.startSpec(), removals, edgeSet(r.circuit()), r.score(),
                r.evaluations(), r.seconds(), r.cancelled(), finishedAt.toString(), List.of());
    }

    /** The minimal circuit by attribution as the session stores it, with its faithfulness curve. */
    public static Session.EdgeRunRecord record(String id, String task, MinimalEdgeCircuit.Result r, Instant finishedAt) {
        List<Session.CurvePoint> curve = r.curve().stream().map(p -> new Session.CurvePoint(p.edges(), p.score())).toList();
        return new Session.EdgeRunRecord(id, task, "attribution", r.threshold(), r.startSpec(), List.of(), edgeSet(r.circuit()), r.score(),
                r.exactPasses(), r.seconds(), r.cancelled(), finishedAt.toString(), curve);
    }
}
