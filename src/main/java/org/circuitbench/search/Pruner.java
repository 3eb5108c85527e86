package org.circuitbench.search;

import org.circuitbench.ablation.Circuit;
import org.circuitbench.ablation.Evaluator;
import org.circuitbench.ablation.Node;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The seed's greedy pruning loops on nodes (find_circuit_forw, find_circuit_backw, the iterated
 * forward-backward loops and find_circuit_rand), with the rule and speculation of
 * {@link GreedyRun}. Each {@link #run} starts afresh, so one pruner can run again.
 */
public final class Pruner implements Job<PruneResult<Node, Circuit>> {
    private final Evaluator evaluator;
    private final PruneSettings<Circuit> settings;
    private final int maxSpeculation;

    public Pruner(Evaluator evaluator, PruneSettings<Circuit> settings) {
        this(evaluator, settings, 1);
    }

    /** {@code maxSpeculation}: how many candidates may be scored ahead in one batch (1: none). */
    public Pruner(Evaluator evaluator, PruneSettings<Circuit> settings, int maxSpeculation) {
        this.evaluator = evaluator;
        if (settings.method().level != org.circuitbench.ablation.Level.NODES) {
            throw new IllegalArgumentException("The method " + settings.method() + " is for edges; a node prune uses "
                    + SearchMethod.of(org.circuitbench.ablation.Level.NODES) + ".");
        }
        this.settings = settings;
        this.maxSpeculation = Math.max(1, maxSpeculation);
        evaluator.method().checkThreshold(settings.threshold());
        Circuit s = settings.start();
        var cfg = evaluator.task().model().config();
        if (s.layers() != cfg.nLayer() || s.heads() != cfg.nHead()) {
            throw new IllegalArgumentException("The start circuit is for a " + s.layers() + "×" + s.heads()
                    + " model, but this model is " + cfg.nLayer() + "×" + cfg.nHead() + ".");
        }
    }

    @Override
    public String title() {
        return settings.method() + " prune, T = " + settings.threshold();
    }

    @Override
    public PruneResult<Node, Circuit> run(JobContext ctx) {
        Circuit start = settings.start();
        SearchMethod m = settings.method();
        long expectedTotal = switch (m) {
            case FORWARD, BACKWARD -> start.size();
            case RANDOM -> settings.iterations();
            default -> -1;
        };
        ctx.started(title(), expectedTotal);
        GreedyRun<Circuit, Node> run = new GreedyRun<>(evaluator, Circuit::without, Circuit::contains, Circuit::size,
                settings.threshold(), maxSpeculation, ctx, start, expectedTotal);
        switch (m) {
            case FORWARD -> run.sweep(order(start, true));
            case BACKWARD -> run.sweep(order(start, false));
            case FORWARD_BACKWARD, BACKWARD_FORWARD -> {
                boolean forward = m == SearchMethod.FORWARD_BACKWARD;
                while (!ctx.isCancelled() && run.sweep(order(start, forward)) > 0) forward = !forward;
            }
            case RANDOM -> random(run, ctx);
            case GREEDY, ATTRIBUTION -> throw new IllegalStateException("an edge method: " + m); // refused by the constructor
        }
        boolean cancelled = ctx.isCancelled();
        return new PruneResult<>(settings, run.circuit(), run.finalScore(), run.removals(), run.evaluations(),
                run.passes(), run.seconds(), cancelled, run.speculativeWaste(), evaluator.method());
    }

    /**
     * Every node in a pass's order: layer 0 up (forward) or the last layer down (backward); in a
     * layer heads 0..H−1, with the MLP after them going forward and before them going backward,
     * as in the paper's code.
     */
    private static List<Node> order(Circuit c, boolean forward) {
        List<Node> order = new ArrayList<>();
        for (int i = 0; i < c.layers(); i++) {
            int layer = forward ? i : c.layers() - 1 - i;
            if (c.hasMlpNodes() && !forward) order.add(Node.mlp(layer));
            for (int h = 0; h < c.heads(); h++) order.add(Node.head(layer, h));
            if (c.hasMlpNodes() && forward) order.add(Node.mlp(layer));
        }
        return order;
    }

    /** Picks uniformly from the current circuit; pick r depends only on the seed, r and the circuit. */
    private void random(GreedyRun<Circuit, Node> run, JobContext ctx) {
        run.startPass();
        int r = 0;
        while (r < settings.iterations() && !ctx.isCancelled() && !run.circuit().isEmpty()) {
            List<Node> nodes = run.circuit().nodes();
            List<Node> ahead = new ArrayList<>();
            for (int j = r; j < settings.iterations() && ahead.size() < run.window(); j++) {
                ahead.add(nodes.get(pick(j, nodes.size())));
            }
            r += run.decide(ahead);
        }
    }

    private int pick(int r, int size) {
        return new SplittableRandom(settings.seed() * 0x9E3779B97F4A7C15L + r).nextInt(size);
    }
}
