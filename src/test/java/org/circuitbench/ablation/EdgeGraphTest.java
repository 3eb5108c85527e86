package org.circuitbench.ablation;

import com.fasterxml.jackson.databind.JsonNode;
import org.circuitbench.TestData;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The graph of edges.md: its size, its names, its pruning order, and one-line errors for bad edges. */
class EdgeGraphTest {

    @Test
    void gpt2SmallHas32491Edges() {
        assertEquals(32491, new EdgeGraph(12, 12).edgeCount());
    }

    @Test
    void edgeCountAndPruningOrderEqualTheFixtures() {
        for (Path c : TestData.casesWith("edges-expected.json")) {
            JsonNode e = TestData.expected(c, "edges-expected.json").orElseThrow();
            var cfg = TestData.task(c).model().config();
            EdgeGraph g = new EdgeGraph(cfg.nLayer(), cfg.nHead());
            assertEquals(e.get("edge_count").asInt(), g.edgeCount(), c.getFileName().toString());
            List<String> want = new ArrayList<>();
            e.get("edge_order").forEach(n -> want.add(n.asText()));
            assertEquals(want, g.pruningOrder().stream().map(Edge::toString).toList(), c.getFileName().toString());
        }
    }

    @Test
    void idsAndNamesRoundTrip() {
        EdgeGraph g = new EdgeGraph(4, 4);
        var seen = new HashSet<Integer>();
        for (Edge e : g.pruningOrder()) {
            int id = g.id(e);
            assertTrue(seen.add(id), "ids are unique");
            assertEquals(e, g.edge(id));
            assertEquals(e, g.parse(e.toString()));
        }
        assertEquals(g.edgeCount(), seen.size());
        for (int s = 0; s < g.senderCount(); s++) assertEquals(s, g.senderIndex(g.sender(s)));
        for (int r = 0; r < g.receiverCount(); r++) assertEquals(r, g.receiverIndex(g.receiver(r)));
    }

    @Test
    void namesPrintAsEdgesMdWritesThem() {
        EdgeGraph g = new EdgeGraph(12, 12);
        for (String s : List.of("embed->0.3.q", "4.4->9.1.k", "2.mlp->logits", "5.7->5.mlp", "11.11->logits", "0.mlp->1.0.v")) {
            assertEquals(s, g.parse(s).toString());
        }
        Edge e = g.parse("4.4->9.1.k");
        assertEquals("blocks.4.attn.hook_result", e.sender().outputHook());
        assertEquals("blocks.9.hook_k_input", e.receiver().inputHook());
        assertEquals("blocks.5.hook_mlp_in", g.parse("5.7->5.mlp").receiver().inputHook());
    }

    @Test
    void badEdgesGetOneLineMessages() {
        EdgeGraph g = new EdgeGraph(12, 12);
        for (String bad : List.of("9.1->4.4.q", "5.7->5.3.q", "5.mlp->5.mlp", "4.4->9.1", "4.4->9.1.x", "foo->9.1.q",
                "4.4->logit", "12.0->logits", "4.4", "embed->0.12.q", "")) {
            var ex = assertThrows(IllegalArgumentException.class, () -> g.parse(bad), bad);
            assertFalse(ex.getMessage().contains("\n"), ex.getMessage());
            assertFalse(ex.getMessage().isBlank());
        }
        assertTrue(assertThrows(IllegalArgumentException.class, () -> g.parse("9.1->4.4.q")).getMessage().contains("does not exist"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> g.parse("4.4->9.1")).getMessage().contains("q, k or v"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> g.parse("foo->9.1.q")).getMessage().contains("Unknown sender"));
    }

    @Test
    void inducedEdgesOfAllNodesAreAllEdges() {
        EdgeGraph g = new EdgeGraph(4, 4);
        assertEquals(EdgeCircuit.all(g), EdgeCircuit.induced(g, Circuit.all(4, 4)));
        assertEquals(EdgeCircuit.all(g), EdgeCircuit.induced(g, Circuit.allWithMlps(4, 4)));
        // without a head, none of its edges remain; MLPs count as present when C has no MLP nodes
        EdgeCircuit c = EdgeCircuit.induced(g, Circuit.all(4, 4).without(Node.head(2, 1)));
        assertFalse(c.contains(g.parse("2.1->logits")));
        assertFalse(c.contains(g.parse("0.0->2.1.q")));
        assertTrue(c.contains(g.parse("1.3->2.mlp")));
        assertEquals(Circuit.all(4, 4).without(Node.head(2, 1)), c.nodes());
    }

    @Test
    void setOperationsOnEdges() {
        EdgeGraph g = new EdgeGraph(4, 4);
        EdgeCircuit a = EdgeCircuit.parse("embed->logits,0.1->logits,1.2->3.0.k", g);
        EdgeCircuit b = EdgeCircuit.parse("0.1->logits,2.mlp->logits", g);
        assertEquals(List.of("0.1->logits"), a.combine(SetOperation.INTERSECTION, b).toStrings());
        assertEquals(4, a.combine(SetOperation.UNION, b).size());
        assertEquals(EdgeCircuit.parse("embed->logits,1.2->3.0.k", g), a.combine(SetOperation.DIFFERENCE, b));
    }
}
