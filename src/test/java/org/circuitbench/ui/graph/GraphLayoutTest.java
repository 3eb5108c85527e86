package org.circuitbench.ui.graph;

import org.circuitbench.ablation.Edge;
import org.circuitbench.ablation.EdgeGraph;
import org.circuitbench.ablation.Node;
import org.circuitbench.ablation.Receiver;
import org.circuitbench.ablation.Sender;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The graph's geometry: rows from embed up to the logits, q/k/v ports, hit tests and culling. */
class GraphLayoutTest {
    final EdgeGraph g = new EdgeGraph(12, 12);
    final GraphLayout layout = new GraphLayout(g);

    @Test
    void layersRunFromEmbedAtTheBottomToTheLogitsAtTheTop() {
        double embed = layout.centre(Sender.EMBED)[1], logits = layout.centre(Receiver.LOGITS)[1];
        assertTrue(embed > logits);
        double previous = embed;
        for (int l = 0; l < 12; l++) {
            double heads = layout.centre(Node.head(l, 0))[1], mlp = layout.centre(Node.mlp(l))[1];
            assertTrue(heads < previous && mlp < heads, "layer " + l + " sits above what feeds it");
            previous = mlp;
        }
        assertTrue(logits < previous);
    }

    @Test
    void aHeadsThreeInputsEnterAtThreePorts() {
        double q = end(g.id(g.parse("embed->5.3.q")));
        double k = end(g.id(g.parse("embed->5.3.k")));
        double v = end(g.id(g.parse("embed->5.3.v")));
        assertTrue(q < k && k < v);
    }

    @Test
    void theEdgeUnderTheMiddleOfAnEdgeIsThatEdge() {
        int found = 0;
        for (String name : new String[] {"4.4->9.1.k", "11.11->logits", "0.mlp->1.mlp", "embed->0.0.q", "3.2->3.mlp"}) {
            Edge e = g.parse(name);
            double[] m = layout.middle(g.id(e));
            double mx = m[0], my = m[1];
            assertEquals(g.id(e), layout.edgeAt(mx, my, 0.5, i -> i == g.id(e)), name);
            int any = layout.edgeAt(mx, my, 0.5, i -> true); // edges may cross here: whichever, it passes under the point
            assertTrue(any >= 0 && layout.distanceTo(any, mx, my) <= 0.5, name);
            found++;
        }
        assertEquals(5, found);
        assertEquals(-1, layout.edgeAt(-500, -500, 3, i -> true), "nothing far outside");
    }

    @Test
    void nodesAreHitInTheirBoxes() {
        double[] c = layout.centre(Node.head(7, 2));
        assertEquals(Node.head(7, 2), layout.nodeAt(c[0], c[1]));
        c = layout.centre(Node.mlp(3));
        assertEquals(Node.mlp(3), layout.nodeAt(c[0] + 5, c[1]));
        assertEquals(Receiver.LOGITS, layout.nodeAt(layout.width() / 2, layout.centre(Receiver.LOGITS)[1]));
        assertEquals(Sender.EMBED, layout.nodeAt(layout.width() / 2, layout.centre(Sender.EMBED)[1]));
        assertNull(layout.nodeAt(layout.width() / 2, (layout.centre(Node.head(2, 0))[1] + layout.centre(Node.head(3, 0))[1]) / 2 + 7));
    }

    @Test
    void cullingKeepsWhatCrossesTheView() {
        int id = g.id(g.parse("11.11->logits"));
        double[] s = layout.path(id);
        assertTrue(layout.visible(id, s[0] - 1, s[1] - 1, s[0] + 1, s[1] + 1));
        assertFalse(layout.visible(id, layout.width() + 10, 0, layout.width() + 20, 10));
    }

    /** Where an edge ends: its receiver's port (x). */
    double end(int id) {
        double[] p = layout.path(id);
        return p[p.length - 2];
    }

    /** §2.9: no edge passes through a node it does not join, on a 12 × 12 graph (as GPT-2 small) or a 4 × 4 one. */
    @Test
    void noEdgePassesThroughANodeItDoesNotJoin() {
        for (EdgeGraph graph : new EdgeGraph[] {g, new EdgeGraph(4, 4)}) {
            GraphLayout l = new GraphLayout(graph);
            var boxes = l.boxes();
            for (int id = 0; id < graph.edgeCount(); id++) {
                Edge e = graph.edge(id);
                Object to = e.receiver() instanceof Receiver.HeadInput in ? in.head() : e.receiver();
                double[] p = l.path(id);
                for (var b : boxes.entrySet()) {
                    if (b.getKey().equals(e.sender()) || b.getKey().equals(to)) continue;
                    double[] r0 = b.getValue();
                    for (int k = 0; k + 3 < p.length; k += 2) {
                        if (Math.max(p[k], p[k + 2]) < r0[0] || Math.min(p[k], p[k + 2]) > r0[2]
                                || Math.max(p[k + 1], p[k + 3]) < r0[1] || Math.min(p[k + 1], p[k + 3]) > r0[3]) continue; // nowhere near
                        for (int t = 0; t <= 100; t++) { // sampled along each leg: never inside another node's box
                            double x = p[k] + (p[k + 2] - p[k]) * t / 100.0, y = p[k + 1] + (p[k + 3] - p[k + 1]) * t / 100.0;
                            double[] r = b.getValue();
                            assertFalse(x > r[0] + 0.5 && x < r[2] - 0.5 && y > r[1] + 0.5 && y < r[3] - 0.5,
                                    e + " passes through " + b.getKey() + " at " + x + ", " + y);
                        }
                    }
                }
            }
        }
    }
}
