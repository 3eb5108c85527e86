package org.circuitbench.ablation;

import java.util.Locale;

/**
 * How edge attributions are estimated (docs/faithfulness.md, with the sources):
 * <ul>
 * <li>{@code eap}: edge attribution patching (Syed et al. 2023), the gradient at the circuit's own pass;</li>
 * <li>{@code eap-ig-inputs}: EAP with integrated gradients (Hanna et al. 2024), the gradients averaged
 * over m passes whose input embeddings lie on the line from the ablated ones to the clean ones;</li>
 * <li>{@code eap-ig-activations}: the same with each node's output on that line in turn (the
 * EAP-IG library's {@code EAP-IG-activations}, used by the MIB benchmark).</li>
 * </ul>
 * The m points are k/m for k = 1..m ({@link Rule#RIGHT}, the paper's equation: one step is EAP) or
 * k = 0..m−1 ({@link Rule#LEFT}, what the EAP-IG library's EAP-IG-inputs does since 2025).
 */
public record AttributionMethod(Kind kind, int steps, Rule rule) {
    public static final int DEFAULT_STEPS = 5;
    public static final int MAX_STEPS = 1000;
    public static final AttributionMethod EAP = new AttributionMethod(Kind.EAP, 1, Rule.RIGHT);

    public enum Kind {
        EAP("eap"),
        IG_INPUTS("eap-ig-inputs"),
        IG_ACTIVATIONS("eap-ig-activations");

        public final String id;

        Kind(String id) {
            this.id = id;
        }
    }

    /** Where the m points lie on the line from the ablated value (α = 0) to the clean one (α = 1). */
    public enum Rule {
        /** α = k/m for k = 1..m: ends at the clean value (Hanna et al.'s equation). */
        RIGHT("right"),
        /** α = k/m for k = 0..m−1: starts at the ablated value (the EAP-IG library's inputs variant since 2025). */
        LEFT("left");

        public final String id;

        Rule(String id) {
            this.id = id;
        }

        public static Rule parse(String id) {
            for (Rule r : values()) if (r.id.equals(id.trim().toLowerCase(Locale.ROOT))) return r;
            throw new IllegalArgumentException("--riemann takes right (k = 1..m, the paper's) or left (k = 0..m−1), not '"
                    + org.circuitbench.util.Texts.cap(id) + "'.");
        }
    }

    public AttributionMethod {
        if (kind == null) throw new IllegalArgumentException("No attribution method.");
        if (rule == null) rule = Rule.RIGHT;
        if (kind == Kind.EAP) {
            steps = 1;
            rule = Rule.RIGHT;
        }
        if (steps < 1 || steps > MAX_STEPS) {
            throw new IllegalArgumentException("--steps must be a whole number from 1 to " + MAX_STEPS + ", got " + steps + ".");
        }
    }

    /** {@code eap}, {@code eap-ig} (= {@code eap-ig-inputs}, MIB's recommendation), {@code eap-ig-inputs} or {@code eap-ig-activations}. */
    public static AttributionMethod parse(String name, int steps, Rule rule) {
        String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        Kind k = switch (n) {
            case "eap" -> Kind.EAP;
            case "eap-ig", "eap-ig-inputs" -> Kind.IG_INPUTS;
            case "eap-ig-activations" -> Kind.IG_ACTIVATIONS;
            default -> throw new IllegalArgumentException("The attribution method is eap, eap-ig (= eap-ig-inputs) or eap-ig-activations, not '"
                    + org.circuitbench.util.Texts.cap(name) + "'.");
        };
        return new AttributionMethod(k, steps, rule);
    }

    /** The points α on the path, in the order they are taken. */
    public double[] alphas() {
        double[] a = new double[steps];
        for (int k = 0; k < steps; k++) a[k] = (double) (rule == Rule.RIGHT ? k + 1 : k) / steps;
        return a;
    }

    public boolean integrated() {
        return kind != Kind.EAP;
    }

    /** "eap", "eap-ig-inputs (5 steps)", "eap-ig-activations (5 steps, left rule)" */
    public String describe() {
        if (!integrated()) return kind.id;
        return kind.id + " (" + steps + (steps == 1 ? " step" : " steps") + (rule == Rule.LEFT ? ", left rule" : "") + ")";
    }

    @Override
    public String toString() {
        return describe();
    }
}
