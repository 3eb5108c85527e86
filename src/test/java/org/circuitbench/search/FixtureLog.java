package org.circuitbench.search;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A prune's decisions, recorded from its events, checked against a fixture's removal log. A case
 * flagged {@code near_threshold} may differ at one decision, and only where that decision's score
 * lies within 0.002 points of the threshold; everything before it must agree. A case that is not
 * flagged must agree everywhere.
 */
final class FixtureLog {
    static final double FLAG = 0.002; // the fixtures' near_threshold bound

    record Decision(String element, double score, boolean removed) {
    }

    final List<Decision> decisions = new ArrayList<>();

    <R> JobListener<R> listener() {
        return new JobListener<>() {
            String removed;

            @Override
            public void removal(Removal<?> r) {
                removed = r.element().toString();
            }

            @Override
            public void progress(Progress p) {
                String e = p.candidate().toString();
                decisions.add(new Decision(e, p.candidateScore(), e.equals(removed)));
                removed = null;
            }
        };
    }

    /**
     * Returns true when the run agrees with the fixture's log everywhere (then the caller checks
     * the rest: final circuit, scores, evaluations); false when a near-threshold case flipped at
     * a decision within {@link #FLAG} of the threshold, which this method has asserted.
     */
    boolean agrees(List<String> wantRemoved, List<Double> wantScores, double threshold, boolean nearThreshold, String what) {
        int i = 0;
        for (Decision d : decisions) {
            boolean theyRemove = i < wantRemoved.size() && wantRemoved.get(i).equals(d.element());
            if (d.removed() == theyRemove) {
                if (theyRemove) {
                    assertEquals(wantScores.get(i), d.score(), 0.01, what + ": score after removing " + d.element());
                    i++;
                }
                continue;
            }
            double margin = Math.abs(100.0 - d.score() - threshold);
            if (!nearThreshold) {
                fail(what + ": decision " + (decisions.indexOf(d) + 1) + " on " + d.element() + " differs (we " + (d.removed() ? "removed" : "kept")
                        + " it at " + d.score() + "), and the fixture does not flag this case as near the threshold");
            }
            assertTrue(margin < FLAG, what + ": the run differs from the fixture at " + d.element() + " (score " + d.score()
                    + "), which is " + margin + " points from the threshold: not the flagged near-threshold decision");
            return false;
        }
        assertEquals(wantRemoved.size(), i, what + ": every removal of the fixture happened");
        return true;
    }
}
