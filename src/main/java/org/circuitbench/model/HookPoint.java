package org.circuitbench.model;

/**
 * Named activation sites, spelled as TransformerLens spells them ({@code blocks.5.attn.hook_z}),
 * so that researchers recognise them. An <i>optional</i> site costs extra work (TransformerLens
 * turns each on with a flag: {@code use_split_qkv_input}, {@code use_attn_result},
 * {@code use_hook_mlp_in}); a pass computes it only for a hook that {@link Hook#uses} it. The
 * others are always called.
 */
public enum HookPoint {
    /** The token embeddings, [batch, pos, d_model] (not in a block). */
    EMBED("hook_embed", false, false),
    /** The position embeddings, [pos, d_model] as they are added (not in a block). */
    POS_EMBED("hook_pos_embed", false, false),
    /** The residual stream entering a block, [batch, pos, d_model]. */
    RESID_PRE("hook_resid_pre", true, false),
    /** Each head's own copy of the stream its query reads, before its own ln_1: [batch, pos, head, d_model]. */
    Q_INPUT("hook_q_input", true, true),
    /** The same for the keys. */
    K_INPUT("hook_k_input", true, true),
    /** The same for the values. */
    V_INPUT("hook_v_input", true, true),
    /** Each head's attention output before W_O, [batch, pos, head, d_head]. */
    Z("attn.hook_z", true, false),
    /** Each head's output z · W_O, without the bias b_O: [batch, pos, head, d_model]. */
    RESULT("attn.hook_result", true, true),
    /** Attention probabilities, [batch, head, query_pos, key_pos]. */
    PATTERN("attn.hook_pattern", true, false),
    /** The stream the MLP reads, before ln_2, [batch, pos, d_model]. */
    MLP_IN("hook_mlp_in", true, true),
    /** The MLP's output added to the residual stream, [batch, pos, d_model]. */
    MLP_OUT("hook_mlp_out", true, false),
    /** The residual stream leaving a block, [batch, pos, d_model]; the last block's is what ln_final reads. */
    RESID_POST("hook_resid_post", true, false);

    private final String suffix;
    private final boolean inBlock;
    private final boolean optional;

    HookPoint(String suffix, boolean inBlock, boolean optional) {
        this.suffix = suffix;
        this.inBlock = inBlock;
        this.optional = optional;
    }

    /** Whether a pass computes this site only for a hook that asks for it. */
    public boolean optional() {
        return optional;
    }

    /** The TransformerLens name of this site, e.g. {@code blocks.5.attn.hook_z}, or {@code hook_embed} outside the blocks. */
    public String name(int layer) {
        return inBlock ? "blocks." + layer + "." + suffix : suffix;
    }
}
