package org.circuitbench.session;

import org.circuitbench.ablation.Circuit;
import org.circuitbench.ablation.CircuitOf;
import org.circuitbench.ablation.Edge;
import org.circuitbench.ablation.EdgeCircuit;
import org.circuitbench.ablation.Level;
import org.circuitbench.ablation.EdgeGraph;
import org.circuitbench.ablation.SetOperation;
import org.circuitbench.ablation.Node;
import org.circuitbench.explain.DirectLogitAttribution;
import org.circuitbench.explain.Explanation;
import org.circuitbench.explain.HeadAttribution;
import org.circuitbench.explain.HeadTypes;
import org.circuitbench.explain.LabelAttention;
import org.circuitbench.explain.LogitLens;
import org.circuitbench.explain.OvDefinition;
import org.circuitbench.explain.OvScores;
import org.circuitbench.search.Importance;
import org.circuitbench.search.PruneResult;
import org.circuitbench.search.PruneSettings;
import org.circuitbench.search.Removal;

import java.time.Instant;
import java.util.List;

/**
 * Between the session file's records and the engine's values, in one place: a search's result, at
 * either level, and its {@link Session.RunRecord} (the removal log keeps each removal's pass), a
 * circuit and its {@link Session.NamedCircuit}, an edge set, an importance sweep
 * and its {@link Session.ImportanceRecord}, an explanation and its {@link Session.ExplanationRecord}. Circuits are stored as specs; reading one back needs
 * the model's shape.
 */
public final class SessionMapper {
    private SessionMapper() {
    }

    /** A finished (or cancelled) search of {@code task}, at either level, as the session stores it. */
    public static Session.RunRecord record(String id, String task, PruneResult<?, ?> r, Instant finishedAt) {
        List<Session.RemovalRecord> removals = r.removals().stream()
                .map(x -> new Session.RemovalRecord(x.element().toString(), x.score(), x.elapsedSeconds(), x.pass())).toList();
        List<Session.CurvePoint> curve = r.curve().stream().map(p -> new Session.CurvePoint(p.size(), p.score())).toList();
        PruneSettings<?> s = r.settings();
        boolean nodes = r.circuit().level() == Level.NODES;
        // the seed and the number of picks belong to the node loops (random uses them); edge runs store 0
        return new Session.RunRecord(id, task, s.method(), s.threshold(), s.startSpec(), nodes ? s.seed() : 0, nodes ? s.iterations() : 0, removals,
                nodes ? r.circuit().toSpec() : null, nodes ? null : edgeSet((EdgeCircuit) r.circuit()), r.score(), r.evaluations(),
                r.seconds(), r.cancelled(), finishedAt.toString(), curve, Session.MethodRecord.of(r.scoring()));
    }

    /**
     * A stored run as the engine's result, on a model of {@code layers} × {@code heads}; the exports
     * read this. An edge run whose start was not a spec (the graph as it was) starts from its
     * result and every edge it removed.
     */
    public static PruneResult<?, ?> result(Session.RunRecord r, int layers, int heads) {
        return r.level() == Level.NODES ? nodeResult(r, layers, heads) : edgeResult(r, new EdgeGraph(layers, heads));
    }

    private static PruneResult<Node, Circuit> nodeResult(Session.RunRecord r, int layers, int heads) {
        List<Removal<Node>> removals = r.removals().stream()
                .map(x -> new Removal<>(Node.parse(x.element()), x.score(), x.seconds(), x.pass())).toList();
        Circuit start = Circuit.parse(r.start(), layers, heads);
        PruneSettings<Circuit> settings = new PruneSettings<>(r.method(), r.threshold(), start.isEmpty() ? Circuit.all(layers, heads) : start,
                r.seed(), Math.max(1, r.iterations()));
        return new PruneResult<>(settings, Circuit.parse(r.circuit(), layers, heads), r.score(), removals, List.of(), r.evaluations(),
                passes(r), r.seconds(), 0, r.cancelled(), 0, scoring(r.scoring()));
    }

