package org.circuitbench.ui.app;

import org.circuitbench.TestData;
import org.circuitbench.ablation.AblationKind;
import org.circuitbench.ablation.AblationTask;
import org.circuitbench.ablation.Method;
import org.circuitbench.ablation.Metric;
import org.circuitbench.ablation.Normalisation;
import org.circuitbench.ablation.ScoreDetails;
import org.circuitbench.session.RecoveryStore;
import org.circuitbench.session.Session;
import org.circuitbench.session.SessionFiles;
import org.circuitbench.task.Prompt;
import org.circuitbench.task.TaskFile;
import org.circuitbench.task.TaskFiles;
import org.circuitbench.ui.common.MethodChoice;
import org.circuitbench.ui.common.ScriptedDialogs;
import org.circuitbench.ui.common.SyncRunner;
import org.circuitbench.ui.common.TestServices;
import org.circuitbench.ui.common.TestSessions;
import org.circuitbench.ui.common.Workspace;
import org.circuitbench.ui.grid.PromptBreakdown;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The scoring method in the app (issue 19): the choosers, the grid's score and per-prompt
 * breakdown under the chosen method, the warning banner for a baseline within noise of 0, and
 * the method saved in the session.
 */
class MethodChoiceTest {
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
        vm = new MainViewModel(TestServices.of(SyncRunner.immediate(), dialogs, ws, dir), store, dir.resolve("user"));
        vm.apply(TestSessions.fourByFour(), null);
    }

    @AfterEach
    void stop() {
        store.close();
        assertTrue(dialogs.allAnswered(), "every scripted answer was used");
        ws.close();
    }

    @Test
    void theNormalisationsOfferedFollowTheMetricAndTheMethodIsAlwaysValid() {
        MethodChoice m = new MethodChoice();
        List<Method> seen = new ArrayList<>();
        m.methodProperty().addListener((o, a, b) -> seen.add(b));
        assertEquals(Method.DEFAULT, m.method());
        m.metricProperty().set(Metric.KL);
        assertEquals(List.of(Normalisation.NONE, Normalisation.FAITHFULNESS), m.normalisations());
        assertEquals(new Method(AblationKind.MEAN, Metric.KL, Normalisation.NONE), m.method(), "kl moves ratio to its own scale");
        m.normalisationProperty().set(Normalisation.FAITHFULNESS);
        m.metricProperty().set(Metric.PROB);
        assertEquals(Normalisation.FAITHFULNESS, m.normalisationProperty().get(), "faithfulness suits every metric");
        m.set(new Method(AblationKind.PATCH, Metric.LOGIT_DIFF, Normalisation.RATIO));
        assertEquals(List.of(new Method(AblationKind.MEAN, Metric.KL, Normalisation.NONE),
                        new Method(AblationKind.MEAN, Metric.KL, Normalisation.FAITHFULNESS),
                        new Method(AblationKind.MEAN, Metric.PROB, Normalisation.FAITHFULNESS),
                        new Method(AblationKind.PATCH, Metric.LOGIT_DIFF, Normalisation.RATIO)), seen,
                "one change per choice, and a session's method in one step");
    }

    @Test
    void theGridScoresUnderTheChosenMethodWithItsBreakdown() throws Exception {
        assertEquals(100, vm.grid().detailsProperty().get().score(), 1e-6);
        assertFalse(vm.document().dirtyProperty().get());
        vm.method().metricProperty().set(Metric.KL);
        assertTrue(vm.document().dirtyProperty().get(), "a method is part of the session");
        ScoreDetails d = vm.grid().detailsProperty().get();
        assertEquals(new Method(AblationKind.MEAN, Metric.KL, Normalisation.NONE), d.method());
        assertEquals(0, d.score(), 1e-5, "every head: the full model's distribution");
        assertTrue(vm.grid().scoreTextProperty().get().endsWith("nats"), vm.grid().scoreTextProperty().get());
        assertTrue(vm.grid().captionProperty().get().contains("KL divergence"), vm.grid().captionProperty().get());
        vm.grid().setCircuit(org.circuitbench.ablation.Circuit.none(4, 4));
        d = vm.grid().detailsProperty().get();
        AblationTask kl = ws.task(Workspace.TaskKey.of(vm.selectedTaskProperty().get(), d.method())).orElseThrow();
        assertEquals(new org.circuitbench.ablation.ReferenceEvaluator(kl).score(org.circuitbench.ablation.Circuit.none(4, 4)), d.score(), 1e-4);
        PromptBreakdown b = vm.grid().breakdown();
        assertEquals(d.prompts(), b.rows().size());
        for (PromptBreakdown.Row r : b.rows()) {
            assertEquals(d.circuitPerPrompt()[r.prompt()], r.circuit(), 0);
            assertEquals(0, r.full(), 0, "KL of the full model from itself");
            assertEquals(d.wrong()[r.prompt()], r.wrong());
        }
        assertTrue(b.summaryProperty().get().startsWith(d.wrongCount() + " of " + d.prompts() + " prompts wrong"), b.summaryProperty().get());
        Path csv = dir.resolve("per-prompt.csv");
        dialogs.answer(csv);
        vm.grid().exportBreakdown();
        List<String> lines = Files.readAllLines(csv);
        assertEquals(ScoreDetails.CSV_HEADER, lines.get(0));
        assertEquals(d.prompts() + 1, lines.size());
        assertTrue(lines.get(1).startsWith("0,\"one two three four\",\"five\",\"one\",0.0,"), lines.get(1));
        // patching: this task has 14 clean and 14 corrupt prompts, paired by index
        vm.method().ablationProperty().set(AblationKind.PATCH);
        assertEquals(AblationKind.PATCH, vm.grid().detailsProperty().get().method().ablation());
    }

    @Test
    void aBaselineWithinNoiseOfZeroShowsTheWarningBanner() throws Exception {
        assertEquals("", vm.warningProperty().get());
        TaskFile f = TaskFiles.read(TestData.fixture("words-months-seqcont-4x4").resolve("task.json"));
        List<Prompt> clean = new ArrayList<>(f.clean());
        for (int i = 0; i < f.clean().size(); i++) {
            Prompt p = f.clean().get(i);
            // every prompt twice, all but the last copy with its answers swapped: a mean near 0
            clean.add(i < f.clean().size() - 1 ? new Prompt(p.text(), p.incorrect(), p.correct(), p.template(), p.positions(), null) : p);
        }
        Session s = TestSessions.fourByFour();
        vm.apply(s.withTasks(List.of(new Session.SessionTask("words", null, new TaskFile("noisy", clean, f.corrupt(), null), null))), null);
        assertTrue(vm.warningProperty().get().contains("within noise of 0"), vm.warningProperty().get());
        vm.apply(TestSessions.fourByFour(), null);
        assertEquals("", vm.warningProperty().get(), "another session: no warning of the old one");
    }

    @Test
    void theMethodIsSavedInTheSessionAndComesBack() throws Exception {
        Method chosen = new Method(AblationKind.ZERO, Metric.PROB, Normalisation.FAITHFULNESS);
        vm.method().set(chosen);
        Session before = vm.snapshot();
        assertEquals(new Session.MethodRecord("zero", "prob", "faithfulness"), before.ui().method());
        Path f = dir.resolve("m" + SessionFiles.EXTENSION);
        assertTrue(vm.document().saveAs(f));
        vm.document().newSession();
        assertEquals(Method.DEFAULT, vm.method().method(), "a new session starts from the seed's method");
        assertTrue(vm.document().open(f));
        assertEquals(chosen, vm.method().method());
        assertFalse(vm.document().dirtyProperty().get(), "opening a session is no edit");
        assertEquals(chosen, vm.grid().detailsProperty().get().method());
        assertEquals(100, vm.grid().detailsProperty().get().score(), 1e-3, "faithfulness of every head");
        // the default method writes nothing new, so files that never chose one stay as they were
        vm.method().set(Method.DEFAULT);
        assertNull(vm.snapshot().ui().method());
        String text = Files.readString(f).replace("\"zero\"", "\"sideways\"");
        Path bad = dir.resolve("bad" + SessionFiles.EXTENSION);
        Files.writeString(bad, text);
        String m = org.junit.jupiter.api.Assertions.assertThrows(org.circuitbench.session.SessionException.class,
                () -> SessionFiles.read(bad)).getMessage();
        assertTrue(m.contains("ui.method") && m.contains("sideways") && !m.contains("--"), m);
    }
}
