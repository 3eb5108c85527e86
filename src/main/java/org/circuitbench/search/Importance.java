package org.circuitbench.search;

import org.circuitbench.ablation.Circuit;
import org.circuitbench.ablation.Evaluator;
import org.circuitbench.ablation.Node;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The seed's "loop rmv and check for most impt heads": the score of the circuit without each of
 * its nodes, sorted lowest first, so the node whose removal hurts most is on top. Nodes of one
 * layer are scored as one batch.
 */
public final class Importance implements Job<Importance.Result> {

    /** One node and the circuit's score without it. */
    public record Entry(Node node, double scoreWithout) {
        /** How many points removing the node costs. */
        public double drop(double circuitScore) {
            return circuitScore - scoreWithout;
        }
    }

    /** {@code scoring}: the method that made the scores (docs/methods.md). */
    public record Result(Circuit circuit, double circuitScore, List<Entry> entries, long evaluations,
                         double seconds, boolean cancelled, org.circuitbench.ablation.Method scoring) {
        public Result {
            entries = List.copyOf(entries);
            if (scoring == null) scoring = org.circuitbench.ablation.Method.DEFAULT;
        }
    }

    private final Evaluator evaluator;
    private final Circuit circuit;

    public Importance(Evaluator evaluator, Circuit circuit) {
        if (circuit.isEmpty()) throw new IllegalArgumentException("The circuit is empty; importance needs at least one head.");
        this.evaluator = evaluator;
        this.circuit = circuit;
    }

    @Override
    public String title() {
        return "importance of " + circuit.size() + " nodes";
    }

    @Override
    public Result run(JobContext ctx) {
        long t0 = System.nanoTime();
        List<Node> nodes = circuit.nodes();
        ctx.started(title(), nodes.size());
        evaluator.setBase(circuit);
        double circuitScore = evaluator.score(circuit);
        List<Entry> entries = new ArrayList<>();
        double lowest = Double.POSITIVE_INFINITY;
        for (int layer = 0; layer < circuit.layers() && !ctx.isCancelled(); layer++) {
            final int l = layer;
            List<Node> inLayer = nodes.stream().filter(n -> n.layer() == l).toList();
            if (inLayer.isEmpty()) continue;
            double[] scores = evaluator.scores(inLayer.stream().map(circuit::without).toList());
            for (int i = 0; i < scores.length; i++) {
                entries.add(new Entry(inLayer.get(i), scores[i]));
                lowest = Math.min(lowest, scores[i]);
                ctx.progress(new Progress(entries.size(), nodes.size(), inLayer.get(i), scores[i], lowest,
                        circuit.size(), "without " + inLayer.get(i)));
            }
        }
        // the node whose removal hurts most first: the lowest score, or the highest KL
        Comparator<Entry> order = Comparator.comparingDouble(Entry::scoreWithout);
        entries.sort(evaluator.method().higherIsBetter() ? order : order.reversed());
        return new Result(circuit, circuitScore, entries, entries.size(), (System.nanoTime() - t0) / 1e9, ctx.isCancelled(),
                evaluator.method());
    }
}
