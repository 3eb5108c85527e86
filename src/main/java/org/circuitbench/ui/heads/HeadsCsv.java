package org.circuitbench.ui.heads;

import org.circuitbench.ablation.Node;
import org.circuitbench.explain.DirectLogitAttribution;
import org.circuitbench.explain.Explanation;
import org.circuitbench.explain.HeadAttribution;
import org.circuitbench.explain.LogitLens;
import org.circuitbench.search.Importance;

import java.util.ArrayList;
import java.util.List;

/** The Heads view's CSV exports: a heatmap's measure per node, and the logit lens per point. */
final class HeadsCsv {
    private HeadsCsv() {
    }

    /**
     * The shown measure: each node and its value; DLA with the exact per-component values of
     * {@code x}; the drops with the estimate and the exact sweep side by side.
     */
    static String measure(Heatmap h, Explanation x, HeadAttribution est, Importance.Result r) {
        StringBuilder sb = new StringBuilder();
        HeadMeasure m = h.measure();
        if (m.kind() == HeadMeasure.Kind.DLA) {
            DirectLogitAttribution d = x.dla();
            sb.append("node,dla\n");
            for (DirectLogitAttribution.Entry e : d.entries()) sb.append(e.node()).append(',').append(num(e.value())).append('\n');
            return sb.toString();
        }
        if (m.kind() == HeadMeasure.Kind.EXACT || m.kind() == HeadMeasure.Kind.ATTRIBUTION) {
            sb.append("node,estimated_drop,exact_drop\n");
            for (Node n : nodes(h)) {
                double e = est == null ? Double.NaN : est.drop(n), exact = Double.NaN;
                if (r != null) {
                    for (Importance.Entry en : r.entries()) if (en.node().equals(n)) exact = en.drop(r.circuitScore());
                }
                if (Double.isNaN(e) && Double.isNaN(exact)) continue;
                sb.append(n).append(',').append(num(e)).append(',').append(num(exact)).append('\n');
            }
            return sb.toString();
        }
        sb.append("node,").append(m.id()).append('\n');
        for (Node n : nodes(h)) sb.append(n).append(',').append(num(h.value(n))).append('\n');
        return sb.toString();
    }

    /** The logit lens: each point, then each line's value there. */
    static String lens(List<HeadsViewModel.LensSeries> lens) {
        StringBuilder sb = new StringBuilder("after");
        for (HeadsViewModel.LensSeries s : lens) sb.append(',').append(s.name().replace(',', ' '));
        sb.append('\n');
        List<LogitLens.Point> first = lens.get(0).lens().points();
        for (int i = 0; i < first.size(); i++) {
            sb.append(first.get(i).after());
            for (HeadsViewModel.LensSeries s : lens) sb.append(',').append(num(s.lens().points().get(i).logitDiff()));
            sb.append('\n');
        }
        return sb.toString();
    }

    private static List<Node> nodes(Heatmap h) {
        List<Node> out = new ArrayList<>();
        for (int l = 0; l < h.layers(); l++) {
            for (int k = 0; k < h.heads(); k++) out.add(Node.head(l, k));
            if (h.mlp() != null) out.add(Node.mlp(l));
        }
        return out;
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "" : Double.toString(v);
    }
}
