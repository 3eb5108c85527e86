package org.circuitbench.util;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;

/** Messages for JSON files: reading one, and where a parse failed (" at line 3, column 17"). */
public final class JsonErrors {
    private JsonErrors() {
    }

    /** A file's text, or an IOException whose message names the file: "Task file x.json does not exist." */
    public static String readText(java.nio.file.Path file, String what) throws java.io.IOException {
        try {
            return java.nio.file.Files.readString(file);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new java.io.IOException(what + " " + file + " does not exist.", e);
        } catch (java.io.IOException e) {
            throw new java.io.IOException("Cannot read " + what.toLowerCase(java.util.Locale.ROOT) + " " + file + ": " + e.getMessage(), e);
        }
    }

    public static String where(JsonProcessingException e) {
        JsonLocation loc = e.getLocation();
        return loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
    }
}
