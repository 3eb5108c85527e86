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
import java.util.function.DoubleSupplier;

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

        log.println("[bench] edges: one full ablated forward pass (node level, the yardstick)");
        ReferenceEvaluator ref = new ReferenceEvaluator(task);
        double fullPass = median(5, () -> time(() -> ref.score(forty)));
        o.put("full_ablated_pass_seconds", Benchmark.round(fullPass, 4));

        log.println("[bench] edges: a node-circuit score, fast evaluator, nothing reused");
        double nodeScore;
        try (FastEvaluator fast = new FastEvaluator(task)) {
            List<Circuit> fresh = new ArrayList<>();
            for (int i = 0; i < 5; i++) fresh.add(randomHeads(rng, 40)); // each differs from the last at layer 0
            int[] i = {0};
            nodeScore = median(5, () -> time(() -> fast.score(fresh.get(i[0]++))));
        }
        o.put("node_score_seconds", Benchmark.round(nodeScore, 4));

        try (EdgeEvaluator plain = new EdgeEvaluator(task, false)) {
            log.println("[bench] edges: an exact edge-circuit score (the plain pass)");
            EdgeCircuit induced = EdgeCircuit.induced(g, forty);
            double inducedScore = median(5, () -> time(() -> plain.score(induced)));
            List<EdgeCircuit> randoms = new ArrayList<>();
            for (int i = 0; i < 5; i++) randoms.add(randomEdges(g, rng, 0.5));
            int[] k = {0};
            double randomScore = median(5, () -> time(() -> plain.score(randoms.get(k[0]++))));
            o.put("edge_score_seconds_induced_40", Benchmark.round(inducedScore, 4));
            o.put("edge_score_seconds_random_half", Benchmark.round(randomScore, 4));
            o.put("edge_score_vs_node_score", Benchmark.round(Math.max(inducedScore, randomScore) / nodeScore, 2));
            o.put("edge_score_vs_full_pass", Benchmark.round(Math.max(inducedScore, randomScore) / fullPass, 2));

            log.println("[bench] edges: attribution of all " + g.edgeCount() + " edges (one forward + one backward pass)");
            EdgeCircuit all = EdgeCircuit.all(g);
            plain.attribute(all); // warm-up
            double attribution = median(3, () -> time(() -> plain.attribute(all)));
            o.put("attribution_seconds_all_edges", Benchmark.round(attribution, 4));
            o.put("attribution_vs_full_pass", Benchmark.round(attribution / fullPass, 2));
        }

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

    private static double median(int n, DoubleSupplier timed) {
        double[] t = new double[n];
        for (int i = 0; i < n; i++) t[i] = timed.getAsDouble();
        Arrays.sort(t);
        return t[n / 2];
    }
}
