package org.circuitbench.ui.graph;

import org.circuitbench.TestData;
import org.circuitbench.ablation.AblationTask;
import org.circuitbench.ablation.Circuit;
import org.circuitbench.ablation.Edge;
import org.circuitbench.ablation.EdgeCircuit;
import org.circuitbench.ablation.EdgeEvaluator;
import org.circuitbench.ablation.EdgeGraph;
import org.circuitbench.ablation.Node;
import org.circuitbench.ablation.Receiver;
import org.circuitbench.session.Session;
import org.circuitbench.session.SessionMapper;
import org.circuitbench.task.TaskException;
import org.circuitbench.ui.common.AppServices;
import org.circuitbench.ui.common.BackgroundRunner;
import org.circuitbench.ui.common.ScriptedDialogs;
import org.circuitbench.ui.common.SessionTasks;
import org.circuitbench.ui.common.SyncRunner;
import org.circuitbench.ui.common.TestServices;
import org.circuitbench.ui.common.WorkingCircuit;
import org.circuitbench.ui.common.Workspace;
import org.circuitbench.ui.grid.GridViewModel;
import org.circuitbench.ui.runs.EdgeRuns;
import org.circuitbench.ui.runs.RunViewModel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Graph view's model without the FX thread: edge and node clicks, the exact score, merging, the slider, runs, the grid in step. */
class GraphViewModelTest {
    AblationTask task;
    org.circuitbench.ablation.EvaluatorHandle<EdgeEvaluator> live;
    EdgeEvaluator plain;
    EdgeGraph g;
    GridViewModel grid;
    WorkingCircuit working;
    AppServices services;
    SessionTasks tasks;

    @BeforeEach
    void setUp() {
        task = TestData.task(TestData.fixture("words-months-seqcont-4x4"));
        live = new org.circuitbench.ablation.EvaluatorHandle<>(task, () -> new EdgeEvaluator(task));
        plain = new EdgeEvaluator(task, false);
        g = plain.graph();
    }

    @AfterEach
    void tearDown() {
        live.close();
        plain.close();
    }

    GraphViewModel vm(BackgroundRunner runner) {
        services = TestServices.of(runner, new ScriptedDialogs(), new Workspace(), Path.of("target/test-services"));
        working = new WorkingCircuit();
        grid = new GridViewModel(services, working, () -> null);
        grid.reset(4, 4, null);
        tasks = new SessionTasks() {
            @Override
            public String selectedName() {
                return "words-months";
            }

            @Override
            public Optional<AblationTask> selected() {
                return Optional.of(task);
            }

            @Override
            public Optional<Workspace.TaskKey> selectedKey() {
                return Optional.empty();
            }

            @Override
            public List<String> names() {
                return List.of("words-months");
            }

            @Override
            public AblationTask prepare(String name) throws TaskException {
                return task;
            }
        };
        GraphViewModel v = new GraphViewModel(services, tasks, working, () -> live);
        v.activeProperty().set(true);
        v.taskReady(task);
        return v;
    }

    @Test
    void clickingAnEdgeChangesTheCircuitAndTheScoreIsTheEngines() {
        GraphViewModel v = vm(SyncRunner.immediate());
        assertEquals(EdgeCircuit.all(g), v.circuit());
        assertEquals(100.0, v.edits().scoreProperty().get(), 1e-3);
        Edge e = g.parse("2.1->logits");
        v.edits().toggleEdge(e);
        assertFalse(v.circuit().contains(e));
        assertEquals(plain.score(EdgeCircuit.all(g).without(e)), v.edits().scoreProperty().get(), 1e-3);
        v.edits().toggleEdge(g.id(e)); // back
        assertEquals(EdgeCircuit.all(g), v.circuit());
        v.edits().undo();
        assertFalse(v.circuit().contains(e));
        v.edits().redo();
        assertTrue(v.circuit().contains(e));
    }

