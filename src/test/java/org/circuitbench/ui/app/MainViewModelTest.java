package org.circuitbench.ui.app;

import com.fasterxml.jackson.databind.JsonNode;
import org.circuitbench.TestData;
import org.circuitbench.ablation.AblationTask;
import org.circuitbench.ablation.Circuit;
import org.circuitbench.ablation.FastEvaluator;
import org.circuitbench.ablation.Level;
import org.circuitbench.ablation.Node;
import org.circuitbench.ablation.ReferenceEvaluator;
import org.circuitbench.model.AppPaths;
import org.circuitbench.model.DeviceChoice;
import org.circuitbench.model.LoadedModel;
import org.circuitbench.search.JobContext;
import org.circuitbench.search.PruneResult;
import org.circuitbench.search.PruneSettings;
import org.circuitbench.search.Pruner;
import org.circuitbench.search.SearchMethod;
import org.circuitbench.session.RecoveryStore;
import org.circuitbench.session.SampleSessions;
import org.circuitbench.session.Session;
import org.circuitbench.session.SessionFiles;
import org.circuitbench.ui.common.BackgroundRunner;
import org.circuitbench.ui.common.DialogService;
import org.circuitbench.ui.common.ScriptedDialogs;
import org.circuitbench.ui.common.SyncRunner;
import org.circuitbench.ui.common.TestServices;
import org.circuitbench.ui.common.TestSessions;
import org.circuitbench.ui.common.Workspace;
import org.circuitbench.ui.graph.GraphViewModel;
import org.circuitbench.ui.grid.GridViewModel;
import org.circuitbench.ui.runs.EdgeRuns;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole app's state without a window: the demo start, runs, sessions and the state around
 * them (nothing of a previous session stays; no dialog path loses unsaved work; a session keeps
 * its model), recovery. Prunes run on the 4 × 4 model: these tests are about the app's logic; the
 * fixtures test the numbers.
 */
class MainViewModelTest {
    @TempDir
    Path dir;
    Workspace ws;
    RecoveryStore store;
    ScriptedDialogs dialogs;
    MainViewModel vm;

    @BeforeEach
    void start() throws Exception {
        ws = new Workspace();
        dialogs = new ScriptedDialogs();
        store = new RecoveryStore(dir.resolve("user"));
        vm = newVm(ws, SyncRunner.immediate(), store);
        vm.apply(TestSessions.fourByFour(), null); // the small model; tests about the demo open it themselves
    }

    MainViewModel newVm(Workspace w, BackgroundRunner runner) {
        return newVm(w, runner, new RecoveryStore(dir.resolve("user")));
    }

    MainViewModel newVm(Workspace w, BackgroundRunner runner, RecoveryStore recovery) {
        return new MainViewModel(TestServices.of(runner, dialogs, w, dir), recovery, dir.resolve("user"));
    }

    @AfterEach
    void stop() {
        store.close();
        assertTrue(dialogs.allAnswered(), "every scripted answer was used");
        ws.close();
    }

    AblationTask selected() {
        return ws.task(Workspace.TaskKey.of(vm.selectedTaskProperty().get())).orElseThrow();
    }

    @Test
    void firstStartOpensTheDemoModelAndTheDigitsSession() {
        vm.document().openDemo();
        assertEquals("demo:seqcont-tiny", vm.modelRef());
        assertTrue(vm.model().demoProperty().get());
        assertEquals("digits increasing", vm.selectedTaskName());
        assertEquals(12, vm.grid().layersProperty().get());
        assertEquals(100.0, vm.grid().detailsProperty().get().score(), 1e-6);
        assertEquals(9.2649, vm.grid().detailsProperty().get().fullMetric(), 1e-3);
        vm.grid().toggle(Node.head(0, 1));
        assertTrue(vm.grid().detailsProperty().get().score() < 100.0);
        assertEquals("", vm.modelProblemProperty().get());
    }

