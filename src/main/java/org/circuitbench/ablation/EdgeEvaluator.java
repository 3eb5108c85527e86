package org.circuitbench.ablation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import org.circuitbench.model.Attention;
import org.circuitbench.model.Block;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Scores edge circuits exactly (edges.md) with the rule of {@link EdgeAblation}: every head's
 * q, k and v read their own input through their own ln_1, and so does each MLP and the logits.
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
    private final NDArray[] mu;                    // per sender [batch, pos, d_model]: its template mean

    private final Set<NDArray> permanent;         // the means: passes may hold them but never own them
    private final long rowLength;                  // batch * pos * d_model: one delta as a row

    private Pass base;
    private Pass last;

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
        this.mu = new NDArray[graph.senderCount()];
        try (NDScope ignored = new NDScope()) {
            kept = keep(task.keptPos().expandDims(0));                                  // [b, pos, 1] -> [1, b, pos, 1]
            mu[0] = task.means().embed();
            for (int l = 0; l < layers; l++) {
                Attention.HeadWeights w = blocks.get(l).attn().perHead();
                weights[l] = new Attention.HeadWeights(keep(w.qkv()), keep(w.qkvBias()), keep(w.out()), w.scale());
                meanZ[l] = keep(task.means().z()[l].transpose(2, 0, 1, 3));            // [b, pos, head, dh] -> [head, b, pos, dh]
                NDArray result = weights[l].result(meanZ[l]);                           // [head, b, pos, d]: mean z · W_O
                for (int h = 0; h < heads; h++) mu[graph.senderIndex(Node.head(l, h))] = keep(result.get(h));
                mu[graph.senderIndex(Node.mlp(l))] = task.means().mlp()[l];
            }
        }
        permanent = Pass.identitySet(List.of(mu));
        rowLength = task.tokenized().cleanCount() * (long) task.tokenized().maxLength() * cfg.nEmbd();
    }

    public AblationTask task() {
        return task;
    }

    public EdgeGraph graph() {
        return graph;
    }

    @Override
    public double score(EdgeCircuit circuit) {
        check(circuit);
        if (!reuse) {
            try (NDScope ignored = new NDScope()) {
                return task.score(run(circuit, null, Probe.NONE, true).perPrompt);
            }
        }
        ensureBase();
        if (circuit.equals(base.circuit)) return task.score(base.perPrompt);
        Pass p;
        NDManager owner = cache.newSubManager();
        try (NDScope ignored = new NDScope()) {
            p = run(circuit, base, Probe.NONE, true);
            p.adopt(owner, base, permanent);
        }
        if (last != null) last.close();
        last = p;
        return task.score(p.perPrompt);
    }

    /** Per-prompt logit differences of an edge circuit, [batch]. */
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
        Pass next = last != null && last.circuit.equals(circuit) ? last : null;
        if (next == null) {
            if (base == null) {
                base = fresh(circuit);
                return;
            }
            NDManager owner = cache.newSubManager();
            try (NDScope ignored = new NDScope()) {
                next = run(circuit, base, Probe.NONE, true);
                next.adopt(owner, base, permanent);
            }
        } else {
            last = null;
        }
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

    private Pass fresh(EdgeCircuit c) {
        NDManager owner = cache.newSubManager();
        try (NDScope ignored = new NDScope()) {
            Pass p = run(c, null, Probe.NONE, true);
            p.adopt(owner, null, permanent);
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

    /** The activations of one edge-ablated pass over the clean prompts. */
    private static final class Pass implements AutoCloseable {
        final EdgeCircuit circuit;
        final NDArray[] out;      // per sender: a_s, [batch, pos, d_model]
        final NDArray[] delta;    // per sender: μ_s − a_s
        final NDArray[] residPre; // per layer: the stream entering it
        final NDArray[] residMid; // per layer: the stream after its attention
        NDArray residFinal;
        NDArray rows;      // [senders, batch*pos*d_model]: every delta as a row (buffered passes)
        NDArray logitDiff; // [batch], only when computed in this pass
        float[] perPrompt;
        NDManager manager;

        Pass(EdgeCircuit circuit, int senders, int layers) {
            this.circuit = circuit;
            out = new NDArray[senders];
            delta = new NDArray[senders];
            residPre = new NDArray[layers];
            residMid = new NDArray[layers];
        }

        /** The arrays this pass holds, but not the evaluator's own (the means). */
        private List<NDArray> arrays(Set<NDArray> permanent) {
            List<NDArray> all = new ArrayList<>();
            for (NDArray[] a : List.of(out, delta, residPre, residMid)) {
                for (NDArray x : a) if (x != null && !permanent.contains(x)) all.add(x);
            }
            all.add(residFinal);
            if (rows != null) all.add(rows);
            return all;
        }

        /** Takes ownership of the arrays this pass computed itself (not those reused from {@code from}). */
        void adopt(NDManager owner, Pass from, Set<NDArray> permanent) {
            manager = owner;
            Set<NDArray> reused = from == null ? Set.of() : identitySet(from.arrays(permanent));
            for (NDArray a : arrays(permanent)) {
                if (!reused.contains(a)) {
                    NDScope.unregister(a);
                    a.attach(owner);
                }
            }
        }

        /** Moves the arrays shared with {@code old} into this pass's manager, before {@code old} is closed. */
        void takeShared(Pass old, Set<NDArray> permanent) {
            Set<NDArray> mine = identitySet(arrays(permanent));
            for (NDArray a : old.arrays(permanent)) if (mine.contains(a)) a.attach(manager);
        }

        static Set<NDArray> identitySet(List<NDArray> arrays) {
            Map<NDArray, Boolean> m = new IdentityHashMap<>();
            for (NDArray a : arrays) m.put(a, Boolean.TRUE);
            return m.keySet();
        }

        @Override
        public void close() {
            manager.close();
        }
    }

    /** Adds something to receivers' inputs: a gradient probe (attribution) or a nudge (its test). */
    interface Probe {
        Probe NONE = (in, receivers, delta) -> in;

        /** in [receivers, batch, pos, d_model] -> the same shape. */
        NDArray apply(NDArray in, int[] receivers, NDArray[] delta);
    }

    /**
     * One edge-ablated pass for {@code c}. With {@code from}, a receiver whose inputs are the same
     * as in {@code from} keeps its output from there; everything else is computed. {@code probe}
     * sees every receiver input computed. A {@code buffered} pass also keeps every delta as a row
     * of one array, so that mixing reads a view instead of concatenating (no autograd through it).
     */
    private Pass run(EdgeCircuit c, Pass from, Probe probe, boolean buffered) {
        Pass p = new Pass(c, graph.senderCount(), layers);
        if (buffered) {
            p.rows = from != null && from.rows != null ? from.rows.duplicate()
                    : task.manager().zeros(new ai.djl.ndarray.types.Shape(graph.senderCount(), rowLength));
        }
        BitSet changed = new BitSet(); // senders whose output was recomputed
        // A sender without a kept out-edge is read as its mean by every receiver, so what it would
        // write does not matter: it writes its mean (delta zero) and is never computed.
        if (mustCompute(p, from, 0, changed, () -> false)) {
            p.out[0] = task.model().embedding().forward(task.tokens());                // hook_embed + hook_pos_embed
            setDelta(p, 0, mu[0].sub(p.out[0]));
            changed.set(0);
        }
        NDArray resid = p.out[0];
        for (int l = 0; l < layers; l++) {
            final int layer = l;
            Block block = blocks.get(l);
            p.residPre[l] = resid;
            // heads: recompute those whose q, k or v input changed
            List<Integer> redo = new ArrayList<>();
            for (int h = 0; h < heads; h++) {
                final int head = h;
                if (mustCompute(p, from, graph.senderIndex(Node.head(l, h)), changed, () -> headInputsChanged(c, from, layer, head, changed))) {
                    redo.add(h);
                }
            }
            if (!redo.isEmpty()) {
                int[] hs = redo.stream().mapToInt(Integer::intValue).toArray();
                int[] receivers = new int[3 * hs.length];
                for (int i = 0; i < hs.length; i++) {
                    for (Receiver.Channel ch : Receiver.Channel.values()) {
                        receivers[3 * i + ch.ordinal()] = graph.receiverIndex(Node.head(l, hs[i]).input(ch));
                    }
                }
                NDArray in = probe.apply(EdgeAblation.inputs(resid, receivers, c, p.delta, p.rows), receivers, p.delta); // [heads*3, b, pos, d]
                Attention.HeadWeights w = hs.length == heads ? weights[l] : weights[l].select(hs);
                NDArray mz = hs.length == heads ? meanZ[l] : meanZ[l].get(task.manager().create(toLong(hs)));
                NDArray z = NodeAblation.apply(w.z(block.ln1().forward(in)), kept, mz); // [heads, b, pos, dh]: the mean outside keep
                NDArray result = w.result(z);                                           // [heads, b, pos, d]
                for (int i = 0; i < hs.length; i++) {
                    int s = graph.senderIndex(Node.head(l, hs[i]));
                    p.out[s] = result.get(i);
                    setDelta(p, s, mu[s].sub(p.out[s]));
                    changed.set(s);
                }
            }
            // the stream after attention: Σ of every head's result plus b_O
            if (from == null || !changed.isEmpty()) {
                NDList results = new NDList(heads);
                for (int h = 0; h < heads; h++) results.add(p.out[graph.senderIndex(Node.head(l, h))]);
                p.residMid[l] = resid.add(NDArrays.stack(results).sum(new int[] {0})).add(block.attn().cProj().bias());
            } else {
                p.residMid[l] = from.residMid[l];
            }
            // the MLP
            int mlpR = graph.receiverIndex(Node.mlp(l)), mlpS = graph.senderIndex(Node.mlp(l));
            if (mustCompute(p, from, mlpS, changed, () -> inputsChanged(c, from, mlpR, changed))) {
                int[] r = {mlpR};
                NDArray in = probe.apply(EdgeAblation.inputs(p.residMid[l], r, c, p.delta, p.rows), r, p.delta).get(0); // [b, pos, d]
                p.out[mlpS] = block.mlp().forward(block.ln2().forward(in));
                setDelta(p, mlpS, mu[mlpS].sub(p.out[mlpS]));
                changed.set(mlpS);
            }
            if (from == null || !changed.isEmpty()) resid = p.residMid[l].add(p.out[mlpS]);
            else resid = l + 1 < layers ? from.residPre[l + 1] : from.residFinal;
        }
        p.residFinal = resid;
        // the logits read only each prompt's end row
        int logits = graph.receiverIndex(Receiver.LOGITS);
        if (from != null && !inputsChanged(c, from, logits, changed)) {
            p.perPrompt = from.perPrompt;
        } else {
            int[] r = {logits};
            NDArray in = probe.apply(EdgeAblation.inputs(resid, r, c, p.delta, p.rows), r, p.delta).get(0); // [b, pos, d]
            p.logitDiff = task.logitDiff(in);                                                       // [b]
            p.perPrompt = p.logitDiff.toFloatArray();
        }
        return p;
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
        private final Pass p;

        private Trace(Pass p) {
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
            return p.out[graph.senderIndex(s)];
        }

        /** The sender's template mean, what a removed edge carries instead. */
        public NDArray mean(Sender s) {
            return mu[graph.senderIndex(s)];
        }

        /** What receiver r reads from sender s: its output when the edge is kept, its mean when removed. */
        public NDArray readBy(Sender s, Receiver r) {
            int si = graph.senderIndex(s);
            return p.circuit.contains(si, graph.receiverIndex(r)) ? p.out[si] : mu[si];
        }

        /** Receiver r's input by the rule of {@link EdgeAblation}. */
        public NDArray input(Receiver r) {
            NDArray at = switch (r) {
                case Receiver.HeadInput in -> p.residPre[in.layer()];
                case Node.Mlp m -> p.residMid[m.layer()];
                case Receiver.Logits l -> p.residFinal;
            };
            return EdgeAblation.inputs(at, new int[] {graph.receiverIndex(r)}, p.circuit, p.delta).get(0);
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
            NDArray in = EdgeAblation.inputs(p.residPre[layer], receivers, p.circuit, p.delta);
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
        float[] byId = new float[graph.edgeCount()];
        java.util.Arrays.fill(byId, Float.NaN);
        // a kept edge into a head or MLP whose output nothing reads (no kept out-edge) changes nothing: 0
        c.ids().stream().forEach(i -> byId[i] = 0f);
        double score;
        synchronized (EdgeEvaluator.class) { // PyTorch's gradient collector is one per process
            try (NDScope ignored = new NDScope()) {
                List<int[]> groups = new ArrayList<>();
                List<NDArray> probes = new ArrayList<>();
                Pass p;
                try (ai.djl.training.GradientCollector gc = ai.djl.engine.Engine.getEngine("PyTorch").newGradientCollector()) {
                    p = run(c, null, (in, receivers, delta) -> {
                        NDArray probeArray = in.getManager().zeros(in.getShape());
                        probeArray.setRequiresGradient(true);
                        groups.add(receivers);
                        probes.add(probeArray);
                        return in.add(probeArray);
                    }, false);
                    NDArray s = p.logitDiff.mean().mul(100.0 / task.fullLogitDiff());
                    gc.backward(s);
                }
                score = task.score(p.perPrompt);
                for (int g = 0; g < groups.size(); g++) {
                    int[] receivers = groups.get(g);
                    int senders = 0;
                    for (int r : receivers) senders = Math.max(senders, graph.sendersOf(r));
                    NDArray grad = probes.get(g).getGradient().reshape(receivers.length, -1); // [receivers, N]
                    NDList d = new NDList(senders);
                    for (int s = 0; s < senders; s++) {
                        d.add(p.delta[s] == null ? grad.getManager().zeros(new ai.djl.ndarray.types.Shape(1, grad.getShape().get(1)))
                                : p.delta[s].stopGradient().reshape(1, -1));
                    }
                    float[] a = grad.matMul(NDArrays.concat(d, 0).transpose()).toFloatArray(); // [receivers, N] @ [N, senders]
                    for (int i = 0; i < receivers.length; i++) {
                        for (int s = 0; s < graph.sendersOf(receivers[i]); s++) {
                            if (c.contains(s, receivers[i])) byId[graph.id(s, receivers[i])] = a[i * senders + s];
                        }
                    }
                }
            }
        }
        return new EdgeAttribution(c, score, byId);
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
            Pass p = run(c, null, (in, receivers, delta) -> {
                for (int i = 0; i < receivers.length; i++) {
                    if (receivers[i] == r) {
                        float[] w = new float[receivers.length];
                        w[i] = (float) eps;
                        NDArray sel = in.getManager().create(w).reshape(receivers.length, 1, 1, 1); // [receivers, 1, 1, 1]
                        return in.add(sel.mul(delta[s].expandDims(0)));
                    }
                }
                return in;
            }, false);
            return task.score(p.perPrompt);
        }
    }

    /**
     * Settles sender s of pass p: true when it must be computed. Otherwise its output is taken from
     * {@code from} (it writes there and nothing it reads changed) or is its mean (it has no kept
     * out-edge, so every receiver reads the mean whatever it would write).
     */
    private boolean mustCompute(Pass p, Pass from, int s, BitSet changed, java.util.function.BooleanSupplier inputsChanged) {
        boolean alive = p.circuit.senders().get(s);
        boolean wasAlive = from != null && from.circuit.senders().get(s);
        if (!alive) {
            if (from != null && !wasAlive) {
                copy(p, from, s);
            } else {
                writeMean(p, s);
                changed.set(s);
            }
            return false;
        }
        if (from == null || !wasAlive || inputsChanged.getAsBoolean()) return true;
        copy(p, from, s);
        return false;
    }

    private static void setDelta(Pass p, int s, NDArray delta) {
        p.delta[s] = delta;
        if (p.rows != null) p.rows.set(new ai.djl.ndarray.index.NDIndex("{}", s), delta.reshape(-1));
    }

    private void writeMean(Pass p, int s) {
        p.out[s] = mu[s];
        p.delta[s] = null;
    }

    private static void copy(Pass p, Pass from, int s) {
        p.out[s] = from.out[s];
        p.delta[s] = from.delta[s];
    }

    private boolean headInputsChanged(EdgeCircuit c, Pass from, int l, int h, BitSet changed) {
        for (Receiver.Channel ch : Receiver.Channel.values()) {
            if (inputsChanged(c, from, graph.receiverIndex(Node.head(l, h).input(ch)), changed)) return true;
        }
        return false;
    }

    /** Whether receiver r's input may differ from {@code from}'s: its own edges changed, or a kept edge carries a changed output. */
    private boolean inputsChanged(EdgeCircuit c, Pass from, int r, BitSet changed) {
        if (!c.sameInputs(from.circuit, r)) return true;
        int senders = graph.sendersOf(r);
        for (int s = changed.nextSetBit(0); s >= 0 && s < senders; s = changed.nextSetBit(s + 1)) {
            if (c.contains(s, r)) return true;
        }
        return false;
    }

    private static long[] toLong(int[] a) {
        long[] out = new long[a.length];
        for (int i = 0; i < a.length; i++) out[i] = a[i];
        return out;
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