    @Test
    void rapidClicksMergeAndNoStaleScoreIsShown() {
        SyncRunner runner = SyncRunner.queued();
        GraphViewModel v = vm(runner);
        runner.runAll(); // the first score and the attribution
        v.edits().toggleEdge(g.parse("3.3->logits")); // starts a score
        v.edits().toggleEdge(g.parse("3.2->logits")); // merged
        v.edits().toggleEdge(g.parse("0.mlp->logits")); // merged
        assertNull(v.edits().scoreProperty().get(), "nothing shown while the newest circuit is not scored");
        assertEquals(1, runner.pending(), "one score in flight, the others merged");
        runner.runAll(); // the first score ends, then the newest is scored once
        assertEquals(plain.score(v.circuit()), v.edits().scoreProperty().get(), 1e-3);
        assertFalse(v.edits().busyProperty().get());
    }

    @Test
    void clickingANodeRemovesOrRestoresAllItsEdges() {
        GraphViewModel v = vm(SyncRunner.immediate());
        v.edits().toggleNode(Node.head(1, 2));
        for (Edge e : GraphEdits.touching(g, Node.head(1, 2))) assertFalse(v.circuit().contains(e), e.toString());
        assertTrue(v.circuit().contains(g.parse("1.3->2.0.q")));
        assertFalse(grid.circuit().contains(Node.head(1, 2)), "a head whose edges are all gone shows as ablated on the grid");
        v.edits().toggleNode(Node.head(1, 2));
        assertEquals(EdgeCircuit.all(g), v.circuit());
        v.edits().toggleNode(Receiver.LOGITS);
        assertEquals(g.edgeCount() - g.sendersOf(g.receiverIndex(Receiver.LOGITS)), v.circuit().size());
    }

    @Test
    void aHeadToggledOnTheGridSetsItsEdges() {
        GraphViewModel v = vm(SyncRunner.immediate());
        grid.toggle(Node.head(2, 0));
        assertEquals(EdgeCircuit.induced(g, grid.circuit()), v.circuit(), "removing a head removes its edges");
        grid.toggle(Node.head(3, 1));
        grid.toggle(Node.head(2, 0));
        assertEquals(EdgeCircuit.induced(g, grid.circuit()), v.circuit(), "a head back: its edges to the nodes on the grid");
        assertEquals(plain.score(v.circuit()), v.edits().scoreProperty().get(), 1e-3);
    }

    /**
     * §2.4: a double-click on the grid (a toggle, then its take-back) leaves the graph's edge
     * circuit exactly as it was, even when the head had lost some of its edges on the graph.
     */
    @Test
    void aDoubleClickOnTheGridLeavesTheGraphsCircuitAsItWas() {
        GraphViewModel v = vm(SyncRunner.immediate());
        v.edits().toggleEdge(g.parse("1.2->logits")); // head 1.2 keeps its other edges
        EdgeCircuit before = v.circuit();
        grid.toggle(Node.head(1, 2));                 // the first click of the double-click
        assertFalse(v.circuit().contains(g.parse("1.2->2.0.q")), "the click took the head's edges off the graph");
        grid.cancelToggle(Node.head(1, 2));           // the second click takes it back
        assertEquals(before, v.circuit(), "no edge of the head came back that was not there before");
        v.edits().undo();
        assertEquals(EdgeCircuit.all(g), v.circuit(), "the graph's last step is the user's own edit, as before the double-click");
    }

    /** §2.9: a run's method is named for what it does, not for a file. */
    @Test
    void noRunMethodIsNamedForAFile() {
        for (org.circuitbench.ui.runs.EdgeRuns.Method m : org.circuitbench.ui.runs.EdgeRuns.Method.values()) {
            assertFalse(m.label.matches(".*\\.(md|txt|json).*"), m.label);
        }
    }

