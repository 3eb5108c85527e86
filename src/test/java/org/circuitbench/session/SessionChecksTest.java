package org.circuitbench.session;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Sessions the app could not show safely are refused whole, with the part named. */
class SessionChecksTest {
    static final ObjectMapper JSON = new ObjectMapper();

    /** The digits sample with an edit applied. */
    static String sample(Consumer<ObjectNode> edit) throws Exception {
        ObjectNode root = (ObjectNode) JSON.readTree(Files.readString(Path.of("samples/sessions/digits-seqcont-tiny" + SessionFiles.EXTENSION)));
        edit.accept(root);
        return root.toString();
    }

    static ObjectNode firstTask(ObjectNode root) {
        return (ObjectNode) root.get("tasks").get(0);
    }

    static String refused(String json) {
        SessionException e = assertThrows(SessionException.class, () -> SessionFiles.parse(json, "s.json"));
        assertTrue(e.getMessage().lines().count() == 1 && e.getMessage().length() < 400, e.getMessage());
        return e.getMessage();
    }

    static void assertContains(String m, String... parts) {
        for (String p : parts) assertTrue(m.contains(p), "'" + p + "' in: " + m);
    }

    @Test
    void theSampleItselfIsFine() throws Exception {
        SessionFiles.parse(sample(r -> { }), "s.json");
    }

    @Test
    void aTaskWithoutANameIsRefused() throws Exception {
        assertContains(refused(sample(r -> firstTask(r).putNull("name"))), "task 1 has no name");
        assertContains(refused(sample(r -> firstTask(r).put("name", "  "))), "task 1 has no name");
        assertContains(refused(sample(r -> ((ArrayNode) r.get("tasks")).addNull())), "tasks[1] is empty (null)");
        assertContains(refused(sample(r -> ((ArrayNode) firstTask(r).get("definition").get("templates")).addNull())),
                "tasks[0].definition.templates[1] is empty (null)");
    }

    @Test
    void twoTasksOfOneNameAreRefused() throws Exception {
        assertContains(refused(sample(r -> ((ArrayNode) r.get("tasks")).add(firstTask(r).deepCopy()))),
                "task 'digits increasing' appears twice");
    }

    @Test
    void deeplyNestedTemplatesAreRefusedNotAStackOverflow() throws Exception {
        String deep = "(".repeat(20_000) + "a" + ")".repeat(20_000);
        String m = refused(sample(r -> ((ObjectNode) firstTask(r).get("definition").get("templates").get(0).get("clean"))
                .put("text", "{" + deep + "} {a+1} {a+2} {a+3}")));
        assertContains(m, "task 'digits increasing'", "nests 20000 levels deep", "the limit is 100");
        m = refused(sample(r -> ((ObjectNode) firstTask(r).get("definition").get("templates").get(0).get("corrupt").get("variables").get(0))
                .put("expression", "-".repeat(5_000) + "1")));
        assertContains(m, "variable d", "nests 5000 levels deep");
    }

    /** Issue 18 §5: a model without a name is one line that names the field, not a NullPointerException's text. */
    @Test
    void aModelWithoutANameIsRefused() throws Exception {
        for (String name : new String[] {null, "", "  "}) {
            String m = refused(sample(r -> ((ObjectNode) r.get("model")).put("name", name)));
            assertContains(m, "model.name");
            assertTrue(!m.contains("NullPointer") && !m.contains("null\""), m);
        }
    }

    @Test
    void anUnknownDeviceIsRefused() throws Exception {
        assertContains(refused(sample(r -> ((ObjectNode) r.get("model")).put("device", "tpu"))), "device 'tpu'", "auto, cpu, gpu or gpu:N");
        assertContains(refused(sample(r -> ((ObjectNode) r.get("model")).put("device", "gpu:-1"))), "device 'gpu:-1'");
        SessionFiles.parse(sample(r -> ((ObjectNode) r.get("model")).put("device", "GPU:1")), "s.json");
    }

    @Test
    void circuitsAndRunsNeedTheirSpecs() throws Exception {
        assertContains(refused(sample(r -> ((ObjectNode) r.get("circuits").get(0)).putNull("circuit"))), "saved circuit");
        assertContains(refused(sample(r -> ((ArrayNode) r.get("runs")).addObject().put("method", "backward"))), "a run lacks");
        // version 3: an edge circuit needs its edges, an edge run (by its method) its kept edges
        assertContains(refused(sample(r -> {
            r.put("schemaVersion", 3);
            ((ArrayNode) r.get("circuits")).addObject().put("name", "e").put("level", "edges").put("circuit", "all");
        })), "saved circuit", "\"edges\"");
        assertContains(refused(sample(r -> {
            r.put("schemaVersion", 3);
            ((ArrayNode) r.get("runs")).addObject().put("method", "greedy").put("circuit", "all");
        })), "a run lacks", "\"kept\"");
        assertContains(refused(sample(r -> {
            r.put("schemaVersion", 3);
            ((ArrayNode) r.get("circuits")).addObject().put("name", "e").put("level", "links");
        })), "circuits[1].level", "nodes or edges");
        // version 2: the edge part's records are checked where they land
        assertContains(refused(sample(r -> {
            r.put("schemaVersion", 2);
            r.putObject("edges").putArray("runs").addObject().put("method", "greedy").putArray("removals").addObject().put("score", 1);
        })), "a run lacks");
    }

    @Test
    void aNewerSchemaIsRefusedAndVersionThreeIsRead() throws Exception {
        assertContains(refused(sample(r -> r.put("schemaVersion", 4))), "newer Circuit Workbench", "schema 4", "reads up to 3");
        Session s = SessionFiles.parse(sample(r -> r.put("schemaVersion", 3)), "s.json");
        assertTrue(s.circuits().stream().allMatch(c -> c.level() == org.circuitbench.ablation.Level.NODES));
    }
}
