package org.circuitbench.ablation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Scores edge circuits exactly (edges.md) with the fast pass of {@link FastEdgeForward}.
 *
 * <p>It keeps the activations of a base circuit (the current circuit of a prune). A candidate
 * recomputes only the receivers whose inputs differ from the base's: those whose own kept edges
 * changed, and those fed by a kept edge from a sender whose output changed. So a candidate that
 * changes only receivers at layer d reuses everything below d, and at layer d recomputes only the
 * heads it touches. The last candidates' activations are kept too, so that making one of them the
 * new base (after a removal) costs little. Several candidates can share one pass, each on its own
 * slot of the batch ({@link #scores}); how many is the device's ({@link DevicePolicy#edgeSlots()}).
 *
 * <p>With {@code reuse} off every score is one fast pass with nothing kept between calls. The
 * plain pass of {@link EdgeForward} (every sender computed, autograd through it) is laid open by
 * {@link #trace}, and gives attribution ({@link #attributor}); both share the evaluator's means.
 * Used by one thread at a time; to share one, hand it out as an {@link EvaluatorHandle}.
 */
public final class EdgeEvaluator implements Scorer<EdgeCircuit>, AutoCloseable {
    private final EdgeForward forward;
    private final boolean reuse;
    private final DevicePolicy policy;
    private final NDManager passes;
    private EdgeAttributor attributor;
    private FastEdgeForward fast;       // made on first use (attribution and traces do not need it)
    private FastEdgePass base;          // one slot
    private FastEdgePass last;          // the last candidates scored, one per slot

    public EdgeEvaluator(AblationTask task) {
        this(task, true);
    }

    public EdgeEvaluator(AblationTask task, boolean reuse) {
        this(task, reuse, DevicePolicy.of(task.model().device()));
    }

    /** With the batching of {@code policy}: how many candidates share a pass, how large its chunks are. */
    public EdgeEvaluator(AblationTask task, boolean reuse, DevicePolicy policy) {
        this.forward = new EdgeForward(task);
        this.reuse = reuse;
        this.policy = policy;
        this.passes = task.manager().newSubManager();
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
        return scores(List.of(circuit))[0];
    }

    /**
     * Scores candidates; those that leave the base at the same layer share passes, up to
     * {@link DevicePolicy#edgeSlots()} in each, each on its own slot of the batch.
     */
    @Override
    public double[] scores(List<EdgeCircuit> circuits) {
        for (EdgeCircuit c : circuits) forward.check(c);
        double[] out = new double[circuits.size()];
        if (!reuse) {
            for (int i = 0; i < out.length; i++) out[i] = task().score(fresh(circuits.get(i)), forward.scale);
            return out;
        }
        ensureBase();
        Map<Integer, List<Integer>> byLayer = new LinkedHashMap<>();
        for (int i = 0; i < out.length; i++) {
            if (circuits.get(i).equals(base.circuit())) out[i] = task().score(base.perPrompt[0], forward.scale);
            else byLayer.computeIfAbsent(firstChange(circuits.get(i)), k -> new ArrayList<>()).add(i);
        }
        int slots = slots();
        for (List<Integer> group : byLayer.values()) {
            for (int from = 0; from < group.size(); from += slots) {
                List<Integer> idx = group.subList(from, Math.min(group.size(), from + slots));
                FastEdgePass p = pass(idx.stream().map(circuits::get).toList());
                for (int j = 0; j < idx.size(); j++) out[idx.get(j)] = task().score(p.perPrompt[j], forward.scale);
            }
        }
        return out;
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
        if (!reuse) return fresh(circuit).clone();
        ensureBase();
        if (circuit.equals(base.circuit())) return base.perPrompt[0].clone();
        return pass(List.of(circuit)).perPrompt[0].clone();
    }

    @Override
    public void setBase(EdgeCircuit circuit) {
        forward.check(circuit);
        if (!reuse || (base != null && base.circuit().equals(circuit))) return;
        if (base == null) {
            promote(fast().run(List.of(circuit), null, passes.newSubManager()), 0);
            return;
        }
        int i = last == null ? -1 : last.circuits.indexOf(circuit);
        if (i < 0) {
            pass(List.of(circuit));
            i = 0;
        }
        promote(last, i);
    }

    private void ensureBase() {
        if (base == null) setBase(EdgeCircuit.all(forward.graph));
    }

    private int slots() {
        return reuse ? policy.edgeSlots() : 1;
    }

    private FastEdgeForward fast() {
        if (fast == null) fast = new FastEdgeForward(forward, slots(), policy.chunkElements(), passes);
        return fast;
    }

    /** One pass for these candidates from the base; it stays as the last, so that one of them can become the base cheaply. */
    private FastEdgePass pass(List<EdgeCircuit> circuits) {
        if (last != null) last.close();
        last = null;
        last = fast().run(circuits, base, passes.newSubManager());
        return last;
    }

    /** One pass from nothing, not kept. */
    private float[] fresh(EdgeCircuit c) {
        try (FastEdgePass p = fast().run(List.of(c), null, passes.newSubManager())) {
            return p.perPrompt[0];
        }
    }

    /** Slot i of {@code group} becomes the base: the deltas its pass computed are copied into the base's rows, its arrays move over. */
    private void promote(FastEdgePass group, int i) {
        fast().rows().promote(i);
        FastEdgePass next = group.slot(i, task().tokenized().cleanCount(), passes.newSubManager());
        next.claim(fast().constants());
        if (base != null) base.close();
        group.close();
        if (group == last) last = null;
        base = next;
    }

    /** The first layer whose stream may differ from the base's: a receiver with other inputs, or a sender that writes its mean in one of them only. */
    private int firstChange(EdgeCircuit c) {
        EdgeCircuit b = base.circuit();
        BitSet diff = (BitSet) c.senders().clone();
        diff.xor(b.senders());
        int layers = forward.layers;
        int layer = layers;
        int s = diff.nextSetBit(0);
        if (s >= 0) layer = Math.max(0, forward.graph.sender(s).layer());
        for (int r = 0; r < forward.graph.receiverCount(); r++) {
            if (!c.sameInputs(b, r)) return Math.min(layer, Math.min(layers, forward.graph.receiver(r).layer()));
        }
        return layer;
    }

    /**
     * The activations of {@code c}'s edge-ablated pass, for explanations (direct logit attribution,
     * the logit lens, attention patterns). Its arrays live in the caller's NDScope.
     */
    public EdgeTrace trace(EdgeCircuit c) {
        forward.check(c);
        return new EdgeTrace(forward, forward.run(c, EdgeForward.Probe.NONE));
    }

    /** Edge attribution patching with this evaluator's means (made on first use; it is closed with the evaluator). */
    public EdgeAttributor attributor() {
        if (attributor == null) attributor = new EdgeAttributor(forward);
        return attributor;
    }

    @Override
    public void close() {
        if (last != null) last.close();
        if (base != null) base.close();
        if (fast != null) fast.rows().close();
        passes.close();
        forward.close();
    }
}
