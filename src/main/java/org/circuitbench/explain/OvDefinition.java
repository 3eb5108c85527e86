package org.circuitbench.explain;

import java.util.Locale;

/**
 * Which ln_1 the OV scores put their input through (docs/explain.md, section 4). Both take the
 * stream after block 0 ({@code blocks.1.hook_resid_pre}) at the labelled positions and normalise
 * it with its own statistics; they differ in whose learned scale and shift follow.
 */
public enum OvDefinition {
    /**
     * The paper's notebook as it ran: EasyTransformer's {@code from_pretrained} folds each layer's
     * ln_1 scale and shift into that layer's W_V and b_V ({@code fold_ln=True}), and
     * {@code model.blocks[1].attn.ln1} is then a parameterless {@code LayerNormPre}; so each
     * head's OWN layer's ln_1 is applied. This is what produced the published 87.37 % and 59.28 %
     * of head 9.1, and the default.
     */
    AS_RUN("as-run"),
    /** The paper's code as written ({@code model.blocks[1].attn.ln1} with its parameters): layer 1's ln_1 for every head. */
    LAYER1("layer1");

    public static final OvDefinition DEFAULT = AS_RUN;

    public final String id;

    OvDefinition(String id) {
        this.id = id;
    }

    /** The layer whose ln_1 a head of {@code headLayer} reads its input through. */
    public int lnLayer(int headLayer) {
        return this == AS_RUN ? headLayer : 1;
    }

    /** {@code as-run} or {@code layer1}. */
    public static OvDefinition parse(String spec) {
        String s = spec == null ? "" : spec.trim().toLowerCase(Locale.ROOT);
        for (OvDefinition d : values()) if (d.id.equals(s)) return d;
        throw new IllegalArgumentException("Unknown OV definition '" + org.circuitbench.util.Texts.cap(String.valueOf(spec))
                + "'; give as-run (each head's own ln_1, as the paper's notebook ran; the default) or layer1 (layer 1's ln_1 "
                + "for every head, as its code reads).");
    }
}
