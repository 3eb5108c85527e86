package org.circuitbench.search;

import org.circuitbench.ablation.Level;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The searches: the seed notebook's pruning loops on nodes, and on edges the one greedy pass of
 * edges.md and the minimal circuit by attribution. Each belongs to one {@link Level}.
 */
public enum SearchMethod {
    FORWARD("forward", Level.NODES),
    BACKWARD("backward", Level.NODES),
    FORWARD_BACKWARD("forward-backward", Level.NODES),
    BACKWARD_FORWARD("backward-forward", Level.NODES),
    RANDOM("random", Level.NODES),
    /** edges.md's prune: one pass from the logits down, a receiver's latest sender first. */
    GREEDY("greedy", Level.EDGES),
    /** The smallest top-n circuit by attribution whose exact score reaches 100 − T, by bisection. */
    ATTRIBUTION("attribution", Level.EDGES);

    public final String id;
    public final Level level;

    SearchMethod(String id, Level level) {
        this.id = id;
        this.level = level;
    }

    /** The methods of one level, in order. */
    public static List<SearchMethod> of(Level level) {
        return Arrays.stream(values()).filter(m -> m.level == level).toList();
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
            default -> throw new IllegalArgumentException("Unknown method '" + org.circuitbench.util.Texts.cap(s) + "'; use one of "
                    + Arrays.stream(values()).map(m -> m.id).collect(Collectors.joining(", ")) + ".");
        }
    }

    /** A method of {@code level}, or a message naming the level's methods. */
    public static SearchMethod parse(String s, Level level) {
        SearchMethod m;
        try {
            m = parse(s);
        } catch (IllegalArgumentException e) {
            m = null;
        }
        if (m == null || m.level != level) {
            throw new IllegalArgumentException((m == null ? "Unknown method '" + org.circuitbench.util.Texts.cap(s) + "'"
                    : "The method " + m.id + " is for " + m.level + ", not " + level) + "; " + level.noun + " prunes use "
                    + of(level).stream().map(x -> x.id).collect(Collectors.joining(", ")) + ".");
        }
        return m;
    }

    @com.fasterxml.jackson.annotation.JsonValue
    @Override
    public String toString() {
        return id;
    }
}
