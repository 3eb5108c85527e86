package org.circuitbench.search;

import org.circuitbench.ablation.Element;
import org.circuitbench.ablation.Scorer;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.BiPredicate;
import java.util.function.ToIntFunction;

/**
 * The state of one greedy prune, node or edge level, and the seed's rule: remove an element when
 * 100 − score(circuit without it) < T. The threshold is compared with the full model's 100 (for
 * KL on its own scale: when KL(circuit without it) < T; {@link org.circuitbench.ablation.Method#removes}).
 *
 * <p>Speculation: the next few candidates are scored as one batch, each assuming the elements
 * before it stay. Results are taken in order up to the first removal; the rest assumed a circuit
 * that no longer holds and are dropped, so every decision is the sequential loop's. The window
 * doubles after a batch without removal, up to {@code maxSpeculation}, and drops to 1 after one.
 *
 * @param <C> the circuit type
 * @param <E> what is removed from it
 */
final class GreedyRun<C, E extends Element> {
    private final Scorer<C> scorer;
    private final BiFunction<C, E, C> without;
    private final BiPredicate<C, E> contains;
    private final ToIntFunction<C> size;
    private final double threshold;
    private final int maxSpeculation;
    private final JobContext ctx;
    private final long expectedTotal;
    private final long started = System.nanoTime();

    private C circuit;
    private double circuitScore = Double.NaN;
    private final List<Removal<E>> removals = new ArrayList<>();
    private long evaluations;
    private long speculativeWaste;
    private int pass;
    private int speculation = 1;

    GreedyRun(Scorer<C> scorer, BiFunction<C, E, C> without, BiPredicate<C, E> contains, ToIntFunction<C> size,
              double threshold, int maxSpeculation, JobContext ctx, C start, long expectedTotal) {
        this.scorer = scorer;
        this.without = without;
        this.contains = contains;
        this.size = size;
        this.threshold = threshold;
        this.maxSpeculation = Math.max(1, maxSpeculation);
        this.ctx = ctx;
        this.circuit = start;
        this.expectedTotal = expectedTotal;
        scorer.setBase(start);
    }

    /** One pass over {@code order}, trying the elements still in the circuit; returns how many it removed. */
    int sweep(List<E> order) {
        pass++;
        int before = removals.size();
        int cursor = 0;
        while (!ctx.isCancelled()) {
            List<Integer> ahead = new ArrayList<>();
            for (int i = cursor; i < order.size() && ahead.size() < speculation; i++) {
                if (contains.test(circuit, order.get(i))) ahead.add(i);
            }
            if (ahead.isEmpty()) break;
            int used = decide(ahead.stream().map(order::get).toList());
            cursor = ahead.get(used - 1) + 1;
        }
        return removals.size() - before;
    }

    /** How many candidates the next call to {@link #decide} may take. */
    int window() {
        return speculation;
    }

    void startPass() {
        pass++;
    }

    /**
     * Scores the candidates (each the current circuit without one element) as a batch, then
     * applies the rule in order until the first removal. Returns how many candidates were decided.
     */
    int decide(List<E> ahead) {
        List<C> candidates = ahead.stream().map(e -> without.apply(circuit, e)).toList();
        double[] scores = candidates.size() == 1 ? new double[] {scorer.score(candidates.get(0))} : scorer.scores(candidates);
        for (int i = 0; i < ahead.size(); i++) {
            E e = ahead.get(i);
            evaluations++;
            boolean remove = scorer.method().removes(scores[i], threshold);
            if (remove) {
                circuit = candidates.get(i);
                circuitScore = scores[i];
                scorer.setBase(circuit);
                Removal<E> r = new Removal<>(e, scores[i], seconds(), pass);
                removals.add(r);
                ctx.removal(r);
            }
            ctx.progress(new Progress(evaluations, expectedTotal, e, scores[i], circuitScore, size.applyAsInt(circuit),
                    (remove ? "removed " : "kept ") + e + " (pass " + pass + ")"));
            if (remove || ctx.isCancelled()) {
                speculativeWaste += ahead.size() - i - 1;
                speculation = 1;
                return i + 1;
            }
        }
        speculation = Math.min(maxSpeculation, speculation * 2);
        return ahead.size();
    }

    C circuit() {
        return circuit;
    }

    /** The final circuit's own score: the last removal's candidate score, or one more evaluation. */
    double finalScore() {
        return Double.isNaN(circuitScore) ? scorer.score(circuit) : circuitScore;
    }

    List<Removal<E>> removals() {
        return removals;
    }

    long evaluations() {
        return evaluations;
    }

    long speculativeWaste() {
        return speculativeWaste;
    }

    int passes() {
        return pass;
    }

    double seconds() {
        return (System.nanoTime() - started) / 1e9;
    }
}
