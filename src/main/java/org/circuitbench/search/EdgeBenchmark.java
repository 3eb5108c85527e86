package org.circuitbench.search;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.circuitbench.ablation.AblationTask;
import org.circuitbench.ablation.Circuit;
import org.circuitbench.ablation.DevicePolicy;
import org.circuitbench.ablation.EvaluatorFactory;
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
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.SplittableRandom;

/**
 * {@code bench --parts edges}: what edges cost against nodes, in one process: one full ablated
 * forward pass (the yardstick), a node-circuit score, an exact edge-circuit score, attribution of
 * every edge, edge prunes from the edges induced by node circuits of growing size (edges per
 * second), and resident memory over many edge evaluations.
 *
 * <p>{@code bench --parts edge-batching}: edge candidates scored one per pass against several per
 * pass (each on its own slot), candidates per second and the largest score difference; and a
 * speculating prune against the sequential loop, decision by decision. On a GPU this is the check
 * of the GPU defaults.
 */
final class EdgeBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final AblationTask task;
    private final PrintStream log;
    private final int memoryEvaluations;
    private final double pruneBudgetSeconds;
    private final EvaluatorFactory evaluators;
    private final int speculation;

    EdgeBenchmark(AblationTask task, PrintStream log, int memoryEvaluations, double pruneBudgetSeconds, EvaluatorFactory evaluators,
                  int speculation) {
        this.task = task;
        this.log = log;
        this.memoryEvaluations = memoryEvaluations;
        this.pruneBudgetSeconds = pruneBudgetSeconds;
        this.evaluators = evaluators;
        this.speculation = speculation;
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
        o.put("load_average_before", Benchmark.loadAverage());
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
        o.put("load_average_after", Benchmark.loadAverage());

        ArrayNode prunes = o.putArray("prunes");
        o.put("prune_speculation", speculation);
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
        p.put("load_average_before", Benchmark.loadAverage());
        try (EdgeEvaluator ev = evaluators.edges(task, speculation)) {
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
            PruneResult<Edge, EdgeCircuit> r = new EdgePruner(ev, "induced", start, 3, speculation).run(ctx);
            if (watchdog != null) watchdog.interrupt();
            double sec = (System.nanoTime() - t0) / 1e9;
            p.put("seconds", Benchmark.round(sec, 2));
            p.put("evaluations", r.evaluations());
            p.put("edges_per_second", Benchmark.round(r.evaluations() / sec, 2));
            p.put("complete", !r.cancelled());
            p.put("kept", r.circuit().size());
            p.put("score", r.score());
            p.put("removed", r.removals().size());
            p.put("speculative_waste", r.speculativeWaste());
            if (r.cancelled()) p.put("note", "stopped after the time budget; the rate covers the edges tried, from the logits down");
        }
        p.put("load_average_after", Benchmark.loadAverage());
        return p;
    }

    /**
     * Edge candidates one per pass against k per pass: the first candidates of the prune of the edges
     * induced by 40 heads whose receivers are in the middle layer (each one edge less than the base),
     * scored in batches of k from that base, after a round to warm up; then a prune that speculates
     * against the sequential loop, up to {@code evaluations} decisions each.
     */
    ObjectNode batching(int[] batches, int candidates, int evaluations) {
        ObjectNode o = JSON.createObjectNode();
        var cfg = task.model().config();
        EdgeGraph g = new EdgeGraph(cfg.nLayer(), cfg.nHead());
        SplittableRandom rng = new SplittableRandom(40);
        Circuit forty = randomHeads(rng, Math.min(40, cfg.nLayer() * cfg.nHead()));
        EdgeCircuit base = EdgeCircuit.induced(g, forty);
        int layer = cfg.nLayer() / 2;
        List<EdgeCircuit> cands = base.edges().stream().filter(e -> e.receiver().layer() == layer)
                .sorted(java.util.Comparator.comparingInt(g.pruningOrder()::indexOf)).limit(candidates).map(base::without).toList();
        o.put("start", "the edges induced by 40 random heads (" + base.size() + ")");
        o.put("candidates", cands.size());
        o.put("candidates_into_layer", layer);
        o.put("load_average_before", Benchmark.loadAverage());
        log.println("[bench] edge-batching: " + cands.size() + " candidates into layer " + layer + ", batches " + Arrays.toString(batches));
        DevicePolicy device = evaluators.policy(task);
        double[] one = null;
        ArrayNode rows = o.putArray("batches");
        for (int k : batches) {
            double[] scores = new double[cands.size()];
            double seconds;
            try (EdgeEvaluator ev = new EdgeEvaluator(task, true, new DevicePolicy(k, k, device.chunkElements()))) {
                ev.setBase(base);
                scoreAll(ev, cands, k, scores);                                          // warm-up
                long t0 = System.nanoTime();
                scoreAll(ev, cands, k, scores);
                seconds = (System.nanoTime() - t0) / 1e9;
            }
            if (one == null) one = scores;
            double diff = 0;
            for (int i = 0; i < scores.length; i++) diff = Math.max(diff, Math.abs(scores[i] - one[i]));
            rows.addObject().put("per_pass", k).put("seconds", Benchmark.round(seconds, 3))
                    .put("candidates_per_second", Benchmark.round(cands.size() / seconds, 2))
                    .put("max_score_difference_vs_one_per_pass", diff);
            log.println("[bench] edge-batching: " + k + " per pass: " + Benchmark.round(cands.size() / seconds, 2) + " candidates/s");
        }
        // decisions: the 20-head start removes edges and keeps others
        EdgeCircuit start = EdgeCircuit.induced(g, randomHeads(new SplittableRandom(20), Math.min(20, cfg.nLayer() * cfg.nHead())));
        int spec = Math.max(2, device.speculation());
        PruneResult<Edge, EdgeCircuit> seq;
        PruneResult<Edge, EdgeCircuit> ahead;
        long t0 = System.nanoTime();
        try (EdgeEvaluator ev = new EdgeEvaluator(task, true, new DevicePolicy(1, 1, device.chunkElements()))) {
            seq = new EdgePruner(ev, "induced", start, 3, 1).run(stoppingAt(evaluations));
        }
        double seqSeconds = (System.nanoTime() - t0) / 1e9;
        t0 = System.nanoTime();
        try (EdgeEvaluator ev = new EdgeEvaluator(task, true, new DevicePolicy(Math.max(spec, device.maxBatch()), spec, device.chunkElements()))) {
            ahead = new EdgePruner(ev, "induced", start, 3, spec).run(stoppingAt(evaluations));
        }
        double aheadSeconds = (System.nanoTime() - t0) / 1e9;
        boolean same = seq.circuit().equals(ahead.circuit()) && seq.evaluations() == ahead.evaluations()
                && seq.removals().size() == ahead.removals().size();
        double diff = 0;
        for (int i = 0; same && i < seq.removals().size(); i++) {
            same = seq.removals().get(i).element().equals(ahead.removals().get(i).element());
            diff = Math.max(diff, Math.abs(seq.removals().get(i).score() - ahead.removals().get(i).score()));
        }
        ObjectNode d = o.putObject("prune");
        d.put("start", "the edges induced by 20 random heads (" + start.size() + ")").put("threshold", 3).put("evaluations", seq.evaluations())
                .put("removed", seq.removals().size()).put("sequential_seconds", Benchmark.round(seqSeconds, 2))
                .put("speculation", spec).put("speculating_seconds", Benchmark.round(aheadSeconds, 2))
                .put("speculative_waste", ahead.speculativeWaste()).put("identical_decisions", same)
                .put("max_removal_score_difference", diff);
        o.put("load_average_after", Benchmark.loadAverage());
        return o;
    }

    private static void scoreAll(EdgeEvaluator ev, List<EdgeCircuit> cands, int k, double[] out) {
        for (int from = 0; from < cands.size(); from += k) {
            List<EdgeCircuit> batch = cands.subList(from, Math.min(cands.size(), from + k));
            double[] s = batch.size() == 1 ? new double[] {ev.score(batch.get(0))} : ev.scores(batch);
            System.arraycopy(s, 0, out, from, s.length);
        }
    }

    /** A context that cancels its job after {@code evaluations} decisions. */
    private static JobContext stoppingAt(int evaluations) {
        JobContext[] ctx = new JobContext[1];
        ctx[0] = new JobContext(new JobListener<>() {
            @Override
            public void progress(Progress p) {
                if (p.done() >= evaluations) ctx[0].cancel();
            }
        });
        return ctx[0];
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
