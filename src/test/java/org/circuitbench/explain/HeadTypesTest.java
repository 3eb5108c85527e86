package org.circuitbench.explain;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import org.circuitbench.TestData;
import org.circuitbench.ablation.AblationTask;
import org.circuitbench.model.Block;
import org.circuitbench.model.HookPoint;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** TransformerLens's head_detector patterns and scores. */
class HeadTypesTest {

    private static List<String> ones(float[] p, int t) {
        List<String> out = new ArrayList<>();
        for (int q = 0; q < t; q++) for (int k = 0; k < t; k++) if (p[q * t + k] == 1) out.add(q + "," + k);
        return out;
    }

    @Test
    void detectionPatternsAreTransformerLenss() {
        long[] tokens = {50256, 11, 12, 13, 11, 12, 13}; // BOS a b c a b c
        int t = tokens.length;
        assertEquals(List.of("1,0", "2,1", "3,2", "4,3", "5,4", "6,5"), ones(Explainer.previousTokenPattern(1, t), t));
        assertEquals(List.of("4,1", "5,2", "6,3"), ones(Explainer.duplicateTokenPattern(tokens, 1, t), t));
        assertEquals(List.of("4,2", "5,3", "6,4"), ones(Explainer.inductionPattern(tokens, 1, t), t));
    }

    @Test
    void randomSequencesAreSeededAndRepeated() {
        long[] a = Explainer.repeatedRandomTokens(50257, 50256, 20, 3, 0);
        assertArrayEquals(a, Explainer.repeatedRandomTokens(50257, 50256, 20, 3, 0));
        assertNotEquals(Arrays.toString(a), Arrays.toString(Explainer.repeatedRandomTokens(50257, 50256, 20, 3, 1)));
        int t = 41;
        for (int b = 0; b < 3; b++) {
            assertEquals(50256, a[b * t]);
            for (int i = 0; i < 20; i++) assertEquals(a[b * t + 1 + i], a[b * t + 21 + i]);
        }
    }

    /** The scores against sums written out over the attention probabilities, on the demo model. */
    @Test
    void scoresAreTheShareOfAttentionOnTheDetectionPattern() {
        AblationTask task = TestData.task(TestData.fixture("digits-seqcont-tiny"));
        HeadTypes s = new Explainer(task).headTypes();
        var cfg = task.model().config();
        assertEquals(Math.min(Explainer.HEAD_HALF_LENGTH, (cfg.nPositions() - 1) / 2), s.halfLength());
        assertEquals(50256, s.bos());
        int t = 1 + 2 * s.halfLength(), batch = s.batch();
        long[] tokens = Explainer.repeatedRandomTokens(cfg.vocabSize(), s.bos(), s.halfLength(), batch, s.seed());
        double maxInduction = 0;
        try (NDScope ignored = new NDScope()) {
            List<NDArray> pre = new ArrayList<>();
            task.model().forward(task.manager().create(tokens, new Shape(batch, t)), (p, l, a) -> {
                if (p == HookPoint.RESID_PRE) pre.add(a);
                return a;
            });
            for (int l = 0; l < cfg.nLayer(); l++) {
                Block b = task.model().blocks().get(l);
                float[] pat = b.attn().pattern(b.ln1().forward(pre.get(l))).toFloatArray(); // [batch, head, q, k]
                for (int h = 0; h < cfg.nHead(); h++) {
                    double prev = 0, dup = 0, ind = 0;
                    for (int i = 0; i < batch; i++) {
                        double mass = 0, pv = 0, dv = 0, iv = 0;
                        for (int q = 0; q < t; q++) {
                            for (int k = 0; k <= q; k++) {
                                double w = pat[((i * cfg.nHead() + h) * t + q) * t + k];
                                mass += w;
                                if (k == q - 1) pv += w;
                                if (k < q && tokens[i * t + k] == tokens[i * t + q]) dv += w;
                                if (k >= 1 && k - 1 < q && tokens[i * t + k - 1] == tokens[i * t + q]) iv += w;
                            }
                        }
                        prev += pv / mass / batch;
                        dup += dv / mass / batch;
                        ind += iv / mass / batch;
                    }
                    assertEquals(prev, s.previousToken()[l][h], 1e-5, "previous token " + l + "." + h);
                    assertEquals(dup, s.duplicateToken()[l][h], 1e-5, "duplicate token " + l + "." + h);
                    assertEquals(ind, s.induction()[l][h], 1e-5, "induction " + l + "." + h);
                    maxInduction = Math.max(maxInduction, ind);
                }
            }
        }
        System.out.printf("demo model: highest induction score %.3f%n", maxInduction);
    }
}
