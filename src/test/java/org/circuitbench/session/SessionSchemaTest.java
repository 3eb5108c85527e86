package org.circuitbench.session;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.circuitbench.ablation.Circuit;
import org.circuitbench.ablation.EdgeCircuit;
import org.circuitbench.ablation.Level;
import org.circuitbench.search.PruneResult;
import org.circuitbench.search.SearchMethod;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Files of schemas 1 and 2, written by the app before schema 3 (src/test/data/sessions: node runs
 * and circuits; in the version 2 file also an edge-level part with a hand-made edge circuit, a
 * greedy and an attribution run, a moved graph, and an explanation), open and save back as
 * schema 3 with every value they held, each at its new place. The expected layout is written
 * out here by hand, not taken from the migration.
 */
class SessionSchemaTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Path V1 = Path.of("src/test/data/sessions/schema1" + SessionFiles.EXTENSION);
    static final Path V2 = Path.of("src/test/data/sessions/schema2" + SessionFiles.EXTENSION);

    @Test
    void theLegacyFilesAreWhatTheySayTheyAre() throws Exception {
        JsonNode v1 = JSON.readTree(Files.readString(V1)), v2 = JSON.readTree(Files.readString(V2));
        assertEquals(1, v1.get("schemaVersion").asInt());
        assertFalse(v1.has("edges") || v1.has("explanations"));
        assertTrue(v1.get("runs").get(0).get("removals").get(0).has("head"));
        assertEquals(2, v2.get("schemaVersion").asInt());
        assertEquals(2, v2.get("edges").get("runs").size());
        assertTrue(v2.get("edges").get("runs").get(0).get("removals").get(0).has("edge"));
        assertEquals(1, v2.get("edges").get("circuits").size());
        assertTrue(v2.get("edges").has("graph"));
        assertEquals(1, v2.get("explanations").size());
    }

    @Test
    void aVersionOneFileSavesAsVersionThreeWithEverythingItHeld(@TempDir Path dir) throws Exception {
        ObjectNode old = (ObjectNode) JSON.readTree(Files.readString(V1));
        Session s = SessionFiles.read(V1);
        assertEquals(Session.SCHEMA_VERSION, s.schemaVersion());
        assertEquals(4, s.circuits(Level.NODES).size());
        assertEquals(2, s.runs(Level.NODES).size());
        JsonNode saved = saveAndReread(s, dir);

        ObjectNode want = old.deepCopy();
        want.put("schemaVersion", 3);
        for (JsonNode run : want.get("runs")) renameRemovals(run, "head");
        for (JsonNode c : want.get("circuits")) ((ObjectNode) c).put("level", "nodes");
        assertHolds(want, saved, "");
    }

    @Test
    void aVersionTwoFileSavesAsVersionThreeWithEverythingItHeld(@TempDir Path dir) throws Exception {
        ObjectNode old = (ObjectNode) JSON.readTree(Files.readString(V2));
        Session s = SessionFiles.read(V2);
        assertEquals(4, s.circuits(Level.NODES).size());
        assertEquals(1, s.circuits(Level.EDGES).size());
        assertEquals(2, s.runs(Level.NODES).size());
        assertEquals(java.util.List.of(SearchMethod.GREEDY, SearchMethod.ATTRIBUTION),
                s.runs(Level.EDGES).stream().map(Session.RunRecord::method).toList());
        assertNotNull(s.ui().graph(), "the graph's circuit moved into the window's state");
        JsonNode saved = saveAndReread(s, dir);

        ObjectNode want = old.deepCopy();
        want.put("schemaVersion", 3);
        ObjectNode edges = (ObjectNode) want.remove("edges");
        for (JsonNode run : want.get("runs")) renameRemovals(run, "head");
        for (JsonNode c : want.get("circuits")) ((ObjectNode) c).put("level", "nodes");
        for (JsonNode c : edges.get("circuits")) ((ArrayNode) want.get("circuits")).add(((ObjectNode) c).put("level", "edges"));
        for (JsonNode run : edges.get("runs")) {
            renameRemovals(run, "edge");
            ((ArrayNode) want.get("runs")).add(run);
        }
        ((ObjectNode) want.get("ui")).set("graph", edges.get("graph"));
        assertHolds(want, saved, "");
        assertFalse(saved.has("edges"), "no edge-level twin in version 3");
    }

    /** The engine's values come back from a migrated file: circuits of both levels, and both runs' results. */
    @Test
    void migratedRecordsReadAsTheEnginesValues() throws Exception {
        Session s = SessionFiles.read(V2);
        for (Session.NamedCircuit c : s.circuits()) {
            var circuit = SessionMapper.circuit(c, 4, 4);
            assertEquals(c.level(), circuit.level());
        }
        EdgeCircuit handMade = (EdgeCircuit) SessionMapper.circuit(s.circuits(Level.EDGES).get(0), 4, 4);
        Session.EdgeSet set = s.circuits(Level.EDGES).get(0).edges();
        assertEquals(set.kept() != null ? set.kept().size() : 479 - set.removed().size(), handMade.size(), "the edges as saved");
        assertFalse(handMade.contains(handMade.graph().parse("3.mlp->logits")), "the hand-made edit is there");
        for (Session.RunRecord r : s.runs()) {
            PruneResult<?, ?> back = SessionMapper.result(r, 4, 4);
            assertEquals(r.level(), back.circuit().level());
            assertEquals(r.removals().size(), back.removals().size());
            assertEquals(r.score(), back.score());
            Session.RunRecord again = SessionMapper.record(r.id(), r.task(), back, java.time.Instant.parse(r.finishedAt()));
            assertEquals(r, again, "record → result → record is the identity for " + r.method());
        }
        Session.RunRecord greedy = s.runs(Level.EDGES).get(0);
        assertTrue(greedy.removals().get(0).element().contains("->"), "an edge run's removals name edges");
        Circuit grid = Circuit.parse(s.runs(Level.NODES).get(0).circuit(), 4, 4);
        assertTrue(grid.size() < 16);
    }

    private static JsonNode saveAndReread(Session s, Path dir) throws Exception {
        Path f = dir.resolve("v3" + SessionFiles.EXTENSION);
        SessionFiles.write(f, s);
        String text = Files.readString(f);
        assertTrue(text.contains("\"schemaVersion\" : 3"), "saved as schema 3");
        // (records holding arrays, the explanations', compare by reference: compare what they write)
        assertEquals(SessionFiles.toJson(s), SessionFiles.toJson(SessionFiles.read(f)), "reads back as the session it was");
        return JSON.readTree(text);
    }

    private static void renameRemovals(JsonNode run, String old) {
        for (JsonNode r : run.get("removals")) {
            ObjectNode o = (ObjectNode) r;
            o.set("element", o.remove(old));
        }
    }

    /**
     * Every value of {@code want} is in {@code got} at the same place. {@code got} may hold more (a
     * default written out, such as an edge run's seed 0); an empty list may be left out.
     */
    static void assertHolds(JsonNode want, JsonNode got, String at) {
        if (want.isObject()) {
            if (got == null || !got.isObject()) fail(at + ": expected an object, found " + got);
            for (Iterator<Map.Entry<String, JsonNode>> it = want.fields(); it.hasNext(); ) {
                var e = it.next();
                JsonNode g = got.get(e.getKey());
                if (g == null && e.getValue().isArray() && e.getValue().isEmpty()) continue;
                if (g == null) fail(at + "." + e.getKey() + " was lost");
                assertHolds(e.getValue(), g, at + "." + e.getKey());
            }
        } else if (want.isArray()) {
            if (got == null || !got.isArray() || got.size() != want.size()) fail(at + ": expected " + want.size() + " entries, found " + got);
            for (int i = 0; i < want.size(); i++) assertHolds(want.get(i), got.get(i), at + "[" + i + "]");
        } else if (want.isNumber()) {
            assertTrue(got.isNumber() && want.asDouble() == got.asDouble(), at + ": " + want + " became " + got);
        } else {
            assertEquals(want, got, at);
        }
    }
}
