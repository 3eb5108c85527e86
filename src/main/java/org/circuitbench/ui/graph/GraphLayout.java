package org.circuitbench.ui.graph;

import org.circuitbench.ablation.Edge;
import org.circuitbench.ablation.EdgeGraph;
import org.circuitbench.ablation.Node;
import org.circuitbench.ablation.Receiver;
import org.circuitbench.ablation.Sender;

/**
 * Where the edge graph's nodes and edges lie, in world units: layers as rows from {@code embed}
 * at the bottom to the logits at the top; a layer's heads in a row, its MLP to their right half
 * a row higher (it reads that layer's heads). An edge runs from the top of its sender to an input
 * port at the bottom of its receiver: a head has three, q on the left, k in the middle, v on the
 * right. No JavaFX here, so the geometry and the hit tests are unit-tested.
 */
public final class GraphLayout {
    public static final double COL = 60;    // width of a head's column
    public static final double ROW = 80;    // height of a layer's row
    public static final double NODE_W = 40;
    public static final double NODE_H = 20;

    private final EdgeGraph graph;
    private final double[] sx, sy;           // per sender: its output port (top centre)
    private final double[] rx, ry;           // per receiver: its input port
    private final double[][] segments;       // per edge id: x0, y0, x1, y1

    public GraphLayout(EdgeGraph graph) {
        this.graph = graph;
        sx = new double[graph.senderCount()];
        sy = new double[graph.senderCount()];
        rx = new double[graph.receiverCount()];
        ry = new double[graph.receiverCount()];
        for (int s = 0; s < sx.length; s++) {
            double[] c = centre(graph.sender(s));
            sx[s] = c[0];
            sy[s] = c[1] - NODE_H / 2;
        }
        for (int r = 0; r < rx.length; r++) {
            Receiver rec = graph.receiver(r);
            double[] c = centre(rec);
            double offset = rec instanceof Receiver.HeadInput in ? (in.channel().ordinal() - 1) * NODE_W / 3 : 0;
            rx[r] = c[0] + offset;
            ry[r] = c[1] + NODE_H / 2;
        }
        segments = new double[graph.edgeCount()][];
        for (int r = 0; r < rx.length; r++) {
            for (int s = 0; s < graph.sendersOf(r); s++) segments[graph.id(s, r)] = new double[] {sx[s], sy[s], rx[r], ry[r]};
        }
    }

    public EdgeGraph graph() {
        return graph;
    }

    public double width() {
        return (graph.heads() + 2) * COL;
    }

    public double height() {
        return (graph.layers() + 2) * ROW;
    }

    /** The centre of a node's box: embed, a head, an MLP, or the logits. */
    public double[] centre(Object node) {
        int layers = graph.layers(), heads = graph.heads();
        return switch (node) {
            case Sender.Embed e -> new double[] {width() / 2, height() - ROW / 2};
            case Receiver.Logits l -> new double[] {width() / 2, ROW / 2};
            case Node.Head h -> new double[] {COL * (h.head() + 0.5), height() - ROW * (h.layer() + 1.5)};
            case Node.Mlp m -> new double[] {COL * (heads + 1), height() - ROW * (m.layer() + 2)};
            case Receiver.HeadInput in -> centre(in.head());
            default -> throw new IllegalArgumentException("Not a node of the graph: " + node + " (" + layers + " layers)");
        };
    }

    /** The edge's segment: x0, y0 (sender's top) to x1, y1 (receiver's port). */
    public double[] segment(int id) {
        return segments[id];
    }

    /** The edge nearest to (x, y) within {@code tolerance} world units, or −1. */
    public int edgeAt(double x, double y, double tolerance, java.util.function.IntPredicate candidates) {
        int best = -1;
        double bestD = tolerance * tolerance;
        for (int id = 0; id < segments.length; id++) {
            if (!candidates.test(id)) continue;
            double[] g = segments[id];
            if (x < Math.min(g[0], g[2]) - tolerance || x > Math.max(g[0], g[2]) + tolerance
                    || y < Math.min(g[1], g[3]) - tolerance || y > Math.max(g[1], g[3]) + tolerance) continue;
            double d = distanceSquared(x, y, g);
            if (d <= bestD) {
                bestD = d;
                best = id;
            }
        }
        return best;
    }

    /** The node whose box holds (x, y): a sender (embed, head, MLP), the logits, or null. */
    public Object nodeAt(double x, double y) {
        if (inside(x, y, centre(Receiver.LOGITS), width() * 0.6)) return Receiver.LOGITS;
        for (int s = 0; s < graph.senderCount(); s++) {
            Sender sender = graph.sender(s);
            if (inside(x, y, centre(sender), sender instanceof Sender.Embed ? width() * 0.6 : NODE_W)) return sender;
        }
        return null;
    }

    private static boolean inside(double x, double y, double[] c, double w) {
        return Math.abs(x - c[0]) <= w / 2 && Math.abs(y - c[1]) <= NODE_H / 2;
    }

    public static double distanceSquared(double x, double y, double[] g) {
        double dx = g[2] - g[0], dy = g[3] - g[1];
        double len = dx * dx + dy * dy;
        double t = len == 0 ? 0 : Math.max(0, Math.min(1, ((x - g[0]) * dx + (y - g[1]) * dy) / len));
        double px = g[0] + t * dx - x, py = g[1] + t * dy - y;
        return px * px + py * py;
    }

    /** Whether the segment's bounding box meets the rectangle (culling). */
    public boolean visible(int id, double minX, double minY, double maxX, double maxY) {
        double[] g = segments[id];
        return Math.max(g[0], g[2]) >= minX && Math.min(g[0], g[2]) <= maxX && Math.max(g[1], g[3]) >= minY && Math.min(g[1], g[3]) <= maxY;
    }

    public Edge edge(int id) {
        return graph.edge(id);
    }
}
