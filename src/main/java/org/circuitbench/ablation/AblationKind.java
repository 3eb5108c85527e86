package org.circuitbench.ablation;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What a removed node or edge carries instead of its own activation (docs/methods.md). Every
 * kind gives the same layout, one value per clean prompt and position ({@link Means}), so every
 * evaluator applies it unchanged.
 */
public enum AblationKind {
    /** The seed's: the mean over the template's corrupt prompts, per position. */
    MEAN("mean"),
    /** The mean over every corrupt prompt, per position: auto-circuit's TOKENWISE_MEAN_CORRUPT. */
    MEAN_ALL("mean-all"),
    /** Resample (interchange) ablation: the paired corrupt prompt's own activation, as ACDC and MIB do. */
    PATCH("patch"),
    /** Zeros: auto-circuit's ZERO. */
    ZERO("zero");

    public final String id;

    AblationKind(String id) {
        this.id = id;
    }

    /** The kind named {@code id} ({@code mean}, {@code mean-all}, {@code patch}, {@code zero}). */
    public static AblationKind parse(String id) {
        for (AblationKind k : values()) if (k.id.equals(id.trim().toLowerCase(Locale.ROOT))) return k;
        throw new IllegalArgumentException("--ablation takes " + ids() + ", not '" + org.circuitbench.util.Texts.cap(id) + "'.");
    }

    static String ids() {
        return Arrays.stream(values()).map(k -> k.id).collect(Collectors.joining(", "));
    }

    @Override
    public String toString() {
        return id;
    }
}
