package org.circuitbench.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.circuitbench.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.circuitbench.cli.CommandsTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The edge commands of edges.md print exactly its JSON; exports read back; bad edges get one line. */
class EdgeCommandsTest {
    static final Path CASE = TestData.fixture("words-months-seqcont-4x4");
    static final String MODEL = TestData.model4x4().toString();
    static final String TASK = CASE.resolve("task.json").toString();
    static final JsonNode EXPECTED = TestData.expected(CASE, "edges-expected.json").orElseThrow();

    static Set<String> fields(JsonNode j) {
        Set<String> s = new HashSet<>();
        j.fieldNames().forEachRemaining(s::add);
        return s;
    }

    @Test
    void scoreWithEdgesPrintsTheContract() throws Exception {
        CommandsTest.Run r = run("score", "--model", MODEL, "--task", TASK, "--edges", "induced:" + EXPECTED.get("scores").get("induced").get("induced_from").asText());
        assertEquals(0, r.code(), r.err());
        JsonNode j = r.json();
        // the contract's fields (more are allowed: the method that made the score, the prompts' counts)
        assertTrue(fields(j).containsAll(Set.of("full_logit_diff", "circuit_logit_diff", "score", "edge_count")), fields(j).toString());
        assertEquals("mean", j.get("ablation").asText());
        assertEquals("logit-diff", j.get("metric").asText());
        assertEquals("ratio", j.get("normalisation").asText());
        assertEquals(EXPECTED.get("scores").get("induced").get("score").asDouble(), j.get("score").asDouble(), 0.01);
        assertEquals(EXPECTED.get("full_logit_diff").asDouble(), j.get("full_logit_diff").asDouble(), 1e-3);
        CommandsTest.Run all = run("score", "--model", MODEL, "--task", TASK, "--edges", "all");
        assertEquals(479, all.json().get("edge_count").asInt());
    }

    @Test
    void edgePrunePrintsTheContractAndEachExportReadsBack(@TempDir Path dir) throws Exception {
        JsonNode want = EXPECTED.get("prunes").get(0); // T = 3 from all, not near the threshold
        for (String format : List.of("json", "python", "dot")) {
            Path out = dir.resolve("edges." + format);
            CommandsTest.Run r = run("prune", "--model", MODEL, "--task", TASK, "--level", "edges", "--threshold", "3",
                    "--export", format, "--out", out.toString());
            assertEquals(0, r.code(), r.err());
            JsonNode j = r.json();
            assertTrue(fields(j).containsAll(Set.of("level", "threshold", "start", "kept", "score", "removed", "evaluations")), j.toString());
            assertEquals("edges", j.get("level").asText());
            assertEquals("all", j.get("start").asText());
            assertEquals(want.get("evaluations").asLong(), j.get("evaluations").asLong());
            assertEquals(names(want.get("kept")), names(j.get("kept")));
            JsonNode first = j.get("removed").get(0);
            assertEquals(want.get("removed").get(0).get("edge").asText(), first.get("edge").asText(), "first removal, named as edges.md writes it");
            assertEquals(want.get("removed").get(0).get("score").asDouble(), first.get("score").asDouble(), 0.01);
            assertEquals(want.get("score").asDouble(), j.get("score").asDouble(), 0.01);
            String text = Files.readString(out);
            if (format.equals("dot")) {
                assertTrue(text.startsWith("digraph circuit {") && text.contains("\"embed\" -> \"0.0\" [label=\"v\""), text);
            }
            CommandsTest.Run back = run("score", "--model", MODEL, "--task", TASK, "--edges", "@" + out);
            assertEquals(0, back.code(), back.err());
            assertEquals(j.get("kept").size(), back.json().get("edge_count").asInt(), format + " reads back");
            assertEquals(j.get("score").asDouble(), back.json().get("score").asDouble(), 1e-3, format + " reads back (the prune scores on the fast path)");
        }
    }

    /**
     * A node prune's DOT is the graph of the edges its circuit induces: it reads back as that node
     * circuit with --circuit, and as those edges with --edges, which score what the circuit scores.
     */
    @Test
    void aNodePrunesDotReadsBackAtBothLevels(@TempDir Path dir) throws Exception {
        for (String start : List.of("all", "all+mlp")) {
            Path dot = dir.resolve("nodes-" + start + ".dot");
            CommandsTest.Run p = run("prune", "--model", MODEL, "--task", TASK, "--method", "backward", "--threshold", "20",
                    "--start", start, "--export", "dot", "--out", dot.toString());
            assertEquals(0, p.code(), p.err());
            assertTrue(Files.readString(dot).startsWith("digraph circuit {"), Files.readString(dot));
            CommandsTest.Run nodes = run("score", "--model", MODEL, "--task", TASK, "--circuit", "@" + dot);
            assertEquals(0, nodes.code(), nodes.err());
            assertEquals(p.json().get("circuit"), nodes.json().get("circuit"), start + ": the node circuit reads back");
            assertEquals(p.json().get("score").asDouble(), nodes.json().get("score").asDouble(), 1e-4);
            CommandsTest.Run edges = run("score", "--model", MODEL, "--task", TASK, "--edges", "@" + dot);
            assertEquals(0, edges.code(), edges.err());
            assertEquals(p.json().get("score").asDouble(), edges.json().get("score").asDouble(), 0.01,
                    start + ": the induced edges score what the node circuit scores");
        }
    }

