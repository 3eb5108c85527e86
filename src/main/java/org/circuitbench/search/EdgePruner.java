package org.circuitbench.search;

import org.circuitbench.ablation.Edge;
import org.circuitbench.ablation.EdgeCircuit;
import org.circuitbench.ablation.Scorer;

/**
 * The seed's rule on edges (edges.md): one pass over the receivers (the logits, then each layer
 * from the top: its MLP, then heads 0..H−1 with q, k, v), trying each receiver's kept edges from
 * the latest sender to the earliest, and removing an edge when 100 − score(circuit without it) < T.
 * The rule and the speculation are {@link GreedyRun}'s, as for nodes.
 */
public final class EdgePruner implements Job<PruneResult<Edge, EdgeCircuit>> {
    private final Scorer<EdgeCircuit> scorer;
    private final PruneSettings<EdgeCircuit> settings;
    private final int maxSpeculation;

    public EdgePruner(Scorer<EdgeCircuit> scorer, String startSpec, EdgeCircuit start, double threshold, int maxSpeculation) {
        scorer.method().checkThreshold(threshold);
        if (start.isEmpty()) throw new IllegalArgumentException("The start circuit has no edges; an edge prune needs edges to remove.");
        this.scorer = scorer;
        this.settings = PruneSettings.of(SearchMethod.GREEDY, threshold, start, startSpec);
        this.maxSpeculation = maxSpeculation;
    }

    @Override
    public String title() {
        return "edge prune, T = " + settings.threshold();
    }

    @Override
    public PruneResult<Edge, EdgeCircuit> run(JobContext ctx) {
        EdgeCircuit start = settings.start();
        ctx.started(title(), start.size());
        GreedyRun<EdgeCircuit, Edge> run = new GreedyRun<>(scorer, EdgeCircuit::without, EdgeCircuit::contains, EdgeCircuit::size,
                settings.threshold(), maxSpeculation, ctx, start, start.size());
        run.sweep(start.graph().pruningOrder());
        return new PruneResult<>(settings, run.circuit(), run.finalScore(), run.removals(), run.evaluations(), run.passes(),
                run.seconds(), ctx.isCancelled(), run.speculativeWaste(), scorer.method());
    }
}
