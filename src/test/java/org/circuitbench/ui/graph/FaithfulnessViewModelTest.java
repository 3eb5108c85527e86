package org.circuitbench.ui.graph;

import org.circuitbench.ablation.EdgeCircuit;
import org.circuitbench.ablation.EdgeEvaluator;
import org.circuitbench.search.FaithfulnessCurve;
import org.circuitbench.search.JobContext;
import org.circuitbench.ui.common.SyncRunner;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Graph view's faithfulness chart without the FX thread: its curves are the engine's, and a point's circuit goes to the graph. */
class FaithfulnessViewModelTest {
    final GraphViewModelTest graph = new GraphViewModelTest(); // its task, services and graph view model

    @BeforeEach
    void setUp() {
        graph.setUp();
    }

    @AfterEach
    void tearDown() {
        graph.tearDown();
    }

    @Test
    void theChartsSeriesAreTheEnginesCurvesAndAClickShowsAPointsCircuit() {
        GraphViewModel v = graph.vm(SyncRunner.immediate());
        FaithfulnessViewModel f = v.faithfulness();
        List<FaithfulnessCurve.Ranking> rankings = List.of(FaithfulnessViewModel.RANKINGS.get(0), FaithfulnessViewModel.RANKINGS.get(3));
        for (FaithfulnessCurve.Ranking r : FaithfulnessViewModel.RANKINGS) f.chosenProperty(r).set(rankings.contains(r));
        f.compute();
        assertEquals(2, f.results().size(), f.textProperty().get());
        assertTrue(f.textProperty().get().startsWith("eap: CPR "), f.textProperty().get());
        for (FaithfulnessCurve.Order order : FaithfulnessCurve.Order.values()) {
            f.orderProperty().set(order);
            List<FaithfulnessViewModel.Series> series = f.series();
            assertEquals(List.of("eap", "exact"), series.stream().map(FaithfulnessViewModel.Series::name).toList());
            for (int i = 0; i < 2; i++) {
                try (EdgeEvaluator ev = new EdgeEvaluator(graph.task)) { // the engine's own curve, computed apart
                    FaithfulnessCurve.Curve want = FaithfulnessCurve.ofEdges(ev, rankings.get(i), EnumSet.of(order))
                            .run(JobContext.silent()).curves().getFirst();
                    List<double[]> got = series.get(i).points();
                    assertEquals(10, got.size());
                    for (int p = 0; p < 10; p++) {
                        assertEquals(want.points().get(p).percent(), got.get(p)[0], 0);
                        assertEquals(want.points().get(p).faithfulness(), got.get(p)[1], 1e-2, order + " " + series.get(i).name() + " " + p);
                        assertEquals(want.points().get(p).circuit(), f.circuit(i, p));
                    }
                }
            }
        }
        f.orderProperty().set(FaithfulnessCurve.Order.SIGNED);
        EdgeCircuit point = f.circuit(1, 6); // exact ranking, top 10 %
        assertNotEquals(v.circuit(), point);
        f.show(1, 6);
        assertEquals(point, v.circuit(), "the click put the point's circuit on the graph");
        assertEquals(graph.plain.score(point), v.edits().scoreProperty().get(), 1e-3, "and the graph shows its exact score");
        assertEquals(f.series().get(1).points().get(6)[1],
                100 * (graph.plain.score(point) - f.results().get(1).emptyScore()) / (100 - f.results().get(1).emptyScore()), 1e-2);
    }

    /** The curves drawn are kept by the session: through its file they come back with every point's circuit. */
    @Test
    void theSessionKeepsTheCurvesAndTheirCircuits() throws Exception {
        GraphViewModel v = graph.vm(SyncRunner.immediate());
        FaithfulnessViewModel f = v.faithfulness();
        int[] changes = {0};
        v.setOnChange(() -> changes[0]++);
        for (FaithfulnessCurve.Ranking r : FaithfulnessViewModel.RANKINGS) f.chosenProperty(r).set(r == FaithfulnessViewModel.RANKINGS.get(1));
        f.compute();
        assertEquals(1, changes[0], "drawing curves is work the session keeps");
        assertEquals(1, f.records().size());
        assertEquals("words-months", f.records().getFirst().task());
        assertEquals(5, f.records().getFirst().steps());
        org.circuitbench.session.Session s = org.circuitbench.session.Session.empty().withFaithfulness(f.records());
        org.circuitbench.session.Session back = org.circuitbench.session.SessionFiles.parse(
                org.circuitbench.session.SessionFiles.toJson(s), "test");
        assertEquals(s.faithfulness(), back.faithfulness());

        GraphViewModel w = graph.vm(SyncRunner.immediate()); // another window opens the file
        w.clear(back);
        assertTrue(w.faithfulness().results().isEmpty(), "shown once the task is ready");
        w.taskReady(graph.task);
        FaithfulnessViewModel g = w.faithfulness();
        assertEquals(1, g.results().size());
        assertEquals(f.results().getFirst().ranking(), g.results().getFirst().ranking());
        assertEquals(f.results().getFirst().cpr(), g.results().getFirst().cpr(), 0);
        assertEquals(f.results().getFirst().cmd(), g.results().getFirst().cmd(), 0);
        for (FaithfulnessCurve.Order order : FaithfulnessCurve.Order.values()) {
            f.orderProperty().set(order);
            g.orderProperty().set(order);
            for (int p = 0; p < 10; p++) {
                assertEquals(f.circuit(0, p), g.circuit(0, p));
                assertEquals(f.series().getFirst().points().get(p)[1], g.series().getFirst().points().get(p)[1], 0);
            }
        }
        g.show(0, 5);
        assertEquals(f.circuit(0, 5), w.circuit());
    }

    @Test
    void nothingTickedSaysSoAndTheCurvesGoWithTheTask() {
        GraphViewModel v = graph.vm(SyncRunner.immediate());
        FaithfulnessViewModel f = v.faithfulness();
        for (FaithfulnessCurve.Ranking r : FaithfulnessViewModel.RANKINGS) f.chosenProperty(r).set(false);
        f.compute();
        assertEquals("Tick at least one ranking.", f.textProperty().get());
        assertTrue(f.results().isEmpty());
        f.chosenProperty(FaithfulnessViewModel.RANKINGS.get(0)).set(true);
        f.compute();
        assertEquals(1, f.results().size());
        v.taskGone("gone");
        assertTrue(f.results().isEmpty(), "no curve of the last task stays");
        assertEquals("", f.textProperty().get());
    }
}
