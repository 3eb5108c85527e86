package org.circuitbench.search;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.circuitbench.ablation.AblationTask;
import org.circuitbench.ablation.Circuit;
import org.circuitbench.ablation.EdgeCircuit;
import org.circuitbench.ablation.EdgeEvaluator;
import org.circuitbench.ablation.EdgeGraph;
import org.circuitbench.ablation.FastEvaluator;
import org.circuitbench.ablation.Node;
import org.circuitbench.ablation.ReferenceEvaluator;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
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
                        time(() -> plain.attribute(all))};
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
            EdgePruneResult r = new EdgePruner(ev, "induced", start, 3, 1).run(ctx);
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
        ObjectNode o = JSON.createObjectNode();
        log.println("[bench] edges: memory over " + memoryEvaluations + " edge evaluations");
        try (EdgeEvaluator ev = new EdgeEvaluator(task)) {
            List<org.circuitbench.ablation.Edge> order = g.pruningOrder();
            EdgeCircuit base = EdgeCircuit.all(g);
            int warm = Math.min(100, memoryEvaluations / 10);
            long before = 0;
            ArrayNode trace = o.putArray("rss_mb_trace");
            for (int i = 0; i < memoryEvaluations + warm; i++) {
                if (i == warm) {
                    System.gc();
                    before = Benchmark.rssBytes();
                }
                EdgeCircuit candidate = base.toggled(order.get(rng.nextInt(order.size())));
                ev.score(candidate);
                if (i % 20 == 0) { // now and then make the candidate the base, as a prune does
                    base = candidate;
                    ev.setBase(base);
                }
                if (i >= warm && (i - warm) % Math.max(1, memoryEvaluations / 10) == 0) trace.add(Benchmark.round(Benchmark.rssBytes() / 1e6, 1));
            }
            System.gc();
            long after = Benchmark.rssBytes();
            o.put("evaluations", memoryEvaluations);
            o.put("rss_mb_before", Benchmark.round(before / 1e6, 1));
            o.put("rss_mb_after", Benchmark.round(after / 1e6, 1));
            o.put("rss_growth_mb", Benchmark.round((after - before) / 1e6, 1));
        }
        return o;
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

    private static double time(Runnable r) {
        long t0 = System.nanoTime();
        r.run();
        return (System.nanoTime() - t0) / 1e9;
    }

    private static double median(double[] v) {
        double[] t = v.clone();
        Arrays.sort(t);
        return t[t.length / 2];
    }

    /** The median over rounds of a / b, each pair timed in the same round. */
    private static double medianRatio(double[] a, double[] b) {
        double[] r = new double[a.length];
        for (int i = 0; i < a.length; i++) r[i] = a[i] / b[i];
        return median(r);
    }
}