    @Test
    void theSlidersCircuitHasTheEnginesExactScore() {
        GraphViewModel v = vm(SyncRunner.immediate());
        assertNotNull(v.attribution().attributionProperty().get(), "attribution is computed when the task is ready");
        v.attribution().topNProperty().set(60);
        v.attribution().applyTopN();
        assertEquals(60, v.circuit().size());
        assertEquals(v.attribution().topCircuit(60), v.circuit());
        assertEquals(plain.score(v.circuit()), v.edits().scoreProperty().get(), 1e-3);
        List<Edge> ranking = v.attribution().attributionProperty().get().ranking();
        for (int i = 0; i < 60; i++) assertTrue(v.circuit().contains(ranking.get(i)));
        assertTrue(v.attribution().caption().get().contains("computed at an earlier circuit of " + String.format(java.util.Locale.ROOT,
                "%,d", v.attribution().attributionProperty().get().state().size())), "the line says the ranking is of the earlier circuit: "
                + v.attribution().caption().get());
    }

    /** The overlay's EAP-IG is the engine's, at the graph's circuit; its line names the method. */
    @Test
    void theOverlayComputesTheChosenEapIgVariant() {
        GraphViewModel v = vm(SyncRunner.immediate());
        v.edits().toggleNode(Node.head(1, 2));
        for (org.circuitbench.ablation.AttributionMethod by : GraphAttribution.choices()) {
            v.attribution().methodProperty().set(by);
            v.attribution().compute();
            org.circuitbench.ablation.EdgeAttribution shown = v.attribution().attributionProperty().get();
            org.circuitbench.ablation.EdgeAttribution want = plain.attributor().attribute(v.circuit(), by);
            assertEquals(want.state(), shown.state());
            for (org.circuitbench.ablation.EdgeAttribution.EdgeValue e : want.edges()) {
                assertEquals(e.attribution(), shown.of(e.edge()), 1e-4, by + " " + e.edge());
            }
            assertTrue(v.attribution().textProperty().get().startsWith(by.describe() + " attribution of"), v.attribution().textProperty().get());
        }
        assertEquals(3, GraphAttribution.choices().stream().map(org.circuitbench.ablation.AttributionMethod::kind).distinct().count());
    }

    @Test
    void aNewAttributionArrivesWithTheSliderAtAllItsEdges() {
        GraphViewModel v = vm(SyncRunner.immediate());
        v.edits().toggleNode(Node.head(1, 2));
        int[] seen = {-1};
        v.attribution().attributionProperty().addListener((o, was, a) -> seen[0] = v.attribution().topNProperty().get());
        v.attribution().compute();
        int size = v.attribution().attributionProperty().get().state().size();
        assertEquals(v.circuit().size(), size);
        assertEquals(size, seen[0], "the slider, set when the attribution arrives, reads n = every edge of it, as its label says");
        assertEquals(size, v.attribution().topNProperty().get());
    }

    @Test
    void whenTheTaskGoesTheSlidersNGoesWithIt() {
        GraphViewModel v = vm(SyncRunner.immediate());
        assertEquals(g.edgeCount(), v.attribution().topNProperty().get());
        v.taskGone("The session has no task yet: add one with New.");
        assertNull(v.attribution().attributionProperty().get());
        assertEquals(0, v.attribution().topNProperty().get(), "no n of the old task's attribution is left for a session without it");
    }

    @Test
    void hoveringAnEdgeShowsItsAttributionAndThenItsExactEffect() {
        GraphViewModel v = vm(SyncRunner.immediate());
        int id = g.id(g.parse("0.mlp->logits"));
        String first = v.edgeInfo(id);
        assertTrue(first.startsWith("0.mlp->logits") && first.contains("attribution"), first);
        double exact = plain.score(EdgeCircuit.all(g).without(g.edge(id)));
        assertEquals(exact, v.edits().effects().get(id), 1e-3);
        assertTrue(v.edgeInfo(id).contains(String.format(java.util.Locale.ROOT, "%.4f", v.edits().effects().get(id))));
    }

