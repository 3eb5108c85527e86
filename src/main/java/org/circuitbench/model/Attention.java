package org.circuitbench.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Causal self-attention: attn.c_attn makes q, k and v for every head, each head attends with
 * softmax(q kᵀ / √d_head) under a causal mask, giving z (hook_z), and attn.c_proj (W_O) maps
 * the concatenated z back to the residual stream.
 */
public final class Attention {
    final Linear cAttn; // attn.c_attn: [d_model] -> [3 * d_model], q | k | v, heads contiguous in each
    final Linear cProj; // attn.c_proj: [n_head * d_head] -> [d_model]
    final int nHead;
    final int dHead;
    private final NDArray scale; // 0-d float32 1/√d_head, owned by the model: autograd keeps it for the backward pass (see Mlp)

    Attention(Linear cAttn, Linear cProj, int nHead, int dHead, float scale) {
        this.cAttn = cAttn;
        this.cProj = cProj;
        this.nHead = nHead;
        this.dHead = dHead;
        this.scale = Scalars.of(cAttn.weight.getManager(), scale);
    }

    /** z for every head. x: ln_1 output [batch, pos, d_model] -> [batch, pos, head, d_head]. */
    public NDArray z(NDArray x) {
        return zFromQkv(cAttn.forward(x), nHead, null);
    }

    /** z for a subset of heads only, from pre-sliced c_attn rows: [batch, pos, |heads|, d_head]. */
    public NDArray z(NDArray x, HeadSlice slice) {
        return zFromQkv(slice.qkv.forward(x), slice.heads.length, null);
    }

    /**
     * z at one query row per prompt (keys still cover every earlier position), for when only
     * those rows are read downstream. queryPos: [batch] int64 -> [batch, 1, |heads|, d_head].
     */
    public NDArray zAt(NDArray x, HeadSlice slice, NDArray queryPos) {
        NDArray qkv = slice == null ? cAttn.forward(x) : slice.qkv.forward(x);
        return zFromQkv(qkv, slice == null ? nHead : slice.heads.length, queryPos);
    }

    /** Attention probabilities for every head: [batch, head, query_pos, key_pos] (hook_pattern). */
    public NDArray pattern(NDArray x) {
        NDList qkv = splitHeads(cAttn.forward(x), nHead);
        return probabilities(qkv.get(0), qkv.get(1), null);
    }

    /**
     * z when each head's query, key and value read their own input (TransformerLens's
     * {@code use_split_qkv_input}): q, k, v inputs after ln_1, each [batch, pos, head, d_model] ->
     * z [batch, pos, head, d_head].
     */
    public NDArray zSplit(NDArray qIn, NDArray kIn, NDArray vIn) {
        NDArray w = cAttn.weight.reshape(3, nHead, dHead, -1);                 // [3*h*dh, d] -> [3, head, d_head, d_model]
        NDArray b = cAttn.bias.reshape(3, nHead, 1, dHead);                    // [3*h*dh] -> [3, head, 1, d_head]
        NDArray q = perHead(qIn, w.get(0), b.get(0)), k = perHead(kIn, w.get(1), b.get(1)), v = perHead(vIn, w.get(2), b.get(2));
        return probabilities(q, k, null).matMul(v).transpose(0, 2, 1, 3);      // [b, h, q, dh] -> [b, q, h, dh]
    }

    /** One of q, k, v from each head's own input: in [b, pos, head, d], w [head, d_head, d], bias [head, 1, d_head] -> [b, head, pos, d_head]. */
    private static NDArray perHead(NDArray in, NDArray w, NDArray bias) {
        Shape s = in.getShape();
        NDArray x = in.transpose(2, 0, 1, 3).reshape(s.get(2), s.get(0) * s.get(1), s.get(3)); // -> [head, b*pos, d]
        return x.matMul(w.transpose(0, 2, 1)).add(bias)                                        // @ [head, d, dh] -> [head, b*pos, dh]
                .reshape(s.get(2), s.get(0), s.get(1), -1).transpose(1, 0, 2, 3);             // -> [b, head, pos, dh]
    }