    /** An edge DOT read where a node circuit is wanted says what it is. */
    @Test
    void anEdgeDotIsNotANodeCircuit(@TempDir Path dir) throws Exception {
        Path dot = dir.resolve("edges.dot");
        CommandsTest.Run p = run("prune", "--model", MODEL, "--task", TASK, "--level", "edges", "--threshold", "3",
                "--export", "dot", "--out", dot.toString());
        assertEquals(0, p.code(), p.err());
        CommandsTest.Run r = run("score", "--model", MODEL, "--task", TASK, "--circuit", "@" + dot);
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("edge circuit") && r.err().contains("--edges @"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    @Test
    void attributePrintsEveryKeptEdgeAndEverySender() throws Exception {
        CommandsTest.Run r = run("attribute", "--model", MODEL, "--task", TASK);
        assertEquals(0, r.code(), r.err());
        JsonNode j = r.json();
        assertTrue(fields(j).containsAll(Set.of("score", "edges", "senders")));
        assertEquals(479, j.get("edges").size());
        assertEquals(EXPECTED.get("attribution").get("senders").size(), j.get("senders").size());
        JsonNode first = j.get("edges").get(0);
        assertEquals(Set.of("edge", "attribution"), fields(first));
        CommandsTest.Run nodes = run("attribute", "--model", MODEL, "--task", TASK, "--circuit", "0.0,1.0,3.3");
        assertEquals(0, nodes.code(), nodes.err());
        assertEquals(3, nodes.json().get("estimated_importance").size(), "one estimate per head of the circuit");
    }

    @Test
    void badEdgesGetOneLine() {
        for (String[] args : List.of(
                new String[] {"score", "--edges", "3.1->1.2.q"},
                new String[] {"score", "--edges", "1.1->3.2"},
                new String[] {"score", "--edges", "7.1->logits"},
                new String[] {"score", "--edges", "@/nonexistent/edges.json"},
                new String[] {"score", "--edges", "induced:"},
                new String[] {"score", "--edges", "all", "--circuit", "all"},
                new String[] {"prune", "--level", "edges", "--threshold", "3", "--method", "backward"},
                new String[] {"prune", "--level", "edges", "--threshold", "3", "--start", "all"},
                new String[] {"prune", "--level", "nodes", "--method", "backward", "--threshold", "3", "--edges", "all"},
                new String[] {"prune", "--level", "edges", "--threshold", "300"},
                new String[] {"prune", "--level", "links", "--threshold", "3"})) {
            List<String> argv = new ArrayList<>(List.of(args));
            argv.addAll(List.of("--model", MODEL, "--task", TASK));
            CommandsTest.Run r = run(argv.toArray(String[]::new));
            assertNotEquals(0, r.code(), String.join(" ", args));
            assertEquals(1, r.err().strip().lines().count(), "one line for " + String.join(" ", args) + ": " + r.err());
            assertTrue(r.out().isEmpty());
            assertFalse(r.err().contains("Exception"), r.err());
        }
    }

    @Test
    void aMissingOrUnreadableEdgeFileIsNamedOnce(@TempDir Path dir) throws Exception {
        CommandsTest.Run r = run("score", "--model", MODEL, "--task", TASK, "--edges", "@/nonexistent/edges.json");
        assertEquals("error: Edge file /nonexistent/edges.json does not exist.", r.err().strip());
        r = run("score", "--model", MODEL, "--task", TASK, "--edges", "@" + dir);
        assertEquals("error: Cannot read edge file " + dir + ": it is a folder.", r.err().strip());
        Path latin1 = dir.resolve("edges.txt");
        Files.write(latin1, new byte[] {'[', '"', (byte) 0xE9, '"', ']'});
        r = run("score", "--model", MODEL, "--task", TASK, "--edges", "@" + latin1);
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("is not UTF-8 text"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    static Set<String> names(JsonNode array) {
        Set<String> s = new HashSet<>();
        array.forEach(n -> s.add(n.asText()));
        return s;
    }
}
