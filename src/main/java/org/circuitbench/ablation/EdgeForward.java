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
import java.util.function.BooleanSupplier;

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
    private final NDArray[] meanZ;         // per layer [head, batch, pos, d_head]
    private final NDArray kept;            // [1, batch, pos, 1] bool: positions named in keep
    private final NDArray[] muHeads;       // per layer [head, batch, pos, d_model]: mean z · W_O
    private final NDArray[] mu;            // per sender [batch, pos, d_model]: its template mean
    private final Set<NDArray> permanent;  // the means: passes may hold them but never own them
    final long rowLength;                  // batch * pos * d_model: one delta as a row
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
        List<NDArray> means = new ArrayList<>(List.of(mu));
        means.addAll(List.of(muHeads));
        permanent = EdgePass.identitySet(means);
        rowLength = task.tokenized().cleanCount() * (long) task.tokenized().maxLength() * cfg.nEmbd();
        try {
            scale = task.edgeScale(() -> { // faithfulness: from the empty edge circuit
                try (NDScope ignored = new NDScope()) {
                    return run(EdgeCircuit.none(graph), null, Probe.NONE, true).perPrompt.clone();
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

    /** What a pass does with one sender: reuse the base's output, write the mean, or compute it. */
    private enum Step { REUSE, MEAN, COMPUTE }

    /**
     * One edge-ablated pass for {@code c}. With {@code from}, a sender whose inputs are the same
     * as in {@code from} keeps its output from there; everything else is computed. {@code probe}
     * sees every receiver input computed. A {@code buffered} pass keeps the deltas as rows of one
     * array (no autograd through it); an unbuffered one keeps them apart and needs {@code from} null.
     */
    EdgePass run(EdgeCircuit c, EdgePass from, Probe probe, boolean buffered) {
        NDArray rows = !buffered ? null : from != null ? from.rows.duplicate()
                : task.manager().zeros(new Shape(graph.senderCount(), rowLength));
        EdgePass p = new EdgePass(c, from, rows);
        BitSet changed = new BitSet(); // senders whose output differs from from's
        switch (step(p, from, 0, () -> false)) {
            case REUSE -> p.embed = from.embed;
            case MEAN -> {
                p.embed = mu[0];
                p.setZero(0);
                changed.set(0);
            }
            case COMPUTE -> {
                p.embed = probe.embed(task.model().embedding().forward(task.tokens())); // hook_embed + hook_pos_embed
                p.setDelta(0, mu[0].sub(p.embed));
                changed.set(0);
            }
        }
        NDArray resid = p.embed;
        for (int l = 0; l < layers; l++) {
            p.residPre[l] = resid;
            heads(p, from, l, resid, changed, probe);
            Block block = blocks.get(l);
            // the stream after attention: every head's result plus b_O
            p.residMid[l] = from == null || !changed.isEmpty()
                    ? resid.add(p.heads[l].sum(new int[] {0})).add(block.attn().cProj().bias())
                    : from.residMid[l];
            // the MLP
            int mlpR = graph.receiverIndex(Node.mlp(l)), mlpS = graph.senderIndex(Node.mlp(l));
            switch (step(p, from, mlpS, () -> inputsChanged(c, from, mlpR, changed))) {
                case REUSE -> p.mlps[l] = from.mlps[l];
                case MEAN -> {
                    p.mlps[l] = mu[mlpS];
                    p.setZero(mlpS);
                    changed.set(mlpS);
                }
                case COMPUTE -> {
                    int[] r = {mlpR};
                    NDArray in = probe.input(EdgeAblation.inputs(p.residMid[l], r, c, p), r, p).get(0); // [b, pos, d]
                    p.mlps[l] = probe.mlp(l, block.mlp().forward(block.ln2().forward(in)));
                    p.setDelta(mlpS, mu[mlpS].sub(p.mlps[l]));
                    changed.set(mlpS);
                }
            }
            if (from == null || !changed.isEmpty()) resid = p.residMid[l].add(p.mlps[l]);
            else resid = l + 1 < layers ? from.residPre[l + 1] : from.residFinal;
        }
        p.residFinal = resid;
        // the logits read only each prompt's end row
        int logits = graph.receiverIndex(Receiver.LOGITS);
        if (from != null && !inputsChanged(c, from, logits, changed)) {
            p.perPrompt = from.perPrompt;
        } else {
            int[] r = {logits};
            NDArray in = probe.input(EdgeAblation.inputs(resid, r, c, p), r, p).get(0); // [b, pos, d]
            p.logitDiff = task.metric(in);                                              // [b]: the method's metric
            p.perPrompt = p.logitDiff.toFloatArray();
        }
        return p;
    }

    /** Layer l's heads as one block: reuse, the mean, or computed from each head's own q, k, v inputs. */
    private void heads(EdgePass p, EdgePass from, int l, NDArray resid, BitSet changed, Probe probe) {
        EdgeCircuit c = p.circuit;
        Step[] steps = new Step[heads];
        List<Integer> compute = new ArrayList<>(), mean = new ArrayList<>();
        for (int h = 0; h < heads; h++) {
            final int head = h;
            steps[h] = step(p, from, graph.senderIndex(Node.head(l, h)), () -> headInputsChanged(c, from, l, head, changed));
            if (steps[h] == Step.COMPUTE) compute.add(h);
            if (steps[h] == Step.MEAN) mean.add(h);
        }
        if (compute.isEmpty() && mean.isEmpty()) {
            p.heads[l] = from.heads[l];
            return;
        }
        int[] hs = compute.stream().mapToInt(Integer::intValue).toArray();
        NDArray result = hs.length == 0 ? null : probe.heads(l, hs, computeHeads(p, l, hs, resid, probe)); // [|hs|, b, pos, d]
        if (from == null && hs.length == heads) {
            p.heads[l] = result;
        } else {
            NDArray block = (from != null ? from.heads[l] : muHeads[l]).duplicate();  // [head, b, pos, d]
            if (hs.length > 0) block.set(new NDIndex("{}", index(hs)), result);
            if (from != null && !mean.isEmpty()) {
                NDArray idx = index(mean.stream().mapToInt(Integer::intValue).toArray());
                block.set(new NDIndex("{}", idx), muHeads[l].get(idx));
            }
            p.heads[l] = block;
        }
        if (hs.length > 0) {
            NDArray mus = hs.length == heads ? muHeads[l] : muHeads[l].get(index(hs));
            p.setDeltas(senders(l, hs), mus.sub(result));
        }
        for (int h : mean) p.setZero(graph.senderIndex(Node.head(l, h)));
        for (int s : senders(l, hs)) changed.set(s);
        for (int h : mean) changed.set(graph.senderIndex(Node.head(l, h)));
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

    /**
     * What a pass does with sender s: a sender with no kept out-edge writes its mean (every
     * receiver reads the mean whatever it would write); one that writes in both passes and reads
     * nothing changed reuses {@code from}'s output; otherwise it is computed.
     */
    private static Step step(EdgePass p, EdgePass from, int s, BooleanSupplier inputsChanged) {
        boolean alive = p.circuit.senders().get(s);
        boolean wasAlive = from != null && from.circuit.senders().get(s);
        if (!alive) return from != null && !wasAlive ? Step.REUSE : Step.MEAN;
        if (from == null || !wasAlive || inputsChanged.getAsBoolean()) return Step.COMPUTE;
        return Step.REUSE;
    }

    private boolean headInputsChanged(EdgeCircuit c, EdgePass from, int l, int h, BitSet changed) {
        for (Receiver.Channel ch : Receiver.Channel.values()) {
            if (inputsChanged(c, from, graph.receiverIndex(Node.head(l, h).input(ch)), changed)) return true;
        }
        return false;
    }

    /** Whether receiver r's input may differ from {@code from}'s: its own edges changed, or a kept edge carries a changed output. */
    private boolean inputsChanged(EdgeCircuit c, EdgePass from, int r, BitSet changed) {
        if (!c.sameInputs(from.circuit, r)) return true;
        int senders = graph.sendersOf(r);
        for (int s = changed.nextSetBit(0); s >= 0 && s < senders; s = changed.nextSetBit(s + 1)) {
            if (c.contains(s, r)) return true;
        }
        return false;
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

    /** A buffered pass for {@code c}, owned by a manager of its own: computed afresh, or from {@code base} (whose reused arrays it does not own). */
    EdgePass owned(EdgeCircuit c, EdgePass base) {
        NDManager owner = cache.newSubManager();
        try (NDScope ignored = new NDScope()) {
            EdgePass p = run(c, base, Probe.NONE, true);
            p.adopt(owner, base, permanent);
            return p;
        }
    }

    /** Moves to {@code next} the arrays it shares with {@code old}, before {@code old} is closed. */
    void handOver(EdgePass old, EdgePass next) {
        next.takeShared(old, permanent);
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
