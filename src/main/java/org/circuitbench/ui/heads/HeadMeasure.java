package org.circuitbench.ui.heads;

import java.util.ArrayList;
import java.util.List;

/** A measure of the chooser; {@code label} is the position label of an attention measure (S1, …, end). */
public record HeadMeasure(Kind kind, String label) {
    /** What a heatmap can show. */
    public enum Kind {
        DLA("DLA", "dla"),
        ATTENTION("attention to", "attention"),
        OV_NEXT("OV next", "ov_next"),
        OV_COPY("OV copy", "ov_copy"),
        PREVIOUS_TOKEN("previous token", "previous_token"),
        DUPLICATE_TOKEN("duplicate token", "duplicate_token"),
        INDUCTION("induction", "induction"),
        EXACT("exact importance", "exact_drop"),
        ATTRIBUTION("attribution (estimate)", "estimated_drop");

        final String title;
        final String id;

        Kind(String title, String id) {
            this.title = title;
            this.id = id;
        }
    }

    public static HeadMeasure of(Kind k) {
        return new HeadMeasure(k, null);
    }

    public static HeadMeasure attention(String label) {
        return new HeadMeasure(Kind.ATTENTION, label);
    }

    public String name() {
        return kind == Kind.ATTENTION ? "attention to " + label : kind.title;
    }

    /** The column name of its CSV export. */
    public String id() {
        return kind == Kind.ATTENTION ? "attention_" + label : kind.id;
    }

    @Override
    public String toString() {
        return name();
    }

    /** The chooser's measures: DLA, attention to each label, then the rest. */
    static List<HeadMeasure> list(List<String> attentionLabels) {
        List<HeadMeasure> out = new ArrayList<>();
        out.add(HeadMeasure.of(Kind.DLA));
        for (String l : attentionLabels) out.add(HeadMeasure.attention(l));
        for (Kind k : List.of(Kind.OV_NEXT, Kind.OV_COPY, Kind.PREVIOUS_TOKEN, Kind.DUPLICATE_TOKEN, Kind.INDUCTION, Kind.EXACT, Kind.ATTRIBUTION)) {
            out.add(HeadMeasure.of(k));
        }
        return out;
    }
}
