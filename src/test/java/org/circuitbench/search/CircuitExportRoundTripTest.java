package org.circuitbench.search;

import org.circuitbench.ablation.Circuit;
import org.circuitbench.ablation.Edge;
import org.circuitbench.ablation.EdgeCircuit;
import org.circuitbench.ablation.EdgeGraph;
import org.circuitbench.ablation.Level;
import org.circuitbench.ablation.Node;
import org.circuitbench.ablation.SetOperation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every export format reads back as exactly the circuit it was written from, MLP nodes included. */
class CircuitExportRoundTripTest {
    static final int L = 12, H = 12;

    /** Circuits that differ in what their MLPs do; each is a prune's end, from a start. */
    static Map<String, Circuit[]> cases() {
        Map<String, Circuit[]> m = new LinkedHashMap<>();
        Circuit all = Circuit.all(L, H), allMlp = Circuit.allWithMlps(L, H);
        m.put("heads only", new Circuit[] {all, Circuit.parse("0.1,4.4,9.1", L, H)});
        m.put("heads and some MLPs", new Circuit[] {allMlp, Circuit.parse("0.1,4.4,0.mlp,3.mlp,11.mlp", L, H)});
        m.put("MLP nodes, none kept", new Circuit[] {allMlp, allMlp.combine(SetOperation.DIFFERENCE, Circuit.allWithMlps(L, H))
                .combine(SetOperation.UNION, Circuit.parse("5.5", L, H)).combine(SetOperation.DIFFERENCE, Circuit.parse("0.mlp", L, H))});
        Circuit everyMlp = allMlp;
        for (int l = 0; l < L; l++) for (int h = 0; h < H; h++) if ((l + h) % 3 != 0) everyMlp = everyMlp.without(Node.head(l, h));
        m.put("MLP nodes, all kept", new Circuit[] {allMlp, everyMlp});
        m.put("empty", new Circuit[] {all, Circuit.none(L, H)});
        m.put("all", new Circuit[] {all, all});
        Circuit oddStart = Circuit.of(L, H, List.of(Node.head(1, 1), Node.head(2, 2), Node.head(3, 3)), true);
        m.put("from a start whose MLPs are nodes, none kept", new Circuit[] {oddStart, oddStart.without(Node.head(2, 2))});
        return m;
    }

    static PruneResult<Node, Circuit> result(Circuit start, Circuit end) {
        List<Removal<Node>> removals = new ArrayList<>();
        int i = 0;
        for (Node n : start.nodes()) if (!end.contains(n)) removals.add(new Removal<>(n, 99.0 - i, 0.01 * ++i, 1));
        return new PruneResult<>(new PruneSettings<>(SearchMethod.BACKWARD, 3, start, 0, 200), end, 97.5, removals, 42, 1, 0.5, false, 0, null);
    }

    @Test
    void eachFormatReadsBackExactly(@TempDir Path dir) throws Exception {
        for (var e : cases().entrySet()) {
            Circuit start = e.getValue()[0], end = e.getValue()[1];
            assertTrue(end.hasMlpNodes() || !e.getKey().contains("MLP nodes"), "the case is what it says: " + e.getKey());
            for (CircuitFormats.Format f : CircuitFormats.formats(org.circuitbench.ablation.Level.NODES)) {
                String text = CircuitFormats.export(f, result(start, end), "m", "t");
                Path file = dir.resolve("c-" + f);
                Files.writeString(file, text + "\n", StandardCharsets.UTF_8);
                Circuit back = CircuitReader.read("@" + file, L, H);
                assertEquals(end, back, f + " of '" + e.getKey() + "' reads back as written:\n" + text);
                for (int l = 0; l < L; l++) assertEquals(end.keepsMlp(l), back.keepsMlp(l), f + " " + e.getKey() + ": MLP " + l);
            }
        }
    }

