package org.circuitbench.util;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Saves that keep links, permissions and folders as they were, and clean up after a killed save. */
class AtomicFilesTest {
    @TempDir
    Path dir;

    @Test
    void aSymlinkIsWrittenThroughAndStaysALink() throws Exception {
        Path real = dir.resolve("sessions/real.cbsession.json");
        Files.createDirectories(real.getParent());
        Files.writeString(real, "old");
        Path link = dir.resolve("link.cbsession.json");
        Files.createSymbolicLink(link, dir.relativize(real));
        AtomicFiles.writeString(link, "new");
        assertTrue(Files.isSymbolicLink(link), "the link is still a link");
        assertEquals("new", Files.readString(real), "the real file has the new content");
        // a link to a link, and a dangling link, are followed too
        Path link2 = dir.resolve("link2.json");
        Files.createSymbolicLink(link2, link.getFileName());
        AtomicFiles.writeString(link2, "newer");
        assertEquals("newer", Files.readString(real));
        Path dangling = dir.resolve("dangling.json");
        Files.createSymbolicLink(dangling, Path.of("sessions/later.json"));
        AtomicFiles.writeString(dangling, "x");
        assertTrue(Files.isSymbolicLink(dangling));
        assertEquals("x", Files.readString(dir.resolve("sessions/later.json")));
    }

    @Test
    void permissionsAreKept() throws Exception {
        Path f = dir.resolve("shared.json");
        Files.writeString(f, "old");
        for (String perms : new String[] {"rw-r--r--", "rw-rw-r--", "rw-r-----"}) {
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(perms));
            AtomicFiles.writeString(f, "new " + perms);
            assertEquals(perms, PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
            assertEquals("new " + perms, Files.readString(f));
        }
        // a new file gets what any new file gets here (the umask), not 0600
        Path plain = Files.createFile(dir.resolve("plain"));
        Path fresh = dir.resolve("fresh.json");
        AtomicFiles.writeString(fresh, "x");
        assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(fresh));
    }

    @Test
    void temporaryFilesOfAKilledSaveAreRemovedByTheNextSave() throws Exception {
        Path f = dir.resolve("s.cbsession.json");
        Files.writeString(f, "old");
        long deadPid = 2_000_000_000L; // above any pid_max
        Path oldStyle = dir.resolve(".s.cbsession.json8812736451234.tmp");       // the previous naming, a day old
        Path deadOwner = dir.resolve(".s.cbsession.json." + deadPid + "-k3j2h.tmp");
        Path liveOwner = dir.resolve(".s.cbsession.json." + ProcessHandle.current().pid() + "-abc.tmp"); // a save in progress
        Path other = dir.resolve(".t.cbsession.json8812736451234.tmp");          // another file's
        for (Path p : new Path[] {oldStyle, deadOwner, liveOwner, other}) Files.write(p, new byte[3_600_000]);
        Files.setLastModifiedTime(oldStyle, FileTime.from(Instant.now().minus(1, ChronoUnit.DAYS)));
        Files.setLastModifiedTime(other, FileTime.from(Instant.now().minus(1, ChronoUnit.DAYS)));
        AtomicFiles.writeString(f, "new");
        assertFalse(Files.exists(oldStyle), "a day-old leftover is removed");
        assertFalse(Files.exists(deadOwner), "a leftover of a process that is gone is removed");
        assertTrue(Files.exists(liveOwner), "a running save's file is left alone");
        assertTrue(Files.exists(other), "another file's temporaries are not this save's business");
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(3, s.count(), "the file, the running save's temporary and the other file's; nothing new");
        }
    }

    @Test
    void aFailedWriteLeavesTheOldFileAndNoTemporary() throws Exception {
        Path f = dir.resolve("x.json");
        Files.writeString(f, "old");
        Path blocker = dir.resolve("sub");
        Files.writeString(blocker, "a file where a folder should be");
        assertThrows(IOException.class, () -> AtomicFiles.writeString(blocker.resolve("y.json"), "new"));
        assertEquals("old", Files.readString(f));
    }

    @Test
    void writabilityIsCheckedBeforeTheWork() throws Exception {
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.checkWritable(Path.of("/proc/nope")));
        assertTrue(e.getMessage().contains("/proc"), e.getMessage());
        e = assertThrows(IOException.class, () -> AtomicFiles.checkWritable(dir.resolve("no/such/dir/out.json")));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
        e = assertThrows(IOException.class, () -> AtomicFiles.checkWritable(dir));
        assertTrue(e.getMessage().contains("is a folder"), e.getMessage());
        AtomicFiles.checkWritable(dir.resolve("fine.json"));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(0, s.count(), "the check leaves nothing behind");
        }
    }
}
