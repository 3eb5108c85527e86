package org.circuitbench.explain;

/**
 * TransformerLens's head_detector scores ({@code previousToken[l][h]}, {@code duplicateToken},
 * {@code induction}), on the full model, from random tokens repeated twice: {@code batch}
 * sequences of {@code halfLength} tokens drawn with {@code seed}, each after a BOS token when
 * {@code bos} is not −1 (docs/explain.md).
 */
public record HeadTypes(double[][] previousToken, double[][] duplicateToken, double[][] induction,
                        long seed, int halfLength, int batch, long bos) {
}
