package org.circuitbench.ablation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
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
import java.util.function.IntFunction;

/**
 * The fast exact edge pass (edges.md, the rule of {@link EdgeAblation}) for scoring: one or
 * several circuits at once, each on its own slot of the batch, computed from a base pass where
 * they agree with it.
 *
 * <p>What makes it fast on a CPU:
 * <ul>
 * <li><b>Only what changed.</b> A sender is computed when its inputs may differ from the base's:
 * its own kept edges changed, or a kept edge carries a changed output. Layers below the first change
 * are the base's. A sender that writes nothing read (no kept out-edge) writes its mean and is not
 * computed.</li>
 * <li><b>Each distinct input once</b> ({@link EdgeMix}): receivers that read the same senders share
 * one input, one ln_1 and one projection (a head's q, k and v in one product when they coincide), and
 * each input is the cheaper of the stream plus its removed edges or the all-means stream minus its
 * kept ones.</li>
 * <li><b>Chunks of prompts.</b> A layer's receivers are computed a few prompts at a time, so that no
 * temporary is larger than a few megabytes: freed memory is reused at once instead of being asked
 * for again (on this project's CPU, a pass over whole-batch temporaries spent more time in page
 * faults than in arithmetic). A GPU takes the whole batch at once ({@link DevicePolicy}).</li>
 * <li><b>The deltas stay in place</b> ({@link DeltaRows}): rows of arrays allocated once, read by
 * one product per input form.</li>
 * <li>The logits read only each prompt's end row, and only those rows are mixed.</li>
 * </ul>
 */
final class FastEdgeForward {
    private final AblationTask task;
    private final EdgeGraph graph;
    private final List<Block> blocks;
    private final int layers;
    private final int heads;
    private final long batch;
    private final long positions;
    private final long dModel;
    private final long n;                          // batch·pos·d_model: one delta as a row
    private final long chunkElements;
    private final Attention.HeadWeights[] weights; // per layer
    private final NDArray[] fused;                 // per layer, made when first used: [d_model, head·3·d_head]
    private final NDArray[] fusedBias;             // per layer: [head·3·d_head]
    private final NDArray[] meanZ;                 // per layer [head, batch, pos, d_head]
    private final NDArray[] muRows;                // per layer [head, N]: mean z · W_O
    private final NDArray[] muMlp;                 // per layer [batch, pos, d_model]
    private final NDArray[] muSumB;                // per layer [N]: Σ over heads of μ + b_O
    private final NDArray[] allMeansHeads;         // per layer [N]: T at the heads' inputs
    private final NDArray[] allMeansMlp;           // per layer [N]: T at the MLP's input
    private final NDArray allMeansFinal;           // [batch, d_model]: T at the logits, end rows
    private final NDArray muMlpEnd;                // [batch, 1, d_model]: the last MLP's mean at the end rows
    private final NDArray zeros;                   // [N]
    private final NDArray kept;                    // [1, batch, pos, 1] bool
    private final NDArray embed;                   // [batch, pos, d_model]: hook_embed + hook_pos_embed
    private final NDArray muEmbed;
    private final NDArray endRows;                 // int64 [batch]: each prompt's end row among batch·pos
    private final Set<NDArray> constants;
    private final NDManager cache;
    private final DeltaRows rows;