    @Test
    void anEdgePruneRunsAndItsResultAppliesAndSaves() {
        GraphViewModel v = vm(SyncRunner.immediate());
        EdgeRuns settings = new EdgeRuns(services, tasks, working, v::circuit, v.edits()::setCircuit);
        RunViewModel<Session.RunRecord> runs = new RunViewModel<>(services, settings, 10);
        settings.methodProperty().set(EdgeRuns.Method.GREEDY);
        runs.thresholdTextProperty().set("3");
        assertTrue(runs.start());
        assertFalse(runs.runningProperty().get());
        Session.RunRecord r = runs.history().get(0);
        JsonFixture want = JsonFixture.prune(0);
        assertEquals(want.evaluations(), r.evaluations());
        assertEquals(want.kept(), java.util.Set.copyOf(SessionMapper.edges(r.kept(), g).toStrings()));
        assertEquals(want.removed(), runs.log().size());
        runs.applySelected();
        assertEquals(SessionMapper.edges(r.kept(), g), v.circuit());
        v.edits().saveAs("pruned");
        assertEquals("pruned", v.edits().named().get(0).name());
        assertEquals(v.circuit(), SessionMapper.edges(v.graphSnapshot(), g));
        runs.thresholdTextProperty().set("abc");
        assertFalse(runs.start());
        assertTrue(runs.statusProperty().get().contains("not a number"));
    }

    @Test
    void nothingIsComputedWhileTheViewIsHiddenAndAllOfItWhenShown() {
        SyncRunner runner = SyncRunner.queued();
        AppServices services = TestServices.of(runner, new ScriptedDialogs(), new Workspace(), Path.of("target/test-services"));
        WorkingCircuit w = new WorkingCircuit();
        GridViewModel gridVm = new GridViewModel(services, w, () -> null);
        gridVm.reset(4, 4, null);
        GraphViewModel v = new GraphViewModel(services, new SessionTasks() {
            public String selectedName() {
                return "t";
            }

            public Optional<AblationTask> selected() {
                return Optional.of(task);
            }

            public Optional<Workspace.TaskKey> selectedKey() {
                return Optional.empty();
            }

            public List<String> names() {
                return List.of("t");
            }

            public AblationTask prepare(String name) {
                return task;
            }
        }, w, () -> live);
        runner.runAll();
        v.taskReady(task);
        v.edits().toggleEdge(g.parse("2.1->logits"));
        assertEquals(0, runner.pending(), "hidden: no score, no attribution");
        v.activeProperty().set(true);
        assertEquals(2, runner.pending(), "shown: the score and the attribution");
        runner.runAll();
        assertEquals(plain.score(v.circuit()), v.edits().scoreProperty().get(), 1e-3);
        assertNotNull(v.attribution().attributionProperty().get());
    }

    @Test
    void anotherSessionLeavesNothingOfTheLast() {
        GraphViewModel v = vm(SyncRunner.immediate());
        v.edits().toggleEdge(g.parse("2.1->logits"));
        v.edits().saveAs("mine");
        v.clear(Session.empty());
        assertNull(v.circuit());
        assertNull(v.attribution().attributionProperty().get());
        assertEquals("–", v.edits().scoreTextProperty().get());
        assertTrue(v.edits().named().isEmpty());
        v.taskReady(task);
        assertEquals(EdgeCircuit.all(g), v.circuit(), "the new session's graph: every edge");
    }

    /** The words-months case's edge prunes, from edges-expected.json. */
    record JsonFixture(long evaluations, java.util.Set<String> kept, int removed) {
        static JsonFixture prune(int i) {
            var p = TestData.expected(TestData.fixture("words-months-seqcont-4x4"), "edges-expected.json").orElseThrow().get("prunes").get(i);
            java.util.Set<String> kept = new java.util.HashSet<>();
            p.get("kept").forEach(n -> kept.add(n.asText()));
            return new JsonFixture(p.get("evaluations").asLong(), kept, p.get("removed").size());
        }
    }

    static Circuit all() {
        return Circuit.all(4, 4);
    }
}
