package org.circuitbench.explain;

import java.util.ArrayList;
import java.util.List;

/**
 * The logit lens of one pass: the logit difference read through ln_f and the unembedding from the
 * stream after each layer's attention ({@code afterAttn[l]}) and after its MLP ({@code afterMlp[l]}).
 * The last point is the pass's logit difference.
 */
public record LogitLens(double[] afterAttn, double[] afterMlp) {

    public record Point(String after, double logitDiff) {
    }

    /** 0.attn, 0.mlp, 1.attn, … in the order the stream passes them. */
    public List<Point> points() {
        List<Point> out = new ArrayList<>();
        for (int l = 0; l < afterAttn.length; l++) {
            out.add(new Point(l + ".attn", afterAttn[l]));
            out.add(new Point(l + ".mlp", afterMlp[l]));
        }
        return out;
    }

    public double last() {
        return afterMlp[afterMlp.length - 1];
    }
}