    /** With the weights and means of {@code f}; {@code slots} candidates at most per pass, chunks of at most {@code chunkElements} values. */
    FastEdgeForward(EdgeForward f, int slots, long chunkElements, NDManager cache) {
        this.task = f.task;
        this.graph = f.graph;
        NDArray[] muHeads = f.muHeads;
        this.blocks = task.model().blocks();
        var cfg = task.model().config();
        this.layers = cfg.nLayer();
        this.heads = cfg.nHead();
        this.batch = task.tokenized().cleanCount();
        this.positions = task.tokenized().maxLength();
        this.dModel = cfg.nEmbd();
        this.n = batch * positions * dModel;
        this.chunkElements = chunkElements;
        this.weights = f.weights;
        this.meanZ = f.meanZ;
        this.kept = f.kept;
        this.cache = cache;
        this.fused = new NDArray[layers];
        this.fusedBias = new NDArray[layers];
        this.muRows = new NDArray[layers];
        this.muMlp = new NDArray[layers];
        this.muSumB = new NDArray[layers];
        this.allMeansHeads = new NDArray[layers];
        this.allMeansMlp = new NDArray[layers];
        List<NDArray> consts = new ArrayList<>();
        try (NDScope ignored = new NDScope()) {
            Means means = task.means();
            embed = keep(task.model().embedding().forward(task.tokens()));             // hook_embed + hook_pos_embed
            muEmbed = means.embed();
            NDArray t = muEmbed.reshape(n);                                            // T: every sender writes its mean
            for (int l = 0; l < layers; l++) {
                muRows[l] = keep(muHeads[l].reshape(heads, n));                        // [head, b, pos, d] -> [head, N]
                muMlp[l] = means.mlp()[l];
                allMeansHeads[l] = keep(t);
                muSumB[l] = keep(muRows[l].sum(new int[] {0}).add(blocks.get(l).attn().cProj().bias().tile(batch * positions)));
                allMeansMlp[l] = keep(t.add(muSumB[l]));
                t = allMeansMlp[l].add(muMlp[l].reshape(n));
            }
            allMeansFinal = keep(atEnd(t.reshape(batch, positions, dModel)));
            muMlpEnd = keep(endRowsOf(muMlp[layers - 1]));
            zeros = keep(task.manager().zeros(new Shape(n)));
            long[] end = new long[(int) batch];
            for (int i = 0; i < batch; i++) end[i] = i * positions + task.tokenized().end(i);
            endRows = keep(task.manager().create(end));
            NDArray embedDelta = muEmbed.sub(embed).reshape(n);
            rows = new DeltaRows(cache, graph.senderCount(), n, slots, embedDelta);
        }
        consts.add(embed);
        consts.add(muEmbed);
        consts.addAll(List.of(muMlp));
        consts.add(muMlpEnd);
        constants = EdgePass.identitySet(consts);
    }

    DeltaRows rows() {
        return rows;
    }

    /** The arrays no pass may own. */
    Set<NDArray> constants() {
        return constants;
    }

    /**
     * One pass for {@code circuits} (at most {@link DeltaRows#slotCount()}), from {@code base}
     * (null: nothing is reused). The pass's arrays belong to {@code owner}.
     */
    FastEdgePass run(List<EdgeCircuit> circuits, FastEdgePass base, NDManager owner) {
        int k = circuits.size();
        FastEdgePass p = new FastEdgePass(circuits, layers, owner);
        Slots ctx = new Slots(circuits, base);
        rows.begin(k);
        try (NDScope ignored = new NDScope()) {
            for (int s = 0; s < k; s++) {
                if (base == null || ctx.live[s].get(0) != ctx.baseLive.get(0)) ctx.changed[s].set(0);
            }
            boolean stacked = base == null || ctx.anyChanged();
            NDArray resid = null;
            if (stacked) {
                p.stackFrom = 0;
                resid = ctx.stack(s -> ctx.live[s].get(0) ? embed : muEmbed);
            }
            for (int l = 0; l < layers; l++) {
                int[] hs = ctx.headsToCompute(l);
                boolean mlp = ctx.mlpToCompute(l, hs);
                if (!stacked && !ctx.anyChanged()) {                                    // still the base's stream
                    p.residPre[l] = base.residPre[l];
                    p.residMid[l] = base.residMid[l];
                    p.mlps[l] = base.mlps[l];
                    continue;
                }
                if (!stacked) {
                    stacked = true;
                    p.stackFrom = l;
                    resid = tile(base.residPre[l], k);
                }
                p.residPre[l] = resid;
                layer(p, ctx, l, hs, mlp, resid);
                resid = (l == layers - 1 ? endRowsOf(p.residMid[l]) : p.residMid[l]).add(p.mlps[l]); // the last: end rows only
            }
            p.residFinal = stacked ? resid : base.residFinal;
            for (int s = 0; s < k; s++) p.perPrompt[s] = logits(p, ctx, s);
            List<NDArray> notMine = new ArrayList<>(constants);
            if (base != null) notMine.addAll(base.held());
            p.adopt(EdgePass.identitySet(notMine));
        }
        return p;
    }