    @Test
    void aRunFillsTheHistoryKeepsPassesAndCanBeApplied() throws Exception {
        assertEquals(4, vm.grid().layersProperty().get());
        vm.prunes().methodProperty().set(SearchMethod.BACKWARD_FORWARD);
        vm.runs().thresholdProperty().set(10);
        assertTrue(vm.runs().start());
        assertEquals(1, vm.runs().history().size());
        Session.RunRecord r = vm.runs().history().get(0);
        PruneResult<Node, Circuit> direct;
        try (var ev = new FastEvaluator(selected())) {
            direct = new Pruner(ev, PruneSettings.of(SearchMethod.BACKWARD_FORWARD, 10, selected().allHeads())).run(JobContext.silent());
        }
        assertEquals(direct.removals().stream().map(x -> x.element().toString()).toList(),
                r.removals().stream().map(Session.RemovalRecord::element).toList(), "the app's run is the engine's run");
        assertEquals(direct.removals().stream().map(x -> x.pass()).toList(),
                r.removals().stream().map(Session.RemovalRecord::pass).toList(), "each removal keeps its pass");
        assertTrue(r.removals().stream().allMatch(x -> x.pass() >= 1));
        assertEquals(direct.circuit().toSpec(), r.circuit());
        assertEquals(r.removals().size(), vm.runs().log().size());
        vm.runs().applySelected();
        assertEquals(r.circuit(), vm.grid().circuit().toSpec());
        vm.prunes().saveAs(vm.runs().selectedProperty().get(), "found");
        assertTrue(vm.circuits().stream().anyMatch(c -> c.name().equals("found")));
        assertTrue(vm.document().dirtyProperty().get());
        // the CSV export is the engine's, passes included
        Path csv = dir.resolve("log.csv");
        dialogs.answer(csv);
        vm.export().exportSelectedRun();
        List<String[]> rows = Files.readString(csv).lines().dropWhile(l -> !l.startsWith("step,")).skip(1)
                .filter(l -> !l.startsWith("0,")).map(l -> l.split(",")).toList(); // step 0 holds the start circuit
        assertEquals(direct.removals().size(), rows.size());
        for (int i = 0; i < rows.size(); i++) {
            assertEquals(direct.removals().get(i).element().toString(), rows.get(i)[1]);
            assertEquals(String.valueOf(direct.removals().get(i).pass()), rows.get(i)[4], "the CSV keeps the passes (step,head,score,seconds,pass,…)");
        }
    }

    /** Cancel reaches a run even from its own events (a runner that runs jobs at once), and a cancelled run has no time left. */
    @Test
    void aCancelledRunKeepsItsLogAndHasNoTimeLeft() {
        vm.prunes().methodProperty().set(SearchMethod.RANDOM);
        vm.runs().thresholdProperty().set(20);
        vm.prunes().iterationsProperty().set(100_000);
        vm.runs().log().addListener((javafx.collections.ListChangeListener<org.circuitbench.ui.runs.LogRow>) c -> {
            if (vm.runs().log().size() == 2) vm.runs().cancel();
        });
        assertTrue(vm.runs().start());
        Session.RunRecord r = vm.runs().history().get(0);
        assertTrue(r.cancelled());
        assertEquals(r.removals().size(), vm.runs().log().size(), "the partial log is kept");
        assertEquals("", vm.runs().etaProperty().get());
        assertTrue(vm.runs().statusProperty().get().startsWith("cancelled"), vm.runs().statusProperty().get());
    }

    @Test
    void badSettingsGiveAMessage() {
        vm.runs().thresholdProperty().set(120);
        assertFalse(vm.runs().start());
        assertTrue(vm.runs().statusProperty().get().contains("[0, 100]"));
        vm.runs().thresholdTextProperty().set("abc");
        assertFalse(vm.runs().thresholdValidProperty().get());
        assertEquals("Threshold 'abc' is not a number; give a percentage such as 3.", vm.runs().statusProperty().get(),
                "the message is about what was typed, not an older one");
        assertFalse(vm.runs().start());
        vm.runs().thresholdTextProperty().set("5");
        assertEquals(5.0, vm.runs().thresholdProperty().get());
        assertEquals("", vm.runs().statusProperty().get());
    }

