package org.circuitbench.ablation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import org.circuitbench.model.Attention;
import org.circuitbench.model.LayerNorm;
import org.circuitbench.model.Block;
import org.circuitbench.model.Scalars;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * Scores edge circuits exactly (edges.md) with the rule of {@link EdgeAblation}: every head's
 * q, k and v read their own input through their own ln_1, and so does each MLP and the logits.
 * A sender with no kept out-edge is read as its mean by every receiver, so it is not computed.
 *
 * <p>The fast path keeps the activations of a base circuit (the current circuit of a prune). A
 * candidate recomputes only the receivers whose inputs differ from the base's: those whose own
 * kept edges changed, and those fed by a kept edge from a sender whose output changed. So a
 * candidate that changes only receivers at layer d reuses everything below d, and at layer d
 * recomputes only the heads it touches. The last candidate's activations are kept too, so that
 * making it the new base (after a removal) costs nothing.
 *
 * <p>With {@code reuse} off every score is one full edge-ablated pass: the reference.
 */
public final class EdgeEvaluator implements Scorer<EdgeCircuit>, AutoCloseable {
    private final AblationTask task;
    private final EdgeGraph graph;
    private final List<Block> blocks;
    private final int layers;
    private final int heads;
    private final boolean reuse;
    private final NDManager cache;
    private final Attention.HeadWeights[] weights; // per layer
    private final NDArray[] meanZ;                 // per layer [head, batch, pos, d_head]
    private final NDArray kept;                    // [1, batch, pos, 1] bool: positions named in keep
    private final NDArray[] muHeads;               // per layer [head, batch, pos, d_model]: mean z · W_O
    private final NDArray[] mu;                    // per sender [batch, pos, d_model]: its template mean
    private final Set<NDArray> permanent;          // the means: passes may hold them but never own them
    private final long rowLength;                  // batch * pos * d_model: one delta as a row

    private final ScoreScale scale;                // how the metric becomes a score at the edge level

    private EdgePass base;
    private EdgePass last;

    public EdgeEvaluator(AblationTask task) {
        this(task, true);
    }

    public EdgeEvaluator(AblationTask task, boolean reuse) {
        this.task = task;
        this.reuse = reuse;
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
            scale = task.edgeScale(() -> perPrompt(EdgeCircuit.none(graph))); // faithfulness: from the empty edge circuit
        } catch (org.circuitbench.task.TaskException e) {
            close();
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** How this evaluator's metric values become scores (the edge level's empty circuit for faithfulness). */
    public ScoreScale scale() {
        return scale;
    }

    public AblationTask task() {
        return task;
    }

    public EdgeGraph graph() {
        return graph;
    }

    @Override
    public Method method() {
        return task.method();
    }

    @Override
    public double score(EdgeCircuit circuit) {
        check(circuit);
        if (!reuse) {
            try (NDScope ignored = new NDScope()) {
                return task.score(run(circuit, null, Probe.NONE, true).perPrompt, scale);
            }
        }
        ensureBase();
        if (circuit.equals(base.circuit)) return task.score(base.perPrompt, scale);
        EdgePass p = derive(circuit);
        if (last != null) last.close();
        last = p;
        return task.score(p.perPrompt, scale);
    }

    /** The score of an edge circuit with per-prompt details, from one plain edge-ablated pass. */
    public ScoreDetails details(EdgeCircuit c) {
        check(c);
        try (NDScope ignored = new NDScope()) {
            NDArray in = trace(c).input(Receiver.LOGITS);                                // [batch, pos, d_model]
            return task.details(null, task.atEnd(in), scale);
        }
    }

    /** Per-prompt metric values of an edge circuit, [batch]. */
    public float[] perPrompt(EdgeCircuit circuit) {
        check(circuit);
        try (NDScope ignored = new NDScope()) {
            return run(circuit, null, Probe.NONE, true).perPrompt.clone();
        }
    }

    @Override
    public void setBase(EdgeCircuit circuit) {
        check(circuit);
        if (!reuse || (base != null && base.circuit.equals(circuit))) return;
        if (base == null) {
            base = fresh(circuit);
            return;
        }
        EdgePass next = last != null && last.circuit.equals(circuit) ? last : derive(circuit);
        if (next == last) last = null;
        next.takeShared(base, permanent); // arrays the new base reuses from the old one move to it
        base.close();
        base = next;
        if (last != null) {
            last.close();
            last = null;
        }
    }

    private void ensureBase() {
        if (base == null) base = fresh(EdgeCircuit.all(graph));
    }

    private EdgePass fresh(EdgeCircuit c) {
        NDManager owner = cache.newSubManager();
        try (NDScope ignored = new NDScope()) {
            EdgePass p = run(c, null, Probe.NONE, true);
            p.adopt(owner, null, permanent);
            return p;
        }
    }

