package org.circuitbench.ablation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import org.circuitbench.model.Attention;
import org.circuitbench.model.Block;
import org.circuitbench.model.Gpt2Config;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The default evaluator. It gives the same scores as {@link ReferenceEvaluator} (to float
 * rounding) with far less work:
 * <ul>
 * <li><b>Prefix reuse.</b> For a base circuit (the current circuit of a prune, the app's grid) it
 * caches the residual stream entering each layer and the raw z of each layer. A circuit that first
 * differs from the base at layer d reuses layers below d, and at layer d only redoes W_O onwards.</li>
 * <li><b>Skip ablated heads.</b> A head ablated at every position writes a constant, its mean z
 * times W_O; those constants are summed once per layer and head set, and the head's q, k and v
 * are never computed. An ablated MLP node is skipped likewise.</li>
 * <li><b>Only what the metric reads.</b> In the last layer only each prompt's end row is carried
 * past the attention, and only the correct and incorrect logits are read.</li>
 * <li><b>Batching.</b> {@link #scores(List)} runs circuits that diverge at the same layer as one
 * batch, each on its own slice.</li>
 * </ul>
 * All intermediates of a call live in an NDScope; cached tensors belong to this evaluator's
 * manager and are freed when invalidated or on close, so memory stays flat.
 */
public final class FastEvaluator implements Evaluator {
    private static final int SLICE_CACHE = 48;

    private final AblationTask task;
    private final List<Block> blocks;
    private final int layers;
    private final int heads;
    private final long batch;
    private final long positions;
    private final long dModel;
    private final long dMlp;
    private final NDManager cache;

    private Circuit base;
    private final NDArray[] resid; // [layers + 1] of [batch, pos, d_model], entering each layer under base
    private final NDArray[] rawZ;  // [layers] of [batch, pos, head, d_head], before ablation
    private int validResid;        // resid[0..validResid] are current for base
    private final boolean[] zValid;

    private final NDArray keptEnd;        // [batch, 1, 1] bool
    private final NDArray[] meanZEnd;     // [batch, 1, head, d_head]
    private final NDArray[] meanMlpEnd;   // [batch, 1, d_model]
    private final Map<String, HeadSetEntry> headSets = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, HeadSetEntry> e) {
            if (size() > SLICE_CACHE) {
                e.getValue().close();
                return true;
            }
            return false;
        }
    };
    private long flops;
    private int maxBatch;

    /** One circuit per forward pass, as on a CPU; {@link EvaluatorFactory} picks the batch for the device. */
    public FastEvaluator(AblationTask task) {
        this(task, 1);
    }

    /** {@code maxBatch}: how many circuits may share one forward pass ({@link DevicePolicy}). */
    public FastEvaluator(AblationTask task, int maxBatch) {
        this.task = task;
        this.blocks = task.model().blocks();
        Gpt2Config cfg = task.model().config();
        this.layers = cfg.nLayer();
        this.heads = cfg.nHead();
        this.dModel = cfg.nEmbd();
        this.dMlp = cfg.nInner();
        this.batch = task.tokenized().cleanCount();
        this.positions = task.tokenized().maxLength();
        this.cache = task.manager().newSubManager();
        this.resid = new NDArray[layers + 1];
        this.rawZ = new NDArray[layers];
        this.zValid = new boolean[layers];
        this.meanZEnd = new NDArray[layers];
        this.meanMlpEnd = new NDArray[layers];
        try (NDScope ignored = new NDScope()) {
            resid[0] = keep(task.model().embedding().forward(task.tokens()));
            keptEnd = keep(atEndRows(task.keptPos().toType(ai.djl.ndarray.types.DataType.FLOAT32, false))
                    .gt(0.5f));
            for (int l = 0; l < layers; l++) {
                NDArray mz = task.means().z()[l];
                meanZEnd[l] = keep(atEndRows(mz.reshape(batch, positions, dModel)).reshape(batch, 1, heads, -1));
                meanMlpEnd[l] = keep(atEndRows(task.means().mlp()[l]));
            }
        }
        this.validResid = 0;
        this.base = task.allHeads();
        this.maxBatch = Math.max(1, maxBatch);
    }

    @Override
    public AblationTask task() {
        return task;
    }

    @Override
    public long flops() {
        return flops;
    }

    @Override
    public void setBase(Circuit circuit) {
        task.checkShape(circuit);
        int d = firstDifference(base, circuit);
        if (d < layers) {
            for (int l = d + 1; l <= layers; l++) {
                if (l <= validResid && resid[l] != null) {
                    resid[l].close();
                    resid[l] = null;
                }
                if (l < layers && zValid[l]) {
                    rawZ[l].close();
                    zValid[l] = false;
                }
            }
            validResid = Math.min(validResid, d);
        }
        base = circuit;
    }

    /** How many circuits may share one forward pass (see {@link DevicePolicy}). */
    public void setMaxBatch(int maxBatch) {
        this.maxBatch = Math.max(1, maxBatch);
    }

    public Circuit base() {
        return base;
    }

    @Override
    public double score(Circuit circuit) {
        return scores(List.of(circuit))[0];
    }

    @Override
    public double[] scores(List<Circuit> circuits) {
        double[] out = new double[circuits.size()];
        // group by the layer where each circuit leaves the base; each group is one batch
        Map<Integer, List<Integer>> groups = new LinkedHashMap<>();
        for (int i = 0; i < circuits.size(); i++) {
            task.checkShape(circuits.get(i));
            groups.computeIfAbsent(firstDifference(base, circuits.get(i)), k -> new ArrayList<>()).add(i);
        }
        for (Map.Entry<Integer, List<Integer>> g : groups.entrySet()) {
            List<Integer> idx = g.getValue();
            for (int from = 0; from < idx.size(); from += maxBatch) {
                List<Integer> chunk = idx.subList(from, Math.min(idx.size(), from + maxBatch));
                double[] s = scoreGroup(g.getKey(), chunk.stream().map(circuits::get).toList());
                for (int j = 0; j < s.length; j++) out[chunk.get(j)] = s[j];
            }
        }
        return out;
    }

    private double[] scoreGroup(int d, List<Circuit> circuits) {
        int k = circuits.size();
        try (NDScope ignored = new NDScope()) {
            float[] perPrompt = ldRows(finalRows(d, circuits), k);
            double[] scores = new double[k];
            for (int c = 0; c < k; c++) {
                float[] one = new float[(int) batch];
                System.arraycopy(perPrompt, (int) (c * batch), one, 0, (int) batch);
                scores[c] = task.score(one);
            }
            return scores;
        }
    }

    /** The final residual of k circuits that leave the base at layer d: [k*batch, pos or 1, d_model]. */
    private NDArray finalRows(int d, List<Circuit> circuits) {
        int k = circuits.size();
        ensureResid(Math.min(d, layers));
        if (d == layers) return tile(resid[layers], k); // the base itself
        NDArray x = fromRawZ(d, tile(resid[d], k), tile(rawZ(d), k), circuits, d == layers - 1);
        for (int l = d + 1; l < layers; l++) {
            x = layer(l, x, circuits, l == layers - 1);
        }
        return x;
    }

    /** Score, per-prompt metric values and top-1 counts, from the fast path's own forward pass. */
    @Override
    public ScoreDetails details(Circuit circuit) {
        task.checkShape(circuit);
        try (NDScope ignored = new NDScope()) {
            NDArray x = finalRows(firstDifference(base, circuit), List.of(circuit));
            NDArray rows = x.getShape().get(1) == 1 ? x.reshape(batch, dModel) : task.atEnd(x);
            return task.details(circuit, rows, task.nodeScale());
        }
    }

    /** The method's metric from a final residual, [k*batch, pos or 1, d_model] -> k*batch values. */
    private float[] ldRows(NDArray x, int k) {
        NDArray rows = x.getShape().get(1) == 1 ? x.reshape(k * batch, dModel) : task.atEnd(x);
        return task.metricOfRows(rows).toFloatArray();
    }

    // ---- the base's cache -----------------------------------------------------------------------

    private void ensureResid(int target) {
        while (validResid < target) {
            int l = validResid;
            try (NDScope ignored = new NDScope()) {
                NDArray next = fromRawZ(l, resid[l], rawZ(l), List.of(base), false);
                resid[l + 1] = keep(next);
            }
            validResid = l + 1;
        }
    }

    /** The raw z of every head at layer l under the base, computed once per base prefix. */
    private NDArray rawZ(int l) {
        if (!zValid[l]) {
            ensureResid(l);
            try (NDScope ignored = new NDScope()) {
                Block b = blocks.get(l);
                countAttention(batch, positions, positions, heads);
                rawZ[l] = keep(b.attn().z(b.ln1().forward(resid[l])));
            }
            zValid[l] = true;
        }
        return rawZ[l];
    }

    // ---- layer computations ---------------------------------------------------------------------

    /** Layer l from its raw z: ablate per circuit, W_O, residual, MLP. Returns the next residual. */
    private NDArray fromRawZ(int l, NDArray x, NDArray z, List<Circuit> circuits, boolean endOnly) {
        int k = circuits.size();
        NDArray zAbl = NodeAblation.apply(z, NodeAblation.zKeepMask(task.keptPos(), circuits, l), tile(task.means().z()[l], k));
        countLinear(k * batch * positions, dModel, dModel);
        NDArray mid = x.add(blocks.get(l).attn().out(zAbl));
        if (endOnly) {
            mid = atEndRows(mid, k);                                            // [k*b, 1, d_model]
        }
        return mid.add(mlpOut(l, mid, circuits));
    }

    /** A whole layer for circuits that agree with each other here (else per-circuit masks). */
    private NDArray layer(int l, NDArray x, List<Circuit> circuits, boolean endOnly) {
        int k = circuits.size();
        Block b = blocks.get(l);
        int[] present = circuits.get(0).headsInLayer(l);
        boolean shared = circuits.stream().allMatch(c -> java.util.Arrays.equals(c.headsInLayer(l), present));
        long rows = k * batch;
        long queries = endOnly ? 1 : positions;
        NDArray attnOut;
        if (!shared || present.length == heads) {
            NDArray h = b.ln1().forward(x);
            NDArray z;
            NDArray keepMask;
            NDArray mean;
            countAttention(rows, positions, queries, heads);
            if (endOnly) {
                z = b.attn().zAt(h, null, tile(task.endPos(), k));             // [k*b, 1, head, d_head]
                keepMask = NodeAblation.zKeepMask(keptEnd, circuits, l);
                mean = tile(meanZEnd[l], k);
            } else {
                z = b.attn().z(h);
                keepMask = NodeAblation.zKeepMask(task.keptPos(), circuits, l);
                mean = tile(task.means().z()[l], k);
            }
            countLinear(rows * queries, dModel, dModel);
            attnOut = b.attn().out(NodeAblation.apply(z, keepMask, mean));
        } else {
            HeadSetEntry hs = headSet(l, present);
            if (present.length == 0) {
                attnOut = tile(endOnly ? hs.absentOutEnd : hs.absentOut, k);
            } else {
                NDArray h = b.ln1().forward(x);
                countAttention(rows, positions, queries, present.length);
                NDArray z = endOnly ? b.attn().zAt(h, hs.slice, tile(task.endPos(), k)) : b.attn().z(h, hs.slice);
                boolean[] allIn = new boolean[present.length];                   // every present head is in the circuit
                java.util.Arrays.fill(allIn, true);
                NDArray keep = NodeAblation.zKeepMask(tile(endOnly ? keptEnd : task.keptPos(), k), allIn);
                NDArray zAbl = NodeAblation.apply(z, keep, tile(endOnly ? hs.meanEnd : hs.mean, k));
                countLinear(rows * queries, (long) present.length * (dModel / heads), dModel);
                attnOut = hs.slice.out(zAbl).add(tile(endOnly ? hs.absentOutEnd : hs.absentOut, k));
            }
        }
        NDArray mid = endOnly ? atEndRows(x, k).add(attnOut) : x.add(attnOut);
        return mid.add(mlpOut(l, mid, circuits));
    }

    /** hook_mlp_out per circuit, by the node rule: raw when MLPs are not nodes, kept positions when in, mean when out. */
    private NDArray mlpOut(int l, NDArray mid, List<Circuit> circuits) {
        int k = circuits.size();
        boolean endRows = mid.getShape().get(1) == 1 && positions != 1;
        NDArray mean = tile(endRows ? meanMlpEnd[l] : task.means().mlp()[l], k);
        if (circuits.stream().allMatch(c -> NodeAblation.mlpRule(c, l) == NodeAblation.MlpRule.MEAN)) return mean;
        Block b = blocks.get(l);
        countLinear(k * batch * mid.getShape().get(1), dModel, 2 * dMlp);
        NDArray raw = b.mlp().forward(b.ln2().forward(mid));
        if (circuits.stream().allMatch(c -> NodeAblation.mlpRule(c, l) == NodeAblation.MlpRule.OWN)) return raw;
        return NodeAblation.apply(raw, NodeAblation.mlpKeepMask(endRows ? keptEnd : task.keptPos(), circuits, l), mean);
    }

    // ---- head sets ------------------------------------------------------------------------------

    /** Weights and constants for a layer where only {@code present} heads run. */
    private HeadSetEntry headSet(int l, int[] present) {
        String key = l + ":" + java.util.Arrays.toString(present);
        HeadSetEntry e = headSets.get(key);
        if (e != null) return e;
        Attention attn = blocks.get(l).attn();
        try (NDScope ignored = new NDScope()) {
            int[] absent = new int[heads - present.length];
            int a = 0;
            BitSet in = new BitSet();
            for (int h : present) in.set(h);
            for (int h = 0; h < heads; h++) if (!in.get(h)) absent[a++] = h;
            NDArray meanZ = task.means().z()[l];                                        // [b, pos, head, d_head]
            NDArray presentIdx = task.manager().create(toLong(present));
            NDArray mean = meanZ.get(":, :, {}", presentIdx);                           // [b, pos, |present|, d_head]
            NDArray meanEnd = meanZEnd[l].get(":, :, {}", presentIdx);
            // Σ over absent heads of mean_z · W_O, plus b_O: what the absent heads write
            NDArray absentOut;
            if (absent.length == heads) {
                absentOut = attn.out(meanZ);
            } else {
                try (Attention.HeadSlice absentSlice = attn.slice(absent)) {
                    NDArray absentIdx = task.manager().create(toLong(absent));
                    absentOut = absentSlice.out(meanZ.get(":, :, {}", absentIdx)).add(attn.cProj().bias());
                }
            }
            NDArray absentOutEnd = atEndRows(absentOut);
            Attention.HeadSlice slice = null;
            if (present.length > 0) {
                slice = attn.slice(present);
                for (NDArray w : slice.weightsForCache()) keep(w);
            }
            e = new HeadSetEntry(slice, present.length == 0 ? null : keep(mean),
                    present.length == 0 ? null : keep(meanEnd), keep(absentOut), keep(absentOutEnd));
        }
        headSets.put(key, e);
        return e;
    }

    private record HeadSetEntry(Attention.HeadSlice slice, NDArray mean, NDArray meanEnd, NDArray absentOut,
                                NDArray absentOutEnd) implements AutoCloseable {
        @Override
        public void close() {
            if (slice != null) slice.close();
            if (mean != null) mean.close();
            if (meanEnd != null) meanEnd.close();
            absentOut.close();
            absentOutEnd.close();
        }
    }

    private static long[] toLong(int[] a) {
        long[] out = new long[a.length];
        for (int i = 0; i < a.length; i++) out[i] = a[i];
        return out;
    }

    // ---- helpers --------------------------------------------------------------------------------

    /** The first layer where two circuits differ in heads or MLP; {@code layers} if equal. */
    static int firstDifference(Circuit a, Circuit b) {
        for (int l = 0; l < a.layers(); l++) {
            if (!java.util.Arrays.equals(a.headsInLayer(l), b.headsInLayer(l)) || a.keepsMlp(l) != b.keepsMlp(l)
                    || (a.hasMlpNodes() != b.hasMlpNodes())) {
                return l;
            }
        }
        return a.layers();
    }

    /** Per-prompt [batch, pos, d] -> its end rows [batch, 1, d]. */
    private NDArray atEndRows(NDArray perPrompt) {
        return task.atEnd(perPrompt).expandDims(1);
    }

    /** k copies of the prompts [k*batch, pos, d] -> end rows [k*batch, 1, d]. */
    private NDArray atEndRows(NDArray x, int k) {
        if (x.getShape().get(1) == 1) return x;
        return task.atEnd(x).expandDims(1);
    }

    /** k copies of a per-prompt tensor stacked on the batch axis, one per candidate circuit. */
    private static NDArray tile(NDArray a, int k) {
        if (k == 1) return a;
        long[] reps = new long[a.getShape().dimension()];
        java.util.Arrays.fill(reps, 1);
        reps[0] = k;
        return a.tile(reps);
    }

    private NDArray keep(NDArray a) {
        NDScope.unregister(a);
        a.attach(cache);
        return a;
    }

    private void countLinear(long rows, long in, long out) {
        flops += 2 * rows * in * out;
    }

    /** q, k, v projections of the heads that run over every position, then q·k and p·v per query. */
    private void countAttention(long prompts, long keys, long queries, int runningHeads) {
        long dHead = dModel / heads;
        flops += 2 * prompts * keys * dModel * 3L * runningHeads * dHead;
        flops += 4 * prompts * runningHeads * queries * keys * dHead;
    }

    @Override
    public void close() {
        for (HeadSetEntry e : headSets.values()) e.close();
        headSets.clear();
        cache.close();
    }
}
