package org.circuitbench.search;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.circuitbench.ablation.AblationKind;
import org.circuitbench.ablation.AblationTask;
import org.circuitbench.ablation.Circuit;
import org.circuitbench.ablation.EdgeCircuit;
import org.circuitbench.ablation.EdgeEvaluator;
import org.circuitbench.ablation.FastEvaluator;
import org.circuitbench.ablation.Node;
import org.circuitbench.task.TaskException;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * {@code bench --parts ablations}: what one score costs under each ablation kind, with the task's
 * metric and normalisation. The kinds only change the values a removed node or edge carries (one
 * tensor per clean prompt either way), so a {@code patch} or {@code zero} score should cost what a
 * {@code mean} score costs. The same seeded random circuits are scored under every kind, node
 * level (fast evaluator, each circuit leaving the cached base at layer 0) and edge level (the plain
 * pass). The kinds take turns, each round starting with the next kind, so a machine whose load
 * drifts slows them alike; each kind's fastest round (the least disturbed) and its median are
 * reported, and the comparison uses the fastest.
 */
final class AblationBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int ROUNDS = 4;

    private final AblationTask task;
    private final PrintStream log;
    private final int nodeCircuits;
    private final int edgeCircuits;

    AblationBenchmark(AblationTask task, PrintStream log, int nodeCircuits, int edgeCircuits) {
        this.task = task;
        this.log = log;
        this.nodeCircuits = nodeCircuits;
        this.edgeCircuits = edgeCircuits;
    }

    ObjectNode run() {
        ObjectNode o = JSON.createObjectNode();
        o.put("metric", task.method().metric().id).put("normalisation", task.method().normalisation().id);
        o.put("node_circuits_per_round", nodeCircuits).put("edge_circuits_per_round", edgeCircuits).put("rounds", ROUNDS);
        Map<AblationKind, AblationTask> tasks = new EnumMap<>(AblationKind.class);
        try {
            for (AblationKind k : AblationKind.values()) {
                try {
                    tasks.put(k, AblationTask.prepare(task.loaded(), task.tokenized().task(), task.method().withAblation(k)));
                } catch (TaskException e) {
                    o.putObject(k.id).put("skipped", e.getMessage());
                }
            }
            var cfg = task.model().config();
            List<Circuit> nodes = new ArrayList<>();
            SplittableRandom rng = new SplittableRandom(20);
            for (int i = 0; i < nodeCircuits; i++) {
                List<Node> in = new ArrayList<>();
                for (int l = 0; l < cfg.nLayer(); l++) for (int h = 0; h < cfg.nHead(); h++) if (rng.nextBoolean()) in.add(Node.head(l, h));
                if (!in.contains(Node.head(0, 0))) in.add(Node.head(0, 0)); // leaves the base (no heads) at layer 0: a whole pass
                nodes.add(Circuit.of(cfg.nLayer(), cfg.nHead(), in));
            }
            Map<AblationKind, double[]> nodeSec = new EnumMap<>(AblationKind.class), edgeSec = new EnumMap<>(AblationKind.class);
            for (AblationKind k : tasks.keySet()) {
                nodeSec.put(k, new double[ROUNDS]);
                edgeSec.put(k, new double[ROUNDS]);
            }
            List<EdgeCircuit> edges = null;
            for (int round = 0; round < ROUNDS; round++) {
                log.println("[bench] ablation kinds, round " + (round + 1) + " of " + ROUNDS);
                List<Map.Entry<AblationKind, AblationTask>> order = new ArrayList<>(tasks.entrySet());
                java.util.Collections.rotate(order, -round);                          // a different kind first each round
                for (var e : order) {
                    try (FastEvaluator ev = new FastEvaluator(e.getValue())) {
                        ev.setBase(Circuit.none(cfg.nLayer(), cfg.nHead()));
                        ev.score(nodes.get(0));                                        // warm: the base's cache
                        long t0 = System.nanoTime();
                        for (Circuit c : nodes) ev.score(c);
                        nodeSec.get(e.getKey())[round] = (System.nanoTime() - t0) / 1e9 / nodes.size();
                    }
                    if (edgeCircuits > 0) {
                        try (EdgeEvaluator ev = new EdgeEvaluator(e.getValue(), false)) {
                            if (edges == null) edges = randomEdges(ev, rng);
                            long t0 = System.nanoTime();
                            for (EdgeCircuit c : edges) ev.score(c);
                            edgeSec.get(e.getKey())[round] = (System.nanoTime() - t0) / 1e9 / edges.size();
                        }
                    }
                }
            }
            double meanNode = min(nodeSec.get(AblationKind.MEAN)), meanEdge = min(edgeSec.get(AblationKind.MEAN));
            for (AblationKind k : tasks.keySet()) {
                ObjectNode w = o.putObject(k.id);
                double n = min(nodeSec.get(k)), e = min(edgeSec.get(k));
                w.put("node_score_ms", Benchmark.round(n * 1000, 3));
                w.put("node_score_ms_median", Benchmark.round(median(nodeSec.get(k)) * 1000, 3));
                w.put("node_vs_mean", Benchmark.round(n / meanNode, 3));
                if (edgeCircuits > 0) {
                    w.put("edge_score_ms", Benchmark.round(e * 1000, 3));
                    w.put("edge_score_ms_median", Benchmark.round(median(edgeSec.get(k)) * 1000, 3));
                    w.put("edge_vs_mean", Benchmark.round(e / meanEdge, 3));
                }
            }
        } finally {
            for (AblationTask t : tasks.values()) t.close();
        }
        return o;
    }

    private List<EdgeCircuit> randomEdges(EdgeEvaluator ev, SplittableRandom rng) {
        List<EdgeCircuit> out = new ArrayList<>();
        for (int i = 0; i < edgeCircuits; i++) {
            BitSet ids = new BitSet();
            for (int j = 0; j < ev.graph().edgeCount(); j++) if (rng.nextBoolean()) ids.set(j);
            out.add(EdgeCircuit.ofIds(ev.graph(), ids));
        }
        return out;
    }

    private static double min(double[] v) {
        return Arrays.stream(v).min().orElse(Double.NaN);
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