    /** Issue 13: a session with edge circuits and edge runs saves and reopens equal; a version 1 file still opens. */
    @Test
    void edgeCircuitsAndEdgeRunsSaveAndReopenEqual() throws Exception {
        GraphViewModel g = vm.graph();
        g.activeProperty().set(true);
        var graph = g.circuit().graph();
        g.edits().toggleEdge(graph.parse("3.mlp->logits"));
        g.edits().toggleNode(org.circuitbench.ablation.Node.head(2, 1));
        g.edits().saveAs("hand-made");
        vm.edgeRunSettings().methodProperty().set(EdgeRuns.Method.GREEDY);
        vm.edgeRuns().thresholdTextProperty().set("3");
        assertTrue(vm.edgeRuns().start());
        vm.edgeRunSettings().methodProperty().set(EdgeRuns.Method.ATTRIBUTION);
        vm.edgeRuns().thresholdTextProperty().set("10");
        assertTrue(vm.edgeRuns().start());
        vm.edgeRuns().applySelected();
        Session before = vm.snapshot();
        assertEquals(2, before.runs(Level.EDGES).size());
        assertEquals(SearchMethod.ATTRIBUTION, before.runs(Level.EDGES).get(1).method());
        assertFalse(before.runs(Level.EDGES).get(1).curve().isEmpty(), "the faithfulness curve is kept");
        assertEquals(1, before.circuits(Level.EDGES).size());
        assertNotNull(before.ui().graph(), "the graph's circuit is kept");
        Path f = dir.resolve("edges" + SessionFiles.EXTENSION);
        assertTrue(vm.document().saveAs(f));
        assertTrue(Files.readString(f).contains("\"schemaVersion\" : 3"));
        vm.document().newSession();
        assertTrue(vm.edgeRuns().history().isEmpty(), "nothing of the last session stays");
        assertTrue(vm.document().open(f));
        assertEquals(before, vm.snapshot());
        assertEquals(org.circuitbench.session.SessionMapper.edges(before.ui().graph(), graph), vm.graph().circuit());
        Path again = dir.resolve("edges-again" + SessionFiles.EXTENSION);
        assertTrue(vm.document().saveAs(again));
        assertEquals(Files.readString(f), Files.readString(again), "byte-equal on a second save");

        // a version 1 file: no edge work, opens as it is
        Path v1 = AppPaths.samples().orElseThrow().resolve("sessions/months-seqcont-tiny" + SessionFiles.EXTENSION);
        assertTrue(Files.readString(v1).contains("\"schemaVersion\" : 1"));
        assertTrue(vm.document().open(v1));
        assertTrue(vm.snapshot().runs(Level.EDGES).isEmpty() && vm.snapshot().circuits(Level.EDGES).isEmpty());
        assertNull(vm.snapshot().ui().graph());
        assertTrue(vm.edgeRuns().history().isEmpty() && vm.graph().edits().named().isEmpty());
    }

    /**
     * Issue 18 §5: a session's edge graph that names an edge the model does not have is kept as it
     * was (as damaged explanations are): saving writes it back unchanged until the graph is edited.
     */
    @Test
    void aGraphThatDoesNotFitTheModelIsSavedBackAsItWas() throws Exception {
        Session.EdgeSet foreign = new Session.EdgeSet(null, List.of("0.0->9.1.q", "3.mlp->logits"));
        Session s = TestSessions.fourByFour();
        Path f = dir.resolve("foreign" + SessionFiles.EXTENSION);
        SessionFiles.write(f, s.withUi(s.ui().withGraph(foreign)));
        assertTrue(vm.document().open(f));
        vm.graph().activeProperty().set(true);
        var graph = vm.graph().circuit().graph();
        assertEquals(graph.edgeCount(), vm.graph().circuit().size(), "every edge is shown in its place");
        assertTrue(vm.graph().edits().errorProperty().get().contains("does not fit"), vm.graph().edits().errorProperty().get());
        assertEquals(foreign, vm.snapshot().ui().graph(), "kept as it was");
        assertFalse(vm.document().dirtyProperty().get());
        Path again = dir.resolve("again" + SessionFiles.EXTENSION);
        assertTrue(vm.document().saveAs(again));
        assertEquals(foreign, SessionFiles.read(again).ui().graph(), "the next save writes it back");
        // a task switch on the same model keeps it; an edit of the graph replaces it
        vm.grid().toggle(Node.head(1, 1));
        vm.grid().toggle(Node.head(1, 1));
        assertEquals(foreign, vm.snapshot().ui().graph());
        vm.graph().edits().toggleEdge(graph.parse("3.mlp->logits"));
        assertEquals(List.of("3.mlp->logits"), vm.snapshot().ui().graph().removed(), "the researcher's edit is the graph now");
        vm.graph().edits().undo();
        assertEquals(foreign, vm.snapshot().ui().graph(), "undone back to the graph as opened: the file's graph again");
    }

