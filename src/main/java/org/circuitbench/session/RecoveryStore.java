package org.circuitbench.session;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Autosave: the open session is copied to a recovery file while there are unsaved changes, and
 * the copy is deleted on a clean save or exit. Each running instance has its own copy in
 * {@code <user dir>/recovery/<id>.cbsession.json}, held by a lock on {@code <id>.lock}; a copy whose
 * lock nobody holds belongs to an instance that ended without saving, and the app offers it back.
 * A copy that cannot be read is moved aside to {@code <id>-<time>.damaged.json} and reported,
 * never silently skipped or overwritten.
 */
public final class RecoveryStore implements AutoCloseable {
    private static final AtomicInteger INSTANCES = new AtomicInteger();
    private static final String ORIGIN = ".origin";
    private static final String LOCK = ".lock";

    private final Path userDir;
    private final Path dir;
    private final String id = "pid" + ProcessHandle.current().pid() + "-" + INSTANCES.getAndIncrement();
    private FileChannel lockChannel;
    private FileLock lock;
    private final List<String> damaged = new ArrayList<>();

    /** Recovery copies under {@code userDir/recovery}. */
    public RecoveryStore(Path userDir) {
        this.userDir = userDir;
        this.dir = userDir.resolve("recovery");
    }

    /**
     * Whether a recovery copy may wait in {@code userDir}: a quick look that reads and moves
     * nothing (unlike {@link #pending()}). The app's start reads no model ahead when the user may
     * be asked to recover another session.
     */
    public static boolean mayHaveCopies(Path userDir) {
        if (Files.isRegularFile(userDir.resolve("recovery" + SessionFiles.EXTENSION))) return true;
        Path dir = userDir.resolve("recovery");
        if (!Files.isDirectory(dir)) return false;
        try (DirectoryStream<Path> st = Files.newDirectoryStream(dir, "*" + SessionFiles.EXTENSION)) {
            return st.iterator().hasNext();
        } catch (IOException e) {
            return true; // the app's own look will say what is wrong
        }
    }

    public static RecoveryStore inUserHome() {
        return new RecoveryStore(org.circuitbench.model.AppPaths.userDir());
    }

    /** This instance's recovery file. */
    public Path file() {
        return dir.resolve(id + SessionFiles.EXTENSION);
    }

    /**
     * A recovery copy, remembering which file it belongs to (may be null for an unsaved session),
     * and where the copy lies.
     */
    public record Recovery(Session session, String originalFile, Instant savedAt, Path copy) {
    }

    public synchronized void save(Session s, Path original) throws IOException {
        claim();
        SessionFiles.write(file(), s);
        org.circuitbench.util.AtomicFiles.writeString(dir.resolve(id + ORIGIN), original == null ? "" : original.toString());
    }

