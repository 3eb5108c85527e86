package org.circuitbench.explain;

import java.util.ArrayList;
import java.util.List;

/**
 * Direct logit attribution of one pass (docs/explain.md): each component's share of the logit
 * difference through ln_f with its scale frozen from the pass's real final residual.
 * {@code heads[l][h]}, {@code attnBias[l]}, {@code mlp[l]}; with {@code embed} and {@code lnBias}
 * they sum to {@code logitDiff}. Plain data, for a view model or a session to hold.
 */
public record DirectLogitAttribution(double logitDiff, double embed, double[][] heads, double[] attnBias, double[] mlp,
                                     double lnBias) {

    /** One named value, as the {@code explain} command prints it. */
    public record Entry(String node, double value) {
    }

    public int layers() {
        return heads.length;
    }

    public double head(int layer, int head) {
        return heads[layer][head];
    }

    /** Every value in the printed order: embed, then per layer its heads, L.attn_bias, L.mlp; then ln_f.bias. */
    public List<Entry> entries() {
        List<Entry> out = new ArrayList<>();
        out.add(new Entry("embed", embed));
        for (int l = 0; l < heads.length; l++) {
            for (int h = 0; h < heads[l].length; h++) out.add(new Entry(l + "." + h, heads[l][h]));
            out.add(new Entry(l + ".attn_bias", attnBias[l]));
            out.add(new Entry(l + ".mlp", mlp[l]));
        }
        out.add(new Entry("ln_f.bias", lnBias));
        return out;
    }

    /** The sum of every entry; equals {@link #logitDiff()} up to float rounding (the tested identity). */
    public double total() {
        double s = 0;
        for (Entry e : entries()) s += e.value();
        return s;
    }
}