    /** Each head's output without b_O (hook_result): z [batch, pos, head, d_head] -> [batch, pos, head, d_model]. */
    public NDArray result(NDArray z) {
        Shape s = z.getShape();
        NDArray wo = cProj.weight.reshape(-1, nHead, dHead).transpose(1, 2, 0);             // [d, h*dh] -> [head, d_head, d_model]
        return z.transpose(2, 0, 1, 3).reshape(s.get(2), s.get(0) * s.get(1), s.get(3))     // [b, p, h, dh] -> [head, b*p, dh]
                .matMul(wo)                                                                  // -> [head, b*p, d]
                .reshape(s.get(2), s.get(0), s.get(1), -1).transpose(1, 2, 0, 3);            // -> [b, p, head, d]
    }

    /** z [batch, pos, head, d_head] -> attention output [batch, pos, d_model]. */
    public NDArray out(NDArray z) {
        Shape s = z.getShape();
        return cProj.forward(z.reshape(s.get(0), s.get(1), s.get(2) * s.get(3))); // [b, p, h, dh] -> [b, p, h*dh]
    }

    private NDArray zFromQkv(NDArray qkv, int heads, NDArray queryPos) {
        NDList qkvHeads = splitHeads(qkv, heads); // 3 x [batch, head, pos, d_head]
        NDArray q = qkvHeads.get(0);
        NDArray v = qkvHeads.get(2);
        if (queryPos != null) {
            q = selectQueries(q, queryPos);       // [batch, head, 1, d_head]
        }
        NDArray p = probabilities(q, qkvHeads.get(1), queryPos);
        return p.matMul(v).transpose(0, 2, 1, 3); // [batch, head, q, d_head] -> [batch, q, head, d_head]
    }

    /** [batch, pos, 3 * heads * d_head] -> q, k, v, each [batch, head, pos, d_head]. */
    private NDList splitHeads(NDArray qkv, int heads) {
        Shape s = qkv.getShape();
        long b = s.get(0), t = s.get(1);
        NDList parts = qkv.split(3, 2);
        NDList out = new NDList(3);
        for (NDArray part : parts) {
            out.add(part.reshape(b, t, heads, dHead).transpose(0, 2, 1, 3)); // [b, t, h*dh] -> [b, h, t, dh]
        }
        return out;
    }