    /** Edge circuits of every kind, each a greedy prune's end from a start. */
    static Map<String, EdgeCircuit[]> edgeCases() {
        EdgeGraph g = new EdgeGraph(L, H);
        Map<String, EdgeCircuit[]> m = new LinkedHashMap<>();
        EdgeCircuit all = EdgeCircuit.all(g);
        java.util.BitSet half = new java.util.BitSet();
        java.util.SplittableRandom rng = new java.util.SplittableRandom(3);
        for (int i = 0; i < g.edgeCount(); i++) if (rng.nextBoolean()) half.set(i);
        m.put("all", new EdgeCircuit[] {all, all});
        m.put("none", new EdgeCircuit[] {all, EdgeCircuit.none(g)});
        m.put("a random half", new EdgeCircuit[] {all, EdgeCircuit.ofIds(g, half)});
        EdgeCircuit induced = EdgeCircuit.induced(g, Circuit.parse("0.1,4.4,9.1", L, H));
        m.put("induced, less one edge into a value", new EdgeCircuit[] {induced, induced.without(g.parse("0.1->4.4.v"))});
        m.put("one edge into the logits", new EdgeCircuit[] {all, EdgeCircuit.of(g, List.of(g.parse("11.mlp->logits")))});
        return m;
    }

    static PruneResult<Edge, EdgeCircuit> edgeResult(EdgeCircuit start, EdgeCircuit end) {
        List<Removal<Edge>> removals = new ArrayList<>();
        int i = 0;
        for (Edge e : start.edges()) if (!end.contains(e)) removals.add(new Removal<>(e, 99.0 - 1e-3 * i, 0.01 * ++i, 1));
        return new PruneResult<>(PruneSettings.of(SearchMethod.GREEDY, 3, start, start.toSpec()), end, 97.5, removals, removals.size(), 1,
                0.5, false, 0, org.circuitbench.ablation.Method.DEFAULT);
    }

    @Test
    void eachEdgeFormatReadsBackExactly(@TempDir Path dir) throws Exception {
        EdgeGraph g = new EdgeGraph(L, H);
        assertEquals(List.of(CircuitFormats.Format.JSON, CircuitFormats.Format.PYTHON, CircuitFormats.Format.CSV, CircuitFormats.Format.DOT),
                CircuitFormats.formats(Level.EDGES));
        for (var e : edgeCases().entrySet()) {
            EdgeCircuit start = e.getValue()[0], end = e.getValue()[1];
            for (CircuitFormats.Format f : CircuitFormats.formats(Level.EDGES)) {
                String text = CircuitFormats.export(f, edgeResult(start, end), "m", "t");
                Path file = dir.resolve("e-" + f);
                Files.writeString(file, text + "\n", StandardCharsets.UTF_8);
                assertEquals(end, CircuitReader.readEdges("@" + file, g), f + " of '" + e.getKey() + "' reads back as written");
            }
        }
    }

    /** A node circuit's DOT is the graph of the edges it induces: read as edges, it is exactly those. */
    @Test
    void aNodeCircuitsDotReadsAsItsInducedEdges(@TempDir Path dir) throws Exception {
        EdgeGraph g = new EdgeGraph(L, H);
        for (var e : cases().entrySet()) {
            Circuit end = e.getValue()[1];
            Path file = dir.resolve("n.dot");
            Files.writeString(file, CircuitFormats.export(CircuitFormats.Format.DOT, end, "m", "t"));
            assertEquals(EdgeCircuit.induced(g, end), CircuitReader.readEdges("@" + file, g), e.getKey());
            assertEquals(EdgeCircuit.induced(g, end), CircuitReader.readEdges("induced:@" + file, g), e.getKey() + ", as induced:@file");
        }
    }