    private static PruneResult<Edge, EdgeCircuit> edgeResult(Session.RunRecord r, EdgeGraph g) {
        List<Removal<Edge>> removals = r.removals().stream()
                .map(x -> new Removal<>(g.parse(x.element()), x.score(), x.seconds(), x.pass())).toList();
        EdgeCircuit kept = edges(r.kept(), g);
        EdgeCircuit start;
        try {
            start = EdgeCircuit.parse(r.start(), g);
        } catch (IllegalArgumentException e) { // a label: the graph as it was is what stayed and what went
            start = kept;
            for (Removal<Edge> x : removals) start = start.with(x.element());
        }
        List<PruneResult.Point> curve = r.curve().stream().map(p -> new PruneResult.Point(p.edges(), p.score())).toList();
        PruneSettings<EdgeCircuit> settings = new PruneSettings<>(r.method(), r.threshold(), start.isEmpty() ? EdgeCircuit.all(g) : start,
                r.start(), 0, 1);
        return new PruneResult<>(settings, kept, r.score(), removals, curve, r.evaluations(), passes(r), r.seconds(), 0, r.cancelled(), 0,
                scoring(r.scoring()));
    }

    private static int passes(Session.RunRecord r) {
        return r.removals().stream().mapToInt(Session.RemovalRecord::pass).max().orElse(0);
    }

    /** A circuit worth keeping, at either level, as the session stores it. */
    public static Session.NamedCircuit named(String name, CircuitOf<?, ?> c, String task, Double score, String note) {
        return switch (c) {
            case Circuit n -> new Session.NamedCircuit(name, n.toSpec(), task, score, note);
            case EdgeCircuit e -> new Session.NamedCircuit(name, edgeSet(e), task, score, note);
        };
    }

    /** A stored circuit on a model of {@code layers} × {@code heads}; a bad element gets a one-line message. */
    public static CircuitOf<?, ?> circuit(Session.NamedCircuit c, int layers, int heads) {
        return c.level() == Level.NODES ? Circuit.parse(c.circuit(), layers, heads) : edges(c.edges(), new EdgeGraph(layers, heads));
    }

    /** An importance sweep as the session stores it. */
    public static Session.ImportanceRecord record(Importance.Result r) {
        return new Session.ImportanceRecord(r.circuit().toSpec(), r.circuitScore(),
                r.entries().stream().map(e -> new Session.NodeScore(e.node().toString(), e.scoreWithout())).toList(), r.cancelled(),
                Session.MethodRecord.of(r.scoring()));
    }

    /** A stored sweep as the engine's result, on a model of {@code layers} × {@code heads}. */
    public static Importance.Result result(Session.ImportanceRecord r, int layers, int heads) {
        List<Importance.Entry> entries = r.entries().stream()
                .map(e -> new Importance.Entry(Node.parse(e.node()), e.scoreWithout())).toList();
        return new Importance.Result(Circuit.parse(r.circuit(), layers, heads), r.circuitScore(), entries, entries.size(), 0, r.cancelled(),
                scoring(r.scoring()));
    }

