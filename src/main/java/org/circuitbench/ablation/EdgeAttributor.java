package org.circuitbench.ablation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import org.circuitbench.model.Attention;
import org.circuitbench.model.Block;
import org.circuitbench.model.LayerNorm;
import org.circuitbench.model.Scalars;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Edge attribution patching (edges.md; Syed et al. 2023) on the pass of {@link EdgeForward}: one
 * forward pass with gradient probes on every receiver's input (on heads, on their projected q, k
 * and v, so that ln_1 stays shared), one backward pass, and each kept edge's (μ_s − a_s) ·
 * ∂score/∂in_r; and EAP with integrated gradients ({@link IntegratedGradients}), the same with the
 * gradient averaged over several such passes. Get one from {@link EdgeEvaluator#attributor()},
 * which shares its means.
 *
 * <p>Used by one thread at a time, as every evaluator (see {@link EvaluatorHandle}); besides, PyTorch
 * keeps one gradient collector per process, so attributions of different attributors run one at a
 * time, which this class sees to itself. Every scalar of the recorded ops is an array that outlives
 * the backward pass ({@link Scalars}).
 */
public final class EdgeAttributor {
    /** Held while autograd records and runs backward: PyTorch's gradient collector is one per process. */
    private static final Object GRADIENTS = new Object();

    private final EdgeForward f;

    EdgeAttributor(EdgeForward f) {
        this.f = f;
    }

    /** Edge attribution patching at state {@code c}: {@link #attribute(EdgeCircuit, AttributionMethod)} with EAP. */
    public EdgeAttribution attribute(EdgeCircuit c) {
        return attribute(c, AttributionMethod.EAP);
    }

    /**
     * Attribution at state {@code c} (edges.md; docs/methods.md): for every kept edge s->r,
     * Σ over prompts and positions of (μ_s − a_s) · ∂score/∂in_r, with a_s from c's own pass and the
     * gradient taken at c's pass (EAP: one forward and one backward pass) or averaged over the
     * passes of integrated gradients (EAP-IG, {@link IntegratedGradients}); and every sender's sum
     * over its kept out-edges. In score points: score(c without the edge) ≈ score(c) + attribution.
     * Uses DJL's autograd on the PyTorch engine.
     */
    public EdgeAttribution attribute(EdgeCircuit c, AttributionMethod method) {
        f.check(c);
        Metric metric = f.task.method().metric();
        if (!metric.differentiable()) {
            throw new IllegalArgumentException("Attribution takes the gradient of the metric, and " + metric.id
                    + " (a count of right prompts) has none; attribute with logit-diff, prob, prob-diff or kl.");
        }
        double[] sum = new double[f.graph.edgeCount()];
        double score;
        int passes;
        synchronized (GRADIENTS) {
            try (NDScope ignored = new NDScope()) {
                if (method.integrated()) {
                    IntegratedGradients ig = integrated(c, method);
                    score = ig.run(sum);
                    passes = ig.passes();
                } else {
                    score = pass(c, Outputs.NONE, null, sum);
                    passes = 1;
                }
            }
        }
        float[] byId = new float[f.graph.edgeCount()];
        Arrays.fill(byId, Float.NaN);
        // a kept edge into a head or MLP whose output nothing reads (no kept out-edge) changes nothing: 0
        c.ids().stream().forEach(i -> byId[i] = (float) (sum[i] / passes));
        checkFinite(c, byId);
        return new EdgeAttribution(c, score, byId, method);
    }

    /** The integrated gradients of {@code method} at {@code c}, laid open (for their tests). */
    IntegratedGradients integrated(EdgeCircuit c, AttributionMethod method) {
        f.check(c);
        return new IntegratedGradients(this, f, c, method);
    }

    /**
     * What a gradient pass's senders write instead of what they compute (integrated gradients),
     * and which receivers then reach the score at all: a node whose output is fixed passes no
     * gradient to its own inputs, so they get no probe.
     */
    interface Outputs {
        Outputs NONE = new Outputs() {
        };

        default NDArray embed(NDArray computed) {
            return computed;
        }

        default NDArray heads(int layer, int[] hs, NDArray computed) {
            return computed;
        }

        default NDArray mlp(int layer, NDArray computed) {
            return computed;
        }

        /** Whether layer l's heads (or its MLP) write a fixed value in this pass. */
        default boolean fixed(int layer, boolean mlp) {
            return false;
        }
    }

    /**
     * One gradient pass at {@code c}: a forward pass with a gradient probe on every receiver whose
     * input reaches the score (on heads, on their projected q, k and v, so that ln_1 stays shared),
     * senders' outputs as {@code outputs} says, and one backward pass; then, for every kept edge
     * s->r, adds rows[s] · ∂score/∂in_r to {@code sum}. {@code rows} [senders, N] are the deltas
     * μ_s − a_s to multiply; null takes this pass's own (EAP). Returns the pass's score. Called under
     * {@link #GRADIENTS}, in the caller's NDScope.
     */
    double pass(EdgeCircuit c, Outputs outputs, NDArray rows, double[] sum) {
        EdgeGraph graph = f.graph;
        List<Gradient> probes = new ArrayList<>();
        EdgePass p;
        try (ai.djl.training.GradientCollector gc = ai.djl.engine.Engine.getEngine("PyTorch").newGradientCollector()) {
            p = f.run(c, new OutputsProbe(outputs) {
                @Override
                public NDArray input(NDArray in, int[] receivers, EdgePass pass) {
                    // heads' inputs are probed after their projection (below): one probe per receiver
                    Receiver first = graph.receiver(receivers[0]);
                    if (first instanceof Receiver.HeadInput || (first instanceof Node.Mlp m && outputs.fixed(m.layer(), true))) return in;
                    NDArray leaf = leaf(in);
                    probes.add(new Gradient(receivers, leaf, null, -1, null));
                    return in.add(leaf);
                }

                @Override
                public NDArray projected(NDArray qkv, int[] receivers, NDArray in, int layer, Attention.HeadWeights w) {
                    if (outputs.fixed(layer, false)) return qkv;
                    NDArray leaf = leaf(qkv);                        // on q, k, v: small, and ln_1 stays shared
                    probes.add(new Gradient(receivers, leaf, in, layer, w));
                    return qkv.add(leaf);
                }
            });
            // the scale is an array of this scope, alive through backward (mul(Number) frees its scalar at once)
            NDArray toPoints = Scalars.of(p.logitDiff.getManager(), f.scale.slope()); // metric -> score points
            gc.backward(p.logitDiff.mean().mul(toPoints));
            toPoints.close();
        }
        double score = f.task.score(p.perPrompt, f.scale);
        NDArray all = rows != null ? rows : p.detachedRows(graph.senderCount()); // [senders, N]
        for (Gradient g : probes) {
            int[] receivers = g.receivers();
            int senders = 0;
            for (int r : receivers) senders = Math.max(senders, graph.sendersOf(r));
            float[] a = g.ofInputs(f.blocks).reshape(receivers.length, -1)        // [receivers, N]
                    .matMul(all.get(":{}", senders).transpose()).toFloatArray(); // @ [N, senders]
            for (int i = 0; i < receivers.length; i++) {
                for (int s = 0; s < graph.sendersOf(receivers[i]); s++) {
                    if (c.contains(s, receivers[i])) sum[graph.id(s, receivers[i])] += a[i * senders + s];
                }
            }
        }
        return score;
    }

    /**
     * Every kept edge's attribution must be a number. A non-finite one was once seen about once in
     * 50 calls; its cause, a scalar freed before the backward pass read it, is fixed (see
     * docs/djl-scalar-lifetime.md). A value that overflows is still refused with a message, never
     * shown as "no value".
     */
    static void checkFinite(EdgeCircuit c, float[] byId) {
        int bad = 0;
        int first = -1;
        for (int i = c.ids().nextSetBit(0); i >= 0; i = c.ids().nextSetBit(i + 1)) {
            if (!Float.isFinite(byId[i])) {
                bad++;
                if (first < 0) first = i;
            }
        }
        if (bad > 0) {
            throw new IllegalStateException(String.format(java.util.Locale.ROOT,
                    "The attribution came out as no number for %,d of %,d kept edges (%s among them); "
                            + "the exact scores are not affected. Compute it again.", bad, c.size(), c.graph().edge(first)));
        }
    }

    /** A probe whose senders write what {@code outputs} says (EAP-IG's interpolated outputs, or as computed). */
    private abstract static class OutputsProbe implements EdgeForward.Probe {
        private final Outputs outputs;

        OutputsProbe(Outputs outputs) {
            this.outputs = outputs;
        }

        @Override
        public NDArray embed(NDArray computed) {
            return outputs.embed(computed);
        }

        @Override
        public NDArray heads(int layer, int[] hs, NDArray computed) {
            return outputs.heads(layer, hs, computed);
        }

        @Override
        public NDArray mlp(int layer, NDArray computed) {
            return outputs.mlp(layer, computed);
        }
    }

    /** Zeros shaped like {@code like}, whose gradient autograd keeps. */
    private static NDArray leaf(NDArray like) {
        NDArray leaf = like.getManager().zeros(like.getShape());
        leaf.setRequiresGradient(true);
        return leaf;
    }

    /**
     * A gradient probe: on receivers' inputs ({@code in} null), or on heads' projected q, k, v. For
     * the latter, ∂score/∂in_r comes from ∂score/∂qkv through W and ln_1's vector-Jacobian product,
     * the chain rule autograd would apply, without copying the stream once per head.
     */
    private record Gradient(int[] receivers, NDArray leaf, NDArray in, int layer, Attention.HeadWeights w) {
        /** ∂score/∂in_r for each receiver: [receivers, batch, pos, d_model]. */
        NDArray ofInputs(List<Block> blocks) {
            NDArray g = leaf.getGradient();
            if (in == null) return g;
            Shape s = in.getShape();
            LayerNorm ln1 = blocks.get(layer).ln1();
            NDArray gHat = g.matMul(w.qkv().transpose(0, 2, 1).mul(ln1.weight()))     // [r, b*t, dh] @ ([r, dh, d] ⊙ γ) -> [r, b*t, d]
                    .reshape(receivers.length, s.get(1), s.get(2), s.get(3));          // -> [r, b, t, d]
            return ln1.vjpScaled(in, gHat);
        }
    }

    /**
     * The exact score of {@code c} with {@code eps} × (μ_s − a_s) added to r's input for one edge
     * s->r: at eps = 1 the edge is removed, and d score / d eps at 0 is its attribution. For the
     * finite-difference check of attribution.
     */
    double scoreNudged(EdgeCircuit c, Edge e, double eps) {
        return scoreNudged(c, e, eps, Outputs.NONE, null);
    }

    /**
     * As {@link #scoreNudged(EdgeCircuit, Edge, double)}, with senders' outputs as {@code outputs}
     * says and the nudge along {@code direction} [batch, pos, d_model] (null: this pass's own
     * μ_s − a_s): d score / d eps at 0 is one point of integrated gradients.
     */
    double scoreNudged(EdgeCircuit c, Edge e, double eps, Outputs outputs, NDArray direction) {
        f.check(c);
        EdgeGraph graph = f.graph;
        int s = graph.senderIndex(e.sender()), r = graph.receiverIndex(e.receiver());
        try (NDScope ignored = new NDScope()) {
            EdgePass p = f.run(c, new OutputsProbe(outputs) {
                @Override
                public NDArray input(NDArray in, int[] receivers, EdgePass pass) {
                    for (int i = 0; i < receivers.length; i++) {
                        if (receivers[i] == r && (direction != null || !pass.isZero(s))) {
                            float[] w = new float[receivers.length];
                            w[i] = (float) eps;
                            NDArray sel = in.getManager().create(w).reshape(receivers.length, 1, 1, 1); // [receivers, 1, 1, 1]
                            return in.add(sel.mul((direction != null ? direction : pass.delta[s]).expandDims(0)));
                        }
                    }
                    return in;
                }

                @Override
                public boolean sharesInputs() {
                    return false;
                }
            });
            return f.task.score(p.perPrompt, f.scale);
        }
    }
}
