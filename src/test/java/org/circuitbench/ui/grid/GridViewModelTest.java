package org.circuitbench.ui.grid;

import org.circuitbench.TestData;
import org.circuitbench.ablation.AblationTask;
import org.circuitbench.ablation.Circuit;
import org.circuitbench.ablation.FastEvaluator;
import org.circuitbench.ablation.Node;
import org.circuitbench.ablation.ReferenceEvaluator;
import org.circuitbench.ui.common.BackgroundRunner;
import org.circuitbench.ui.common.GridOverlays;
import org.circuitbench.ui.common.ScriptedDialogs;
import org.circuitbench.ui.common.SyncRunner;
import org.circuitbench.ui.common.TestServices;
import org.circuitbench.ui.common.WorkingCircuit;
import org.circuitbench.ui.common.Workspace;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The grid's view model, without the FX thread: edits, undo/redo, the live score and its merging. */
class GridViewModelTest {
    AblationTask task;
    FastEvaluator ev;
    ReferenceEvaluator ref;

    @BeforeEach
    void setUp() {
        task = TestData.task(TestData.fixture("words-months-seqcont-4x4"));
        ev = new FastEvaluator(task);
        ref = new ReferenceEvaluator(task);
    }

    @AfterEach
    void tearDown() {
        ev.close();
    }

    GridViewModel vm(BackgroundRunner runner) {
        GridViewModel g = new GridViewModel(TestServices.of(runner, new ScriptedDialogs(), new Workspace(), Path.of("target/test-services")), new WorkingCircuit(),
                () -> new org.circuitbench.ablation.EvaluatorHandle<>(ev.task(), () -> ev));
        g.reset(4, 4, null);
        return g;
    }

    @Test
    void clickTogglesAndTheScoreIsTheEngines() {
        GridViewModel g = vm(SyncRunner.immediate());
        assertEquals(100.0, g.detailsProperty().get().score(), 1e-9);
        g.toggle(Node.head(1, 2));
        Circuit want = task.allHeads().without(Node.head(1, 2));
        assertEquals(want, g.circuit());
        assertEquals(ref.score(want), g.detailsProperty().get().score(), 1e-3);
        assertEquals(String.format(java.util.Locale.ROOT, "%.2f %%", g.detailsProperty().get().score()), g.scoreTextProperty().get());
        assertFalse(g.busyProperty().get());
    }

    @Test
    void undoRedoAndLayerToggle() {
        GridViewModel g = vm(SyncRunner.immediate());
        g.toggleLayer(2);
        assertEquals(0, g.circuit().headsInLayer(2).length);
        g.toggleLayer(2);
        assertEquals(4, g.circuit().headsInLayer(2).length);
        g.paint(List.of(Node.head(0, 0), Node.head(0, 1), Node.head(3, 3)), false);
        assertEquals(13, g.circuit().size());
        g.undo();
        assertEquals(16, g.circuit().size(), "one drag is one undo step");
        assertTrue(g.canRedoProperty().get());
        g.redo();
        assertEquals(13, g.circuit().size());
        g.selectNone();
        assertEquals(0, g.circuit().size());
        assertEquals(ref.score(Circuit.none(4, 4)), g.detailsProperty().get().score(), 1e-3);
    }

    @Test
    void rapidClicksMergeAndNoStaleScoreIsShown() {
        SyncRunner q = SyncRunner.queued();
        GridViewModel g = vm(q);
        q.runAll();
        g.toggle(Node.head(0, 0));     // starts a score
        g.toggle(Node.head(0, 1));     // merged
        g.toggle(Node.head(0, 2));     // merged
        assertEquals(1, q.pending());
        assertTrue(g.busyProperty().get());
        q.runNext();                   // the first finishes: its circuit is no longer on the grid
        assertNull(g.detailsProperty().get(), "a result for an older grid is not shown");
        assertEquals("…", g.scoreTextProperty().get());
        assertEquals(1, q.pending(), "only the newest circuit is computed next");
        q.runNext();
        Circuit want = task.allHeads().without(Node.head(0, 0)).without(Node.head(0, 1)).without(Node.head(0, 2));
        assertEquals(want, g.detailsProperty().get().circuit());
        assertEquals(ref.score(want), g.detailsProperty().get().score(), 1e-3);
        assertFalse(g.busyProperty().get());
        assertEquals(0, q.pending());
    }

