package org.circuitbench.ui.app;

import org.circuitbench.ablation.Circuit;
import org.circuitbench.ablation.EdgeCircuit;
import org.circuitbench.ablation.Node;
import org.circuitbench.model.AppPaths;
import org.circuitbench.session.RecoveryStore;
import org.circuitbench.session.Session;
import org.circuitbench.session.SessionFiles;
import org.circuitbench.ui.common.DialogService;
import org.circuitbench.ui.common.ScriptedDialogs;
import org.circuitbench.ui.common.SyncRunner;
import org.circuitbench.ui.common.TestServices;
import org.circuitbench.ui.common.TestSessions;
import org.circuitbench.ui.common.Workspace;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The session as a document, as the walk of issue 21 §2 found it: unapplied task edits are unsaved
 * work everywhere, a model that fails to open changes nothing, a cancelled chooser after "Don't
 * save" changes nothing, the marker says exactly whether the screen differs from the file, and the
 * smaller points of the status line, Save as and the background list.
 */
class SessionDocumentTest {
    @TempDir
    Path dir;
    Workspace ws;
    RecoveryStore store;
    ScriptedDialogs dialogs;
    SyncRunner runner;
    MainViewModel vm;

    @BeforeEach
    void start() throws Exception {
        ws = new Workspace();
        dialogs = new ScriptedDialogs();
        store = new RecoveryStore(dir.resolve("user"));
        runner = SyncRunner.immediate();
        vm = new MainViewModel(TestServices.of(runner, dialogs, ws, dir), store, dir.resolve("user"));
        vm.apply(TestSessions.fourByFour().withTasks(List.of(TestSessions.fourByFour().tasks().get(0),
                org.circuitbench.session.SampleSessions.task(org.circuitbench.session.SampleSessions.digits()))), null);
    }

    @AfterEach
    void stop() {
        store.close();
        assertTrue(dialogs.allAnswered(), "every scripted answer was used: " + dialogs.shown);
        ws.close();
    }

    SessionDocument doc() {
        return vm.document();
    }

    Session.SessionTask task(String name) {
        return vm.tasks().stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow();
    }

    /** §2.1: a task filled in and not applied counts as unsaved work: the title, switching task, New, Quit and the recovery copy. */
    @Test
    void anUnappliedTaskEditIsUnsavedWorkEverywhere() throws Exception {
        Path f = dir.resolve("saved" + SessionFiles.EXTENSION);
        assertTrue(doc().saveAs(f));
        assertFalse(doc().titleProperty().get().startsWith("•"));
        assertTrue(vm.newTask());
        vm.editor().cleanTextProperty().set("{a} {a+1} {a+2}");
        assertTrue(vm.editor().dirtyProperty().get(), "the edit is not applied");
        assertTrue(doc().titleProperty().get().startsWith("•"), "the title says there is unsaved work: " + doc().titleProperty().get());

        dialogs.answer(DialogService.Unsaved.CANCEL); // "Apply the edits…?" → Cancel
        assertFalse(vm.selectTask(task("digits increasing")));
        assertEquals("{a} {a+1} {a+2}", vm.editor().cleanTextProperty().get(), "switching task asked, and Cancel kept the edit");

        dialogs.answer(DialogService.Unsaved.CANCEL); // "Save the changes?" → Cancel
        assertFalse(doc().requestQuit(), "Quit asks");
        dialogs.answer(DialogService.Unsaved.CANCEL);
        doc().newSession();
        assertEquals("{a} {a+1} {a+2}", vm.editor().cleanTextProperty().get(), "New asked, and Cancel kept the edit");

        doc().autosave();
        Session copy = SessionFiles.read(store.file());
        assertNotNull(copy.ui().draft(), "the recovery copy holds the unapplied edit");
        assertEquals("{a} {a+1} {a+2}", copy.ui().draft().task().definition().templates().get(0).clean().text());

        // a session saved with the edit reopens with it, still to apply
        Path g = dir.resolve("with-draft" + SessionFiles.EXTENSION);
        assertTrue(doc().saveAs(g));
        assertFalse(doc().dirtyProperty().get());
        doc().newSession();
        assertTrue(doc().open(g));
        assertTrue(vm.editor().dirtyProperty().get());
        assertEquals("{a} {a+1} {a+2}", vm.editor().cleanTextProperty().get());
        assertFalse(doc().dirtyProperty().get(), "as the file holds it");
    }

