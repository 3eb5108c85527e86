package org.circuitbench.search;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The seed notebook's pruning loops. */
public enum SearchMethod {
    FORWARD("forward"),
    BACKWARD("backward"),
    FORWARD_BACKWARD("forward-backward"),
    BACKWARD_FORWARD("backward-forward"),
    RANDOM("random");

    public final String id;

    SearchMethod(String id) {
        this.id = id;
    }

    @com.fasterxml.jackson.annotation.JsonCreator
    public static SearchMethod parse(String s) {
        String t = s == null ? "" : s.trim().toLowerCase(Locale.ROOT).replace('_', '-');
        for (SearchMethod m : values()) {
            if (m.id.equals(t)) return m;
        }
        switch (t) {
            case "fwd", "forw" -> { return FORWARD; }
            case "backw", "bwd" -> { return BACKWARD; }
            case "fb", "fwd-backw" -> { return FORWARD_BACKWARD; }
            case "bf", "backw-fwd" -> { return BACKWARD_FORWARD; }
            case "rand" -> { return RANDOM; }
            default -> throw new IllegalArgumentException("Unknown method '" + s + "'; use one of "
                    + Arrays.stream(values()).map(m -> m.id).collect(Collectors.joining(", ")) + ".");
        }
    }

    @com.fasterxml.jackson.annotation.JsonValue
    @Override
    public String toString() {
        return id;
    }
}
