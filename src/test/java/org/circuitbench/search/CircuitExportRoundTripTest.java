package org.circuitbench.search;

import org.circuitbench.ablation.Circuit;
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
        assertTrue(x.getMessage().contains("/dev/null is empty"), x.getMessage());
        x = assertThrows(IllegalArgumentException.class, () -> CircuitReader.read("", L, H));
        assertTrue(x.getMessage().contains("write none for the empty circuit"), x.getMessage());
        Path latin1 = dir.resolve("latin1.txt");
        Files.write(latin1, "0.1,\n4.4 # caf\u00e9".getBytes(StandardCharsets.ISO_8859_1));
        x = assertThrows(IllegalArgumentException.class, () -> CircuitReader.read("@" + latin1, L, H));
        assertTrue(x.getMessage().contains("not UTF-8") && x.getMessage().contains("line 2"), x.getMessage());
    }
}