    @Test
    void overlaysCarryTheNumbers() {
        GridViewModel g = vm(SyncRunner.immediate());
        g.showImportance(java.util.Map.of(Node.head(0, 2), 72.0), 85.0, null);
        assertEquals(13.0, g.drop(Node.head(0, 2)), 1e-9);
        assertTrue(g.cellInfo(Node.head(0, 2)).contains("72.0000"));
        g.showComparison(List.of(new GridOverlays.Compared("a", Circuit.parse("0.0,0.1", 4, 4)),
                new GridOverlays.Compared("b", Circuit.parse("0.1", 4, 4))));
        assertEquals(3, g.membership(Node.head(0, 1)));
        assertEquals(1, g.membership(Node.head(0, 0)));
        assertTrue(g.cellInfo(Node.head(0, 1)).contains("in: a, b"));
    }

    /** Ticking the MLP column, taking MLP 0 out and hiding the column again puts MLP 0 back: no hidden node stays ablated. */
    @Test
    void hidingTheMlpColumnPutsTheMlpsBack() {
        GridViewModel g = vm(SyncRunner.immediate());
        g.showMlpsProperty().set(true);
        g.selectAll();
        g.toggle(Node.mlp(0));
        double without = g.detailsProperty().get().score();
        assertEquals(ref.score(Circuit.allWithMlps(4, 4).without(Node.mlp(0))), without, 1e-3);
        assertTrue(without < 99, "MLP 0 matters on this task");
        g.showMlpsProperty().set(false);
        assertFalse(g.circuit().hasMlpNodes());
        assertTrue(g.circuit().keeps(Node.mlp(0)));
        assertEquals(100.0, g.detailsProperty().get().score(), 1e-6, "all heads, every MLP running");
        g.undo();
        assertTrue(g.showMlpsProperty().get(), "a circuit with an MLP out shows the column");
        assertFalse(g.circuit().keeps(Node.mlp(0)));
    }

    /** The live score has its own lane, so a prune or a sweep never holds it up. */
    @Test
    void theLiveScoreRunsInItsOwnLane() {
        SyncRunner r = SyncRunner.immediate();
        GridViewModel g = vm(r);
        g.toggle(Node.head(2, 2));
        assertTrue(r.started.size() >= 2 && r.started.stream().allMatch(s -> s.startsWith("LIVE score")), r.started.toString());
    }

    /** Nothing of what the grid showed stays after clear(): circuit, score, overlays, undo. */
    @Test
    void clearLeavesNothingOfTheOldTask() {
        GridViewModel g = vm(SyncRunner.immediate());
        g.toggle(Node.head(0, 1));
        g.showImportance(java.util.Map.of(Node.head(0, 2), 72.0), 85.0, null);
        g.clear("This session's model is not loaded.");
        assertNull(g.circuit());
        assertNull(g.detailsProperty().get());
        assertEquals("–", g.scoreTextProperty().get());
        assertEquals("This session's model is not loaded.", g.detailTextProperty().get());
        assertEquals(GridViewModel.Overlay.NONE, g.overlayProperty().get());
        assertTrue(g.importance().isEmpty());
        assertFalse(g.canUndoProperty().get());
        g.toggle(Node.head(1, 1)); // clicks on an empty grid do nothing
        assertNull(g.circuit());
    }

    /** Four compared circuits are four in the overlay (the legend lists what compared() holds), not three. */
    @Test
    void fourComparedCircuitsAreAllShown() {
        GridViewModel g = vm(SyncRunner.immediate());
        List<GridOverlays.Compared> four = List.of(
                new GridOverlays.Compared("a", Circuit.parse("0.0", 4, 4)), new GridOverlays.Compared("b", Circuit.parse("0.1", 4, 4)),
                new GridOverlays.Compared("c", Circuit.parse("0.2", 4, 4)), new GridOverlays.Compared("d", Circuit.parse("0.2,0.3", 4, 4)));
        g.showComparison(four);
        assertEquals(4, g.compared().size());
        assertEquals(0b1100, g.membership(Node.head(0, 2)));
        assertTrue(g.cellInfo(Node.head(0, 3)).contains("in: d"));
    }

    @Test
    void theFirstClickOfADoubleClickIsTakenBackWithoutATrace() {
        GridViewModel g = vm(SyncRunner.immediate());
        g.toggle(Node.head(0, 1));
        Circuit before = g.circuit();
        g.toggle(Node.head(2, 3)); // the first click of a double-click on 2.3
        g.cancelToggle(Node.head(2, 3));
        assertEquals(before, g.circuit());
        assertEquals(ref.score(before), g.detailsProperty().get().score(), 1e-3, "the score is the circuit's again");
        g.undo();
        assertEquals(task.allHeads(), g.circuit(), "no undo step is left of the taken-back click");
        assertFalse(g.canUndoProperty().get());
        g.cancelToggle(Node.head(1, 1)); // the last edit was not a toggle of 1.1: nothing happens
        assertEquals(task.allHeads(), g.circuit());
    }
}
