package org.circuitbench.search;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.circuitbench.ablation.AblationTask;
import org.circuitbench.ablation.AttributionMethod;
import org.circuitbench.ablation.EdgeCircuit;
import org.circuitbench.ablation.EdgeEvaluator;

import java.io.PrintStream;
import java.util.EnumSet;
import java.util.List;

import static org.circuitbench.search.Measurements.median;
import static org.circuitbench.search.Measurements.round;

/**
 * {@code bench --parts faithfulness} (issue 19's speed bounds): one EAP attribution of every edge
 * against EAP-IG with m steps (bound: (m + 1) × EAP), and a 10-point faithfulness curve against
 * one ranking plus 10 exact scores of its circuits, each measured apart (bound: their sum). All
 * medians over rounds after a warm-up, on the edge evaluator the command uses.
 */
final class FaithfulnessBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final AblationTask task;
    private final PrintStream log;
    private final int rounds;
    private final int steps;

    FaithfulnessBenchmark(AblationTask task, PrintStream log, int rounds, int steps) {
        this.task = task;
        this.log = log;
        this.rounds = rounds;
        this.steps = steps;
    }

    ObjectNode run() {
        ObjectNode o = JSON.createObjectNode();
        o.put("rounds", rounds).put("steps", steps);
        if (!task.method().metric().differentiable()) return o.put("skipped", "the metric has no gradient to attribute with");
        try (EdgeEvaluator ev = new EdgeEvaluator(task)) {
            EdgeCircuit all = EdgeCircuit.all(ev.graph());
            o.put("edges", all.size());
            double eap = attribution(ev, all, AttributionMethod.EAP);
            o.put("eap_seconds", round(eap, 3));
            for (AttributionMethod.Kind kind : List.of(AttributionMethod.Kind.IG_INPUTS, AttributionMethod.Kind.IG_ACTIVATIONS)) {
                AttributionMethod m = new AttributionMethod(kind, steps, AttributionMethod.Rule.RIGHT);
                double s = attribution(ev, all, m);
                o.putObject(kind.id).put("seconds", round(s, 3)).put("per_eap", round(s / eap, 2))
                        .put("bound_per_eap", steps + 1).put("within_bound", s <= (steps + 1) * eap);
            }
            o.set("curve", curve(ev, eap));
        }
        return o;
    }

    /** The median seconds of one attribution of every edge by {@code m}, after a warm-up. */
    private double attribution(EdgeEvaluator ev, EdgeCircuit all, AttributionMethod m) {
        log.println("[bench] " + m.describe() + " attribution of " + all.size() + " edges");
        ev.attributor().attribute(all, m);
        double[] s = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            long t0 = System.nanoTime();
            ev.attributor().attribute(all, m);
            s[r] = (System.nanoTime() - t0) / 1e9;
        }
        return median(s);
    }

    /** The EAP-ranked signed curve against one EAP ranking plus each of its points' exact score, timed apart. */
    private ObjectNode curve(EdgeEvaluator ev, double eap) {
        log.println("[bench] faithfulness curve by eap");
        FaithfulnessCurve job = FaithfulnessCurve.ofEdges(ev, new FaithfulnessCurve.Ranking(AttributionMethod.EAP),
                EnumSet.of(FaithfulnessCurve.Order.SIGNED));
        job.run(JobContext.silent()); // warm-up
        double[] curve = new double[rounds];
        FaithfulnessCurve.Result last = null;
        for (int r = 0; r < rounds; r++) {
            long t0 = System.nanoTime();
            last = job.run(JobContext.silent());
            curve[r] = (System.nanoTime() - t0) / 1e9;
        }
        List<FaithfulnessCurve.Point> points = last.curves().getFirst().points();
        double[] exact = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            double sum = 0;
            for (FaithfulnessCurve.Point p : points) { // each point's circuit scored on its own, from the full circuit's base
                ev.setBase(EdgeCircuit.all(ev.graph()));
                long t0 = System.nanoTime();
                ev.score((EdgeCircuit) p.circuit());
                sum += (System.nanoTime() - t0) / 1e9;
            }
            exact[r] = sum;
        }
        double c = median(curve), bound = median(exact) + eap;
        return JSON.createObjectNode().put("points", points.size()).put("distinct_circuits", last.exactScores())
                .put("seconds", round(c, 3)).put("ten_exact_scores_seconds", round(median(exact), 3))
                .put("bound_seconds", round(bound, 3)).put("per_bound", round(c / bound, 2)).put("within_bound", c <= bound);
    }
}
