package org.circuitbench.ui.task;

import org.circuitbench.TestData;
import org.circuitbench.model.Gpt2Tokenizer;
import org.circuitbench.session.SampleSessions;
import org.circuitbench.session.Session;
import org.circuitbench.task.TaskFiles;
import org.circuitbench.task.TaskProblem;
import org.circuitbench.ui.common.BackgroundRunner;
import org.circuitbench.ui.common.ScriptedDialogs;
import org.circuitbench.ui.common.SyncRunner;
import org.circuitbench.ui.common.TestServices;
import org.circuitbench.ui.common.Workspace;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TaskEditorViewModelTest {
    static final Gpt2Tokenizer tok = TestData.tokenizer();

    TaskEditorViewModel vm() {
        return vm(SyncRunner.immediate());
    }

    TaskEditorViewModel vm(BackgroundRunner runner) {
        return new TaskEditorViewModel(TestServices.of(runner, new ScriptedDialogs(), new Workspace(), Path.of("target/test-services")),
                () -> tok::encode, t -> Arrays.asList(tok.tokenTexts(t)));
    }

    @Test
    void theSeedsDigitsTaskBuildsCleanly() {
        TaskEditorViewModel e = vm();
        e.edit(SampleSessions.task(SampleSessions.digits()));
        assertTrue(e.problems().isEmpty(), e.problems().toString());
        assertEquals(200, e.preview().size());
        TaskEditorViewModel.PreviewRow first = e.preview().get(0);
        assertEquals("1 2 3 4", first.text());
        assertEquals(List.of("1", " 2", " 3", " 4"), first.tokens());
        assertEquals("5", first.correct());
        assertEquals(List.of("end", "S1", "S2", "S3", "S4"), e.labels());
        assertFalse(e.dirtyProperty().get());
    }

    @Test
    void lengthMismatchUnknownNameAndMissingCorruptAreShownAsYouType() {
        TaskEditorViewModel e = vm();
        e.edit(SampleSessions.task(SampleSessions.digits()));
        e.corruptTextProperty().set("{randint(d, d+10)} {randint(d, d+10)}");
        assertTrue(e.problems().stream().anyMatch(p -> p.isError() && p.message().contains("mixes prompt lengths")), e.problems().toString());
        e.corruptTextProperty().set("{b} {b} {b} {b}");
        assertTrue(e.problems().stream().anyMatch(p -> p.message().contains("unknown name 'b'")), e.problems().toString());
        e.corruptTextProperty().set("");
        assertTrue(e.problems().stream().anyMatch(p -> p.message().contains("no corrupt prompts")), e.problems().toString());
        e.corruptTextProperty().set("{randint(d, d+10)} {randint(d, d+10)} {randint(d, d+10)} {randint(d, d+10)}");
        e.correctProperty().set("{a+4}.5");
        assertTrue(e.problems().stream().anyMatch(p -> !p.isError() && p.message().contains("only its first token")), e.problems().toString());
        assertTrue(e.dirtyProperty().get());
    }

    @Test
    void keepLabelsComeFromPlaceholdersAndApplyHandsOverTheTask() {
        TaskEditorViewModel e = vm();
        List<Session.SessionTask> applied = new ArrayList<>();
        e.setOnApply(applied::add);
        e.edit(SampleSessions.task(SampleSessions.months()));
        assertEquals(List.of("end", "S1", "S2", "S3"), e.labels());
        e.keep().setAll(List.of("end", "S9"));
        assertTrue(e.problems().stream().anyMatch(p -> p.message().contains("'S9'")));
        assertFalse(e.apply(), "errors block apply");
        e.keep().setAll(List.of("end", "S1"));
        assertTrue(e.apply());
        assertEquals(List.of("end", "S1"), applied.get(0).definition().keep());
    }

    @Test
    void importAndExportTaskFiles(@TempDir Path dir) throws Exception {
        TaskEditorViewModel e = vm();
        e.edit(SampleSessions.task(SampleSessions.numwords()));
        Path f = dir.resolve("numwords.json");
        e.exportFile(f);
        var file = TaskFiles.read(f);
        assertEquals(7, file.clean().size());
        assertEquals(3, (int) file.clean().get(0).positions().get("S4"));
        e.importFile(f);
        assertTrue(e.readOnlyProperty().get());
        assertTrue(e.problems().stream().noneMatch(TaskProblem::isError));
        assertEquals(7 + 100, e.preview().size());
    }

    /** Checking runs in the quick lane, off the FX thread; a check that an edit overtook is never shown. */
    @Test
    void checksRunOffTheFxThreadAndOnlyTheNewestIsShown() {
        SyncRunner q = SyncRunner.queued();
        TaskEditorViewModel e = vm(q);
        e.edit(SampleSessions.task(SampleSessions.digits()));
        q.runAll();
        assertTrue(q.started.stream().allMatch(s -> s.startsWith("QUICK ")), q.started.toString());
        assertEquals(200, e.preview().size());
        e.corruptTextProperty().set("{randint(d, d+10)} {randint(d, d+10)}");            // a length mismatch…
        e.corruptTextProperty().set("{randint(d, d+10)} {randint(d, d+10)} {randint(d, d+10)} {randint(d, d+10)}"); // …fixed at once
        assertEquals(1, q.pending(), "the second edit waits for the running check instead of starting another");
        assertTrue(e.problems().isEmpty(), "nothing is checked on the FX thread while typing");
        q.runNext();                    // the first check ends late: its mismatch belongs to text no longer there
        assertTrue(e.problems().isEmpty(), "an overtaken check is not shown: " + e.problems());
        assertEquals(1, q.pending(), "the newest text is checked next");
        q.runNext();
        assertTrue(e.problems().isEmpty(), e.problems().toString());
        assertEquals(200, e.preview().size());
    }

    /** §2.6 and §2.7: a count or seed that is no number is a problem, and Apply refuses and says why. */
    @Test
    void aCountOrSeedThatIsNoNumberIsAProblemAndApplySaysWhy() {
        TaskEditorViewModel e = vm();
        Session.SessionTask[] applied = {null};
        e.setOnApply(t -> applied[0] = t);
        e.edit(SampleSessions.task(SampleSessions.digits()));
        e.corruptCountTextProperty().set("abc");
        assertTrue(e.problems().stream().anyMatch(p -> p.isError() && p.message().contains("'abc'")), e.problems().toString());
        assertEquals(100, e.corruptCountProperty().get(), "the count as it was");
        assertFalse(e.canApplyProperty().get(), "Apply is off");
        assertFalse(e.apply());
        assertNull(applied[0]);
        assertTrue(e.applyNoteProperty().get().startsWith("Not applied"), e.applyNoteProperty().get());
        e.corruptCountTextProperty().set("100");
        e.corruptSeedTextProperty().set("x1");
        assertTrue(e.problems().stream().anyMatch(p -> p.isError() && p.message().contains("'x1'")), e.problems().toString());
        e.corruptSeedTextProperty().set("7");
        assertTrue(e.problems().stream().noneMatch(TaskProblem::isError), e.problems().toString());
        assertEquals(7, e.corruptSeedProperty().get());
        assertTrue(e.apply());
        assertEquals(7, applied[0].definition().templates().get(0).corrupt().seed());
    }

    /** A template's corrupt prompts can pair with its clean prompts (for patching); an edit keeps the choice. */
    @Test
    void aPairedTemplateIsMadeAndKeptThroughEdits() {
        TaskEditorViewModel e = vm();
        List<Session.SessionTask> applied = new ArrayList<>();
        e.setOnApply(applied::add);
        e.edit(SampleSessions.task(SampleSessions.digits()));
        e.corruptTextProperty().set("{a+3} {a+2} {a+1} {a}");
        e.corruptVariablesProperty().set("");
        e.corruptPairedProperty().set(true);
        assertTrue(e.problems().stream().noneMatch(TaskProblem::isError), e.problems().toString());
        var generated = e.generatedProperty().get();
        assertEquals(generated.clean().size(), generated.corrupt().size(), "one corrupt prompt per clean prompt");
        assertEquals("4 3 2 1", generated.corrupt().get(0).text());
        assertEquals(0, generated.corrupt().get(0).clean());
        e.cleanSeedProperty().set(5); // another edit of the template: the pairing stays
        assertTrue(e.definition().templates().get(0).paired());
        assertTrue(e.apply());
        assertTrue(applied.get(0).definition().templates().get(0).paired());
        e.edit(applied.get(0));
        assertTrue(e.corruptPairedProperty().get(), "reopened, the template is still paired");
    }

    /** A corrupt count of 0 is said, not silently made 1. */
    @Test
    void aCorruptCountOfZeroIsAnError() {
        TaskEditorViewModel e = vm();
        e.edit(SampleSessions.task(SampleSessions.digits()));
        e.corruptCountProperty().set(0);
        assertTrue(e.problems().stream().anyMatch(p -> p.isError() && p.message().contains("the count is 0")), e.problems().toString());
        assertTrue(e.preview().isEmpty(), "nothing is generated");
        assertEquals(null, e.generatedProperty().get());
        e.corruptCountProperty().set(1);
        assertTrue(e.problems().stream().noneMatch(TaskProblem::isError), e.problems().toString());
    }
}