    /** A DOT file someone edited by hand reads as long as it is a circuit's graph, and is refused with its line where it is not. */
    @Test
    void dotFilesAreReadStrictly(@TempDir Path dir) throws Exception {
        EdgeGraph g = new EdgeGraph(L, H);
        Path f = dir.resolve("hand.dot");
        Files.writeString(f, "// my circuit\ndigraph {\n  \"0.1\" -> \"4.4\" [label=q]\n  /* the logits */ 4.4 -> logits;\n# a preprocessor line\n}\n");
        assertEquals(EdgeCircuit.of(g, List.of(g.parse("0.1->4.4.q"), g.parse("4.4->logits"))), CircuitReader.readEdges("@" + f, g));
        Map<String, String> bad = new LinkedHashMap<>();
        bad.put("digraph { \"0.1\" -> \"4.4\" }", "needs label");
        bad.put("digraph { a -> b -> c }", "one edge per statement");
        bad.put("graph { a -- b }", "expected 'digraph'");
        bad.put("digraph { subgraph x { a } }", "subgraph");
        bad.put("digraph { \"0.1\" -> logits } digraph {}", "after the graph's closing brace");
        bad.put("digraph { \"0.1\" -> \"logits }", "quote is not closed");
        bad.put("digraph { \"9.1\" -> \"4.4\" [label=q] }", "does not exist");
        for (var b : bad.entrySet()) {
            Files.writeString(f, b.getKey());
            IllegalArgumentException x = assertThrows(IllegalArgumentException.class, () -> CircuitReader.readEdges("@" + f, g), b.getKey());
            assertTrue(x.getMessage().contains(b.getValue()), b.getKey() + " -> " + x.getMessage());
            assertEquals(1, x.getMessage().lines().count(), x.getMessage());
        }
    }

    @Test
    void thePythonExportWithMlpsKeepsItsMlpLine() {
        Circuit c = Circuit.parse("0.1,3.mlp", L, H);
        assertEquals("heads = [(0, 1)]\nmlps = [3]", CircuitFormats.python(c));
        Circuit back = CircuitReader.parseText(CircuitFormats.python(c), L, H, "x");
        assertTrue(back.keepsMlp(3) && !back.keepsMlp(4), "only MLP 3 runs, as written");
    }

    @Test
    void badCircuitFilesGetAOneLineMessage(@TempDir Path dir) throws Exception {
        Map<String, String> bad = new LinkedHashMap<>();
        bad.put("{\"heads\": [[1]]}", "[layer, head] pairs");
        bad.put("{\"heads\": [1, 2]}", "[layer, head] pairs");
        bad.put("{\"heads\": [[0, -1]]}", "[layer, head] pairs");
        bad.put("{\"heads\": [[\"a\", 1]]}", "[layer, head] pairs");
        bad.put("{\"heads\": {}}", "'heads' must be a list");
        bad.put("{\"heads\": [[0, 1]], \"mlps\": [\"x\"]}", "'mlps'");
        bad.put("{\"circuit\": [1, 2]}", "\"L.H\" strings");
        bad.put("[(99999999999, 1)]", "outside the model");
        bad.put("[(0, 1)] junk", "expected a Python list");
        bad.put("heads = [(0, 1), x]", "cannot read 'x'");
        bad.put("step,head,score,seconds,pass\n1,zz,1,1,1", "Cannot read 'zz'");
        bad.put("step,head,score,seconds,pass\n1,40.1,1,1,1", "outside the model");
        bad.put("", "is empty");
        for (var e : bad.entrySet()) {
            Path f = dir.resolve("bad.txt");
            Files.writeString(f, e.getKey());
            IllegalArgumentException x = assertThrows(IllegalArgumentException.class, () -> CircuitReader.read("@" + f, L, H), e.getKey());
            assertTrue(x.getMessage().contains(e.getValue()), e.getKey() + " -> " + x.getMessage());
            assertEquals(1, x.getMessage().lines().count(), x.getMessage());
        }
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, () -> CircuitReader.read("@" + dir.resolve("missing-file"), L, H));
        assertEquals("Circuit file " + dir.resolve("missing-file") + " does not exist.", x.getMessage());
        x = assertThrows(IllegalArgumentException.class, () -> CircuitReader.read("@/dev/null", L, H));
        assertTrue(x.getMessage().contains("/dev/null is not a regular file"), x.getMessage()); // only regular files are read: a pipe would block
        x = assertThrows(IllegalArgumentException.class, () -> CircuitReader.read("", L, H));
        assertTrue(x.getMessage().contains("write none for the empty circuit"), x.getMessage());
        Path latin1 = dir.resolve("latin1.txt");
        Files.write(latin1, "0.1,\n4.4 # caf\u00e9".getBytes(StandardCharsets.ISO_8859_1));
        x = assertThrows(IllegalArgumentException.class, () -> CircuitReader.read("@" + latin1, L, H));
        assertTrue(x.getMessage().contains("not UTF-8") && x.getMessage().contains("line 2"), x.getMessage());
    }
}