    /** A pass for {@code c} computed from the base's, owning what it computed itself. */
    private EdgePass derive(EdgeCircuit c) {
        NDManager owner = cache.newSubManager();
        try (NDScope ignored = new NDScope()) {
            EdgePass p = run(c, base, Probe.NONE, true);
            p.adopt(owner, base, permanent);
            return p;
        }
    }

    private void check(EdgeCircuit c) {
        if (!c.graph().equals(graph)) {
            throw new IllegalArgumentException("The edge circuit is for a " + c.graph().layers() + "×" + c.graph().heads()
                    + " model but " + task.loaded().name() + " is " + layers + "×" + heads + ".");
        }
    }

    // ---- the edge-ablated pass ------------------------------------------------------------------

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
    }

    /** What a pass does with one sender: reuse the base's output, write the mean, or compute it. */
    private enum Step { REUSE, MEAN, COMPUTE }

    /**
     * One edge-ablated pass for {@code c}. With {@code from}, a sender whose inputs are the same
     * as in {@code from} keeps its output from there; everything else is computed. {@code probe}
     * sees every receiver input computed. A {@code buffered} pass keeps the deltas as rows of one
     * array (no autograd through it); an unbuffered one keeps them apart and needs {@code from} null.
     */
    private EdgePass run(EdgeCircuit c, EdgePass from, Probe probe, boolean buffered) {
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
                p.embed = task.model().embedding().forward(task.tokens());             // hook_embed + hook_pos_embed
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
                    p.mlps[l] = block.mlp().forward(block.ln2().forward(in));
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
        NDArray result = hs.length == 0 ? null : computeHeads(p, l, hs, resid, probe); // [|hs|, b, pos, d]
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

    private NDArray keep(NDArray a) {
        NDScope.unregister(a);
        a.attach(cache);
        return a;
    }

    // ---- a pass laid open, for explanations ------------------------------------------------------

    /**
     * The activations of {@code c}'s edge-ablated pass, for explanations (direct logit attribution,
     * the logit lens, attention patterns). Its arrays live in the caller's NDScope.
     */
    public Trace trace(EdgeCircuit c) {
        check(c);
        return new Trace(run(c, null, Probe.NONE, false));
    }

    /** One pass's activations; every array is [batch, pos, d_model] unless said otherwise. */
    public final class Trace {
        private final EdgePass p;

        private Trace(EdgePass p) {
            this.p = p;
        }

        public EdgeCircuit circuit() {
            return p.circuit;
        }

        /**
         * What the sender wrote in this pass (hook_embed + hook_pos_embed, hook_result without b_O,
         * hook_mlp_out). A sender with no kept out-edge is not computed: it writes its mean.
         */
        public NDArray output(Sender s) {
            return switch (s) {
                case Sender.Embed e -> p.embed;
                case Node.Head h -> p.heads[h.layer()].get(h.head());
                case Node.Mlp m -> p.mlps[m.layer()];
            };
        }

        /** The sender's template mean, what a removed edge carries instead. */
        public NDArray mean(Sender s) {
            return mu[graph.senderIndex(s)];
        }

        /** What receiver r reads from sender s: its output when the edge is kept, its mean when removed. */
        public NDArray readBy(Sender s, Receiver r) {
            return p.circuit.contains(graph.senderIndex(s), graph.receiverIndex(r)) ? output(s) : mean(s);
        }

        /** Receiver r's input by the rule of {@link EdgeAblation}. */
        public NDArray input(Receiver r) {
            NDArray at = switch (r) {
                case Receiver.HeadInput in -> p.residPre[in.layer()];
                case Node.Mlp m -> p.residMid[m.layer()];
                case Receiver.Logits l -> p.residFinal;
            };
            return EdgeAblation.inputs(at, new int[] {graph.receiverIndex(r)}, p.circuit, p).get(0);
        }

        /** The stream entering layer l, in this pass. */
        public NDArray residPre(int layer) {
            return p.residPre[layer];
        }

        /** The stream after layer l's attention (before its MLP), in this pass. */
        public NDArray residMid(int layer) {
            return p.residMid[layer];
        }

        /** The stream after the last block (what the logits read when no edge into them is removed). */
        public NDArray residFinal() {
            return p.residFinal;
        }

        /** Layer l's attention probabilities, each head from its own q and k inputs: [head, batch, query_pos, key_pos]. */
        public NDArray pattern(int layer) {
            int[] receivers = new int[3 * heads];
            for (int h = 0; h < heads; h++) {
                for (Receiver.Channel ch : Receiver.Channel.values()) {
                    receivers[3 * h + ch.ordinal()] = graph.receiverIndex(Node.head(layer, h).input(ch));
                }
            }
            NDArray in = EdgeAblation.inputs(p.residPre[layer], receivers, p.circuit, p);
            return weights[layer].pattern(blocks.get(layer).ln1().forward(in));
        }

        /** Per-prompt logit differences of the pass. */
        public float[] perPrompt() {
            return p.perPrompt.clone();
        }
    }

    // ---- attribution (EAP) ---------------------------------------------------------------------------

    /**
     * Edge attribution patching at state {@code c} (edges.md): one forward and one backward pass
     * give, for every kept edge s->r, Σ over prompts and positions of (μ_s − a_s) · ∂score/∂in_r,
     * and every sender's sum over its kept out-edges. In score points: score(c without the edge)
     * ≈ score(c) + attribution. Uses DJL's autograd on the PyTorch engine.
     */
    public EdgeAttribution attribute(EdgeCircuit c) {
        check(c);
        Metric metric = task.method().metric();
        if (!metric.differentiable()) {
            throw new IllegalArgumentException("Attribution takes the gradient of the metric, and " + metric.id
                    + " (a count of right prompts) has none; attribute with logit-diff, prob, prob-diff or kl.");
        }
        float[] byId = new float[graph.edgeCount()];
        Arrays.fill(byId, Float.NaN);
        // a kept edge into a head or MLP whose output nothing reads (no kept out-edge) changes nothing: 0
        c.ids().stream().forEach(i -> byId[i] = 0f);
        double score;
        synchronized (EdgeEvaluator.class) { // PyTorch's gradient collector is one per process
            try (NDScope ignored = new NDScope()) {
                List<Gradient> probes = new ArrayList<>();
                EdgePass p;
                try (ai.djl.training.GradientCollector gc = ai.djl.engine.Engine.getEngine("PyTorch").newGradientCollector()) {
                    p = run(c, null, new Probe() {
                        @Override
                        public NDArray input(NDArray in, int[] receivers, EdgePass pass) {
                            NDArray leaf = leaf(in);
                            probes.add(new Gradient(receivers, leaf, null, -1, null));
                            return in.add(leaf);
                        }

                        @Override
                        public NDArray projected(NDArray qkv, int[] receivers, NDArray in, int layer, Attention.HeadWeights w) {
                            NDArray leaf = leaf(qkv);                        // on q, k, v: small, and ln_1 stays shared
                            probes.add(new Gradient(receivers, leaf, in, layer, w));
                            return qkv.add(leaf);
                        }
                    }, false);
                    // the scale is an array of this scope, alive through backward (mul(Number) frees its scalar at once)
                    NDArray toPoints = Scalars.of(p.logitDiff.getManager(), scale.slope()); // metric -> score points
                    gc.backward(p.logitDiff.mean().mul(toPoints));
                    toPoints.close();
                }
                score = task.score(p.perPrompt, scale);
                NDArray all = p.detachedRows(graph.senderCount(), rowLength);           // [senders, N]
                for (Gradient g : probes) {
                    int[] receivers = g.receivers();
                    int senders = 0;
                    for (int r : receivers) senders = Math.max(senders, graph.sendersOf(r));
                    float[] a = g.ofInputs(blocks).reshape(receivers.length, -1)        // [receivers, N]
                            .matMul(all.get(":{}", senders).transpose()).toFloatArray(); // @ [N, senders]
                    for (int i = 0; i < receivers.length; i++) {
                        for (int s = 0; s < graph.sendersOf(receivers[i]); s++) {
                            if (c.contains(s, receivers[i])) byId[graph.id(s, receivers[i])] = a[i * senders + s];
                        }
                    }
                }
            }
        }
        checkFinite(c, byId);
        return new EdgeAttribution(c, score, byId);
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
        check(c);
        int s = graph.senderIndex(e.sender()), r = graph.receiverIndex(e.receiver());
        try (NDScope ignored = new NDScope()) {
            EdgePass p = run(c, null, new Probe() {
                @Override
                public NDArray input(NDArray in, int[] receivers, EdgePass pass) {
                    for (int i = 0; i < receivers.length; i++) {
                        if (receivers[i] == r && !pass.isZero(s)) {
                            float[] w = new float[receivers.length];
                            w[i] = (float) eps;
                            NDArray sel = in.getManager().create(w).reshape(receivers.length, 1, 1, 1); // [receivers, 1, 1, 1]
                            return in.add(sel.mul(pass.delta[s].expandDims(0)));
                        }
                    }
                    return in;
                }

                @Override
                public boolean sharesInputs() {
                    return false;
                }
            }, false);
            return task.score(p.perPrompt, scale);
        }
    }

    @Override
    public void close() {
        cache.close();
    }
}
