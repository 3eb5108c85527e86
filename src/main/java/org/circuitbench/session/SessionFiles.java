package org.circuitbench.session;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.circuitbench.ablation.Level;
import org.circuitbench.util.AtomicFiles;
import org.circuitbench.util.Texts;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Reads and writes session files. Writes are atomic (a temporary file, then a move), so a crash
 * mid-save leaves the old file whole. A file from a newer schema, or one that does not parse, is
 * refused with a message; it is never overwritten by the refusal.
 */
public final class SessionFiles {
    public static final String EXTENSION = ".cbsession.json";
    static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private SessionFiles() {
    }

    public static Session read(Path file) throws SessionException {
        String text;
        try {
            text = org.circuitbench.util.JsonErrors.readText(file, "Session file");
        } catch (IOException e) {
            throw new SessionException(e.getMessage(), e);
        }
        return parse(text, file.toString());
    }

    public static Session parse(String text, String source) throws SessionException {
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new SessionException(source + " is damaged: its JSON does not parse" + org.circuitbench.util.JsonErrors.where(e)
                    + ". It was left as it is; if the app stopped with unsaved work, it offers the recovery copy at the next start.");
        }
        if (root == null || !root.isObject() || !root.has("schemaVersion")) {
            throw new SessionException(source + " is not a Circuit Workbench session (it has no schemaVersion).");
        }
        int version = root.get("schemaVersion").asInt(-1);
        if (version > Session.SCHEMA_VERSION) {
            throw new SessionException(source + " was written by a newer Circuit Workbench (session schema " + version
                    + "; this version reads up to " + Session.SCHEMA_VERSION + "). Update the app to open it; the file was not changed.");
        }
        if (version < 1) throw new SessionException(source + " has an invalid schemaVersion " + root.get("schemaVersion") + ".");
        SessionMigration.toCurrent((com.fasterxml.jackson.databind.node.ObjectNode) root, version);
        String nullEntry = nullEntry(root, "");
        if (nullEntry != null) throw new SessionException(source + " is damaged: " + nullEntry + " is empty (null).");
        Session s;
        try {
            s = JSON.treeToValue(root, Session.class);
        } catch (com.fasterxml.jackson.databind.JsonMappingException e) {
            String at = e.getPath().stream().map(r -> r.getFieldName() != null ? "." + r.getFieldName() : "[" + r.getIndex() + "]")
                    .collect(java.util.stream.Collectors.joining()).replaceFirst("^\\.", "");
            throw new SessionException(source + " is damaged" + (at.isEmpty() ? "" : " at " + at) + ": " + why(e), e);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new SessionException(source + " is damaged: " + e.getMessage().lines().findFirst().orElse(""), e);
        }
        check(s, source);
        return s;
    }

    /** What Jackson found wrong, in the session's terms rather than Java's. */
    private static String why(com.fasterxml.jackson.databind.JsonMappingException e) {
        if (e instanceof com.fasterxml.jackson.databind.exc.MismatchedInputException m && m.getTargetType() != null) {
            Class<?> t = m.getTargetType();
            String kind = CharSequence.class.isAssignableFrom(t) ? "text"
                    : t == int.class || t == long.class || t == Integer.class || t == Long.class ? "a whole number"
                    : t.isPrimitive() && t != boolean.class || Number.class.isAssignableFrom(t) ? "a number"
                    : t == boolean.class || t == Boolean.class ? "true or false"
                    : java.util.Collection.class.isAssignableFrom(t) ? "a list"
                    : "an object";
            return "expected " + kind + " there";
        }
        if (e.getCause() instanceof NullPointerException) return "a value there is missing (null)";
        if (e.getCause() instanceof IllegalArgumentException iae && iae.getMessage() != null) return Texts.cap(iae.getMessage());
        return "a value there has the wrong form";
    }

    /** The path of the first null entry of a list, such as {@code tasks[1]}; no list of a session may hold one. */
    private static String nullEntry(JsonNode n, String path) {
        if (n.isArray()) {
            for (int i = 0; i < n.size(); i++) {
                String p = path + "[" + i + "]";
                if (n.get(i).isNull()) return p;
                String deeper = nullEntry(n.get(i), p);
                if (deeper != null) return deeper;
            }
        } else if (n.isObject()) {
            for (var it = n.fields(); it.hasNext(); ) {
                var e = it.next();
                String deeper = nullEntry(e.getValue(), path.isEmpty() ? e.getKey() : path + "." + e.getKey());
                if (deeper != null) return deeper;
            }
        }
        return null;
    }

    /**
     * What the app relies on when it shows a session: named, distinct tasks with prompts or a
     * definition, expressions it can parse, circuits and runs with their specs, a known device.
     * A session that breaks one of these is refused whole, naming the part.
     */
    static void check(Session s, String source) throws SessionException {
        if (s.ui() != null && s.ui().method() != null) {
            try {
                s.ui().method().method();
            } catch (IllegalArgumentException e) {
                throw new SessionException(source + " is damaged at ui.method: " + e.getMessage().replace("--", ""));
            }
        }
        java.util.Set<String> names = new java.util.HashSet<>();
        for (int i = 0; i < s.tasks().size(); i++) {
            Session.SessionTask t = s.tasks().get(i);
            String where = source + ": task " + (i + 1);
            if (t == null) throw new SessionException(where + " is empty (null).");
            if (t.name() == null || t.name().isBlank()) throw new SessionException(where + " has no name; give it a \"name\".");
            where = source + ": task '" + Texts.cap(t.name()) + "'";
            if (!names.add(t.name())) {
                throw new SessionException(where + " appears twice; task names must differ. Rename or remove one of them.");
            }
            if (t.definition() == null && t.prompts() == null) {
                throw new SessionException(where + " has neither a definition nor prompts.");
            }
            if (t.definition() != null) checkDefinition(t.definition(), where);
        }
        for (Session.NamedCircuit c : s.circuits()) {
            if (c == null || c.name() == null || c.name().isBlank() || (c.level() == Level.NODES ? c.circuit() == null : c.edges() == null)) {
                throw new SessionException(source + ": a saved circuit lacks its \"name\" or its \"circuit\" (\"edges\" for an edge circuit).");
            }
        }
        for (Session.RunRecord r : s.runs()) {
            if (r == null || r.method() == null || (r.level() == Level.NODES ? r.circuit() == null : r.kept() == null)
                    || r.removals().stream().anyMatch(x -> x == null || x.element() == null)) {
                throw new SessionException(source + ": a run lacks its \"method\", its \"circuit\" (\"kept\" for an edge run) "
                        + "or what its removals removed.");
            }
        }
        if (s.model() != null && (s.model().name() == null || s.model().name().isBlank())) {
            throw new SessionException(source + " is damaged at model.name: the model has no name; give a hub name (gpt2), a folder, "
                    + "or demo:seqcont-tiny, or leave out \"model\" for a session without one.");
        }
        String device = s.model() == null ? null : s.model().device();
        if (device != null && !device.trim().toLowerCase(java.util.Locale.ROOT).matches("auto|cpu|gpu|gpu:\\d{1,4}")) {
            throw new SessionException(source + ": the model's device '" + Texts.cap(device) + "' is not one of auto, cpu, gpu or gpu:N.");
        }
    }

    private static void checkDefinition(org.circuitbench.task.TaskDefinition d, String where) throws SessionException {
        for (var t : d.templates()) {
            if (t == null) throw new SessionException(where + " has an empty (null) template.");
            for (var spec : java.util.Arrays.asList(t.clean(), t.corrupt())) {
                if (spec == null) continue;
                for (String text : java.util.Arrays.asList(spec.text(), spec.correct(), spec.incorrect())) {
                    for (String expr : org.circuitbench.task.TaskDefinition.expressions(text)) {
                        String deep = org.circuitbench.task.Expr.tooDeep(expr);
                        if (deep != null) throw new SessionException(where + ": " + deep);
                    }
                }
                for (var v : spec.variables()) {
                    if (v == null) throw new SessionException(where + " has an empty (null) variable.");
                    String deep = v.expression() == null ? null : org.circuitbench.task.Expr.tooDeep(v.expression());
                    if (deep != null) throw new SessionException(where + ", variable " + Texts.cap(v.name()) + ": " + deep);
                }
            }
        }
    }

    public static String toJson(Session s) {
        try {
            return JSON.writeValueAsString(s);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Atomic: the file is either the old session or the new one, never half of each. */
    public static void write(Path file, Session s) throws IOException {
        AtomicFiles.writeString(file, toJson(s) + "\n");
    }
}