    /** §2.1: switching task with an unapplied edit: Don't apply lets it go, Apply applies it (and stays when it cannot). */
    @Test
    void switchingTaskAsksToApplyOrLetGo() {
        vm.selectTask(task("digits increasing"));
        vm.editor().correctProperty().set("{a+5}");
        dialogs.answer(DialogService.Unsaved.DISCARD);
        assertTrue(vm.selectTask(task("words")));
        assertEquals("words", vm.selectedTaskName());
        assertFalse(vm.editor().dirtyProperty().get());
        assertEquals("{a+4}", task("digits increasing").definition().templates().get(0).clean().correct(), "nothing was applied");

        vm.selectTask(task("digits increasing"));
        vm.editor().correctProperty().set("{a+5}");
        dialogs.answer(DialogService.Unsaved.SAVE);
        assertTrue(vm.selectTask(task("words")));
        assertEquals("{a+5}", task("digits increasing").definition().templates().get(0).clean().correct(), "Apply applied it");
    }

    /** §2.2: a model folder that does not exist leaves the grid, its undo history, the graph and the marker as they were. */
    @Test
    void aModelThatFailsToOpenChangesNothing() throws Exception {
        vm.graph().activeProperty().set(true);
        vm.grid().toggle(Node.head(1, 1));
        Circuit edited = vm.grid().circuit();
        EdgeCircuit graph = vm.graph().circuit();
        assertTrue(doc().dirtyProperty().get());
        vm.loadModel(dir.resolve("no-such-model").toString());
        assertFalse(vm.model().errorProperty().get().isEmpty(), "the failure is said");
        assertEquals(edited, vm.grid().circuit(), "the grid's edit stays");
        assertTrue(vm.grid().canUndoProperty().get(), "and can be undone");
        assertEquals(graph, vm.graph().circuit(), "the graph stays");
        assertNotNull(vm.grid().detailsProperty().get(), "the score stays");

        assertTrue(doc().saveAs(dir.resolve("s" + SessionFiles.EXTENSION)));
        vm.loadModel(dir.resolve("no-such-model").toString());
        assertFalse(doc().dirtyProperty().get(), "the screen still matches the file");
        assertEquals(edited, vm.grid().circuit());
    }

    /** §2.3: Don't save, then Cancel in the sample chooser: the edits, the marker and the recovery copy stay; New asks again. */
    @Test
    void dontSaveThenCancelInTheChooserLeavesEverythingAsItWas() throws Exception {
        vm.grid().toggle(Node.head(2, 2));
        Circuit edited = vm.grid().circuit();
        doc().autosave();
        assertTrue(Files.isRegularFile(store.file()));
        dialogs.answer(DialogService.Unsaved.DISCARD, null); // Don't save, then Cancel in the chooser
        doc().openSample();
        assertEquals(edited, vm.grid().circuit());
        assertTrue(doc().dirtyProperty().get(), "still unsaved");
        assertTrue(doc().titleProperty().get().startsWith("•"));
        assertTrue(Files.isRegularFile(store.file()), "the recovery copy stays");
        dialogs.answer(DialogService.Unsaved.CANCEL);
        doc().newSession();
        assertEquals(2, dialogs.shown.stream().filter(s -> s.startsWith("askToSave:")).count(), "New asked again");
        assertEquals(edited, vm.grid().circuit());
    }

    /** The marker is shown exactly when the work differs from the file: an edit and its undo leave none. */
    @Test
    void theMarkerSaysWhetherTheScreenDiffersFromTheFile() throws Exception {
        assertTrue(doc().saveAs(dir.resolve("m" + SessionFiles.EXTENSION)));
        vm.grid().toggle(Node.head(0, 1));
        assertTrue(doc().isModified());
        assertTrue(doc().dirtyProperty().get());
        vm.grid().undo();
        assertFalse(doc().isModified(), "back to the file");
        assertFalse(doc().dirtyProperty().get());
        vm.selectTask(task("digits increasing"));
        assertFalse(doc().dirtyProperty().get(), "looking at another task is not work");
    }