    /** softmax(q kᵀ · scale) with keys after the query masked out; [batch, head, q, key_pos]. */
    private NDArray probabilities(NDArray q, NDArray k, NDArray queryPos) {
        NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).muli(scale);  // [b, h, q, dh] @ [b, h, dh, k] -> [b, h, q, k]
        long keys = k.getShape().get(2);
        NDArray mask = queryPos == null
                ? causalMask(k.getManager(), keys)                       // [q, k]
                : keysAfter(queryPos, keys);                             // [b, 1, 1, k]
        return scores.addi(mask).softmax(-1);
    }

    private static NDArray causalMask(NDManager manager, long t) {
        int n = Math.toIntExact(t);
        float[] m = new float[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) m[i * n + j] = Float.NEGATIVE_INFINITY;
        }
        return manager.create(m, new Shape(t, t));
    }

    /** -inf where key position > queryPos[b]: [batch] -> [batch, 1, 1, keys]. */
    private static NDArray keysAfter(NDArray queryPos, long keys) {
        NDArray k = queryPos.getManager().arange(0, (int) keys, 1, DataType.INT64);     // [keys]
        NDArray after = k.reshape(1, keys).gt(queryPos.reshape(-1, 1));                   // [b, keys]
        NDArray zeros = after.getManager().zeros(after.getShape());
        NDArray neg = zeros.sub(Float.POSITIVE_INFINITY);
        return ai.djl.ndarray.NDArrays.where(after, neg, zeros).reshape(-1, 1, 1, keys); // [b, k] -> [b, 1, 1, k]
    }

    /** q [batch, head, pos, d_head] at queryPos[b] -> [batch, head, 1, d_head]. */
    private static NDArray selectQueries(NDArray q, NDArray queryPos) {
        Shape s = q.getShape();
        NDArray idx = queryPos.reshape(-1, 1, 1, 1).broadcast(s.get(0), s.get(1), 1, s.get(3));
        return q.gather(idx, 2);
    }

    // ---- the edge level: every head reads its own inputs ------------------------------------------

    /** W_Q, W_K, W_V and W_O of every head as batched matrices, for heads that read their own streams. */
    public HeadWeights perHead() {
        NDArray w = cAttn.weight.reshape(3, nHead, dHead, -1)                 // [3*d, d] -> [3, head, d_head, d_model]
                .transpose(1, 0, 3, 2).reshape(3L * nHead, -1, dHead);         // -> [head*3, d_model, d_head]
        NDArray b = cAttn.bias.reshape(3, nHead, dHead)                        // [3*d] -> [3, head, d_head]
                .transpose(1, 0, 2).reshape(3L * nHead, 1, dHead);             // -> [head*3, 1, d_head]
        NDArray o = cProj.weight.reshape(-1, nHead, dHead).transpose(1, 2, 0)  // [d, head*d_head] -> [head, d_head, d_model]
                .duplicate();
        return new HeadWeights(w.duplicate(), b.duplicate(), o, scale);
    }

    /**
     * Per-head weights: {@code qkv} [head*3, d_model, d_head] and {@code qkvBias} [head*3, 1, d_head]
     * (q, k, v of head 0, then of head 1, …), {@code out} [head, d_head, d_model] (W_O without b_O);
     * {@code scale} is the model's 0-d 1/√d_head, which {@link #close()} leaves alone.
     */
    public record HeadWeights(NDArray qkv, NDArray qkvBias, NDArray out, NDArray scale) implements AutoCloseable {

        public int heads() {
            return Math.toIntExact(out.getShape().get(0));
        }

        /** The weights of some heads only (by index among these). */
        public HeadWeights select(int[] heads) {
            long[] rows = new long[3 * heads.length];
            long[] idx = new long[heads.length];
            for (int i = 0; i < heads.length; i++) {
                idx[i] = heads[i];
                for (int c = 0; c < 3; c++) rows[3 * i + c] = 3L * heads[i] + c;
            }
            NDManager m = qkv.getManager();
            NDArray r = m.create(rows), h = m.create(idx);
            return new HeadWeights(qkv.get(r), qkvBias.get(r), out.get(h), scale);
        }

        /**
         * z when each head's q, k and v read their own stream (edges.md).
         * x: ln_1 of each input, [head*3, batch, pos, d_model] -> z [head, batch, pos, d_head];
         * or [1, batch, pos, d_model] when they all read the same stream.
         */
        public NDArray z(NDArray x) {
            return attend(project(x), x.getShape().get(1));
        }

        /** The projections q, k, v of every head: x [head*3 or 1, b, t, d] -> [head*3, b*t, d_head]. */
        public NDArray project(NDArray x) {
            Shape s = x.getShape();
            return x.reshape(s.get(0), s.get(1) * s.get(2), s.get(3)).matMul(qkv).add(qkvBias); // [h*3 or 1, b*t, d] @ [h*3, d, dh]
        }

        /** z from projections [head*3, batch*pos, d_head] of {@code batch} prompts: [head, batch, pos, d_head]. */
        public NDArray attend(NDArray projected, long batch) {
            NDList qkv = split(projected, batch);
            return probabilities(qkv).matMul(qkv.get(2));                            // [head, b, t, t] @ [head, b, t, dh] -> [head, b, t, dh]
        }

        /** Attention probabilities (hook_pattern) from the same inputs: [head, batch, query_pos, key_pos]. */
        public NDArray pattern(NDArray x) {
            return probabilities(qkv(x));
        }

        /** q, k, v per head: x [head*3 or 1, b, t, d] -> 3 x [head, b, t, dh]. */
        private NDList qkv(NDArray x) {
            return split(project(x), x.getShape().get(1));
        }

        /** [head*3, b*t, dh] -> 3 x [head, b, t, dh]. */
        private static NDList split(NDArray projected, long b) {
            Shape s = projected.getShape();
            NDArray out = projected.reshape(s.get(0) / 3, 3, b, s.get(1) / b, s.get(2)); // -> [head, 3, b, t, dh]
            return new NDList(out.get(":, 0"), out.get(":, 1"), out.get(":, 2"));       // each [head, b, t, dh]
        }

        private NDArray probabilities(NDList qkv) {
            NDArray q = qkv.get(0), k = qkv.get(1);
            long t = k.getShape().get(2);
            NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).mul(scale)            // [head, b, t, dh] @ [head, b, dh, t] -> [head, b, t, t]
                    .add(causalMask(q.getManager(), t));
            return scores.softmax(-1);
        }

        /** Each head's result (hook_result, no b_O): z [head, batch, pos, d_head] -> [head, batch, pos, d_model]. */
        public NDArray result(NDArray z) {
            Shape s = z.getShape();
            return z.reshape(s.get(0), s.get(1) * s.get(2), s.get(3)).matMul(out)   // [h, b*t, dh] @ [h, dh, d] -> [h, b*t, d]
                    .reshape(s.get(0), s.get(1), s.get(2), -1);                      // -> [h, b, t, d]
        }

        @Override
        public void close() {
            qkv.close();
            qkvBias.close();
            out.close();
        }
    }

    /** c_attn rows and c_proj columns for a subset of heads, so absent heads cost nothing. */
    public HeadSlice slice(int[] heads) {
        long d = (long) nHead * dHead;
        long[] rows = new long[3 * heads.length * dHead];
        long[] cols = new long[heads.length * dHead];
        int r = 0, c = 0;
        for (int part = 0; part < 3; part++) {
            for (int h : heads) {
                for (int i = 0; i < dHead; i++) rows[r++] = part * d + (long) h * dHead + i;
            }
        }
        for (int h : heads) {
            for (int i = 0; i < dHead; i++) cols[c++] = (long) h * dHead + i;
        }
        NDManager m = cAttn.weight.getManager();
        NDArray rowIdx = m.create(rows);
        NDArray colIdx = m.create(cols);
        Linear qkv = new Linear(cAttn.weight.get(rowIdx), cAttn.bias.get(rowIdx));
        NDArray proj = cProj.weight.transpose().get(colIdx).transpose(); // [d_model, |heads| * d_head]
        rowIdx.close();
        colIdx.close();
        return new HeadSlice(heads, qkv, proj);
    }

    /** The weights of a subset of heads; close it to free them. */
    public static final class HeadSlice implements AutoCloseable {
        final int[] heads;
        final Linear qkv;
        final NDArray projWeight; // [d_model, |heads| * d_head]

        HeadSlice(int[] heads, Linear qkv, NDArray projWeight) {
            this.heads = heads;
            this.qkv = qkv;
            this.projWeight = projWeight;
        }

        /** The tensors this slice owns, for a cache that adopts them. */
        public NDList weightsForCache() {
            return new NDList(qkv.weight, qkv.bias, projWeight);
        }

        public int[] heads() {
            return heads.clone();
        }

        /** z of these heads [batch, pos, |heads|, d_head] -> their share of the attention output, no bias. */
        public NDArray out(NDArray z) {
            Shape s = z.getShape();
            NDArray flat = z.reshape(s.get(0), s.get(1), s.get(2) * s.get(3)); // [b, p, h, dh] -> [b, p, h*dh]
            return flat.getNDArrayInternal().linear(flat, projWeight, null).singletonOrThrow();
        }

        @Override
        public void close() {
            qkv.weight.close();
            qkv.bias.close();
            projWeight.close();
        }
    }

    public int nHead() {
        return nHead;
    }

    public int dHead() {
        return dHead;
    }

    public Linear cProj() {
        return cProj;
    }
}