    // ---- one layer ----------------------------------------------------------------------------

    /** Layer l for every slot: heads hs computed (the others' deltas are the base's), the stream after the attention, the MLP. */
    private void layer(FastEdgePass p, Slots ctx, int l, int[] hs, boolean mlp, NDArray resid) {
        int k = ctx.k;
        int firstHead = graph.senderIndex(Node.head(l, 0));
        int mlpSender = firstHead + heads;
        for (int s = 0; s < k; s++) {                                                  // the base's rows this layer reads
            BitSet needed = ctx.live[s].get(0, mlpSender);
            needed.andNot(ctx.recomputed);
            for (int h : hs) needed.clear(firstHead + h);
            rows.sync(s, needed);
        }
        NDManager m = task.manager();
        int[] receivers = headReceivers(l, hs);
        EdgeMix[] headPlans = new EdgeMix[k];
        EdgeMix[] mlpPlans = new EdgeMix[k];
        NDArray[] liveHeads = new NDArray[k];                                           // [1, head]: −1 where the head's delta is not zero
        for (int s = 0; s < k; s++) {
            if (hs.length > 0) headPlans[s] = EdgeMix.plan(ctx.circuits.get(s), receivers, ctx.live[s], rows.slot(s), m, true);
            if (mlp) mlpPlans[s] = EdgeMix.plan(ctx.circuits.get(s), new int[] {graph.receiverIndex(Node.mlp(l))}, ctx.live[s], rows.slot(s), m, false);
            float[] sign = new float[heads];
            boolean any = false;
            for (int h = 0; h < heads; h++) {
                if (ctx.live[s].get(firstHead + h)) {
                    sign[h] = -1f;
                    any = true;
                }
            }
            liveHeads[s] = any ? m.create(sign, new Shape(1, heads)) : null;
        }
        HeadStep step = hs.length == 0 ? null : new HeadStep(l, hs, headPlans, k);
        long chunk = promptsPerChunk(k);
        int chunks = (int) ((batch + chunk - 1) / chunk);
        NDArray[][] mid = new NDArray[k][chunks];
        NDArray[][] mlpIn = new NDArray[k][chunks];
        for (int c = 0; c < chunks; c++) {
            long p0 = c * chunk, p1 = Math.min(batch, p0 + chunk);
            long c0 = p0 * positions * dModel, c1 = p1 * positions * dModel;
            List<NDArray> out = new ArrayList<>();
            try (NDScope ignored = new NDScope()) {
                if (step != null) step.chunk(resid, p0, p1);
                for (int s = 0; s < k; s++) {
                    NDArray streamAt = part(resid, s, p0, p1);                        // [c1 − c0]
                    NDArray bias = streamAt.add(muSumB[l].get(new NDIndex("{}:{}", c0, c1)));
                    // the stream after the attention: Σ over heads of (μ − δ), plus b_O
                    mid[s][c] = liveHeads[s] == null ? bias
                            : linear(liveHeads[s], rows.slot(s).get(new NDIndex("{}:{}, {}:{}", firstHead, mlpSender, c0, c1)), bias).reshape(-1);
                    out.add(mid[s][c]);
                    if (mlp) {
                        mlpIn[s][c] = mlpPlans[s].apply(rows.slot(s), c0, c1, mid[s][c], allMeansMlp[l].get(new NDIndex("{}:{}", c0, c1)));
                        out.add(mlpIn[s][c]);
                    }
                }
                for (NDArray a : out) NDScope.unregister(a);
            }
            for (NDArray a : out) NDScope.register(a);
        }
        p.residMid[l] = joined(mid);                                                   // [k·b, pos, d]
        ctx.recomputed.or(senders(l, hs));
        for (int s = 0; s < k; s++) for (int h : hs) rows.written(s, firstHead + h);
        int mlpS = mlpSender;
        // The last MLP is read only by the logits, at each prompt's end row: it runs on those rows alone,
        // and its delta is written there only (the rest of its row is never read).
        boolean last = l == layers - 1;
        NDArray mean = last ? muMlpEnd : muMlp[l];                                    // [b, pos or 1, d]
        if (mlp) {
            Block block = blocks.get(l);
            NDArray in = joined(mlpIn);                                                // [k·b, pos, d]
            if (last) in = endRowsOf(in);                                              // -> [k·b, 1, d]
            NDArray a = block.mlp().forward(block.ln2().forward(in));                 // hook_mlp_out
            long width = mean.size();
            NDArray delta = mean.reshape(1, width).sub(a.reshape(k, width));          // [k, b·pos·d or b·d]
            for (int s = 0; s < k; s++) {
                NDArray row = rows.slot(s).get(new NDIndex("{}", mlpS));                // [N], in place
                if (last) row.reshape(batch * positions, dModel).set(new NDIndex("{}", endRows), delta.get(s).reshape(batch, dModel));
                else row.set(new NDIndex(":"), delta.get(s));
                rows.written(s, mlpS);
            }
            ctx.recomputed.set(mlpS);
            p.mlps[l] = allLive(ctx, mlpS) ? a : ctx.stack(s -> ctx.live[s].get(mlpS) ? slotOf(a, s) : mean);
        } else {
            FastEdgePass base = ctx.base;
            p.mlps[l] = ctx.stack(s -> ctx.live[s].get(mlpS) ? base.mlps[l] : mean);
        }
    }

