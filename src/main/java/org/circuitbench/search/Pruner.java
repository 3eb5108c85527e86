package org.circuitbench.search;

import org.circuitbench.ablation.Circuit;
import org.circuitbench.ablation.Evaluator;
import org.circuitbench.ablation.Node;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The seed's greedy pruning loops (find_circuit_forw, find_circuit_backw, the iterated
 * forward-backward loops and find_circuit_rand), with the seed's rule: remove a node when
 * 100 − score(circuit without it) < T. The threshold is compared with the full model's 100.
 *
 * <p>Speculation: the next few candidates are scored as one batch, each assuming the nodes
 * before it stay. Results are taken in order up to the first removal; the rest assumed a circuit
 * that no longer holds and are dropped, so every decision is the sequential loop's.
 */
public final class Pruner implements Job<PruneResult> {
    private final Evaluator evaluator;
    private final PruneSettings settings;
    private final int maxSpeculation;

    private JobContext ctx;
    private Circuit circuit;
    private double circuitScore = Double.NaN;
    private final List<Removal> removals = new ArrayList<>();
    private long evaluations;
    private long speculativeWaste;
    private long expectedTotal;
    private long started;
    private int pass;
    private int speculation = 1;

    public Pruner(Evaluator evaluator, PruneSettings settings) {
        this(evaluator, settings, 1);
    }

    /** {@code maxSpeculation}: how many candidates may be scored ahead in one batch (1: none). */
    public Pruner(Evaluator evaluator, PruneSettings settings, int maxSpeculation) {
        this.evaluator = evaluator;
        this.settings = settings;
        this.maxSpeculation = Math.max(1, maxSpeculation);
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
    public PruneResult run(JobContext context) {
        this.ctx = context;
        this.circuit = settings.start();
        this.started = System.nanoTime();
        SearchMethod m = settings.method();
        expectedTotal = switch (m) {
            case FORWARD, BACKWARD -> circuit.size();
            case RANDOM -> settings.iterations();
            default -> -1;
        };
        ctx.started(title(), expectedTotal);
        evaluator.setBase(circuit);
        switch (m) {
            case FORWARD -> sweep(true);
            case BACKWARD -> sweep(false);
            case FORWARD_BACKWARD, BACKWARD_FORWARD -> {
                boolean forward = m == SearchMethod.FORWARD_BACKWARD;
                while (!ctx.isCancelled() && sweep(forward) > 0) forward = !forward;
            }
            case RANDOM -> random();
        }
        boolean cancelled = ctx.isCancelled();
        double finalScore = Double.isNaN(circuitScore) ? evaluator.score(circuit) : circuitScore;
        return new PruneResult(settings, circuit, finalScore, removals, evaluations, pass, seconds(), cancelled);
    }

    /** Candidates scored ahead and then dropped because an earlier one was removed. */
    public long speculativeWaste() {
        return speculativeWaste;
    }

    /** One pass over the circuit's nodes; returns how many it removed. */
    private int sweep(boolean forward) {
        pass++;
        List<Node> order = new ArrayList<>();
        int layers = circuit.layers();
        for (int i = 0; i < layers; i++) order.addAll(layerOrder(forward ? i : layers - 1 - i, forward));
        int before = removals.size();
        int cursor = 0;
        while (!ctx.isCancelled()) {
            List<Integer> ahead = new ArrayList<>();
            for (int i = cursor; i < order.size() && ahead.size() < speculation; i++) {
                if (circuit.contains(order.get(i))) ahead.add(i);
            }
            if (ahead.isEmpty()) break;
            int used = decide(ahead.stream().map(order::get).toList());
            cursor = ahead.get(used - 1) + 1;
        }
        return removals.size() - before;
    }

    /**
     * Nodes of a layer in the paper's order: heads 0..H−1, with the MLP after them going forward
     * and before them going backward.
     */
    private List<Node> layerOrder(int layer, boolean forward) {
        List<Node> order = new ArrayList<>();
        boolean mlp = circuit.hasMlpNodes();
        if (mlp && !forward) order.add(Node.mlp(layer));
        for (int h = 0; h < circuit.heads(); h++) order.add(Node.head(layer, h));
        if (mlp && forward) order.add(Node.mlp(layer));
        return order;
    }

    /** Picks uniformly from the current circuit; pick r depends only on the seed, r and the circuit. */
    private void random() {
        pass = 1;
        int r = 0;
        while (r < settings.iterations() && !ctx.isCancelled() && !circuit.isEmpty()) {
            List<Node> nodes = circuit.nodes();
            List<Node> ahead = new ArrayList<>();
            for (int j = r; j < settings.iterations() && ahead.size() < speculation; j++) {
                ahead.add(nodes.get(pick(j, nodes.size())));
            }
            r += decide(ahead);
        }
    }

    private int pick(int r, int size) {
        return new SplittableRandom(settings.seed() * 0x9E3779B97F4A7C15L + r).nextInt(size);
    }

    /**
     * Scores the candidates (each the current circuit without one node) as a batch, then applies
     * the rule in order until the first removal. Returns how many candidates were decided.
     */
    private int decide(List<Node> ahead) {
        List<Circuit> candidates = ahead.stream().map(circuit::without).toList();
        double[] scores = candidates.size() == 1 ? new double[] {evaluator.score(candidates.get(0))}
                : evaluator.scores(candidates);
        for (int i = 0; i < ahead.size(); i++) {
            Node n = ahead.get(i);
            evaluations++;
            boolean remove = 100.0 - scores[i] < settings.threshold();
            if (remove) {
                circuit = candidates.get(i);
                circuitScore = scores[i];
                evaluator.setBase(circuit);
                Removal r = new Removal(n, scores[i], seconds(), pass);
                removals.add(r);
                ctx.removal(r);
            }
            ctx.progress(new Progress(evaluations, expectedTotal, n, scores[i], circuitScore, circuit.size(),
                    (remove ? "removed " : "kept ") + n + " (pass " + pass + ")"));
            if (remove || ctx.isCancelled()) {
                speculativeWaste += ahead.size() - i - 1;
                speculation = 1;
                return i + 1;
            }
        }
        speculation = Math.min(maxSpeculation, speculation * 2);
        return ahead.size();
    }

    private double seconds() {
        return (System.nanoTime() - started) / 1e9;
    }
}
