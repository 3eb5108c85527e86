package org.circuitbench.ui.graph;

import org.circuitbench.ablation.EdgeAttribution;
import org.circuitbench.ablation.EdgeCircuit;
import org.circuitbench.ablation.EdgeGraph;
import org.circuitbench.ablation.Receiver;
import org.circuitbench.ablation.Sender;

import java.util.Locale;

/** The graph as an SVG file, drawn as the canvas draws it (same layout, colours and widths). */
final class GraphSvg {
    private GraphSvg() {
    }

    static String svg(GraphLayout layout, EdgeCircuit c, EdgeAttribution attribution) {
        EdgeGraph g = layout.graph();
        double max = 0;
        if (attribution != null) {
            for (int id = c.ids().nextSetBit(0); id >= 0; id = c.ids().nextSetBit(id + 1)) {
                double a = attribution.of(g.edge(id));
                if (!Double.isNaN(a)) max = Math.max(max, Math.abs(a));
            }
        }
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\">%n",
                layout.width(), layout.height(), layout.width(), layout.height()));
        sb.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n<g stroke-linecap=\"round\">\n");
        var ids = c.ids();
        for (int id = ids.nextSetBit(0); id >= 0; id = ids.nextSetBit(id + 1)) {
            double[] p = layout.path(id);
            StringBuilder points = new StringBuilder();
            for (int k = 0; k < p.length; k += 2) points.append(k == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.1f,%.1f", p[k], p[k + 1]));
            double a = attribution == null ? Double.NaN : attribution.of(g.edge(id));
            String colour = Double.isNaN(a) ? "#5f6b7a" : a < 0 ? "#c0392b" : "#2e86c1";
            double width = Double.isNaN(a) || max == 0 ? 0.5 : 0.25 + 7.75 * Math.abs(a) / max;
            sb.append(String.format(Locale.ROOT, "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"%.2f\" stroke-opacity=\"%.2f\"><title>%s%s</title></polyline>%n",
                    points, colour, width, width < 1 ? Math.max(0.15, width) : 0.85, g.edge(id),
                    Double.isNaN(a) ? "" : String.format(Locale.ROOT, " %+.4f", a)));
        }
        sb.append("</g>\n<g font-family=\"Helvetica\" font-size=\"10\" text-anchor=\"middle\">\n");
        for (int s = 0; s < g.senderCount(); s++) {
            Sender sender = g.sender(s);
            node(sb, layout.centre(sender), sender instanceof Sender.Embed ? layout.width() * 0.6 : GraphLayout.NODE_W, c.hasOutEdge(s), sender.toString());
        }
        node(sb, layout.centre(Receiver.LOGITS), layout.width() * 0.6, true, "logits");
        return sb.append("</g>\n</svg>\n").toString();
    }

    private static void node(StringBuilder sb, double[] c, double w, boolean alive, String label) {
        double h = GraphLayout.NODE_H;
        sb.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" rx=\"3\" fill=\"%s\" stroke=\"#8896a6\" stroke-width=\"0.5\"/>%n",
                c[0] - w / 2, c[1] - h / 2, w, h, alive ? "#2b6cb0" : "#e8ecf1"));
        sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" fill=\"%s\">%s</text>%n", c[0], c[1] + 3.5, alive ? "white" : "#333", label));
    }
}
