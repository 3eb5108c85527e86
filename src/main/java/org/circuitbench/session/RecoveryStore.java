package org.circuitbench.session;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

/**
 * Autosave: the open session is copied to a recovery file while there are unsaved changes, and
 * the copy is deleted on a clean save or exit. A copy still there at start means the app did not
 * end cleanly, and the app offers it back.
 */
public final class RecoveryStore {
    private final Path dir;

    public RecoveryStore(Path dir) {
        this.dir = dir;
    }

    public static RecoveryStore inUserHome() {
        return new RecoveryStore(org.circuitbench.model.AppPaths.userDir());
    }

    public Path file() {
        return dir.resolve("recovery" + SessionFiles.EXTENSION);
    }

    /** A recovery copy, remembering which file it belongs to (may be null for an unsaved session). */
    public record Recovery(Session session, String originalFile, Instant savedAt) {
    }

    public void save(Session s, Path original) throws IOException {
        Files.createDirectories(dir);
        SessionFiles.write(file(), s);
        org.circuitbench.util.AtomicFiles.writeString(dir.resolve("recovery.origin"), original == null ? "" : original.toString());
    }

    public Optional<Recovery> pending() {
        Path f = file();
        if (!Files.isRegularFile(f)) return Optional.empty();
        try {
            Session s = SessionFiles.read(f);
            Path originFile = dir.resolve("recovery.origin");
            String origin = Files.isRegularFile(originFile) ? Files.readString(originFile).trim() : "";
            return Optional.of(new Recovery(s, origin.isEmpty() ? null : origin, Files.getLastModifiedTime(f).toInstant()));
        } catch (SessionException | IOException e) {
            return Optional.empty();
        }
    }

    public void clear() {
        try {
            Files.deleteIfExists(file());
            Files.deleteIfExists(dir.resolve("recovery.origin"));
        } catch (IOException ignored) {
            // a stale copy is offered once more next time; nothing is lost
        }
    }
}