    private static boolean allLive(Slots ctx, int sender) {
        for (int s = 0; s < ctx.k; s++) if (!ctx.live[s].get(sender)) return false;
        return true;
    }

    /**
     * The heads of one layer, chunk by chunk: each distinct input, ln_1, q, k and v per receiver,
     * the attention, each head's result, and its delta written to the rows.
     */
    private final class HeadStep {
        private final int l;
        private final int[] hs;
        private final EdgeMix[] plans;
        private final int k;
        private final Attention.HeadWeights w;
        private final Projection projection;
        private final NDArray meanZ;   // [|hs|, batch, pos, d_head]
        private final NDArray mu;      // [|hs|, N]
        private final int firstSender;
        private final boolean contiguous;

        HeadStep(int l, int[] hs, EdgeMix[] plans, int k) {
            this.l = l;
            this.hs = hs;
            this.plans = plans;
            this.k = k;
            boolean all = hs.length == heads;
            NDArray idx = all ? null : index(hs);
            this.w = all ? weights[l] : weights[l].select(hs);
            this.meanZ = all ? FastEdgeForward.this.meanZ[l] : FastEdgeForward.this.meanZ[l].get(idx);
            this.mu = all ? muRows[l] : muRows[l].get(idx);
            this.firstSender = graph.senderIndex(Node.head(l, hs[0]));
            this.contiguous = hs[hs.length - 1] - hs[0] == hs.length - 1;
            this.projection = new Projection(l, hs, w, plans, k);
        }

