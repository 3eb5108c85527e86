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
 * right. An edge whose straight line would pass through another node goes around: up the lane
 * between two columns, entering and leaving it in the free bands between the rows. No JavaFX here,
 * so the geometry and the hit tests are unit-tested.
 */
public final class GraphLayout {
    public static final double COL = 60;    // width of a head's column
    public static final double ROW = 80;    // height of a layer's row
    public static final double NODE_W = 40;
    public static final double NODE_H = 20;

    private final EdgeGraph graph;
    private final double[] sx, sy;           // per sender: its output port (top centre)
    private final double[] rx, ry;           // per receiver: its input port
    private final double[][] paths;          // per edge id: its polyline x0, y0, x1, y1, … from the sender's top to the receiver's port
    private final double[][] boxes;          // every node's box: x0, y0, x1, y1, and the sender or receiver it is (its index in nodes)
    private final Object[] nodes;

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
        nodes = new Object[graph.senderCount() + 1];
        boxes = new double[nodes.length][];
        for (int s = 0; s < graph.senderCount(); s++) {
            nodes[s] = graph.sender(s);
            boxes[s] = box(graph.sender(s));
        }
        nodes[nodes.length - 1] = Receiver.LOGITS;
        boxes[nodes.length - 1] = box(Receiver.LOGITS);
        paths = new double[graph.edgeCount()][];
        for (int r = 0; r < rx.length; r++) {
            Object receiverNode = graph.receiver(r) instanceof Receiver.HeadInput in ? in.head() : graph.receiver(r);
            for (int s = 0; s < graph.sendersOf(r); s++) paths[graph.id(s, r)] = route(sx[s], sy[s], rx[r], ry[r], graph.sender(s), receiverNode);
        }
    }

    /** A node's box: x0, y0, x1, y1 (embed and the logits span most of the width). */
    private double[] box(Object node) {
        double[] c = centre(node);
        double w = node instanceof Sender.Embed || node instanceof Receiver.Logits ? width() * 0.6 : NODE_W;
        return new double[] {c[0] - w / 2, c[1] - NODE_H / 2, c[0] + w / 2, c[1] + NODE_H / 2};
    }

    /**
     * The way from (x0, y0) up to (x1, y1): straight when that passes through no other node; else
     * into the band above the sender, up the nearest lane between two columns (left of the MLPs),
     * and from the band below the receiver into its port.
     */
    private double[] route(double x0, double y0, double x1, double y1, Object from, Object to) {
        double[] straight = {x0, y0, x1, y1};
        if (clear(straight, from, to)) return straight;
        double lane = Math.max(0, Math.min(graph.heads(), Math.round((x0 + x1) / 2 / COL))) * COL;
        return new double[] {x0, y0, lane, y0 - band(from), lane, y1 + band(to), x1, y1};
    }

    /**
     * How far from a node's edge the way turns into its lane: the middle of the free band beside it.
     * An MLP sits half a row above its layer's heads, so its bands are narrower.
     */
    private static double band(Object node) {
        return node instanceof Node.Mlp ? (ROW / 2 - NODE_H) / 2 : (ROW - NODE_H) / 2;
    }

    /** Whether every leg of {@code path} keeps out of every box but its two ends'. */
    private boolean clear(double[] path, Object from, Object to) {
        for (int i = 0; i < nodes.length; i++) {
            if (nodes[i].equals(from) || nodes[i].equals(to)) continue;
            double[] b = boxes[i];
            for (int k = 0; k + 3 < path.length; k += 2) {
                if (crosses(path[k], path[k + 1], path[k + 2], path[k + 3], b)) return false;
            }
        }
        return true;
    }

    /** Whether the segment passes inside the box (touching its border is not crossing). Liang–Barsky clipping. */
    static boolean crosses(double x0, double y0, double x1, double y1, double[] box) {
        double inset = 0.5, t0 = 0, t1 = 1, dx = x1 - x0, dy = y1 - y0;
        double[] p = {-dx, dx, -dy, dy};
        double[] q = {x0 - (box[0] + inset), (box[2] - inset) - x0, y0 - (box[1] + inset), (box[3] - inset) - y0};
        for (int i = 0; i < 4; i++) {
            if (p[i] == 0) {
                if (q[i] < 0) return false;
            } else {
                double r = q[i] / p[i];
                if (p[i] < 0) t0 = Math.max(t0, r);
                else t1 = Math.min(t1, r);
                if (t0 > t1) return false;
            }
        }
        return true;
    }

    /** Every node's box, x0, y0, x1, y1 (for tests and drawing). */
    public java.util.Map<Object, double[]> boxes() {
        java.util.Map<Object, double[]> out = new java.util.LinkedHashMap<>();
        for (int i = 0; i < nodes.length; i++) out.put(nodes[i], boxes[i].clone());
        return out;
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

    /** The edge's way: a polyline x0, y0, x1, y1, … from its sender's top to its receiver's port. */
    public double[] path(int id) {
        return paths[id];
    }

    /** How far (x, y) is from the edge's way, in world units. */
    public double distanceTo(int id, double x, double y) {
        double[] p = paths[id];
        double best = Double.POSITIVE_INFINITY;
        for (int k = 0; k + 3 < p.length; k += 2) best = Math.min(best, distanceSquared(x, y, new double[] {p[k], p[k + 1], p[k + 2], p[k + 3]}));
        return Math.sqrt(best);
    }

    /** A point in the middle of the edge's way (for tests and scripted clicks). */
    public double[] middle(int id) {
        double[] p = paths[id];
        int k = p.length == 4 ? 0 : 2; // a routed edge: the middle of its lane
        return new double[] {(p[k] + p[k + 2]) / 2, (p[k + 1] + p[k + 3]) / 2};
    }

    /** The edge nearest to (x, y) within {@code tolerance} world units, or −1. */
    public int edgeAt(double x, double y, double tolerance, java.util.function.IntPredicate candidates) {
        int best = -1;
        double bestD = tolerance * tolerance;
        for (int id = 0; id < paths.length; id++) {
            if (!candidates.test(id)) continue;
            double[] p = paths[id];
            for (int k = 0; k + 3 < p.length; k += 2) {
                double[] g = {p[k], p[k + 1], p[k + 2], p[k + 3]};
                if (x < Math.min(g[0], g[2]) - tolerance || x > Math.max(g[0], g[2]) + tolerance
                        || y < Math.min(g[1], g[3]) - tolerance || y > Math.max(g[1], g[3]) + tolerance) continue;
                double d = distanceSquared(x, y, g);
                if (d <= bestD) {
                    bestD = d;
                    best = id;
                }
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

    /** Whether the edge's bounding box meets the rectangle (culling). */
    public boolean visible(int id, double minX, double minY, double maxX, double maxY) {
        double[] p = paths[id];
        double x0 = Double.POSITIVE_INFINITY, x1 = Double.NEGATIVE_INFINITY, y0 = Double.POSITIVE_INFINITY, y1 = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < p.length; k += 2) {
            x0 = Math.min(x0, p[k]);
            x1 = Math.max(x1, p[k]);
            y0 = Math.min(y0, p[k + 1]);
            y1 = Math.max(y1, p[k + 1]);
        }
        return x1 >= minX && x0 <= maxX && y1 >= minY && y0 <= maxY;
    }

    public Edge edge(int id) {
        return graph.edge(id);
    }
}
