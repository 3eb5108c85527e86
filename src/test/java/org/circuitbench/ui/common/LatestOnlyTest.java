package org.circuitbench.ui.common;

import org.circuitbench.search.Job;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The live score: rapid edits cost one computation more than the last at most, and no result shows beside another state. */
class LatestOnlyTest {
    final SyncRunner runner = SyncRunner.queued();
    final List<String> shown = new ArrayList<>();
    final List<String> computed = new ArrayList<>();
    String onScreen = "a";

    final LatestOnly<String, String> scorer = new LatestOnly<>(runner, BackgroundRunner.Lane.LIVE, new LatestOnly.Client<>() {
        @Override
        public String target() {
            return onScreen;
        }

        @Override
        public Job.Fluent<String> job(String target) {
            return Job.of("score " + target, ctx -> {
                computed.add(target);
                return "score of " + target;
            });
        }

        @Override
        public void show(String target, String result) {
            shown.add(result);
        }

        @Override
        public void failed(String target, Throwable cause) {
            shown.add("failed");
        }

        @Override
        public void none() {
            shown.add("none");
        }
    });

    @Test
    void rapidEditsMergeAndOnlyTheNewestIsShown() {
        scorer.request();
        onScreen = "b";
        scorer.request();
        onScreen = "c";
        scorer.request();
        assertEquals(1, runner.pending(), "the edits wait for the running score");
        assertTrue(scorer.isBusy());
        runner.runNext(); // a's score arrives beside c: not shown
        assertEquals(List.of(), shown);
        runner.runAll();
        assertEquals(List.of("a", "c"), computed, "b is never computed");
        assertEquals(List.of("score of c"), shown);
        assertFalse(scorer.isBusy());
    }

    @Test
    void aResultFromBeforeAResetIsNotShownEvenForAnEqualTarget() {
        scorer.request();
        scorer.reset(); // another task under the same circuit
        runner.runAll();
        assertEquals(List.of("a", "a"), computed, "the state on screen is scored again, on the new task");
        assertEquals(List.of("score of a"), shown);
    }

    @Test
    void nothingToScoreIsSaid() {
        onScreen = null;
        scorer.request();
        assertEquals(List.of("none"), shown);
        assertEquals(0, runner.pending());
    }
}
