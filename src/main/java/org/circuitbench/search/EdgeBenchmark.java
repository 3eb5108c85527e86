package org.circuitbench.search;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.circuitbench.ablation.AblationTask;
import org.circuitbench.ablation.Circuit;
import org.circuitbench.ablation.Edge;
import org.circuitbench.ablation.EdgeCircuit;
import org.circuitbench.ablation.EdgeEvaluator;
import org.circuitbench.ablation.EdgeGraph;
import org.circuitbench.ablation.FastEvaluator;
import org.circuitbench.ablation.Node;
import org.circuitbench.ablation.ReferenceEvaluator;

import static org.circuitbench.search.Measurements.median;
import static org.circuitbench.search.Measurements.medianRatio;
import static org.circuitbench.search.Measurements.time;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.SplittableRandom;

/**
 * {@code bench --parts edges}: what edges cost against nodes, in one process: one full ablated
 * forward pass (the yardstick), a node-circuit score, an exact edge-circuit score, attribution of
 * every edge, edge prunes from the edges induced by node circuits of growing size (edges per
 * second), and resident memory over many edge evaluations.
 */
final class EdgeBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final AblationTask task;
    private final PrintStream log;
    private final int memoryEvaluations;
    private final double pruneBudgetSeconds;

    EdgeBenchmark(AblationTask task, PrintStream log, int memoryEvaluations, double pruneBudgetSeconds) {
        this.task = task;
        this.log = log;
        this.memoryEvaluations = memoryEvaluations;
        this.pruneBudgetSeconds = pruneBudgetSeconds;
    }

    ObjectNode run() {
        ObjectNode o = JSON.createObjectNode();
        var cfg = task.model().config();
        EdgeGraph g = new EdgeGraph(cfg.nLayer(), cfg.nHead());
        o.put("edges", g.edgeCount());
        SplittableRandom rng = new SplittableRandom(40);
        Circuit forty = randomHeads(rng, Math.min(40, cfg.nLayer() * cfg.nHead()));
        o.put("node_circuit", forty.toSpec());

        // The single-pass timings run interleaved, round by round, so that a busy machine slows
        // them alike: each ratio is the median of the rounds' own ratios.
        log.println("[bench] edges: one full ablated pass, a node score, two exact edge scores and attribution, 1 + 3 rounds");
        EdgeCircuit induced = EdgeCircuit.induced(g, forty);
        EdgeCircuit half = randomEdges(g, rng, 0.5);
        EdgeCircuit all = EdgeCircuit.all(g);
        ReferenceEvaluator ref = new ReferenceEvaluator(task);
        String[] names = {"full_ablated_pass", "node_score", "edge_score_induced_40", "edge_score_random_half", "attribution_all_edges"};
        int rounds = 3;
        double[][] t = new double[names.length][rounds];
        try (FastEvaluator fast = new FastEvaluator(task); EdgeEvaluator plain = new EdgeEvaluator(task, false)) {
            for (int r = -1; r < rounds; r++) { // round −1 warms up
                Circuit fresh = randomHeads(rng, Math.min(40, cfg.nLayer() * cfg.nHead())); // differs from the last at layer 0: nothing reused
                double[] round = {
                        time(() -> ref.score(forty)),
                        time(() -> fast.score(fresh)),
                        time(() -> plain.score(induced)),
                        time(() -> plain.score(half)),
                        time(() -> plain.attributor().attribute(all))};
                if (r >= 0) for (int i = 0; i < names.length; i++) t[i][r] = round[i];
            }
        }
        for (int i = 0; i < names.length; i++) o.put(names[i] + "_seconds", Benchmark.round(median(t[i]), 4));
        o.put("edge_score_induced_40_vs_node_score", Benchmark.round(medianRatio(t[2], t[1]), 2));
        o.put("edge_score_random_half_vs_node_score", Benchmark.round(medianRatio(t[3], t[1]), 2));
        o.put("edge_score_random_half_vs_full_pass", Benchmark.round(medianRatio(t[3], t[0]), 2));
        o.put("attribution_vs_full_pass", Benchmark.round(medianRatio(t[4], t[0]), 2));
        o.put("rounds", rounds);

        ArrayNode prunes = o.putArray("prunes");
        for (int heads : new int[] {10, 20, 40}) {
            if (heads > cfg.nLayer() * cfg.nHead()) continue;
            Circuit c = heads == 40 ? forty : randomHeads(rng, heads);
            EdgeCircuit start = EdgeCircuit.induced(g, c);
            log.println("[bench] edges: edge prune T = 3 from the " + start.size() + " edges induced by " + heads + " heads"
                    + (pruneBudgetSeconds > 0 ? " (at most " + pruneBudgetSeconds + " s)" : ""));
            prunes.add(prune(heads, start));
        }

        if (memoryEvaluations > 0) o.set("memory", memory(g, rng));
        return o;
    }

    private ObjectNode prune(int heads, EdgeCircuit start) {
        ObjectNode p = JSON.createObjectNode();
        p.put("start_heads", heads).put("start_edges", start.size());
        try (EdgeEvaluator ev = new EdgeEvaluator(task)) {
            JobContext ctx = new JobContext(null);
            long t0 = System.nanoTime();
            Thread watchdog = null;
            if (pruneBudgetSeconds > 0) {
                watchdog = Thread.ofVirtual().start(() -> {
                    try {
                        Thread.sleep((long) (pruneBudgetSeconds * 1000));
                        ctx.cancel();
                    } catch (InterruptedException ignored) {
                        // the prune finished first
                    }
                });
            }
            PruneResult<Edge, EdgeCircuit> r = new EdgePruner(ev, "induced", start, 3, 1).run(ctx);
            if (watchdog != null) watchdog.interrupt();
            double sec = (System.nanoTime() - t0) / 1e9;
            p.put("seconds", Benchmark.round(sec, 2));
            p.put("evaluations", r.evaluations());
            p.put("edges_per_second", Benchmark.round(r.evaluations() / sec, 2));
            p.put("complete", !r.cancelled());
            p.put("kept", r.circuit().size());
            p.put("score", r.score());
            if (r.cancelled()) p.put("note", "stopped after the time budget; the rate covers the edges tried, from the logits down");
        }
        return p;
    }

    private ObjectNode memory(EdgeGraph g, SplittableRandom rng) {
        log.println("[bench] edges: memory over " + memoryEvaluations + " edge evaluations");
        try (EdgeEvaluator ev = new EdgeEvaluator(task)) {
            List<Edge> order = g.pruningOrder();
            return Measurements.memory(ev, EdgeCircuit.all(g), () -> order.get(rng.nextInt(order.size())), memoryEvaluations, 20, 100);
        }
    }

    private Circuit randomHeads(SplittableRandom rng, int n) {
        var cfg = task.model().config();
        BitSet chosen = new BitSet();
        while (chosen.cardinality() < n) chosen.set(rng.nextInt(cfg.nLayer() * cfg.nHead()));
        List<Node> nodes = new ArrayList<>();
        chosen.stream().forEach(i -> nodes.add(Node.head(i / cfg.nHead(), i % cfg.nHead())));
        return Circuit.of(cfg.nLayer(), cfg.nHead(), nodes);
    }

    private static EdgeCircuit randomEdges(EdgeGraph g, SplittableRandom rng, double keep) {
        BitSet b = new BitSet();
        for (int i = 0; i < g.edgeCount(); i++) if (rng.nextDouble() < keep) b.set(i);
        return EdgeCircuit.ofIds(g, b);
    }
}
