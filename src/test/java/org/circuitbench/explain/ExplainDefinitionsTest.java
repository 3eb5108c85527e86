package org.circuitbench.explain;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import org.circuitbench.TestData;
import org.circuitbench.ablation.AblationTask;
import org.circuitbench.model.Attention;
import org.circuitbench.model.LayerNorm;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What docs/explain.md says the measures are next to TransformerLens's defaults, computed here on
 * the demo model (the digits fixture task, full model): the value-bias shift of DLA under
 * {@code fold_value_biases=True} and its measured size, and the logit lens against
 * {@code accumulated_resid(apply_ln=True)}, which divides every point by the final cached scale.
 */
class ExplainDefinitionsTest {
    private static double mean(double[] v) {
        double s = 0;
        for (double x : v) s += x;
        return s / v.length;
    }

    @Test
    void foldingTheValueBiasesShiftsHeadsAndBiasesByTheStatedAmounts() {
        AblationTask task = TestData.task(TestData.fixture("digits-seqcont-tiny"));
        int layers = task.model().config().nLayer(), heads = task.model().config().nHead();
        DirectLogitAttribution ours = new Explainer(task).dla(Scope.FULL);
        double maxHead = 0, maxBias = 0;
        String argHead = "", argBias = "";
        try (NDScope ignored = new NDScope(); PassView pass = PassView.of(task, Scope.FULL)) {
            LayerNorm ln = task.model().lnF();
            NDArray dir = task.model().unembedRows(task.correct()).sub(task.model().unembedRows(task.incorrect()))
                    .toType(DataType.FLOAT64, false);                                                   // [b, d]
            NDArray x = pass.finalInput().toType(DataType.FLOAT64, false);
            NDArray xc = x.sub(x.mean(new int[] {-1}, true));
            NDArray sigma = xc.square().mean(new int[] {-1}, true).add(ln.eps()).sqrt();                 // [b, 1]
            NDArray gamma = ln.weight().toType(DataType.FLOAT64, false);
            double tlTotal = 0;
            for (int l = 0; l < layers; l++) {
                double moved = 0;
                try (Attention.HeadWeights w = task.model().blocks().get(l).attn().perHead()) {
                    for (int h = 0; h < heads; h++) {
                        // b_V[h] · W_O[h]: the same in every head output row, as attention rows sum to 1
                        NDArray c = w.qkvBias().get(3 * h + 2).toType(DataType.FLOAT64, false)
                                .matMul(w.out().get(h).toType(DataType.FLOAT64, false));                 // [1, dh] @ [dh, d] -> [1, d]
                        double shift = c.sub(c.mean(new int[] {-1}, true)).div(sigma).mul(gamma).mul(dir)
                                .sum(new int[] {-1}).mean().getDouble();
                        moved += shift;
                        tlTotal += ours.head(l, h) - shift;
                        if (Math.abs(shift) > maxHead) {
                            maxHead = Math.abs(shift);
                            argHead = l + "." + h;
                        }
                    }
                }
                tlTotal += ours.attnBias()[l] + moved;
                if (Math.abs(moved) > maxBias) {
                    maxBias = Math.abs(moved);
                    argBias = l + ".attn_bias";
                }
            }
            double oursTotal = 0;
            for (int l = 0; l < layers; l++) {
                oursTotal += ours.attnBias()[l];
                for (int h = 0; h < heads; h++) oursTotal += ours.head(l, h);
            }
            assertEquals(oursTotal, tlTotal, 1e-9, "folding moves DLA between heads and biases; the attention's total stays");
        }
        // docs/explain.md, section "Where a head's value bias goes"
        assertEquals("11.4", argHead);
        assertEquals(5.4e-4, maxHead, 0.05e-4, "the largest shift of a head");
        assertEquals("11.attn_bias", argBias);
        assertEquals(1.8e-3, maxBias, 0.05e-3, "the largest shift of an attention bias");
    }

    @Test
    void theLensIsNotAccumulatedResidWithTheFinalScale() {
        AblationTask task = TestData.task(TestData.fixture("digits-seqcont-tiny"));
        int layers = task.model().config().nLayer();
        LogitLens ours = new Explainer(task).lens(Scope.FULL);
        DirectLogitAttribution dla = new Explainer(task).dla(Scope.FULL);
        double[] tl = new double[2 * layers];
        try (NDScope ignored = new NDScope(); PassView pass = PassView.of(task, Scope.FULL)) {
            LayerNorm ln = task.model().lnF();
            NDArray dir = task.model().unembedRows(task.correct()).sub(task.model().unembedRows(task.incorrect()))
                    .toType(DataType.FLOAT64, false);
            NDArray x = pass.finalInput().toType(DataType.FLOAT64, false);
            NDArray xc = x.sub(x.mean(new int[] {-1}, true));
            NDArray finalScale = xc.square().mean(new int[] {-1}, true).add(ln.eps()).sqrt();            // ln_final.hook_scale, [b, 1]
            NDArray gamma = ln.weight().toType(DataType.FLOAT64, false);
            NDArray c = pass.components().toType(DataType.FLOAT64, false);                           // [n, b, d]
            NDArray acc = c.get(0);
            for (int l = 0; l < layers; l++) {
                for (int k = pass.headIndex(l, 0); k <= pass.biasIndex(l); k++) acc = acc.add(c.get(k));
                tl[2 * l] = accumulated(acc, finalScale, gamma, dir);
                acc = acc.add(c.get(pass.mlpIndex(l)));
                tl[2 * l + 1] = accumulated(acc, finalScale, gamma, dir);
            }
        }
        // at the last point the two differ by β's term alone (TransformerLens leaves β to the folded b_U)
        assertEquals(ours.last(), tl[2 * layers - 1] + dla.lnBias(), 1e-4 * Math.abs(ours.last()));
        // before it, the recomputed scale makes them differ by more than that
        double most = 0;
        for (int l = 0; l < layers; l++) most = Math.max(most, Math.abs(ours.afterAttn()[l] - (tl[2 * l] + dla.lnBias())));
        assertTrue(most > 0.1, "the standard lens and accumulated_resid(apply_ln=True) are different measures: " + most);
    }

    /** accumulated_resid(apply_ln=True) at one point, dotted with the logit-difference direction: centred, over the final scale, times γ. */
    private static double accumulated(NDArray acc, NDArray finalScale, NDArray gamma, NDArray dir) {
        return acc.sub(acc.mean(new int[] {-1}, true)).div(finalScale).mul(gamma).mul(dir).sum(new int[] {-1}).mean().getDouble();
    }
}
