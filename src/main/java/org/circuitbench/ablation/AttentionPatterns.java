package org.circuitbench.ablation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import org.circuitbench.model.Block;
import org.circuitbench.model.Hook;

/** One head's attention pattern (blocks.L.attn.hook_pattern) on one clean prompt. */
public final class AttentionPatterns {

    /** {@code weights[q][k]}: how much query position q attends to key position k; tokens label both axes. */
    public record Pattern(Node.Head head, int prompt, String[] tokens, float[][] weights, boolean ablated) {
    }

    private AttentionPatterns() {
    }

    /**
     * The pattern of {@code head} on clean prompt {@code prompt}. With a circuit, the layers below
     * run mean-ablated as the circuit says; without one, the full model runs.
     */
    public static Pattern compute(AblationTask task, int prompt, Node.Head head, Circuit circuit) {
        int len = task.tokenized().cleanTokens(prompt).length;
        try (NDScope ignored = new NDScope()) {
            NDArray x = task.model().embedding().forward(task.tokens());
            Hook hook = circuit == null ? Hook.NONE : task.ablation(circuit);
            for (int l = 0; l < head.layer(); l++) x = task.model().blocks().get(l).forward(x, hook);
            Block b = task.model().blocks().get(head.layer());
            NDArray p = b.attn().pattern(b.ln1().forward(x))                         // [batch, head, q, k]
                    .get(new NDIndex("{}, {}, :{}, :{}", prompt, head.head(), len, len));
            float[] flat = p.toFloatArray();
            float[][] w = new float[len][len];
            for (int q = 0; q < len; q++) System.arraycopy(flat, q * len, w[q], 0, len);
            String[] tokens = task.loaded().tokenizer().tokenTexts(task.tokenized().task().clean().get(prompt).text());
            return new Pattern(head, prompt, tokens, w, circuit != null);
        }
    }
}