    @Test
    void saveThenOpenGivesTheSameSessionWithItsOverlay() throws Exception {
        vm.grid().toggle(Node.head(3, 3));
        vm.saveGridAs("mine");
        vm.prunes().methodProperty().set(SearchMethod.FORWARD);
        vm.runs().thresholdProperty().set(20);
        vm.runs().start();
        vm.analysis().runImportance();
        vm.analysis().selectedForCompare().setAll("early", "late");
        vm.analysis().runComparison();
        assertEquals(GridViewModel.Overlay.COMPARE, vm.grid().overlayProperty().get());
        Session before = vm.snapshot();
        assertEquals(Session.Overlay.COMPARE, before.ui().overlay());
        assertNotNull(before.ui().importance(), "the importance sweep is kept too");
        Path f = dir.resolve("s" + SessionFiles.EXTENSION);
        assertTrue(vm.document().saveAs(f));
        assertFalse(vm.document().dirtyProperty().get());
        vm.document().newSession();
        assertTrue(vm.tasks().isEmpty());
        assertTrue(vm.document().open(f));
        assertEquals(before, vm.snapshot());
        assertEquals(Circuit.all(4, 4).without(Node.head(3, 3)), vm.grid().circuit());
        assertEquals(GridViewModel.Overlay.COMPARE, vm.grid().overlayProperty().get(), "the compare overlay is restored");
        assertEquals(List.of("early", "late"), vm.grid().compared().stream().map(c -> c.name().substring(4)).toList());
        assertEquals(before.ui().importance().entries().size(), vm.analysis().importance().size(), "and the importance data");
        vm.grid().overlayProperty().set(GridViewModel.Overlay.IMPORTANCE);
        Node top = vm.analysis().importance().get(0).node();
        assertEquals(before.ui().importance().circuitScore() - before.ui().importance().entries().get(0).scoreWithout(),
                vm.grid().drop(top), 1e-9);
    }

    @Test
    void corruptAndNewerFilesAreRefusedAndLeftAlone() throws Exception {
        Path bad = dir.resolve("bad" + SessionFiles.EXTENSION);
        Files.writeString(bad, "{\"schemaVersion\": 1, \"tasks\": [ {\"name\": ");
        String tasksBefore = vm.selectedTaskName();
        assertFalse(vm.document().open(bad));
        assertTrue(vm.errorProperty().get().contains("damaged") && vm.errorProperty().get().contains("line"), vm.errorProperty().get());
        assertEquals(tasksBefore, vm.selectedTaskName(), "the open session is untouched");
        assertEquals("{\"schemaVersion\": 1, \"tasks\": [ {\"name\": ", Files.readString(bad), "the file is untouched");
        Path newer = dir.resolve("newer" + SessionFiles.EXTENSION);
        Files.writeString(newer, "{\"schemaVersion\": 99}");
        assertFalse(vm.document().open(newer));
        assertTrue(vm.errorProperty().get().contains("newer"), vm.errorProperty().get());
        assertEquals("{\"schemaVersion\": 99}", Files.readString(newer));
    }

    @Test
    void aSessionTheAppCannotShowIsRefusedAndTheOpenOneStaysAsItWas() throws Exception {
        vm.grid().toggle(Node.head(1, 1));
        Session before = vm.snapshot();
        String sample = Files.readString(Path.of("samples/sessions/digits-seqcont-tiny" + SessionFiles.EXTENSION));
        String[] bad = {
                sample.replace("\"name\" : \"digits increasing\",\n    \"definition\"", "\"name\" : null,\n    \"definition\""),
                sample.replace("\"expression\" : \"1..100\"", "\"expression\" : \"" + "(".repeat(20_000) + "1" + ")".repeat(20_000) + "..100\""),
        };
        for (String text : bad) {
            assertTrue(!text.equals(sample), "the edit applied");
            Path f = dir.resolve("bad" + SessionFiles.EXTENSION);
            Files.writeString(f, text);
            assertFalse(vm.document().open(f));
            assertTrue(vm.errorProperty().get().contains("no name") || vm.errorProperty().get().contains("nests"), vm.errorProperty().get());
            assertEquals(before, vm.snapshot(), "the open session is untouched");
            assertTrue(vm.document().dirtyProperty().get());
            assertEquals(text, Files.readString(f), "the file is untouched");
        }
    }

