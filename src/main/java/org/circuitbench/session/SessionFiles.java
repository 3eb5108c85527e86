package org.circuitbench.session;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.circuitbench.util.AtomicFiles;

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
        try {
            return JSON.treeToValue(root, Session.class);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new SessionException(source + " is damaged: " + e.getMessage().lines().findFirst().orElse(""), e);
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