    /** The method a record's scores were made by: the seed's when it names none (every file before methods could be chosen). */
    public static org.circuitbench.ablation.Method scoring(Session.MethodRecord m) {
        return m == null ? org.circuitbench.ablation.Method.DEFAULT : m.method();
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

    // ---- explanations ---------------------------------------------------------------------------

    /** An explanation (or null) and an attribution estimate (or null) of one task, model and scope, as the session stores them. */
    public static Session.ExplanationRecord record(String task, String model, String scope, Explanation x, HeadAttribution estimate) {
        Session.DlaRecord dla = x == null || x.dla() == null ? null : new Session.DlaRecord(x.dla().embed(), x.dla().heads(),
                x.dla().attnBias(), x.dla().mlp(), x.dla().lnBias());
        Session.LensRecord lens = x == null || x.lens() == null ? null : new Session.LensRecord(x.lens().afterAttn(), x.lens().afterMlp());
        Session.AttentionRecord att = x == null || x.attention() == null ? null
                : new Session.AttentionRecord(x.attention().labels(), x.attention().values(), x.attention().unlabelled());
        Session.OvRecord ov = x == null || x.ov() == null ? null
                : new Session.OvRecord(x.ov().next(), x.ov().copy(), x.ov().pairs(), x.ov().pairsWithSuccessor(), x.ov().definition().id);
        HeadTypes t = x == null ? null : x.heads();
        Session.HeadTypesRecord heads = t == null ? null : new Session.HeadTypesRecord(t.previousToken(), t.duplicateToken(),
                t.induction(), t.seed(), t.halfLength(), t.batch(), t.bos());
        Session.EstimateRecord est = estimate == null ? null : new Session.EstimateRecord(estimate.score(), estimate.heads(), estimate.mlp());
        return new Session.ExplanationRecord(task, model, scope, x == null ? null : x.logitDiff(), x == null ? null : x.fullLogitDiff(),
                dla, lens, att, ov, heads, est, x == null ? null : x.seconds());
    }

    /**
     * The stored explanation, null when the record holds only an estimate. Every per-head part must
     * be {@code layers × heads}; a damaged record is refused with a message naming it.
     */
    public static Explanation explanation(Session.ExplanationRecord r, int layers, int heads) {
        if (r.logitDiff() == null) return null;
        String what = "the explanation of '" + r.task() + "' (" + r.scope() + ")";
        Session.DlaRecord d = r.dla();
        DirectLogitAttribution dla = null;
        if (d != null) {
            grid(d.heads(), layers, heads, what + ", dla");
            row(d.attnBias(), layers, what + ", dla");
            row(d.mlp(), layers, what + ", dla");
            dla = new DirectLogitAttribution(r.logitDiff(), d.embed(), d.heads(), d.attnBias(), d.mlp(), d.lnBias());
        }
        LogitLens lens = null;
        if (r.lens() != null) {
            row(r.lens().afterAttn(), layers, what + ", lens");
            row(r.lens().afterMlp(), layers, what + ", lens");
            lens = new LogitLens(r.lens().afterAttn(), r.lens().afterMlp());
        }
        LabelAttention att = null;
        Session.AttentionRecord a = r.attention();
        if (a != null) {
            if (a.labels() == null || a.values() == null || a.labels().size() != a.values().length) {
                throw new IllegalArgumentException(what + " has attention values that do not match its labels.");
            }
            for (double[][] v : a.values()) grid(v, layers, heads, what + ", attention");
            grid(a.unlabelled(), layers, heads, what + ", attention");
            att = new LabelAttention(a.labels(), a.values(), a.unlabelled());
        }
        OvScores ov = null;
        if (r.ov() != null) {
            grid(r.ov().next(), layers, heads, what + ", ov");
            grid(r.ov().copy(), layers, heads, what + ", ov");
            // a file without a definition was written when layer1 was the only one
            OvDefinition def;
            try {
                def = r.ov().definition() == null ? OvDefinition.LAYER1 : OvDefinition.parse(r.ov().definition());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(what + ", ov: " + e.getMessage());
            }
            ov = new OvScores(r.ov().next(), r.ov().copy(), r.ov().pairs(), r.ov().pairsWithSuccessor(), def);
        }
        HeadTypes types = null;
        Session.HeadTypesRecord t = r.heads();
        if (t != null) {
            for (double[][] g : List.of(t.previousToken(), t.duplicateToken(), t.induction())) grid(g, layers, heads, what + ", heads");
            types = new HeadTypes(t.previousToken(), t.duplicateToken(), t.induction(), t.seed(), t.halfLength(), t.batch(), t.bos());
        }
        return new Explanation(r.scope(), r.logitDiff(), r.fullLogitDiff() == null ? Double.NaN : r.fullLogitDiff(), dla, lens, att,
                ov, types, r.seconds() == null ? 0 : r.seconds(), false);
    }

    /** The stored attribution estimate, or null; refused like {@link #explanation} when its shape is not the model's. */
    public static HeadAttribution estimate(Session.ExplanationRecord r, int layers, int heads) {
        Session.EstimateRecord e = r.estimate();
        if (e == null) return null;
        String what = "the estimate of '" + r.task() + "' (" + r.scope() + ")";
        grid(e.heads(), layers, heads, what);
        row(e.mlp(), layers, what);
        return new HeadAttribution(e.score(), e.heads(), e.mlp());
    }

    private static void grid(double[][] g, int layers, int heads, String what) {
        boolean ok = g != null && g.length == layers;
        for (int l = 0; ok && l < layers; l++) ok = g[l] != null && g[l].length == heads;
        if (!ok) throw new IllegalArgumentException(what + " is not " + layers + " × " + heads + " like the model.");
    }

    private static void row(double[] v, int layers, String what) {
        if (v == null || v.length != layers) throw new IllegalArgumentException(what + " does not have one value per layer (" + layers + ").");
    }
}