    @Test
    void unsavedWorkIsRecoverable() throws Exception {
        vm.grid().toggle(Node.head(3, 3));
        vm.document().autosave();
        assertTrue(vm.document().pendingRecovery().isEmpty(), "an instance's own copy is not offered to itself while it runs");
        store.close(); // the app dies: its lock goes, its copy stays
        Workspace ws2 = new Workspace();
        try {
            RecoveryStore store2 = new RecoveryStore(dir.resolve("user"));
            MainViewModel again = newVm(ws2, SyncRunner.immediate(), store2);
            dialogs.answer(true); // Recover
            again.document().start(List.of());
            assertTrue(dialogs.shown.get(dialogs.shown.size() - 1).startsWith("confirm: Recover unsaved work?"));
            assertNotNull(again.grid().circuit());
            assertFalse(again.grid().circuit().contains(Node.head(3, 3)));
            assertTrue(again.document().dirtyProperty().get());
            assertTrue(Files.isRegularFile(store2.file()), "the recovered work is at once this instance's own copy");
            again.document().saveAs(dir.resolve("x" + SessionFiles.EXTENSION));
            assertFalse(Files.exists(store2.file()), "a clean save clears the recovery copy");
            again.document().closing();
        } finally {
            ws2.close();
        }
        assertTrue(new RecoveryStore(dir.resolve("user")).pending().isEmpty(), "nothing is left to offer");
    }

    @Test
    void quittingWithUnsavedChangesWritesAFreshCopy() throws Exception {
        vm.grid().toggle(Node.head(2, 1)); // after the last autosave, or with none at all
        vm.document().closing();
        Workspace ws2 = new Workspace();
        try {
            MainViewModel again = newVm(ws2, SyncRunner.immediate());
            RecoveryStore.Recovery r = again.document().pendingRecovery().orElseThrow();
            assertFalse(Circuit.parse(r.session().ui().grid(), 4, 4).contains(Node.head(2, 1)), "the last edit is in the copy");
        } finally {
            ws2.close();
        }
    }