        void chunk(NDArray resid, long p0, long p1) {
            long c0 = p0 * positions * dModel, c1 = p1 * positions * dModel;
            long prompts = p1 - p0, rowsAt = prompts * positions;
            NDList inputs = new NDList(k);
            for (int s = 0; s < k; s++) {
                inputs.add(plans[s].apply(rows.slot(s), c0, c1, part(resid, s, p0, p1), allMeansHeads[l].get(new NDIndex("{}:{}", c0, c1))));
            }
            NDArray x = k == 1 ? inputs.get(0) : NDArrays.concat(inputs, 0);        // [inputs, rows·d]
            NDArray ln = blocks.get(l).ln1().forward(x.reshape(-1, rowsAt, dModel)); // [inputs, rows, d]
            NDArray qkv = projection.apply(ln, rowsAt);                               // [|hs|·3, k·rows, d_head]
            NDArray z = w.attend(qkv, k * prompts);                                   // [|hs|, k·prompts, pos, d_head]
            NDArray keep = tile1(kept.get(new NDIndex(":, {}:{}", p0, p1)), k);       // [1, k·prompts, pos, 1]
            NDArray mz = tile1(meanZ.get(new NDIndex(":, {}:{}", p0, p1)), k);       // [|hs|, k·prompts, pos, d_head]
            NDArray result = w.result(NodeAblation.apply(z, keep, mz));               // [|hs|, k·prompts, pos, d]: the mean outside keep
            NDArray muAt = mu.get(new NDIndex(":, {}:{}", c0, c1));                  // [|hs|, c1 − c0]
            for (int s = 0; s < k; s++) {
                NDArray mine = k == 1 ? result : result.get(new NDIndex(":, {}:{}", s * prompts, (s + 1) * prompts));
                NDArray delta = muAt.sub(mine.reshape(hs.length, -1));               // [|hs|, c1 − c0]
                NDArray slot = rows.slot(s);
                if (contiguous) {
                    slot.set(new NDIndex("{}:{}, {}:{}", firstSender, firstSender + hs.length, c0, c1), delta);
                } else {
                    for (int i = 0; i < hs.length; i++) {
                        slot.set(new NDIndex("{}, {}:{}", graph.senderIndex(Node.head(l, hs[i])), c0, c1), delta.get(i));
                    }
                }
            }
        }
    }

    /**
     * From a layer's distinct inputs after ln_1 to q, k and v per receiver, [|hs|·3, k·rows, d_head]
     * (receivers head by head, q, k, v; the slots one after another on the rows):
     * one product with every receiver's weights when each slot has one input (a head's q, k and v
     * fused, as in a node pass), one batched product when each input has one receiver, else one
     * product per input with the weights of its receivers.
     */
    private final class Projection {
        private final int k;
        private final int r;                 // receivers per slot
        private final long dh;
        private final NDArray weight;        // fused [d, r·dh] | single [inputs, d, dh]
        private final NDArray bias;          // fused [r·dh]   | single [inputs, 1, dh]
        private final NDArray[] groupWeight; // per input [d, members·dh]
        private final NDArray[] groupBias;   // per input [members·dh]
        private final NDArray order;         // (receiver, slot) -> row of the per-input results; null: in order already
        private boolean single;              // one receiver per input

