package org.circuitbench.util;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes that never leave a half-written file: write a sibling temporary file, flush it to disk,
 * then move it over the target and flush the folder. A symlink is written through (its target
 * changes, the link stays), the target keeps its permissions, and temporary files left by a save
 * that was killed are removed by the next save of the same file.
 */
public final class AtomicFiles {
    /** A temporary file this old is a leftover whatever its owner; a save takes milliseconds. */
    static final Duration STALE = Duration.ofMinutes(10);
    private static final long PID = ProcessHandle.current().pid();

    private AtomicFiles() {
    }

    public static void writeString(Path file, String content) throws IOException {
        write(file, content.getBytes(StandardCharsets.UTF_8));
    }

    public static void write(Path file, byte[] content) throws IOException {
        Path target = throughLinks(file.toAbsolutePath());
        Path dir = target.getParent();
        Files.createDirectories(dir);
        String name = target.getFileName().toString();
        removeStaleTemporaries(dir, name);
        Set<PosixFilePermission> perms = permissions(target);
        // created without explicit permissions, so a new file gets the umask's (0644), not 0600
        Path tmp = dir.resolve("." + name + "." + PID + "-" + Long.toString(ThreadLocalRandom.current().nextLong() >>> 1, 36) + ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer b = ByteBuffer.wrap(content);
                while (b.hasRemaining()) ch.write(b);
                ch.force(true);
            }
            if (perms != null) Files.setPosixFilePermissions(tmp, perms);
            try {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            syncFolder(dir);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Whether {@code file} can be written, checked by creating (and deleting) a temporary file next
     * to it, so that a command fails before its work rather than after. Throws with the reason.
     */
    public static void checkWritable(Path file) throws IOException {
        Path target = throughLinks(file.toAbsolutePath());
        if (Files.isDirectory(target)) throw new IOException(file + " is a folder; give a file name.");
        Path dir = target.getParent();
        if (!Files.isDirectory(dir)) throw new IOException("the folder " + dir + " does not exist");
        Path probe = dir.resolve("." + target.getFileName() + "." + PID + "-probe.tmp");
        try {
            Files.newByteChannel(probe, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
        } catch (IOException e) {
            throw new IOException("cannot create a file in " + dir + " (" + reason(e) + ")", e);
        } finally {
            Files.deleteIfExists(probe);
        }
        if (Files.exists(target) && !Files.isWritable(target)) throw new IOException(target + " is read-only");
    }

    private static String reason(IOException e) {
        if (e instanceof java.nio.file.AccessDeniedException) return "permission denied";
        if (e instanceof java.nio.file.NoSuchFileException) return "the file system there takes no new files";
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) return f.getReason();
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** The file a path finally names, following symlinks (also dangling ones) so the link itself survives. */
    static Path throughLinks(Path p) throws IOException {
        for (int hops = 0; hops < 40 && Files.isSymbolicLink(p); hops++) {
            Path to = Files.readSymbolicLink(p);
            p = p.getParent() == null ? to : p.getParent().resolve(to);
        }
        if (Files.isSymbolicLink(p)) throw new IOException(p + " is a loop of symbolic links.");
        return p.toAbsolutePath();
    }

    private static Set<PosixFilePermission> permissions(Path target) {
        try {
            if (!Files.exists(target) || Files.getFileAttributeView(target, PosixFileAttributeView.class) == null) return null;
            return Files.getPosixFilePermissions(target);
        } catch (IOException | UnsupportedOperationException e) {
            return null; // the file then gets default permissions
        }
    }

    /** Our temporary files of {@code name}: {@code .NAME.<pid>-<random>.tmp}, and the older {@code .NAME<digits>.tmp}. */
    private static void removeStaleTemporaries(Path dir, String name) {
        Pattern ours = Pattern.compile("\\." + Pattern.quote(name) + "(?:\\.(\\d{1,18})-[0-9a-z]+|\\d+)\\.tmp");
        try (DirectoryStream<Path> st = Files.newDirectoryStream(dir, "." + name.replaceAll("[\\[\\]{}*?\\\\]", "?") + "*.tmp")) {
            for (Path p : st) {
                Matcher m = ours.matcher(p.getFileName().toString());
                if (!m.matches() || !Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) continue;
                boolean ownerGone = m.group(1) != null && ProcessHandle.of(Long.parseLong(m.group(1))).isEmpty();
                boolean old = Files.getLastModifiedTime(p).toInstant().isBefore(Instant.now().minus(STALE));
                if (ownerGone || old) Files.deleteIfExists(p);
            }
        } catch (IOException | RuntimeException ignored) {
            // a leftover that cannot be removed now is tried again at the next save
        }
    }

    /** Makes the rename durable; folders cannot be opened on some systems (Windows), where the move is enough. */
    private static void syncFolder(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | RuntimeException ignored) {
            // not supported here
        }
    }
}