    @Test
    void aDamagedRecoveryCopyIsReported() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("user/recovery"));
        Files.writeString(folder.resolve("pid7-0" + SessionFiles.EXTENSION), "{ damaged");
        assertTrue(vm.document().pendingRecovery().isEmpty());
        assertTrue(vm.document().recoveryDamage().contains("damaged.json"), vm.document().recoveryDamage());
    }

    /** The recovery question names the session and says when, in words, not an ISO timestamp. */
    @Test
    void theRecoveryQuestionSaysWhenInWords() {
        Clock noon = Clock.fixed(Instant.parse("2025-03-04T12:00:00Z"), ZoneOffset.UTC);
        assertEquals("today at 09:05", SessionDocument.when(Instant.parse("2025-03-04T09:05:59Z"), noon));
        assertEquals("yesterday at 23:59", SessionDocument.when(Instant.parse("2025-03-03T23:59:00Z"), noon));
        assertEquals("on 1 March 2025 at 14:05", SessionDocument.when(Instant.parse("2025-03-01T14:05:00Z"), noon));
        String q = vm.document().recoveryQuestion(new RecoveryStore.Recovery(Session.empty(), "/x/work.cbsession.json", Instant.now(), null));
        assertTrue(q.contains("work.cbsession.json") && q.contains("today at "), q);
        assertFalse(q.matches(".*\\d{4}-\\d\\d-\\d\\dT.*"), q);
    }

    /** After Quit with Don't save, nothing is offered at the next start; after Quit with Save, neither. */
    @Test
    void aNormalQuitLeavesNoRecoveryCopy() throws Exception {
        vm.grid().toggle(Node.head(3, 3));
        vm.document().autosave();
        dialogs.answer(DialogService.Unsaved.DISCARD);
        assertTrue(vm.document().requestQuit());
        vm.document().closing();
        assertTrue(new RecoveryStore(dir.resolve("user")).pending().isEmpty(), "Don't save means don't keep");

        vm.grid().toggle(Node.head(2, 2));
        vm.document().autosave();
        Path f = dir.resolve("quit" + SessionFiles.EXTENSION);
        dialogs.answer(DialogService.Unsaved.SAVE, f);
        assertTrue(vm.document().requestQuit());
        vm.document().closing();
        assertTrue(Files.isRegularFile(f), "saved on the way out");
        assertTrue(new RecoveryStore(dir.resolve("user")).pending().isEmpty());
    }

    /** New, Open, Open recent, Open a sample and Quit all ask before unsaved work goes; Cancel changes nothing. */
    @Test
    void everyWayOutOfASessionAsksAboutUnsavedWork() throws Exception {
        Path other = dir.resolve("other" + SessionFiles.EXTENSION);
        SessionFiles.write(other, TestSessions.fourByFour());
        Path sample = AppPaths.samples().orElseThrow().resolve("sessions/months-seqcont-tiny" + SessionFiles.EXTENSION);
        List<Consumer<MainViewModel>> actions = List.of(
                v -> v.document().newSession(), v -> v.document().openSession(), v -> v.document().openRecent(other), v -> v.document().openSample(),
                v -> assertFalse(v.document().requestQuit()));
        for (Consumer<MainViewModel> action : actions) {
            vm.grid().toggle(Node.head(2, 1));
            Session before = vm.snapshot();
            int asked = dialogs.shown.size();
            dialogs.answer(DialogService.Unsaved.CANCEL);
            action.accept(vm);
            assertTrue(dialogs.shown.get(asked).startsWith("askToSave: Save the changes to the untitled session?"), dialogs.shown.toString());
            assertEquals(asked + 1, dialogs.shown.size(), "Cancel asks nothing more");
            assertEquals(before, vm.snapshot(), "Cancel leaves the session as it was");
            assertTrue(vm.document().dirtyProperty().get());
            vm.grid().undo();
        }
        // Don't save: the action goes on; Save: the work is saved first
        vm.grid().toggle(Node.head(2, 1));
        dialogs.answer(DialogService.Unsaved.DISCARD, other);
        vm.document().openSession();
        assertEquals("words", vm.selectedTaskName());
        vm.grid().toggle(Node.head(1, 1));
        dialogs.answer(DialogService.Unsaved.SAVE, sample); // the session has a file: Save writes it without asking where
        vm.document().openSample();
        assertTrue(SessionFiles.read(other).ui().grid().contains("1.0,1.2"), "the changes were saved before the sample opened");
        assertEquals("months", vm.selectedTaskName());
        assertNull(vm.document().fileProperty().get(), "a sample opens untitled");
        // nothing unsaved: no question
        int asked = dialogs.shown.size();
        vm.document().newSession();
        assertEquals(asked, dialogs.shown.size());
    }

    /** Issue 21 §2.9: a session saved from a (version 1) sample is written in the current schema, with its edge work. */
    @Test
    void aSessionSavedFromASampleIsWrittenInTheCurrentSchemaWithItsEdgeWork() throws Exception {
        Path sample = AppPaths.samples().orElseThrow().resolve("sessions/months-seqcont-tiny" + SessionFiles.EXTENSION);
        String sampleText = Files.readString(sample);
        assertTrue(sampleText.contains("\"schemaVersion\" : 1"));
        dialogs.answer(sample);
        vm.document().openSample();
        GraphViewModel g = vm.graph();
        g.activeProperty().set(true);
        var graph = g.circuit().graph();
        g.edits().toggleEdge(graph.parse("3.mlp->logits"));
        g.edits().saveAs("one edge out");
        Path saved = dir.resolve("from-sample" + SessionFiles.EXTENSION);
        dialogs.answer(saved);
        assertTrue(vm.document().saveSession());
        assertTrue(Files.readString(saved).contains("\"schemaVersion\" : " + Session.SCHEMA_VERSION), "the current schema");
        Session back = SessionFiles.read(saved);
        assertEquals(List.of("one edge out"), back.circuits(Level.EDGES).stream().map(Session.NamedCircuit::name).toList());
        assertNotNull(back.ui().graph(), "the graph's edit is kept");
        assertEquals(sampleText, Files.readString(sample), "the sample itself is untouched");
    }

    /** A GPT-2 session opened without GPT-2 keeps its model, says so, and shows no score of the demo model as its own. */
    @Test
    void aSessionKeepsItsModelWhileTheModelIsMissing() throws Exception {
        vm.document().openDemo();
        Path gpt2 = AppPaths.samples().orElseThrow().resolve("sessions/digits-gpt2" + SessionFiles.EXTENSION);
        assertTrue(vm.document().open(gpt2));
        assertEquals("demo:seqcont-tiny", vm.modelRef(), "GPT-2 is not in this test's cache, so the demo stays loaded");
        assertTrue(vm.modelProblemProperty().get().startsWith("This session is for gpt2, which is not loaded (the demo model is)"),
                vm.modelProblemProperty().get());
        assertNull(vm.grid().detailsProperty().get(), "no score of the demo model is shown for a GPT-2 task");
        assertNull(vm.grid().circuit());
        assertTrue(vm.grid().detailTextProperty().get().contains("gpt2"), vm.grid().detailTextProperty().get());
        assertFalse(vm.runs().start(), "nothing to prune on");
        Path copy = dir.resolve("copy" + SessionFiles.EXTENSION);
        assertTrue(vm.document().saveAs(copy));
        JsonNode saved = TestData.JSON.readTree(copy.toFile());
        assertEquals("gpt2", saved.path("model").path("name").asText(), "Save as keeps the session's model");
        assertEquals(SessionFiles.read(gpt2).ui().grid(), saved.path("ui").path("grid").asText(), "and its grid");
        // the user chooses the loaded model: now it is the session's, and scores are shown
        vm.useLoadedModel();
        assertEquals("", vm.modelProblemProperty().get());
        assertNotNull(vm.grid().detailsProperty().get());
        assertEquals(AppPaths.DEMO_REF, vm.snapshot().model().name());
        assertTrue(vm.document().dirtyProperty().get());
    }

    /** With no model loaded at all, the session's model is still saved. */
    @Test
    void aSessionKeepsItsModelWhenNoModelIsLoaded() throws Exception {
        Workspace ws2 = new Workspace();
        try {
            MainViewModel fresh = newVm(ws2, SyncRunner.immediate());
            assertTrue(fresh.document().open(AppPaths.samples().orElseThrow().resolve("sessions/months-gpt2" + SessionFiles.EXTENSION)));
            assertNull(fresh.modelRef());
            assertTrue(fresh.model().errorProperty().get().contains("gpt2"), fresh.model().errorProperty().get());
            assertEquals("gpt2", fresh.snapshot().model().name());
        } finally {
            ws2.close();
        }
    }

    /**
     * The cross-task matrix scores the open session's tasks, never a task of the session before
     * that shares a name: "months" of session A is another task than "months" of the sample.
     */
    @Test
    void theMatrixUsesTheOpenSessionsTasksNotSameNamedOnesOfTheLastSession() throws Exception {
        vm.document().openDemo();
        Session a = SampleSessions.single(SampleSessions.numwords(), AppPaths.DEMO_REF, List.of());
        Session.SessionTask impostor = new Session.SessionTask("months", SampleSessions.numwords(), null, null);
        vm.apply(a.withTasks(List.of(impostor)), null);
        assertNotNull(vm.grid().detailsProperty().get(), "session A's 'months' is prepared");
        assertTrue(vm.document().open(AppPaths.samples().orElseThrow().resolve("sessions/cross-task-seqcont-tiny" + SessionFiles.EXTENSION)));
        vm.analysis().selectedForCompare().setAll(vm.circuits().stream().map(Session.NamedCircuit::name).toList());
        assertEquals(4, vm.analysis().selectedForCompare().size());
        vm.analysis().runMatrix();
        var m = vm.analysis().matrixProperty().get();
        assertNotNull(m, vm.analysis().statusProperty().get());
        int months = m.tasks().indexOf("months");
        try (LoadedModel demo = LoadedModel.open("demo", AppPaths.demoModel(), DeviceChoice.resolve("cpu"));
             AblationTask t = AblationTask.prepare(demo, SampleSessions.months().generate(demo.tokenizer()::encode))) {
            ReferenceEvaluator ref = new ReferenceEvaluator(t);
            for (int i = 0; i < m.circuits().size(); i++) {
                String spec = vm.circuits().get(i).circuit();
                assertEquals(ref.score(Circuit.parse(spec, 12, 12)), m.scores()[i][months], 1e-3, m.circuits().get(i) + " on months");
            }
        }
        assertEquals(4, ws.preparedCount(), "the old session's tasks were freed; the four of this one are prepared");
    }

    /** Opening session B leaves nothing of session A: runs, logs, analysis, overlays, messages, the score. */
    @Test
    void openingAnotherSessionLeavesNothingOfTheLast() throws Exception {
        vm.runs().thresholdProperty().set(10);
        vm.runs().start();
        vm.analysis().runImportance();
        vm.analysis().selectedForCompare().setAll("early", "late");
        vm.analysis().runComparison();
        vm.analysis().runMatrix();
        vm.errorProperty().set("an error of session A");
        assertFalse(vm.analysis().comparison().isEmpty());
        assertNotNull(vm.analysis().matrixProperty().get());

        vm.document().openDemo(); // session B: digits on the demo model
        assertEquals("digits increasing", vm.selectedTaskName());
        assertTrue(vm.runs().history().isEmpty());
        assertTrue(vm.runs().log().isEmpty());
        assertNull(vm.runs().selectedProperty().get());
        assertEquals("", vm.runs().statusProperty().get());
        assertTrue(vm.analysis().importance().isEmpty());
        assertNull(vm.analysis().importanceResultProperty().get());
        assertTrue(vm.analysis().comparison().isEmpty());
        assertTrue(vm.analysis().letters().isEmpty());
        assertNull(vm.analysis().matrixProperty().get());
        assertTrue(vm.analysis().selectedForCompare().isEmpty());
        assertEquals("", vm.analysis().statusProperty().get());
        assertEquals(GridViewModel.Overlay.NONE, vm.grid().overlayProperty().get());
        assertTrue(vm.grid().importance().isEmpty());
        assertTrue(vm.grid().compared().isEmpty());
        assertEquals("", vm.errorProperty().get());
        assertEquals(12, vm.grid().layersProperty().get());
        assertEquals(100.0, vm.grid().detailsProperty().get().score(), 1e-6, "the score is B's");
        assertEquals(9.2649, vm.grid().detailsProperty().get().fullMetric(), 1e-3);

        dialogs.answer(DialogService.Unsaved.DISCARD);
        vm.grid().toggle(Node.head(1, 1));
        vm.document().newSession(); // File → New: no task, so no score at all
        assertNull(vm.grid().detailsProperty().get());
        assertEquals("–", vm.grid().scoreTextProperty().get());
        assertTrue(vm.editor().preview().isEmpty());
    }

    /** A prune still running when another session opens is stopped, and its result never lands in the new session. */
    @Test
    void aRunOfTheLastSessionNeverLandsInTheNext() throws Exception {
        SyncRunner q = SyncRunner.queued();
        Workspace ws2 = new Workspace();
        try {
            MainViewModel v = newVm(ws2, q);
            v.apply(TestSessions.fourByFour(), null);
            q.runAll();
            assertTrue(v.runs().start());
            assertTrue(v.runs().runningProperty().get());
            dialogs.answer(true); // "Stop the running work?" → Stop it
            v.document().newSession();
            assertFalse(v.runs().runningProperty().get());
            q.runAll();
            assertTrue(v.runs().history().isEmpty(), "the old session's run is dropped");
            assertTrue(v.runs().log().isEmpty());
        } finally {
            ws2.close();
        }
    }
    /** An edge run (the Graph view) counts as running work: File → New stops it only after asking. */
    @Test
    void anEdgeRunIsStoppedOnlyAfterAsking() throws Exception {
        SyncRunner q = SyncRunner.queued();
        Workspace ws2 = new Workspace();
        try {
            MainViewModel v = newVm(ws2, q);
            v.apply(TestSessions.fourByFour(), null);
            v.graph().activeProperty().set(true);
            q.runAll();
            assertTrue(v.edgeRuns().start(), v.edgeRuns().statusProperty().get());
            assertTrue(v.edgeRuns().runningProperty().get());
            dialogs.answer(false); // "Stop the running work?" → Keep working
            v.document().newSession();
            assertTrue(dialogs.allAnswered(), "the user was asked: " + dialogs.shown);
            assertTrue(v.edgeRuns().runningProperty().get(), "the edge run goes on");
            assertFalse(v.tasks().isEmpty(), "the session stays");
            dialogs.answer(true); // → Stop it
            v.document().newSession();
            assertFalse(v.edgeRuns().runningProperty().get());
            q.runAll();
            assertTrue(v.edgeRuns().history().isEmpty(), "the old session's edge run is dropped");
            assertTrue(v.edgeRuns().log().isEmpty());
        } finally {
            ws2.close();
        }
    }
}
