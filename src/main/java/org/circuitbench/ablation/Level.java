package org.circuitbench.ablation;

import java.util.Locale;

/**
 * What a circuit is made of: nodes (heads, and MLPs when they are nodes) or edges of the edge
 * graph (edges.md). Parses and makes circuits of either level for a model's shape, so that code
 * that serves both levels (searches, formats, sessions) needs no switch of its own.
 */
public enum Level {
    NODES("nodes", "node"),
    EDGES("edges", "edge");

    /** As written on the command line ({@code --level nodes}) and in files. */
    public final String id;
    /** One element's kind, for messages: "a node circuit", "an edge circuit". */
    public final String noun;

    Level(String id, String noun) {
        this.id = id;
        this.noun = noun;
    }

    @com.fasterxml.jackson.annotation.JsonCreator
    public static Level parse(String s) {
        String t = s == null ? "" : s.trim().toLowerCase(Locale.ROOT);
        for (Level l : values()) if (l.id.equals(t)) return l;
        throw new IllegalArgumentException("A level is nodes or edges, not '" + org.circuitbench.util.Texts.cap(s) + "'.");
    }

    /** "a node circuit" or "an edge circuit". */
    public String circuitNoun() {
        return (this == EDGES ? "an " : "a ") + noun + " circuit";
    }

    /** Every element of a model of {@code layers} × {@code heads}: all heads, or all edges. */
    public CircuitOf<?, ?> all(int layers, int heads) {
        return switch (this) {
            case NODES -> Circuit.all(layers, heads);
            case EDGES -> EdgeCircuit.all(new EdgeGraph(layers, heads));
        };
    }

    /** A spec of this level ({@link Circuit#parse}, {@link EdgeCircuit#parse}) on a model of {@code layers} × {@code heads}. */
    public CircuitOf<?, ?> parse(String spec, int layers, int heads) {
        return switch (this) {
            case NODES -> Circuit.parse(spec, layers, heads);
            case EDGES -> EdgeCircuit.parse(spec, new EdgeGraph(layers, heads));
        };
    }

    @com.fasterxml.jackson.annotation.JsonValue
    @Override
    public String toString() {
        return id;
    }
}
