package org.circuitbench.explain;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/** The measures of docs/explain.md, by the names the {@code explain} command prints. */
public enum Measure {
    DLA("dla"),
    LENS("lens"),
    ATTENTION("attention"),
    OV("ov"),
    HEADS("heads");

    public final String id;

    Measure(String id) {
        this.id = id;
    }

    /** A comma-separated list such as {@code dla,lens}; {@code all} (or blank) is every measure. */
    public static Set<Measure> parseList(String spec) {
        Set<Measure> out = EnumSet.noneOf(Measure.class);
        if (spec == null || spec.isBlank() || spec.trim().equalsIgnoreCase("all")) return EnumSet.allOf(Measure.class);
        for (String part : spec.split(",")) {
            String p = part.trim().toLowerCase(Locale.ROOT);
            if (p.isEmpty()) continue;
            Measure m = null;
            for (Measure x : values()) if (x.id.equals(p)) m = x;
            if (m == null) {
                throw new IllegalArgumentException("Unknown measure '" + part.trim() + "'; the measures are dla, lens, attention, ov and heads.");
            }
            out.add(m);
        }
        if (out.isEmpty()) throw new IllegalArgumentException("No measure given; the measures are dla, lens, attention, ov and heads.");
        return out;
    }
}