        /** {@code w}: the weights of heads hs only (all of layer l's when hs is every head). */
        Projection(int l, int[] hs, Attention.HeadWeights w, EdgeMix[] plans, int k) {
            this.k = k;
            this.r = 3 * hs.length;
            this.dh = w.qkv().getShape().get(2);
            int inputs = 0;
            boolean oneInputPerSlot = true, oneReceiverPerInput = true;
            for (EdgeMix p : plans) {
                inputs += p.inputs();
                oneInputPerSlot &= p.inputs() == 1;
                oneReceiverPerInput &= p.inputs() == r;
            }
            NDManager m = task.manager();
            if (oneInputPerSlot) {                                                      // q, k, v of every head in one product
                if (hs.length == heads) {
                    if (fused[l] == null) {
                        fused[l] = keep(fuse(w.qkv(), null));
                        fusedBias[l] = keep(w.qkvBias().reshape(-1));
                    }
                    weight = fused[l];
                    bias = fusedBias[l];
                } else {
                    weight = fuse(w.qkv(), null);
                    bias = w.qkvBias().reshape(-1);
                }
                groupWeight = null;
                groupBias = null;
                order = null;
                return;
            }
            // per input: the weight rows of its receivers (w's rows are the receivers, head by head), in the order the results are stacked
            long[] where = new long[r * k];
            long[] stackedRows = new long[r * k];
            List<int[]> groups = new ArrayList<>();
            int at = 0;
            boolean inOrder = k == 1;
            for (int s = 0; s < k; s++) {
                for (int g = 0; g < plans[s].inputs(); g++) {
                    int[] members = plans[s].members(g);
                    for (int i : members) {
                        where[i * k + s] = at;
                        inOrder &= i == at;
                        stackedRows[at++] = i;
                    }
                    groups.add(members);
                }
            }
            order = inOrder ? null : m.create(where);
            if (oneReceiverPerInput) {
                NDArray idx = inOrder ? null : m.create(stackedRows);
                weight = inOrder ? w.qkv() : w.qkv().get(idx);                         // [inputs, d, dh]
                bias = inOrder ? w.qkvBias() : w.qkvBias().get(idx);                   // [inputs, 1, dh]
                groupWeight = null;
                groupBias = null;
            } else {
                weight = null;
                bias = null;
                groupWeight = new NDArray[inputs];
                groupBias = new NDArray[inputs];
                int from = 0;
                for (int g = 0; g < inputs; g++) {
                    int size = groups.get(g).length;
                    NDArray idx = m.create(java.util.Arrays.copyOfRange(stackedRows, from, from + size));
                    from += size;
                    groupWeight[g] = fuse(w.qkv(), idx);
                    groupBias[g] = w.qkvBias().get(idx).reshape(-1);
                }
            }
            this.single = oneReceiverPerInput;
        }

        /** ln [inputs, rows, d] -> [r, k·rows, dh]. */
        NDArray apply(NDArray ln, long rowsAt) {
            if (order == null && !single && groupWeight == null) {                      // one input per slot
                NDArray qkv = ln.reshape(k * rowsAt, dModel).matMul(weight).add(bias);  // [k·rows, d] @ [d, r·dh] -> [k·rows, r·dh]
                return qkv.reshape(k * rowsAt, r, dh).transpose(1, 0, 2);               // -> [r, k·rows, dh]
            }
            NDArray perInput;
            if (weight != null) {
                perInput = ln.matMul(weight).add(bias);                                 // [inputs, rows, d] @ [inputs, d, dh] -> [inputs, rows, dh]
            } else {
                NDList parts = new NDList(groupWeight.length);
                for (int g = 0; g < groupWeight.length; g++) {
                    NDArray y = ln.get(g).matMul(groupWeight[g]).add(groupBias[g]);     // [rows, d] @ [d, members·dh] -> [rows, members·dh]
                    parts.add(y.reshape(rowsAt, -1, dh).transpose(1, 0, 2));            // -> [members, rows, dh]
                }
                perInput = NDArrays.concat(parts, 0);                                   // [k·r, rows, dh]
            }
            if (order == null) return perInput;                                         // one slot, inputs in receiver order: [r, rows, dh]
            return perInput.get(order).reshape(r, k * rowsAt, dh);                       // (receiver, slot) order -> [r, k·rows, dh]
        }
    }

    /** Weight rows [rows, d, dh] of qkv (all of them when idx is null) as one matrix [d, rows·dh]. */
    private static NDArray fuse(NDArray qkv, NDArray idx) {
        NDArray w = idx == null ? qkv : qkv.get(idx);
        Shape s = w.getShape();
        return w.transpose(1, 0, 2).reshape(s.get(1), s.get(0) * s.get(2));            // [rows, d, dh] -> [d, rows·dh]
    }

    // ---- the logits -----------------------------------------------------------------------------

