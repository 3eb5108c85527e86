package org.circuitbench.ablation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;

/**
 * Scores edge circuits exactly (edges.md) with the pass of {@link EdgeForward}.
 *
 * <p>The fast path keeps the activations of a base circuit (the current circuit of a prune). A
 * candidate recomputes only the receivers whose inputs differ from the base's: those whose own
 * kept edges changed, and those fed by a kept edge from a sender whose output changed. So a
 * candidate that changes only receivers at layer d reuses everything below d, and at layer d
 * recomputes only the heads it touches. The last candidate's activations are kept too, so that
 * making it the new base (after a removal) costs nothing.
 *
 * <p>With {@code reuse} off every score is one full edge-ablated pass. Its pass laid open is
 * {@link #trace}, and its attribution {@link #attributor}; both share the evaluator's means. Used
 * by one thread at a time; to share one, hand it out as an {@link EvaluatorHandle}.
 */
public final class EdgeEvaluator implements Scorer<EdgeCircuit>, AutoCloseable {
    private final EdgeForward forward;
    private final boolean reuse;
    private EdgeAttributor attributor;
    private EdgePass base;
    private EdgePass last;

    public EdgeEvaluator(AblationTask task) {
        this(task, true);
    }

    public EdgeEvaluator(AblationTask task, boolean reuse) {
        this.forward = new EdgeForward(task);
        this.reuse = reuse;
    }

    public AblationTask task() {
        return forward.task;
    }

    public EdgeGraph graph() {
        return forward.graph;
    }

    /** How this evaluator's metric values become scores (the edge level's empty circuit for faithfulness). */
    public ScoreScale scale() {
        return forward.scale;
    }

    @Override
    public Method method() {
        return task().method();
    }

    @Override
    public double score(EdgeCircuit circuit) {
        forward.check(circuit);
        if (!reuse) {
            try (NDScope ignored = new NDScope()) {
                return task().score(forward.run(circuit, null, EdgeForward.Probe.NONE, true).perPrompt, forward.scale);
            }
        }
        ensureBase();
        if (circuit.equals(base.circuit)) return task().score(base.perPrompt, forward.scale);
        EdgePass p = forward.owned(circuit, base);
        if (last != null) last.close();
        last = p;
        return task().score(p.perPrompt, forward.scale);
    }

    /** The score of an edge circuit with per-prompt details, from one plain edge-ablated pass. */
    public ScoreDetails details(EdgeCircuit c) {
        forward.check(c);
        try (NDScope ignored = new NDScope()) {
            NDArray in = trace(c).input(Receiver.LOGITS);                                // [batch, pos, d_model]
            return task().details(null, task().atEnd(in), forward.scale);
        }
    }

    /** Per-prompt metric values of an edge circuit, [batch]. */
    public float[] perPrompt(EdgeCircuit circuit) {
        forward.check(circuit);
        try (NDScope ignored = new NDScope()) {
            return forward.run(circuit, null, EdgeForward.Probe.NONE, true).perPrompt.clone();
        }
    }

    @Override
    public void setBase(EdgeCircuit circuit) {
        forward.check(circuit);
        if (!reuse || (base != null && base.circuit.equals(circuit))) return;
        if (base == null) {
            base = forward.owned(circuit, null);
            return;
        }
        EdgePass next = last != null && last.circuit.equals(circuit) ? last : forward.owned(circuit, base);
        if (next == last) last = null;
        forward.handOver(base, next); // arrays the new base reuses from the old one move to it
        base.close();
        base = next;
        if (last != null) {
            last.close();
            last = null;
        }
    }

    private void ensureBase() {
        if (base == null) base = forward.owned(EdgeCircuit.all(forward.graph), null);
    }

    /**
     * The activations of {@code c}'s edge-ablated pass, for explanations (direct logit attribution,
     * the logit lens, attention patterns). Its arrays live in the caller's NDScope.
     */
    public EdgeTrace trace(EdgeCircuit c) {
        forward.check(c);
        return new EdgeTrace(forward, forward.run(c, null, EdgeForward.Probe.NONE, false));
    }

    /** Edge attribution patching with this evaluator's means (made on first use; it is closed with the evaluator). */
    public EdgeAttributor attributor() {
        if (attributor == null) attributor = new EdgeAttributor(forward);
        return attributor;
    }

    @Override
    public void close() {
        forward.close();
    }
}
