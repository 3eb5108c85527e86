package org.circuitbench.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.SparseFormat;

import java.nio.file.Path;
import java.util.List;

/**
 * GPT-2: embeddings, a stack of blocks, ln_f and the unembedding (tied to wte unless the
 * config says otherwise). All weights live in one NDManager on one device; every forward
 * call should run inside an {@code NDScope} so that its intermediates are freed.
 */
public final class Gpt2Model implements AutoCloseable {
    private final Gpt2Config config;
    private final NDManager manager;
    private final Embedding embedding;
    private final List<Block> blocks;
    private final LayerNorm lnF;
    private final NDArray unembed; // [vocab, d_model]
    private final long parameterCount;

    Gpt2Model(Gpt2Config config, NDManager manager, Embedding embedding, List<Block> blocks, LayerNorm lnF,
              NDArray unembed, long parameterCount) {
        this.config = config;
        this.manager = manager;
        this.embedding = embedding;
        this.blocks = List.copyOf(blocks);
        this.lnF = lnF;
        this.unembed = unembed;
        this.parameterCount = parameterCount;
    }

    /** Loads config.json and model.safetensors from a Hugging Face folder onto a device. */
    public static Gpt2Model load(Path folder, Device device) throws ModelLoadException {
        return WeightLoader.load(folder, device);
    }

    /**
     * tokens [batch, pos] -> the residual stream after the last block, [batch, pos, d_model], with
     * the hooks of {@link HookPoint} ({@code hook_embed}, {@code hook_pos_embed}, then each block's).
     */
    public NDArray forward(NDArray tokens, Hook hook) {
        NDArray x = hook.apply(HookPoint.EMBED, -1, embedding.tokens(tokens))
                .add(hook.apply(HookPoint.POS_EMBED, -1, embedding.positions(tokens)));                 // [b, pos, d] + [pos, d]
        for (Block block : blocks) {
            x = block.forward(x, hook);
        }
        return x;
    }

    /** Full-vocabulary logits: residual [..., d_model] -> [..., vocab]. */
    public NDArray logits(NDArray resid) {
        NDArray h = lnF.forward(resid);
        return h.getNDArrayInternal().linear(h, unembed, null).singletonOrThrow();
    }

    /**
     * Logits over the vocabulary are made this many values at a time on the CPU (4 MiB) where only
     * a summary of them is wanted (top-1, top-k). Whole, a batch's [rows, vocab] logits are tens of
     * MB, a fresh mapping each time whose every page faults on first touch: on the 2-core test
     * machine (about 12 µs a fault) that was most of the time of a score's details and of OV scores.
     */
    public static final long LOGIT_BLOCK_VALUES = 1 << 20;

    /**
     * A summary of each row's logits, made in blocks of rows (every row at once on a GPU): {@code
     * summary} maps a block [block, ...] to [block, perRow] int64 (its top-1 or top-k token ids), and
     * the blocks' values are joined row by row.
     */
    public long[] inLogitBlocks(NDArray rows, int perRow, java.util.function.UnaryOperator<NDArray> summary) {
        long n = rows.getShape().get(0);
        long block = rows.getDevice().isGpu() ? Math.max(1, n) : Math.max(1, LOGIT_BLOCK_VALUES / unembed.getShape().get(0));
        long[] out = new long[(int) n * perRow];
        for (long r = 0; r < n; r += block) {
            try (NDScope ignored = new NDScope()) {
                long[] part = summary.apply(rows.get("{}:{}", r, Math.min(n, r + block))).toLongArray();
                System.arraycopy(part, 0, out, (int) r * perRow, part.length);
            }
        }
        return out;
    }

    /** The top-1 token of each row: resid [rows, d_model] -> argmax of its logits, in blocks of rows. */
    public long[] top1(NDArray resid) {
        return inLogitBlocks(resid, 1, block -> logits(block).argMax(1)); // [block, vocab] -> [block]
    }

    /**
     * logit[correct] − logit[incorrect], reading only those two unembedding rows.
     * resid [batch, d_model] (one row per prompt), correct/incorrect [batch] int64 -> [batch].
     */
    public NDArray logitDiff(NDArray resid, NDArray correct, NDArray incorrect) {
        NDArray h = lnF.forward(resid);
        NDArray wc = rows(correct); // [batch, d_model]
        NDArray wi = rows(incorrect);
        return h.mul(wc).sum(new int[] {1}).sub(h.mul(wi).sum(new int[] {1}));
    }

    /** W_U as stored, [vocab, d_model] (tied to wte unless the config says otherwise). */
    public NDArray unembed() {
        return unembed;
    }

    /** The unembedding rows of some tokens: ids [batch] int64 -> W_U[ids] [batch, d_model]. */
    public NDArray unembedRows(NDArray ids) {
        return rows(ids);
    }

    private NDArray rows(NDArray ids) {
        return ids.getNDArrayInternal().embedding(ids, unembed, SparseFormat.DENSE).singletonOrThrow();
    }

    public Gpt2Config config() {
        return config;
    }

    public Embedding embedding() {
        return embedding;
    }

    public List<Block> blocks() {
        return blocks;
    }

    public LayerNorm lnF() {
        return lnF;
    }

    public NDManager manager() {
        return manager;
    }

    public Device device() {
        return manager.getDevice();
    }

    public long parameterCount() {
        return parameterCount;
    }

    @Override
    public void close() {
        manager.close();
    }
}
