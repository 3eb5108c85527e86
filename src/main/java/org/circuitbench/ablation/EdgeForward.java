package org.circuitbench.ablation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import org.circuitbench.model.Attention;
import org.circuitbench.model.Block;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Set;

/**
 * The edge-ablated pass of edges.md, written for speed: a layer's heads are one block, every
 * head's q, k and v read their own input through their own ln_1 ({@link EdgeAblation}'s rule),
 * and a sender with no kept out-edge is not computed (every receiver reads its mean). From a
 * previous pass it recomputes only what the circuit's change reaches. It holds what every pass of
 * a task shares: the per-head weights and every sender's template mean μ_s. Scoring
 * ({@link EdgeEvaluator}), a pass laid open ({@link EdgeTrace}) and attribution
 * ({@link EdgeAttributor}) are each built on it; {@link EdgeHookReference} is the plain pass it is
 * checked against. Not thread-safe (see {@link EvaluatorHandle}).
 */
final class EdgeForward implements AutoCloseable {
    final AblationTask task;
    final EdgeGraph graph;
    final List<Block> blocks;
    final int layers;
    final int heads;
    private final NDManager cache;
    final Attention.HeadWeights[] weights; // per layer
    final NDArray[] meanZ;                 // per layer [head, batch, pos, d_head]
    final NDArray kept;                    // [1, batch, pos, 1] bool: positions named in keep
    final NDArray[] muHeads;               // per layer [head, batch, pos, d_model]: mean z · W_O
    private final NDArray[] mu;            // per sender [batch, pos, d_model]: its template mean
    final ScoreScale scale;                // how the metric becomes a score at the edge level

