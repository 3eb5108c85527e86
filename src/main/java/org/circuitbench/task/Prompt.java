package org.circuitbench.task;

import java.util.Map;
import java.util.Objects;

/**
 * One prompt of a task. Clean prompts have answers; corrupt prompts may leave them null.
 * {@code positions} maps a label (S1, S2, …) to a token index; {@code end} is implicit.
 */
public record Prompt(String text, String correct, String incorrect, String template, Map<String, Integer> positions) {
    public Prompt {
        Objects.requireNonNull(text, "text");
        template = template == null ? "" : template;
        positions = positions == null ? Map.of() : Map.copyOf(positions);
    }

    public static Prompt corrupt(String text, String template) {
        return new Prompt(text, null, null, template, Map.of());
    }
}
