package org.circuitbench.ablation;

import ai.djl.ndarray.NDArray;
import org.circuitbench.util.Texts;

import java.util.ArrayList;
import java.util.List;

/**
 * Ablation values that are not numbers (NaN or infinite), found where they come from: a damaged
 * embedding row of a token that only the corrupt prompts use leaves the full model's metric
 * finite, so nothing else would notice, and every score and comparison of a search would then be
 * NaN (issue 18: "removed: [] at 100").
 */
public final class NonFiniteValues extends IllegalStateException {
    private static final int NAMED = 3;

    private NonFiniteValues(String message) {
        super(message);
    }

    /**
     * Checks the corrupt pass's activations: embed [n_corrupt, pos, d_model], hook_z per layer
     * [n_corrupt, pos, head, d_head] and hook_mlp_out per layer [n_corrupt, pos, d_model].
     *
     * @throws NonFiniteValues naming the first tokens (and their wte and wpe rows) or the first
     *                         hook and prompts where a value is not a number
     */
    static void check(AblationTask task, NDArray embed, List<NDArray> z, List<NDArray> mlp) {
        if (!finite(embed)) throw new NonFiniteValues(embedMessage(task, embed));
        for (int l = 0; l < z.size(); l++) {
            if (!finite(z.get(l))) throw new NonFiniteValues(hookMessage(task, "blocks." + l + ".attn.hook_z", z.get(l)));
            if (!finite(mlp.get(l))) throw new NonFiniteValues(hookMessage(task, "blocks." + l + ".hook_mlp_out", mlp.get(l)));
        }
    }

    /** One sum per tensor: NaN and ±Inf survive it (and a finite sum that overflows is as bad). */
    private static boolean finite(NDArray a) {
        return Double.isFinite(a.sum().toType(ai.djl.ndarray.types.DataType.FLOAT64, false).getDouble());
    }

    /** [n, pos, ...] -> per (prompt, position), whether any value there is not finite: [n * pos]. */
    private static boolean[] badRows(NDArray a) {
        long n = a.getShape().get(0), t = a.getShape().get(1);
        NDArray flat = a.reshape(n, t, -1);
        NDArray bad = flat.isNaN().logicalOr(flat.isInfinite()).toType(ai.djl.ndarray.types.DataType.INT32, false);
        return bad.sum(new int[] {2}).toType(ai.djl.ndarray.types.DataType.BOOLEAN, false).toBooleanArray();
    }

    private static String embedMessage(AblationTask task, NDArray embed) {
        boolean[] bad = badRows(embed);
        int t = task.tokenized().maxLength();
        List<String> named = new ArrayList<>();
        int count = 0;
        for (int i = 0; i < bad.length; i++) {
            if (!bad[i]) continue;
            count++;
            if (named.size() == NAMED) continue;
            int prompt = i / t, pos = i % t;
            long[] tokens = task.tokenized().corruptTokens(prompt);
            String where = "corrupt[" + prompt + "] " + Texts.quote(task.tokenized().task().corrupt().get(prompt).text());
            String name = pos < tokens.length
                    ? "token " + Texts.quote(task.loaded().tokenizer().decode(new long[] {tokens[pos]})) + " (id " + tokens[pos]
                    + ", wte row " + tokens[pos] + ") at position " + pos + " (wpe row " + pos + ") of " + where
                    : "the padding token at position " + pos + " after " + where;
            if (!named.contains(name)) named.add(name);
        }
        return "The ablation values are not numbers: the embedding of " + String.join("; of ", named)
                + (count > named.size() ? " (" + count + " token positions in all)" : "")
                + " is NaN or infinite, so every score would be NaN. The model's weights are damaged there; "
                + "download or convert the model again, or leave those prompts out.";
    }

    private static String hookMessage(AblationTask task, String hook, NDArray act) {
        boolean[] bad = badRows(act);
        int t = task.tokenized().maxLength();
        java.util.SortedSet<Integer> badPrompts = new java.util.TreeSet<>();
        for (int i = 0; i < bad.length; i++) if (bad[i]) badPrompts.add(i / t);
        List<String> prompts = new ArrayList<>();
        for (int prompt : badPrompts) {
            if (prompts.size() == NAMED) break;
            prompts.add("corrupt[" + prompt + "] " + Texts.quote(task.tokenized().task().corrupt().get(prompt).text()));
        }
        int count = badPrompts.size();
        return "The ablation values are not numbers: " + hook + " is NaN or infinite for " + String.join(", ", prompts)
                + (count > prompts.size() ? " (" + count + " corrupt prompts in all)" : "")
                + ", so every score would be NaN. The model's weights are damaged; download or convert the model again.";
    }
}
