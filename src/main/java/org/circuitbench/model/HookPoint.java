package org.circuitbench.model;

/**
 * Named activation sites, spelled as TransformerLens spells them ({@code blocks.5.attn.hook_z}),
 * so that researchers recognise them.
 */
public enum HookPoint {
    /** The residual stream entering a block, [batch, pos, d_model]. */
    RESID_PRE("hook_resid_pre"),
    /** Each head's attention output before W_O, [batch, pos, head, d_head]. */
    Z("attn.hook_z"),
    /** Attention probabilities, [batch, head, query_pos, key_pos]. */
    PATTERN("attn.hook_pattern"),
    /** The MLP's output added to the residual stream, [batch, pos, d_model]. */
    MLP_OUT("hook_mlp_out");

    private final String suffix;

    HookPoint(String suffix) {
        this.suffix = suffix;
    }

    /** The TransformerLens name of this site in a layer, e.g. {@code blocks.5.attn.hook_z}. */
    public String name(int layer) {
        return "blocks." + layer + "." + suffix;
    }
}