    /** Holds this instance's lock, so that other instances leave its copy alone. */
    private void claim() throws IOException {
        if (lock != null) return;
        Files.createDirectories(dir);
        FileChannel ch = FileChannel.open(dir.resolve(id + LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            FileLock l = ch.tryLock();
            if (l == null) throw new IOException("the recovery lock " + dir.resolve(id + LOCK) + " is held by another program");
            lockChannel = ch;
            lock = l;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /**
     * The newest copy left by an instance that is no longer running (including the single
     * {@code recovery.cbsession.json} of older versions). Copies that cannot be read are moved
     * aside; {@link #damaged()} then says where.
     */
    public synchronized Optional<Recovery> pending() {
        damaged.clear();
        List<Recovery> found = new ArrayList<>();
        List<Path> candidates = new ArrayList<>();
        Path legacy = userDir.resolve("recovery" + SessionFiles.EXTENSION);
        if (Files.isRegularFile(legacy)) candidates.add(legacy);
        if (Files.isDirectory(dir)) {
            try (DirectoryStream<Path> st = Files.newDirectoryStream(dir, "*" + SessionFiles.EXTENSION)) {
                for (Path p : st) {
                    String other = idOf(p);
                    if (!other.equals(id) && !isRunning(other)) candidates.add(p);
                }
            } catch (IOException e) {
                damaged.add("The recovery folder " + dir + " cannot be read (" + e.getMessage() + ").");
            }
        }
        for (Path p : candidates) {
            try {
                Session s = SessionFiles.read(p);
                Path originFile = originOf(p);
                String origin = Files.isRegularFile(originFile) ? Files.readString(originFile).trim() : "";
                found.add(new Recovery(s, origin.isEmpty() ? null : origin, Files.getLastModifiedTime(p).toInstant(), p));
            } catch (SessionException | IOException e) {
                keepAside(p, e.getMessage());
            }
        }
        return found.stream().max(Comparator.comparing(Recovery::savedAt));
    }

    /** What {@link #pending()} found damaged and where it kept it; empty when all was well. */
    public synchronized List<String> damaged() {
        return List.copyOf(damaged);
    }

    private void keepAside(Path p, String why) {
        String stamp = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(Instant.now());
        Path aside = p.resolveSibling(idOf(p) + "-" + stamp + ".damaged.json");
        try {
            Files.move(p, aside, StandardCopyOption.ATOMIC_MOVE);
            Files.deleteIfExists(originOf(p));
            Files.deleteIfExists(lockOf(p));
            damaged.add("A recovery copy could not be read (" + why + "). It was kept as " + aside
                    + "; open it in a text editor to salvage what it holds.");
        } catch (IOException e) {
            damaged.add("A recovery copy " + p + " could not be read (" + why + ") and could not be moved aside ("
                    + e.getMessage() + "); it is left where it is.");
        }
    }

    /** Takes over another instance's copy: it becomes this instance's, and the old one goes. */
    public synchronized void adopt(Recovery r) throws IOException {
        save(r.session(), r.originalFile() == null ? null : Path.of(r.originalFile()));
        discard(r);
    }

    /** Deletes another instance's copy that the user declined. */
    public synchronized void discard(Recovery r) {
        if (r.copy() == null || r.copy().equals(file())) return;
        try {
            Files.deleteIfExists(r.copy());
            Files.deleteIfExists(originOf(r.copy()));
            Files.deleteIfExists(lockOf(r.copy()));
        } catch (IOException ignored) {
            // offered once more next time; nothing is lost
        }
    }

    /** A clean save or exit: this instance's copy is no longer needed. */
    public synchronized void clear() {
        try {
            Files.deleteIfExists(file());
            Files.deleteIfExists(dir.resolve(id + ORIGIN));
        } catch (IOException ignored) {
            // a stale copy is offered once more next time; nothing is lost
        }
    }

    /** Releases the lock (the app is ending); a copy still there is offered at the next start. */
    @Override
    public synchronized void close() {
        if (lock == null) return;
        try {
            lock.release();
            lockChannel.close();
            Files.deleteIfExists(dir.resolve(id + LOCK));
        } catch (IOException ignored) {
            // the lock goes with the process anyway
        } finally {
            lock = null;
            lockChannel = null;
        }
    }

    private static String idOf(Path copy) {
        String n = copy.getFileName().toString();
        return n.endsWith(SessionFiles.EXTENSION) ? n.substring(0, n.length() - SessionFiles.EXTENSION.length()) : n;
    }

    private static Path originOf(Path copy) {
        return copy.resolveSibling(idOf(copy) + ORIGIN);
    }

    private static Path lockOf(Path copy) {
        return copy.resolveSibling(idOf(copy) + LOCK);
    }

    /** Whether the instance with this id still holds its lock (in this process or another). */
    private boolean isRunning(String other) {
        Path lockFile = dir.resolve(other + LOCK);
        if (!Files.isRegularFile(lockFile)) return false;
        try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.WRITE)) {
            FileLock l = ch.tryLock();
            if (l == null) return true;
            l.release();
            return false;
        } catch (OverlappingFileLockException e) {
            return true; // held by another store in this JVM
        } catch (IOException e) {
            return true; // cannot tell: leave it alone
        }
    }
}
