package org.circuitbench.ui.heads;

import org.circuitbench.ablation.Circuit;
import org.circuitbench.ablation.Node;
import org.circuitbench.explain.DirectLogitAttribution;
import org.circuitbench.explain.Explainer;
import org.circuitbench.explain.Explanation;
import org.circuitbench.explain.HeadAttribution;
import org.circuitbench.explain.HeadTypes;
import org.circuitbench.explain.LabelAttention;
import org.circuitbench.explain.OvScores;
import org.circuitbench.explain.Scope;
import org.circuitbench.search.Importance;
import org.circuitbench.ui.common.Cells;

import java.util.Arrays;
import java.util.Locale;

/**
 * One measure on the grid: {@code values[l][h]} (NaN: none, e.g. a head outside the circuit),
 * {@code mlp[l]} or null when the measure has no MLP column, the circuit to outline (or null),
 * the colour range, and whether it is signed (a diverging scale around 0).
 */
public record Heatmap(HeadMeasure measure, String scope, double[][] values, double[] mlp, Circuit outline, double lo,
                      double hi, boolean diverging, String format, String caption) {
    public int layers() {
        return values.length;
    }

    public int heads() {
        return values.length == 0 ? 0 : values[0].length;
    }

    public double value(Node n) {
        return switch (n) {
            case Node.Head h -> values[h.layer()][h.head()];
            case Node.Mlp m -> mlp == null ? Double.NaN : mlp[m.layer()];
        };
    }

    /**
     * A value as its cell shows it: "–" for none; never "-0.00"; and never wider than a cell: a
     * large value drops decimals (150.27 reads "150", −12.345 "−12.3"), its tooltip keeps them all.
     */
    public String text(double v) {
        if (Double.isNaN(v)) return "–";
        String s = Cells.format(format, v);
        for (int decimals = 1; decimals >= 0 && s.replace("-", "").length() > 4; decimals--) {
            String shorter = Cells.format("%." + decimals + "f", v);
            if (shorter.length() < s.length()) s = shorter;
        }
        return s;
    }

    /**
     * The heatmap of one measure of scope {@code s}, from what is computed ({@code x}, {@code est},
     * {@code r}; null: not computed), or null when it is not; {@code onGrid} is outlined for the full model.
     */
    static Heatmap of(HeadMeasure m, String scopeName, Scope s, Circuit onGrid, Explanation x, HeadAttribution est, Importance.Result r) {
        Circuit outline = switch (s) {
            case Scope.Full f -> onGrid;
            case Scope.Nodes n -> n.circuit();
            case Scope.Edges e -> e.circuit().nodes();
        };
        String outlined = outline == null ? "" : s instanceof Scope.Full ? " Outlined: the grid's circuit." : " Outlined: the circuit's nodes.";
        return switch (m.kind()) {
            case DLA -> {
                DirectLogitAttribution d = x == null ? null : x.dla();
                yield d == null ? null : signed(m, scopeName, d.heads(), d.mlp(), outline, "%.2f", String.format(Locale.ROOT,
                        "Each head's and MLP's direct share of the logit difference at end (logits). With embed %.3f, the "
                                + "attention biases and ln_f's bias %.3f they sum to the pass's logit difference %.4f.%s",
                        d.embed(), d.lnBias(), d.logitDiff(), outlined));
            }
            case ATTENTION -> {
                LabelAttention a = x == null ? null : x.attention();
                if (a == null || !a.labels().contains(m.label())) yield null;
                double[][] v = a.values()[a.labels().indexOf(m.label())];
                yield new Heatmap(m, scopeName, v, null, outline, 0, 1, false, "%.2f",
                        "Mean attention weight from end to " + m.label() + ", over the clean prompts that have it." + outlined);
            }
            case OV_NEXT, OV_COPY -> {
                OvScores o = x == null ? null : x.ov();
                if (o == null) yield null;
                boolean next = m.kind() == HeadMeasure.Kind.OV_NEXT;
                yield new Heatmap(m, scopeName, next ? o.next() : o.copy(), null, outline, 0, 100, false, "%.0f",
                        String.format(Locale.ROOT, "%% of the %d (prompt, label) pairs whose %s is among the head's OV top %d tokens%s.%s",
                                o.pairs(), next ? "successor" : "own token", Explainer.TOP_K,
                                next ? " (" + o.pairsWithSuccessor() + " have a successor)" : "", outlined));
            }
            case PREVIOUS_TOKEN, DUPLICATE_TOKEN, INDUCTION -> {
                HeadTypes t = x == null ? null : x.heads();
                if (t == null) yield null;
                double[][] v = m.kind() == HeadMeasure.Kind.PREVIOUS_TOKEN ? t.previousToken() : m.kind() == HeadMeasure.Kind.DUPLICATE_TOKEN ? t.duplicateToken() : t.induction();
                yield new Heatmap(m, scopeName, v, null, outline, 0, 1, false, "%.2f", String.format(Locale.ROOT,
                        "TransformerLens head_detector score on %d sequences of %d random tokens repeated twice; always the full model's.%s",
                        t.batch(), t.halfLength(), outlined));
            }
            case EXACT -> {
                if (r == null) yield null;
                int layers = outline != null ? outline.layers() : r.circuit().layers(), heads = r.circuit().heads();
                double[][] v = nan(layers, heads);
                double[] mlp = r.circuit().hasMlpNodes() ? nanRow(layers) : null;
                for (Importance.Entry e : r.entries()) {
                    double d = e.drop(r.circuitScore());
                    if (e.node() instanceof Node.Head h) v[h.layer()][h.head()] = d;
                    else if (mlp != null) mlp[e.node().layer()] = d;
                }
                yield signed(m, scopeName, v, mlp, outline, "%.1f", String.format(Locale.ROOT,
                        "Points the circuit's score (%.2f %%) loses without each node: the exact importance sweep, one ablated pass per node%s.%s",
                        r.circuitScore(), r.cancelled() ? " (cancelled: partial)" : "", outlined));
            }
            case ATTRIBUTION -> est == null ? null : signed(m, scopeName, est.heads(), est.mlp(), outline, "%.1f", String.format(Locale.ROOT,
                    "Estimated points the score (%.2f %%) loses without each node: edge attribution patching, one forward and one "
                            + "backward pass (minus the sum over the node's kept out-edges).%s", est.score(), outlined));
        };
    }

    /**
     * A signed measure on a scale symmetric around 0, set by the heads (the grid's subject): MLPs,
     * often larger, would wash the heads out, so an MLP beyond the scale is drawn at its end (its
     * value is written in the cell all the same).
     */
    private static Heatmap signed(HeadMeasure m, String scope, double[][] v, double[] mlp, Circuit outline, String format, String caption) {
        double max = 0, mlpMax = 0;
        for (double[] row : v) for (double d : row) if (!Double.isNaN(d)) max = Math.max(max, Math.abs(d));
        if (mlp != null) for (double d : mlp) if (!Double.isNaN(d)) mlpMax = Math.max(mlpMax, Math.abs(d));
        if (max == 0) max = mlpMax > 0 ? mlpMax : 1;
        String note = mlpMax > max ? " The colours span the heads' values; an MLP beyond them is drawn at the end of the scale." : "";
        return new Heatmap(m, scope, v, mlp, outline, -max, max, true, format, caption + note);
    }

    private static double[][] nan(int layers, int heads) {
        double[][] v = new double[layers][heads];
        for (double[] row : v) Arrays.fill(row, Double.NaN);
        return v;
    }

    private static double[] nanRow(int n) {
        double[] v = new double[n];
        Arrays.fill(v, Double.NaN);
        return v;
    }
}