    EdgeForward(AblationTask task) {
        this.task = task;
        var cfg = task.model().config();
        this.layers = cfg.nLayer();
        this.heads = cfg.nHead();
        this.graph = new EdgeGraph(layers, heads);
        this.blocks = task.model().blocks();
        this.cache = task.manager().newSubManager();
        this.weights = new Attention.HeadWeights[layers];
        this.meanZ = new NDArray[layers];
        this.muHeads = new NDArray[layers];
        this.mu = new NDArray[graph.senderCount()];
        try (NDScope ignored = new NDScope()) {
            kept = keep(task.keptPos().expandDims(0).duplicate());                      // [b, pos, 1] -> [1, b, pos, 1], a copy: the backward pass reads it
            mu[0] = task.means().embed();
            for (int l = 0; l < layers; l++) {
                Attention.HeadWeights w = blocks.get(l).attn().perHead();
                weights[l] = new Attention.HeadWeights(keep(w.qkv()), keep(w.qkvBias()), keep(w.out()), w.scale());
                meanZ[l] = keep(task.means().z()[l].transpose(2, 0, 1, 3));            // [b, pos, head, dh] -> [head, b, pos, dh]
                muHeads[l] = keep(weights[l].result(meanZ[l]));                        // [head, b, pos, d]: mean z · W_O
                for (int h = 0; h < heads; h++) mu[graph.senderIndex(Node.head(l, h))] = keep(muHeads[l].get(h));
                mu[graph.senderIndex(Node.mlp(l))] = task.means().mlp()[l];
            }
        }
        try {
            scale = task.edgeScale(() -> { // faithfulness: from the empty edge circuit
                try (NDScope ignored = new NDScope()) {
                    return run(EdgeCircuit.none(graph), Probe.NONE).perPrompt.clone();
                }
            });
        } catch (org.circuitbench.task.TaskException e) {
            close();
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** Sees a pass's receivers as they are computed: gradient probes (attribution) or a nudge (its test). */
    interface Probe {
        Probe NONE = new Probe() {
        };

        /** Receivers' inputs: in [receivers, batch, pos, d_model] -> the same shape. */
        default NDArray input(NDArray in, int[] receivers, EdgePass pass) {
            return in;
        }

        /**
         * A layer's head receivers after ln_1 and the projection: qkv [receivers, batch*pos, d_head],
         * from inputs {@code in} [receivers or 1 when shared, batch, pos, d_model].
         */
        default NDArray projected(NDArray qkv, int[] receivers, NDArray in, int layer, Attention.HeadWeights w) {
            return qkv;
        }

        /** Whether heads that read the stream itself may share one ln_1 (false when each input must be seen). */
        default boolean sharesInputs() {
            return true;
        }

        /** What the embedding writes (hook_embed + hook_pos_embed) [batch, pos, d_model], from what it computed: EAP-IG interpolates it. */
        default NDArray embed(NDArray computed) {
            return computed;
        }

        /** What heads hs of layer l write (hook_result) [|hs|, batch, pos, d_model], from what they computed. */
        default NDArray heads(int layer, int[] hs, NDArray computed) {
            return computed;
        }

        /** What layer l's MLP writes (hook_mlp_out) [batch, pos, d_model], from what it computed. */
        default NDArray mlp(int layer, NDArray computed) {
            return computed;
        }
    }

    /**
     * One plain edge-ablated pass for {@code c}, every sender computed from nothing (autograd runs
     * through it). {@code probe} sees every receiver input computed. A sender with no kept out-edge
     * writes its mean: every receiver reads the mean whatever it would write.
     */
    EdgePass run(EdgeCircuit c, Probe probe) {
        EdgePass p = new EdgePass(c);
        BitSet live = c.senders();
        p.embed = live.get(0) ? probe.embed(task.model().embedding().forward(task.tokens())) : mu[0]; // hook_embed + hook_pos_embed
        if (live.get(0)) p.setDelta(0, mu[0].sub(p.embed));
        NDArray resid = p.embed;
        for (int l = 0; l < layers; l++) {
            p.residPre[l] = resid;
            heads(p, l, resid, probe);
            Block block = blocks.get(l);
            // the stream after attention: every head's result plus b_O
            p.residMid[l] = resid.add(p.heads[l].sum(new int[] {0})).add(block.attn().cProj().bias());
            int mlpS = graph.senderIndex(Node.mlp(l));
            if (live.get(mlpS)) {
                int[] r = {graph.receiverIndex(Node.mlp(l))};
                NDArray in = probe.input(EdgeAblation.inputs(p.residMid[l], r, c, p), r, p).get(0); // [b, pos, d]
                p.mlps[l] = probe.mlp(l, block.mlp().forward(block.ln2().forward(in)));
                p.setDelta(mlpS, mu[mlpS].sub(p.mlps[l]));
            } else {
                p.mlps[l] = mu[mlpS];
            }
            resid = p.residMid[l].add(p.mlps[l]);
        }
        p.residFinal = resid;
        // the logits read only each prompt's end row
        int[] r = {graph.receiverIndex(Receiver.LOGITS)};
        NDArray in = probe.input(EdgeAblation.inputs(resid, r, c, p), r, p).get(0);   // [b, pos, d]
        p.logitDiff = task.metric(in);                                                 // [b]: the method's metric
        p.perPrompt = p.logitDiff.toFloatArray();
        return p;
    }

    /** Layer l's heads as one block: computed from each head's own q, k, v inputs, or the mean. */
    private void heads(EdgePass p, int l, NDArray resid, Probe probe) {
        List<Integer> compute = new ArrayList<>();
        for (int h = 0; h < heads; h++) if (p.circuit.senders().get(graph.senderIndex(Node.head(l, h)))) compute.add(h);
        int[] hs = compute.stream().mapToInt(Integer::intValue).toArray();
        if (hs.length == 0) {
            p.heads[l] = muHeads[l];
            return;
        }
        NDArray result = probe.heads(l, hs, computeHeads(p, l, hs, resid, probe));                        // [|hs|, b, pos, d]
        if (hs.length == heads) {
            p.heads[l] = result;
        } else {
            NDArray block = muHeads[l].duplicate();                                    // [head, b, pos, d]
            block.set(new NDIndex("{}", index(hs)), result);
            p.heads[l] = block;
        }
        NDArray mus = hs.length == heads ? muHeads[l] : muHeads[l].get(index(hs));
        p.setDeltas(senders(l, hs), mus.sub(result));
    }

    /** The results [|hs|, batch, pos, d_model] of heads hs of layer l, each from its own inputs. */
    private NDArray computeHeads(EdgePass p, int l, int[] hs, NDArray resid, Probe probe) {
        Block block = blocks.get(l);
        int[] receivers = new int[3 * hs.length];
        for (int i = 0; i < hs.length; i++) {
            for (Receiver.Channel ch : Receiver.Channel.values()) {
                receivers[3 * i + ch.ordinal()] = graph.receiverIndex(Node.head(l, hs[i]).input(ch));
            }
        }
        Attention.HeadWeights w = hs.length == heads ? weights[l] : weights[l].select(hs);
        NDArray in = probe.sharesInputs() && !EdgeAblation.anyRemoved(receivers, p.circuit, p)
                ? resid.expandDims(0)                                                   // they all read the stream itself: one ln_1
                : probe.input(EdgeAblation.inputs(resid, receivers, p.circuit, p), receivers, p); // [heads*3, b, pos, d]
        NDArray qkv = probe.projected(w.project(block.ln1().forward(in)), receivers, in, l, w); // [heads*3, b*pos, dh]
        NDArray mz = hs.length == heads ? meanZ[l] : meanZ[l].get(index(hs));
        NDArray z = NodeAblation.apply(w.attend(qkv, resid.getShape().get(0)), kept, mz); // [heads, b, pos, dh]: the mean outside keep
        return w.result(z);                                                             // [heads, b, pos, d]
    }

    private int[] senders(int l, int[] hs) {
        int[] out = new int[hs.length];
        for (int i = 0; i < hs.length; i++) out[i] = graph.senderIndex(Node.head(l, hs[i]));
        return out;
    }

    private NDArray index(int[] a) {
        return task.manager().create(Arrays.stream(a).asLongStream().toArray());
    }


    /** Sender s's template mean μ_s, [batch, pos, d_model]: what a removed edge carries instead of its output. */
    NDArray mean(int s) {
        return mu[s];
    }

    void check(EdgeCircuit c) {
        if (!c.graph().equals(graph)) {
            throw new IllegalArgumentException("The edge circuit is for a " + c.graph().layers() + "×" + c.graph().heads()
                    + " model but " + task.loaded().name() + " is " + layers + "×" + heads + ".");
        }
    }

    private NDArray keep(NDArray a) {
        NDScope.unregister(a);
        a.attach(cache);
        return a;
    }

    @Override
    public void close() {
        cache.close();
    }
}
