package org.circuitbench.ablation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import org.circuitbench.model.Scalars;

import java.util.ArrayList;
import java.util.List;

/**
 * EAP with integrated gradients (Hanna, Pezzelle & Belinkov 2024, "Have Faith in Faithfulness";
 * docs/faithfulness.md) at an edge circuit K. Every kept edge s->r gets
 * <pre>(μ_s − a_s) · (1/P) Σ over P passes of ∂score/∂in_r</pre>
 * with μ_s − a_s from K's own pass (the same factor as EAP) and the gradient averaged over P passes
 * on the straight line from the ablated value (α = 0) to K's own (α = 1), α = k/m:
 * <ul>
 * <li>inputs: m passes whose embedding is μ_embed + α (a_embed − μ_embed) and whose every other
 * node computes from it (the EAP-IG library's {@code EAP-IG-inputs}); P = m;</li>
 * <li>activations: for each node block in turn (the embedding, a layer's heads, a layer's MLP), m
 * passes in which that block writes μ + α (a − μ), a constant, so no gradient flows through it,
 * and every other node computes (its {@code EAP-IG-activations}); P = (2L + 1) m.</li>
 * </ul>
 * Removed edges carry μ_s in every pass, as the edge rule says. With one step on the right rule
 * (α = 1), the inputs variant is EAP exactly.
 */
final class IntegratedGradients {
    private final EdgeAttributor attributor;
    private final EdgeForward f;
    private final EdgeCircuit c;
    private final AttributionMethod method;

    /** A node block whose output is interpolated: the embedding, layer l's heads or layer l's MLP. */
    record Block(Kind kind, int layer) {
        enum Kind { EMBED, HEADS, MLP }
    }

    IntegratedGradients(EdgeAttributor attributor, EdgeForward f, EdgeCircuit c, AttributionMethod method) {
        if (!method.integrated()) throw new IllegalArgumentException("EAP is not integrated gradients: " + method);
        this.attributor = attributor;
        this.f = f;
        this.c = c;
        this.method = method;
    }

    /** The blocks interpolated in turn, in forward order. */
    List<Block> blocks() {
        List<Block> out = new ArrayList<>();
        out.add(new Block(Block.Kind.EMBED, -1));
        if (method.kind() == AttributionMethod.Kind.IG_ACTIVATIONS) {
            for (int l = 0; l < f.layers; l++) {
                out.add(new Block(Block.Kind.HEADS, l));
                out.add(new Block(Block.Kind.MLP, l));
            }
        }
        return out;
    }

    /** How many gradient passes the average runs over. */
    int passes() {
        return blocks().size() * method.steps();
    }

    /**
     * Adds every pass's Σ (μ_s − a_s) · ∂score/∂in_r to {@code sum} (divide by {@link #passes()});
     * returns K's score. Called under the attributor's lock, in an NDScope.
     */
    double run(double[] sum) {
        double[] score = new double[1];
        NDArray rows = deltas(score);
        try {
            for (Block b : blocks()) {
                for (double alpha : method.alphas()) {
                    try (NDScope ignored = new NDScope(); Point p = new Point(b, alpha, rows)) {
                        attributor.pass(c, p, rows, sum);
                    }
                }
            }
        } finally {
            rows.close();
        }
        return score[0];
    }

    /**
     * The mean over the path of d score / d eps, where eps × (μ_s − a_s) (K's) is added to r's
     * input at each point, by central differences: what {@link #run} computes for one edge, without
     * autograd. For its test.
     */
    double finiteDifference(Edge e, double eps) {
        int s = f.graph.senderIndex(e.sender());
        NDArray rows = deltas(new double[1]);
        try {
            double total = 0;
            for (Block b : blocks()) {
                for (double alpha : method.alphas()) {
                    try (NDScope ignored = new NDScope(); Point p = new Point(b, alpha, rows)) {
                        NDArray direction = rows.get(s).reshape(f.mean(s).getShape()); // [batch, pos, d_model]
                        total += (attributor.scoreNudged(c, e, eps, p, direction) - attributor.scoreNudged(c, e, -eps, p, direction)) / (2 * eps);
                    }
                }
            }
            return total / passes();
        } finally {
            rows.close();
        }
    }

    /** K's own pass, without gradient: every sender's μ_s − a_s as rows [senders, N], owned by the caller; its score into score[0]. */
    private NDArray deltas(double[] score) {
        try (NDScope ignored = new NDScope()) {
            EdgePass base = f.run(c, null, EdgeForward.Probe.NONE, false);
            score[0] = f.task.score(base.perPrompt, f.scale);
            NDArray rows = base.detachedRows(f.graph.senderCount(), f.rowLength);
            NDScope.unregister(rows);
            return rows;
        }
    }

    /**
     * One point of the path: block {@code b} writes μ + α (a − μ) = μ − α · rows (rows = μ − a, K's),
     * a constant, everything else computes. At α = 1 the inputs variant's embedding writes what it
     * computed (the same tokens' embedding: K's exactly), so that one step of it is EAP exactly.
     */
    private final class Point implements EdgeAttributor.Outputs, AutoCloseable {
        private final Block b;
        private final double alpha;
        private final NDArray rows;
        private final NDArray a; // α as an array: alive as long as the pass (docs/djl-scalar-lifetime.md)

        Point(Block b, double alpha, NDArray rows) {
            this.b = b;
            this.alpha = alpha;
            this.rows = rows;
            this.a = Scalars.of(rows.getManager(), (float) alpha);
        }

        private boolean fixesOutput() {
            return method.kind() == AttributionMethod.Kind.IG_ACTIVATIONS;
        }

        /** μ_s − α (μ_s − a_s) for senders ss: [ss.length, batch, pos, d_model]. */
        private NDArray interpolated(int[] ss) {
            NDList out = new NDList(ss.length);
            for (int s : ss) {
                NDArray mu = f.mean(s);                                          // [batch, pos, d_model]
                out.add(mu.sub(rows.get(s).reshape(mu.getShape()).mul(a)));     // [N] -> [batch, pos, d_model]
            }
            return ss.length == 1 ? out.get(0).expandDims(0) : NDArrays.stack(out);
        }

        @Override
        public NDArray embed(NDArray computed) {
            if (b.kind() != Block.Kind.EMBED) return computed;
            if (alpha == 1.0 && !fixesOutput()) return computed;
            return interpolated(new int[] {0}).get(0);
        }

        @Override
        public NDArray heads(int layer, int[] hs, NDArray computed) {
            if (b.kind() != Block.Kind.HEADS || b.layer() != layer) return computed;
            int[] ss = new int[hs.length];
            for (int i = 0; i < hs.length; i++) ss[i] = f.graph.senderIndex(Node.head(layer, hs[i]));
            return interpolated(ss);
        }

        @Override
        public NDArray mlp(int layer, NDArray computed) {
            if (b.kind() != Block.Kind.MLP || b.layer() != layer) return computed;
            return interpolated(new int[] {f.graph.senderIndex(Node.mlp(layer))}).get(0);
        }

        @Override
        public boolean fixed(int layer, boolean mlp) {
            return b.layer() == layer && b.kind() == (mlp ? Block.Kind.MLP : Block.Kind.HEADS);
        }

        @Override
        public void close() {
            a.close();
        }
    }
}
