package org.circuitbench.ui.task;

import org.circuitbench.TestData;
import org.circuitbench.model.Gpt2Tokenizer;
import org.circuitbench.session.SampleSessions;
import org.circuitbench.session.Session;
import org.circuitbench.task.TaskDefinition;
import org.circuitbench.task.TaskFile;
import org.circuitbench.task.TaskProblem;
import org.circuitbench.task.library.TaskLibrary;
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
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The task editor's New from library…, and the answer-space setting it keeps. */
class TaskEditorLibraryTest {
    static final Gpt2Tokenizer tok = TestData.tokenizer();

    final ScriptedDialogs dialogs = new ScriptedDialogs();

    TaskEditorViewModel vm() {
        return new TaskEditorViewModel(TestServices.of(SyncRunner.immediate(), dialogs, new Workspace(), Path.of("target/test-services")),
                () -> tok::encode, t -> Arrays.asList(tok.tokenTexts(t)));
    }

    @Test
    void aLibraryTaskOpensReadyToApplyAsANewTask() throws Exception {
        TaskEditorViewModel e = vm();
        e.edit(SampleSessions.task(SampleSessions.digits()));
        List<Session.SessionTask> applied = new ArrayList<>();
        e.setOnApply(applied::add);
        e.newFromLibrary(TaskLibrary.get("ioi"), 4, 60);
        assertEquals("IOI", e.nameProperty().get());
        assertEquals(30, e.templates().size());
        assertEquals("baba0", e.templateIdProperty().get());
        assertEquals("sample(names, 5)", e.definition().templates().get(0).clean().variables().get(0).expression());
        assertEquals(2, e.cleanCountProperty().get(), "60 prompts over 30 templates");
        assertEquals(4000, e.cleanSeedProperty().get(), "template 0 of seed 4");
        assertTrue(e.problems().isEmpty(), e.problems().toString());
        assertEquals(120, e.preview().size(), "60 clean and 60 corrupt prompts");
        assertTrue(e.dirtyProperty().get(), "not in the session until applied");
        assertNull(e.originalName(), "a new task, not the digits task it replaced in the editor");
        assertTrue(e.apply());
        assertEquals(TaskLibrary.get("ioi").definition(4, 60), applied.get(0).definition());
        assertEquals("IOI", applied.get(0).name());
    }

    /** IOI's and greater-than's templates are paired; an edit in the editor kept the text but dropped the pairing. */
    @Test
    void editingAPairedTemplateKeepsItPaired() throws Exception {
        TaskEditorViewModel e = vm();
        e.newFromLibrary(TaskLibrary.get("greater-than"), 1, 20);
        assertTrue(e.corruptPairedProperty().get());
        e.cleanTextProperty().set(e.cleanTextProperty().get().replace("The {noun}", "A {noun}"));
        assertTrue(e.definition().templates().get(0).paired(), "still paired after an edit");
        assertTrue(e.problems().isEmpty(), e.problems().toString());
        TaskFile f = e.generatedProperty().get();
        assertEquals(Integer.valueOf(7), f.corrupt().get(7).clean(), "corrupt prompt 7 is clean prompt 7's pair");
        assertTrue(f.clean().get(7).text().startsWith("<|endoftext|> A "));
        // unpaired, the corrupt text has no noun of its own
        e.corruptPairedProperty().set(false);
        assertTrue(e.problems().stream().anyMatch(p -> p.isError() && p.message().contains("unknown name 'noun'")), e.problems().toString());
    }

    @Test
    void newFromLibraryAsksForTheTaskAndTheSeed() throws Exception {
        TaskEditorViewModel e = vm();
        dialogs.answer("induction: Induction on repeated random tokens", "5");
        e.chooseFromLibrary();
        assertTrue(dialogs.allAnswered());
        assertEquals(List.of("choose: New task from the library",
                "input: Seed for induction (the same seed gives the same prompts)"), dialogs.shown);
        assertEquals(TaskLibrary.get("induction").definition(5, 100), e.definition());
        assertTrue(e.problems().isEmpty(), e.problems().toString());
        TaskFile made = e.generatedProperty().get();
        assertEquals(TaskLibrary.get("induction").definition(5, 100).generate(tok::encode), made, "the same prompts as the command line's");
    }

    @Test
    void aSeedThatIsNotANumberIsSaidAndCancelChangesNothing() throws Exception {
        TaskEditorViewModel e = vm();
        e.edit(SampleSessions.task(SampleSessions.months()));
        TaskDefinition before = e.definition();
        dialogs.answer("ioi: Indirect object identification (IOI)", "one");
        e.chooseFromLibrary();
        assertEquals("error: Not a seed: 'one' is not a whole number; give a seed such as 1.", dialogs.shown.get(2));
        assertEquals(before, e.definition());
        dialogs.answer((Object) null); // Cancel at the chooser
        e.chooseFromLibrary();
        dialogs.answer("digits: Digits increasing: \"1 2 3 4\" -> \"5\"", null); // Cancel at the seed
        e.chooseFromLibrary();
        assertTrue(dialogs.allAnswered());
        assertEquals(before, e.definition());
        assertFalse(e.dirtyProperty().get());
    }

    @Test
    void theAnswerSpaceSettingIsKeptAndCanBeChanged(@TempDir Path dir) throws Exception {
        TaskDefinition years = new TaskDefinition("years", List.of(new TaskDefinition.TemplateSpec("t",
                new TaskDefinition.PromptSpec("from 17{y} to 17", "{y+1}", "{y-1}", List.of(new TaskDefinition.Variable("y", "32..33")), 0, 0),
                new TaskDefinition.PromptSpec("from 1701 to 17", null, null, List.of(), 2, 1))), null, Map.of(), false);
        TaskEditorViewModel e = vm();
        e.edit(SampleSessions.task(years));
        assertFalse(e.answerSpaceProperty().get());
        assertEquals(years, e.definition(), "an edit that changes nothing keeps the setting");
        assertEquals(Boolean.FALSE, e.generatedProperty().get().answerSpace());
        e.answerSpaceProperty().set(true);
        assertTrue(e.dirtyProperty().get());
        assertNull(e.definition().answerSpace(), "back to the seed's rule");
        // an imported task file keeps it too, when applied
        Path f = dir.resolve("years.json");
        e.answerSpaceProperty().set(false);
        e.exportFile(f);
        List<Session.SessionTask> applied = new ArrayList<>();
        e.setOnApply(applied::add);
        e.importFile(f);
        assertFalse(e.answerSpaceProperty().get());
        assertTrue(e.problems().stream().noneMatch(TaskProblem::isError), e.problems().toString());
        assertTrue(e.apply());
        assertEquals(Boolean.FALSE, applied.get(0).prompts().answerSpace());
    }
}
