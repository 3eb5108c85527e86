package org.circuitbench.session;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One recovery copy per running instance; a damaged copy is kept aside and reported. */
class RecoveryStoreTest {
    @TempDir
    Path user;

    static Session named(String task) {
        return Session.empty().withTasks(List.of(new Session.SessionTask(task, null,
                new org.circuitbench.task.TaskFile(task, List.of(new org.circuitbench.task.Prompt("a b", "c", "d", "", null)),
                        List.of(org.circuitbench.task.Prompt.corrupt("e f", "")), null), null)));
    }

    @Test
    void theQuickLookSeesACopyWithoutReadingOrMovingIt() throws Exception {
        assertFalse(RecoveryStore.mayHaveCopies(user), "no folder yet");
        RecoveryStore a = new RecoveryStore(user);
        a.save(named("unsaved"), null);
        a.close(); // died: its copy stays
        assertTrue(RecoveryStore.mayHaveCopies(user));
        Path copy = new RecoveryStore(user).pending().orElseThrow().copy();
        Files.writeString(copy, "{ not a session");
        assertTrue(RecoveryStore.mayHaveCopies(user), "a damaged copy is still a reason to ask first");
        assertTrue(Files.exists(copy), "and the look moved nothing");
        Files.delete(copy);
        assertFalse(RecoveryStore.mayHaveCopies(user));
        Files.writeString(user.resolve("recovery" + SessionFiles.EXTENSION), "{}"); // the single copy of older versions
        assertTrue(RecoveryStore.mayHaveCopies(user));
    }

    @Test
    void twoRunningInstancesKeepTheirOwnCopies() throws Exception {
        RecoveryStore a = new RecoveryStore(user), b = new RecoveryStore(user);
        a.save(named("from a"), null);
        b.save(named("from b"), Path.of("/x/b.cbsession.json"));
        a.clear(); // a saves and quits cleanly
        a.close();
        RecoveryStore later = new RecoveryStore(user);
        assertTrue(later.pending().isEmpty(), "b is still running: its copy is not offered to anyone else");
        b.close(); // b dies without saving: its lock goes with it, its copy stays
        RecoveryStore.Recovery r = later.pending().orElseThrow();
        assertEquals("from b", r.session().tasks().get(0).name(), "a's clean quit did not delete b's copy");
        assertEquals("/x/b.cbsession.json", r.originalFile());
        later.adopt(r);
        assertFalse(Files.exists(r.copy()), "the adopted copy is now the new instance's own");
        assertEquals("from b", SessionFiles.read(later.file()).tasks().get(0).name());
        RecoveryStore third = new RecoveryStore(user);
        assertTrue(third.pending().isEmpty(), "nothing is offered twice while its owner runs");
        later.close();
    }

    @Test
    void aDamagedCopyIsKeptAsideReportedAndNeverOverwritten() throws Exception {
        Path folder = Files.createDirectories(user.resolve("recovery"));
        Path broken = folder.resolve("pid1-0" + SessionFiles.EXTENSION);
        String garbage = "{\"schemaVersion\": 1, \"tasks\": [ {\"name\": ";
        Files.writeString(broken, garbage);
        Path legacy = user.resolve("recovery" + SessionFiles.EXTENSION); // the single copy of older versions
        Files.writeString(legacy, "not json");
        RecoveryStore s = new RecoveryStore(user);
        assertTrue(s.pending().isEmpty());
        List<String> report = s.damaged();
        assertEquals(2, report.size(), report.toString());
        assertTrue(report.stream().allMatch(m -> m.contains("kept as") && m.contains(".damaged.json")), report.toString());
        s.save(named("new work"), null);
        try (Stream<Path> st = Files.list(folder)) {
            List<Path> aside = st.filter(p -> p.toString().endsWith(".damaged.json")).toList();
            assertEquals(1, aside.size());
            assertEquals(garbage, Files.readString(aside.get(0)), "the damaged copy is kept byte for byte");
        }
        assertTrue(Files.list(user).anyMatch(p -> p.getFileName().toString().startsWith("recovery-") && p.toString().endsWith(".damaged.json")));
        assertFalse(Files.exists(broken), "it no longer sits where a copy is looked for");
        assertTrue(s.pending().isEmpty() && s.damaged().isEmpty(), "reported once, not again");
        s.close();
    }

    @Test
    void aCopyOfAnOlderVersionIsOffered() throws Exception {
        SessionFiles.write(user.resolve("recovery" + SessionFiles.EXTENSION), named("old version"));
        Files.writeString(user.resolve("recovery.origin"), "/home/me/work.cbsession.json");
        RecoveryStore s = new RecoveryStore(user);
        RecoveryStore.Recovery r = s.pending().orElseThrow();
        assertEquals("old version", r.session().tasks().get(0).name());
        s.discard(r);
        assertFalse(Files.exists(user.resolve("recovery" + SessionFiles.EXTENSION)));
        assertTrue(s.pending().isEmpty());
    }
}