    /** Slot s's per-prompt logit differences: the base's when its logits read the same, else from the end rows. */
    private float[] logits(FastEdgePass p, Slots ctx, int s) {
        int r = graph.receiverIndex(Receiver.LOGITS);
        if (ctx.base != null && !ctx.inputsChanged(s, r)) return ctx.base.perPrompt[0];
        BitSet needed = (BitSet) ctx.live[s].clone();
        needed.andNot(ctx.recomputed);
        rows.sync(s, needed);
        EdgeMix plan = EdgeMix.plan(ctx.circuits.get(s), new int[] {r}, ctx.live[s], rows.slot(s), task.manager(), false);
        // one product over whole rows, then the end rows: reading every row once costs less than gathering its end rows
        NDArray mixed = plan.apply(rows.slot(s), 0, n, zeros, zeros);                                    // [1, N]: ± the deltas
        NDArray from = plan.allMeans(0) ? allMeansFinal : slotOf(p.residFinal, s).reshape(batch, dModel);
        NDArray in = atEnd(mixed.reshape(batch, positions, dModel)).add(from);                           // [b, d]
        return task.metricOfRows(in).toFloatArray();                                   // the method's metric
    }

    // ---- which senders a pass computes -----------------------------------------------------------

    /** The slots of one pass: their circuits, live senders, and what changed against the base. */
    private final class Slots {
        final List<EdgeCircuit> circuits;
        final FastEdgePass base;
        final int k;
        final BitSet[] live;        // per slot: senders with a kept out-edge (the others write their mean)
        final BitSet baseLive;
        final BitSet[] changed;     // per slot: senders whose output may differ from the base's
        final BitSet recomputed = new BitSet(); // senders computed in this pass (in every slot)

        Slots(List<EdgeCircuit> circuits, FastEdgePass base) {
            this.circuits = circuits;
            this.base = base;
            this.k = circuits.size();
            this.live = new BitSet[k];
            this.changed = new BitSet[k];
            for (int s = 0; s < k; s++) {
                live[s] = circuits.get(s).senders();
                changed[s] = new BitSet();
            }
            this.baseLive = base == null ? null : base.circuit().senders();
        }

        boolean anyChanged() {
            for (BitSet c : changed) if (!c.isEmpty()) return true;
            return false;
        }

        /** The heads of layer l any slot must compute; marks what changes. */
        int[] headsToCompute(int l) {
            List<Integer> out = new ArrayList<>();
            for (int h = 0; h < heads; h++) {
                int j = graph.senderIndex(Node.head(l, h));
                boolean compute = false;
                for (int s = 0; s < k && !compute; s++) {
                    compute = live[s].get(j) && (base == null || !baseLive.get(j) || headInputsChanged(s, l, h));
                }
                if (compute) out.add(h);
                for (int s = 0; s < k; s++) {
                    if ((compute && live[s].get(j)) || (base != null && live[s].get(j) != baseLive.get(j))) changed[s].set(j);
                }
            }
            return out.stream().mapToInt(Integer::intValue).toArray();
        }

        /** Whether any slot must compute layer l's MLP (after its heads); marks what changes. */
        boolean mlpToCompute(int l, int[] hs) {
            int j = graph.senderIndex(Node.mlp(l)), r = graph.receiverIndex(Node.mlp(l));
            boolean compute = false;
            for (int s = 0; s < k && !compute; s++) {
                compute = live[s].get(j) && (base == null || !baseLive.get(j) || inputsChanged(s, r));
            }
            for (int s = 0; s < k; s++) {
                if ((compute && live[s].get(j)) || (base != null && live[s].get(j) != baseLive.get(j))) changed[s].set(j);
            }
            return compute;
        }

        private boolean headInputsChanged(int s, int l, int h) {
            for (Receiver.Channel ch : Receiver.Channel.values()) {
                if (inputsChanged(s, graph.receiverIndex(Node.head(l, h).input(ch)))) return true;
            }
            return false;
        }

        /** Whether receiver r's input in slot s may differ from the base's: its own edges changed, or a kept edge carries a changed output. */
        boolean inputsChanged(int s, int r) {
            EdgeCircuit c = circuits.get(s);
            if (!c.sameInputs(base.circuit(), r)) return true;
            int senders = graph.sendersOf(r);
            BitSet ch = changed[s];
            for (int j = ch.nextSetBit(0); j >= 0 && j < senders; j = ch.nextSetBit(j + 1)) {
                if (c.contains(j, r)) return true;
            }
            return false;
        }