    /**
     * Found by the state-machine test: after a save, the marker compares with what was saved, not
     * with what was opened (edit, save, undo: the screen now differs from the file).
     */
    @Test
    void afterASaveTheMarkerComparesWithTheSavedFile() throws Exception {
        assertTrue(doc().saveAs(dir.resolve("m" + SessionFiles.EXTENSION)));
        vm.grid().toggle(Node.head(0, 1));
        assertTrue(doc().saveAs(dir.resolve("m" + SessionFiles.EXTENSION)));
        assertFalse(doc().dirtyProperty().get());
        vm.grid().undo();
        assertTrue(doc().dirtyProperty().get(), "the file holds the toggled head; the screen does not");
        vm.grid().redo();
        assertFalse(doc().dirtyProperty().get(), "back to the file");
    }

    /** Found by the state-machine test: Apply with a name already in use keeps the edits, unapplied and unsaved. */
    @Test
    void applyingANameInUseKeepsTheEdits() {
        assertTrue(vm.newTask());
        vm.editor().nameProperty().set(vm.tasks().get(0).name());
        assertFalse(vm.editor().apply());
        assertTrue(vm.editor().dirtyProperty().get(), "the edits stay");
        assertNotNull(vm.editor().draft());
        assertTrue(doc().dirtyProperty().get());
        assertTrue(vm.editor().applyNoteProperty().get().startsWith("Not applied"));
    }

    /** §2.9: after "saved …", a later edit clears the status line (it no longer says the truth). */
    @Test
    void savedLeavesTheStatusLineOnTheNextEdit() {
        assertTrue(doc().saveAs(dir.resolve("st" + SessionFiles.EXTENSION)));
        assertTrue(vm.statusProperty().get().startsWith("saved "));
        vm.grid().toggle(Node.head(3, 3));
        assertFalse(vm.statusProperty().get().startsWith("saved "), vm.statusProperty().get());
    }

    /** §2.9: Save as suggests the session's own name in its own folder (not session.cbsession.json in the working folder). */
    @Test
    void saveAsSuggestsTheSessionsOwnNameAndFolder() {
        Path f = dir.resolve("mine").resolve("study" + SessionFiles.EXTENSION);
        assertTrue(doc().saveAs(prepared(f)));
        dialogs.answer((Object) null); // Cancel
        assertFalse(doc().saveSessionAs());
        assertEquals(f.toAbsolutePath(), dialogs.suggested.toAbsolutePath());
    }

    private static Path prepared(Path f) {
        try {
            Files.createDirectories(f.getParent());
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        return f;
    }

    /** §2.9: on the first start nothing was prepared before, so no job to free the previous session's tasks is listed. */
    @Test
    void theFirstStartListsNoJobThatFreesNothing() {
        Workspace fresh = new Workspace();
        SyncRunner r = SyncRunner.immediate();
        try {
            MainViewModel first = new MainViewModel(TestServices.of(r, dialogs, fresh, dir), new RecoveryStore(dir.resolve("first")), dir.resolve("first"));
            first.document().openDemo();
            assertTrue(r.started.stream().noneMatch(s -> s.contains("free the previous session")), r.started.toString());
        } finally {
            fresh.close();
        }
    }

    /** §2.9: the Heads view's measure and scope are saved with the session and chosen again when it opens. */
    @Test
    void theHeadsViewsMeasureAndScopeAreSaved() throws Exception {
        var heads = vm.heads();
        heads.selectedScopeProperty().set(heads.scopes().get(1));
        heads.selectedMeasureProperty().set(heads.measures().stream().filter(m -> m.name().equals("induction")).findFirst().orElseThrow());
        Path f = dir.resolve("heads" + SessionFiles.EXTENSION);
        assertTrue(doc().saveAs(f));
        doc().newSession();
        assertTrue(doc().open(f));
        assertEquals(heads.scopes().get(1), heads.selectedScopeProperty().get());
        assertEquals("induction", heads.selectedMeasureProperty().get().name());
        assertTrue(Files.readString(f).contains("\"headsMeasure\" : \"induction\""));
    }

    /** The samples' sessions, as shipped, open without asking anything. */
    @Test
    void aSampleOpensUntitledAndSaveAsSuggestsItsName() {
        Path sample = AppPaths.samples().orElseThrow().resolve("sessions/months-seqcont-tiny" + SessionFiles.EXTENSION);
        dialogs.answer(sample);
        doc().openSample();
        assertNull(doc().fileProperty().get());
        dialogs.answer((Object) null);
        doc().saveSessionAs();
        assertEquals(sample.getFileName(), dialogs.suggested.getFileName());
        assertFalse(dialogs.suggested.startsWith(sample.getParent()), "not into the app's samples: " + dialogs.suggested);
    }
}
