package org.circuitbench.session;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Brings the JSON of an older session file to the current schema before it is read, so that the
 * records know one layout only:
 * <ul>
 *   <li>1 → 2: nothing moves (2 only added parts).</li>
 *   <li>2 → 3: the edge level's own {@code edges} object goes. Its circuits join {@code circuits}
 *       and its runs join {@code runs}, after the node-level ones, each marked with its level (a
 *       run's level is its method's); its {@code graph} becomes {@code ui.graph}. A removal names
 *       its {@code element}, where version 2 wrote {@code head} (nodes) or {@code edge}.</li>
 * </ul>
 * A part of the wrong shape is left as it is, for the reader to refuse with a message naming it.
 */
final class SessionMigration {
    private SessionMigration() {
    }

    /** {@code root} of a file of schema {@code version}, changed in place to the current schema. */
    static void toCurrent(ObjectNode root, int version) {
        if (version >= Session.SCHEMA_VERSION) return;
        renameRemovals(root.get("runs"), "head");
        JsonNode edges = root.remove("edges");
        if (edges instanceof ObjectNode e) {
            append(root, "circuits", e.get("circuits"), c -> c.put("level", "edges"));
            renameRemovals(e.get("runs"), "edge");
            append(root, "runs", e.get("runs"), r -> { });
            JsonNode graph = e.get("graph");
            if (graph != null && !graph.isNull()) {
                JsonNode ui = root.get("ui");
                if (ui == null || ui.isNull()) ui = root.putObject("ui");
                if (ui instanceof ObjectNode u) u.set("graph", graph);
            }
        } else if (edges != null && !edges.isNull()) {
            root.set("edges", edges); // not an object: left for the reader's message
        }
        root.put("schemaVersion", Session.SCHEMA_VERSION);
    }

    /** Each run's removals name their element under {@code old}; version 3 calls it {@code element}. */
    private static void renameRemovals(JsonNode runs, String old) {
        if (!(runs instanceof ArrayNode list)) return;
        for (JsonNode run : list) {
            if (!(run.get("removals") instanceof ArrayNode removals)) continue;
            for (JsonNode r : removals) {
                if (r instanceof ObjectNode o && o.has(old) && !o.has("element")) o.set("element", o.remove(old));
            }
        }
    }

    private static void append(ObjectNode root, String field, JsonNode items, java.util.function.Consumer<ObjectNode> mark) {
        if (!(items instanceof ArrayNode from) || from.isEmpty()) return;
        JsonNode to = root.get(field);
        if (to == null || to.isNull()) to = root.putArray(field);
        if (!(to instanceof ArrayNode list)) return;
        for (JsonNode item : from) {
            if (item instanceof ObjectNode o) mark.accept(o);
            list.add(item);
        }
    }
}
