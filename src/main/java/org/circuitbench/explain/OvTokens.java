package org.circuitbench.explain;

import org.circuitbench.ablation.Node;

import java.util.List;

/**
 * One head's OV top tokens (docs/explain.md, OV scores): for every labelled token of every clean
 * prompt, the {@link Explainer#TOP_K} tokens its OV circuit writes most, as decoded text (a
 * leading space kept), and whether its successor ("next") or the token itself ("copy") is among
 * them. The hits over all entries are the head's OV scores.
 */
public record OvTokens(Node.Head head, String scope, List<Entry> entries) {

    public OvTokens {
        entries = List.copyOf(entries);
    }

    /** A labelled token ({@code token}, stripped of its leading space) of clean prompt {@code prompt}. */
    public record Entry(int prompt, String label, String token, List<String> top, boolean next, boolean copy) {
        public Entry {
            top = List.copyOf(top);
        }
    }

    /** The entries of one prompt, in label order. */
    public List<Entry> forPrompt(int prompt) {
        return entries.stream().filter(e -> e.prompt() == prompt).toList();
    }
}