        /** Per-slot arrays [batch, pos, d] one after another: [k·batch, pos, d]. */
        NDArray stack(IntFunction<NDArray> perSlot) {
            if (k == 1) return perSlot.apply(0);
            NDList all = new NDList(k);
            for (int s = 0; s < k; s++) all.add(perSlot.apply(s));
            return NDArrays.concat(all, 0);
        }

    }

    // ---- helpers --------------------------------------------------------------------------------

    /** How many prompts a chunk of a layer's head inputs takes: every input of every slot within the budget. */
    private long promptsPerChunk(int k) {
        long perPrompt = (long) k * 3 * heads * positions * dModel;
        return Math.max(1, Math.min(batch, chunkElements / perPrompt));
    }

    /** Slot s's prompts [p0, p1) of a stacked [k·batch, pos, d] array, flat: [(p1 − p0)·pos·d]. */
    private NDArray part(NDArray stacked, int s, long p0, long p1) {
        return stacked.get(new NDIndex("{}:{}", s * batch + p0, s * batch + p1)).reshape(-1);
    }

    private NDArray slotOf(NDArray stacked, int s) {
        return stacked.getShape().get(0) == batch ? stacked : stacked.get(new NDIndex("{}:{}", s * batch, (s + 1) * batch));
    }

    /** Chunks [slot][chunk] of flat rows -> [k·batch, pos, d]. */
    private NDArray joined(NDArray[][] chunks) {
        NDList all = new NDList();
        for (NDArray[] slot : chunks) for (NDArray c : slot) all.add(c.reshape(-1));
        NDArray flat = all.size() == 1 ? all.get(0) : NDArrays.concat(all, 0);
        return flat.reshape(-1, positions, dModel);
    }

    /** [k·batch, pos, d] -> each prompt's end row, [k·batch, 1, d]. */
    private NDArray endRowsOf(NDArray x) {
        return task.atEnd(x).expandDims(1);
    }

    private NDArray atEnd(NDArray perPrompt) {
        return task.atEnd(perPrompt);                                                   // [b, pos, d] -> [b, d]
    }

    /** k copies on the batch axis (axis 0). */
    private static NDArray tile(NDArray a, int k) {
        if (k == 1) return a;
        long[] reps = new long[a.getShape().dimension()];
        Arrays.fill(reps, 1);
        reps[0] = k;
        return a.tile(reps);
    }

    /** k copies on axis 1 (the prompts of [heads, batch, ...]). */
    private static NDArray tile1(NDArray a, int k) {
        if (k == 1) return a;
        long[] reps = new long[a.getShape().dimension()];
        Arrays.fill(reps, 1);
        reps[1] = k;
        return a.tile(reps);
    }

    private static NDArray linear(NDArray x, NDArray rowsOf, NDArray bias) {
        return x.getNDArrayInternal().linear(x, rowsOf.transpose(), bias).singletonOrThrow(); // bias + x @ rowsOf
    }

    private int[] headReceivers(int l, int[] hs) {
        int[] out = new int[3 * hs.length];
        for (int i = 0; i < hs.length; i++) {
            for (Receiver.Channel ch : Receiver.Channel.values()) {
                out[3 * i + ch.ordinal()] = graph.receiverIndex(Node.head(l, hs[i]).input(ch));
            }
        }
        return out;
    }

    private BitSet senders(int l, int[] hs) {
        BitSet b = new BitSet();
        for (int h : hs) b.set(graph.senderIndex(Node.head(l, h)));
        return b;
    }

    private NDArray index(int[] a) {
        return task.manager().create(Arrays.stream(a).asLongStream().toArray());
    }

    private NDArray index(long[] a) {
        return task.manager().create(a);
    }

    private NDArray keep(NDArray a) {
        NDScope.unregister(a);
        a.attach(cache);
        return a;
    }
}
