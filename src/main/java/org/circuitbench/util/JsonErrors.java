package org.circuitbench.util;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;

/** Where a JSON parse failed, for messages: " at line 3, column 17". */
public final class JsonErrors {
    private JsonErrors() {
    }

    public static String where(JsonProcessingException e) {
        JsonLocation loc = e.getLocation();
        return loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
    }
}
