package org.circuitbench.search;

import org.circuitbench.ablation.Edge;
import org.circuitbench.ablation.EdgeAttribution;
import org.circuitbench.ablation.EdgeCircuit;
import org.circuitbench.ablation.EdgeEvaluator;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;

/**
 * The attribution-guided minimal circuit: rank the start's edges by attribution (one forward and
 * one backward pass; the edges whose removal is estimated to hurt most come first), then find by
 * bisection on n the smallest "top-n edges" circuit whose exact score reaches 100 − T. About
 * log2(edges) exact passes instead of one per edge. Every score reported is exact. The bisection
 * assumes the score grows with n; the faithfulness curve (the exact score at every n tried) shows
 * where it does not.
 */
public final class MinimalEdgeCircuit implements Job<PruneResult<Edge, EdgeCircuit>> {
    private final EdgeEvaluator evaluator;
    private final PruneSettings<EdgeCircuit> settings;

    public MinimalEdgeCircuit(EdgeEvaluator evaluator, String startSpec, EdgeCircuit start, double threshold) {
        evaluator.method().checkThreshold(threshold);
        if (start.isEmpty()) throw new IllegalArgumentException("The start circuit has no edges.");
        this.evaluator = evaluator;
        this.settings = PruneSettings.of(SearchMethod.ATTRIBUTION, threshold, start, startSpec);
    }

    @Override
    public String title() {
        return "minimal edge circuit by attribution, T = " + settings.threshold();
    }

    @Override
    public PruneResult<Edge, EdgeCircuit> run(JobContext ctx) {
        EdgeCircuit start = settings.start();
        long t0 = System.nanoTime();
        int total = start.size();
        ctx.started(title(), 2 + (long) Math.ceil(Math.log(total + 1) / Math.log(2)));
        EdgeAttribution attribution = evaluator.attributor().attribute(start);
        double attributionSeconds = (System.nanoTime() - t0) / 1e9;
        List<Edge> ranking = attribution.ranking();
        TreeMap<Integer, Double> curve = new TreeMap<>();
        curve.put(total, attribution.score());
        var method = evaluator.method();  // reached: 100 − score ≤ T, or KL ≤ T
        double threshold = settings.threshold();
        ctx.progress(new Progress(1, -1, null, attribution.score(), attribution.score(), total,
                String.format(Locale.ROOT, "attribution of %,d edges", total)));
        int lo = 0, hi = total;
        boolean reached = method.loss(attribution.score()) <= threshold;
        if (reached) {
            while (lo < hi && !ctx.isCancelled()) {
                int mid = (lo + hi) >>> 1;
                double s = evaluator.score(top(ranking, mid));
                curve.put(mid, s);
                ctx.progress(new Progress(curve.size(), -1, null, s, curve.get(hi), mid,
                        String.format(Locale.ROOT, "top %,d edges: %.2f%s", mid, s, method.unit())));
                if (method.loss(s) <= threshold) hi = mid;
                else lo = mid + 1;
            }
        }
        int n = reached ? hi : total;
        List<PruneResult.Point> points = new ArrayList<>();
        curve.forEach((k, v) -> points.add(new PruneResult.Point(k, v)));
        points.sort(Comparator.comparingInt(PruneResult.Point::size));
        return new PruneResult<>(settings, reached ? top(ranking, n) : start, curve.get(n), List.of(), points, curve.size() - 1, 1,
                (System.nanoTime() - t0) / 1e9, attributionSeconds, ctx.isCancelled(), 0, method);
    }

    private EdgeCircuit top(List<Edge> ranking, int n) {
        BitSet ids = new BitSet();
        EdgeCircuit start = settings.start();
        for (int i = 0; i < n; i++) ids.set(start.graph().id(ranking.get(i)));
        return EdgeCircuit.ofIds(start.graph(), ids);
    }
}
