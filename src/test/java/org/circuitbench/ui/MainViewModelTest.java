package org.circuitbench.ui;

import org.circuitbench.ablation.Circuit;
import org.circuitbench.ablation.Node;
import org.circuitbench.search.SearchMethod;
import org.circuitbench.session.RecoveryStore;
import org.circuitbench.session.Session;
import org.circuitbench.session.SessionFiles;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The whole app's state without a window: demo start, runs, sessions, recovery. */
class MainViewModelTest {
    @TempDir
    Path dir;
    Workspace ws;
    RecoveryStore store;
    MainViewModel vm;

    @BeforeEach
    void start() throws Exception {
        ws = new Workspace();
        store = new RecoveryStore(dir.resolve("user"));
        vm = new MainViewModel(SyncRunner.immediate(), ws, store, dir.resolve("user"));
        vm.openDemo();
    }

    @AfterEach
    void stop() {
        store.close();
        ws.close();
    }

    @Test
    void firstStartOpensTheDemoModelAndTheDigitsSession() {
        assertEquals("demo:seqcont-tiny", vm.modelRef());
        assertTrue(vm.model().demoProperty().get());
        assertEquals("digits increasing", vm.selectedTaskName());
        assertEquals(12, vm.grid().layersProperty().get());
        assertEquals(100.0, vm.grid().detailsProperty().get().score(), 1e-6);
        assertEquals(9.2649, vm.grid().detailsProperty().get().fullLogitDiff(), 1e-3);
        vm.grid().toggle(Node.head(0, 1));
        assertTrue(vm.grid().detailsProperty().get().score() < 100.0);
    }

    @Test
    void aRunFillsTheHistoryAndCanBeApplied() {
        vm.runs().methodProperty().set(SearchMethod.BACKWARD);
        vm.runs().thresholdProperty().set(3);
        assertTrue(vm.runs().start());
        assertEquals(1, vm.runs().history().size());
        Session.RunRecord r = vm.runs().history().get(0);
        var task = ws.task(vm.selectedTaskName()).orElseThrow();
        org.circuitbench.search.PruneResult direct;
        try (var ev = new org.circuitbench.ablation.FastEvaluator(task)) {
            direct = new org.circuitbench.search.Pruner(ev, org.circuitbench.search.PruneSettings.of(SearchMethod.BACKWARD, 3,
                    task.allHeads())).run(org.circuitbench.search.JobContext.silent());
        }
        assertEquals(direct.removals().stream().map(x -> x.element().toString()).toList(),
                r.removals().stream().map(Session.RemovalRecord::head).toList(), "the app's run is the engine's run");
        assertEquals(direct.circuit().toSpec(), r.circuit());
        assertEquals(r.removals().size(), vm.runs().log().size());
        vm.runs().applySelected();
        assertEquals(r.circuit(), vm.grid().circuit().toSpec());
        vm.runs().saveSelectedAs("found");
        assertTrue(vm.circuits().stream().anyMatch(c -> c.name().equals("found")));
        assertTrue(vm.dirtyProperty().get());
    }

    @Test
    void badSettingsGiveAMessage() {
        vm.runs().thresholdProperty().set(120);
        assertFalse(vm.runs().start());
        assertTrue(vm.runs().statusProperty().get().contains("[0, 100]"));
    }

    @Test
    void saveThenOpenGivesTheSameSession() throws Exception {
        vm.grid().toggle(Node.head(3, 3));
        vm.saveGridAs("mine");
        vm.runs().methodProperty().set(SearchMethod.FORWARD);
        vm.runs().thresholdProperty().set(20);
        vm.runs().start();
        Session before = vm.snapshot();
        Path f = dir.resolve("s" + SessionFiles.EXTENSION);
        assertTrue(vm.saveAs(f));
        assertFalse(vm.dirtyProperty().get());
        vm.newSession();
        assertTrue(vm.tasks().isEmpty());
        assertTrue(vm.open(f));
        assertEquals(before, vm.snapshot());
        assertEquals(Circuit.all(12, 12).without(Node.head(3, 3)), vm.grid().circuit());
    }

    @Test
    void corruptAndNewerFilesAreRefusedAndLeftAlone() throws Exception {
        Path bad = dir.resolve("bad" + SessionFiles.EXTENSION);
        Files.writeString(bad, "{\"schemaVersion\": 1, \"tasks\": [ {\"name\": ");
        String tasksBefore = vm.selectedTaskName();
        assertFalse(vm.open(bad));
        assertTrue(vm.errorProperty().get().contains("damaged") && vm.errorProperty().get().contains("line"), vm.errorProperty().get());
        assertEquals(tasksBefore, vm.selectedTaskName(), "the open session is untouched");
        assertEquals("{\"schemaVersion\": 1, \"tasks\": [ {\"name\": ", Files.readString(bad), "the file is untouched");
        Path newer = dir.resolve("newer" + SessionFiles.EXTENSION);
        Files.writeString(newer, "{\"schemaVersion\": 99}");
        assertFalse(vm.open(newer));
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
            assertFalse(vm.open(f));
            assertTrue(vm.errorProperty().get().contains("no name") || vm.errorProperty().get().contains("nests"), vm.errorProperty().get());
            assertEquals(before, vm.snapshot(), "the open session is untouched");
            assertTrue(vm.dirtyProperty().get());
            assertEquals(text, Files.readString(f), "the file is untouched");
        }
    }

    @Test
    void unsavedWorkIsRecoverable() throws Exception {
        vm.grid().toggle(Node.head(7, 7));
        vm.autosave();
        assertTrue(vm.pendingRecovery().isEmpty(), "an instance's own copy is not offered to itself while it runs");
        store.close(); // the app dies: its lock goes, its copy stays
        Workspace ws2 = new Workspace();
        try {
            RecoveryStore store2 = new RecoveryStore(dir.resolve("user"));
            MainViewModel again = new MainViewModel(SyncRunner.immediate(), ws2, store2, dir.resolve("user"));
            RecoveryStore.Recovery r = again.pendingRecovery().orElseThrow();
            assertEquals("0.0", r.session().ui().grid().substring(0, 3));
            again.recover(r);
            assertNotNull(again.grid().circuit());
            assertFalse(again.grid().circuit().contains(Node.head(7, 7)));
            assertTrue(again.dirtyProperty().get());
            assertTrue(Files.isRegularFile(store2.file()), "the recovered work is at once this instance's own copy");
            again.saveAs(dir.resolve("x" + SessionFiles.EXTENSION));
            assertFalse(Files.exists(store2.file()), "a clean save clears the recovery copy");
            again.closing();
        } finally {
            ws2.close();
        }
        assertTrue(new RecoveryStore(dir.resolve("user")).pending().isEmpty(), "nothing is left to offer");
    }

    @Test
    void quittingWithUnsavedChangesWritesAFreshCopy() throws Exception {
        vm.grid().toggle(Node.head(2, 5)); // after the last autosave, or with none at all
        vm.closing();
        Workspace ws2 = new Workspace();
        try {
            MainViewModel again = new MainViewModel(SyncRunner.immediate(), ws2, new RecoveryStore(dir.resolve("user")), dir.resolve("user"));
            RecoveryStore.Recovery r = again.pendingRecovery().orElseThrow();
            assertFalse(Circuit.parse(r.session().ui().grid(), 12, 12).contains(Node.head(2, 5)), "the last edit is in the copy");
        } finally {
            ws2.close();
        }
    }

    @Test
    void aDamagedRecoveryCopyIsReported() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("user/recovery"));
        Files.writeString(folder.resolve("pid7-0" + SessionFiles.EXTENSION), "{ damaged");
        assertTrue(vm.pendingRecovery().isEmpty());
        assertTrue(vm.recoveryDamage().contains("damaged.json"), vm.recoveryDamage());
    }
}
