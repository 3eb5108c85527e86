package org.circuitbench.model.hub;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Paths in the Hugging Face cache that a download writes, checked before the first byte is
 * written. By name, a path lies inside its root (the model's folder): a commit id or ETag that is
 * a path cannot lead out. On disk, the path and every folder above it that exists, links
 * followed, lie inside the cache: a link planted in the cache ({@code blobs} pointing to a folder
 * outside) cannot lead a write out either. A link that is itself replaced (a snapshot entry) has
 * only the folders above it resolved.
 */
final class CacheGuard {
    private final Path cache;

    CacheGuard(Path cache) {
        this.cache = cache.toAbsolutePath().normalize();
    }

    /** {@code path}, a file or folder to write, if it lies inside {@code root} by name and inside the cache on disk. */
    Path inside(Path root, Path path) throws IOException {
        byName(root, path);
        onDisk(path.toAbsolutePath().normalize(), path);
        return path;
    }

    /** The same for a link that will be deleted and made again: the folders above it are resolved, not the link. */
    Path linkInside(Path root, Path link) throws IOException {
        byName(root, link);
        onDisk(link.toAbsolutePath().normalize().getParent(), link);
        return link;
    }

    /** A folder, checked, created (with its parents), and checked again once it exists. */
    Path folder(Path root, Path dir) throws IOException {
        inside(root, dir);
        Files.createDirectories(dir);
        return inside(root, dir);
    }

    private static void byName(Path root, Path path) throws IOException {
        Path p = path.toAbsolutePath().normalize(), r = root.toAbsolutePath().normalize();
        if (!p.startsWith(r) || p.equals(r)) {
            throw new IOException("Refusing to write " + path + ": it lies outside the model's cache folder " + root
                    + ". The hub's answer is not trustworthy; check HF_ENDPOINT.");
        }
    }

    /** Resolves the longest existing part of {@code p} (links followed) and checks that it stays in the cache. */
    private void onDisk(Path p, Path shown) throws IOException {
        Path realCache = resolved(cache, shown);
        Path real = resolved(p, shown);
        if (!real.startsWith(realCache)) {
            Path link = firstLink(p);
            throw new IOException("Refusing to write " + shown + ": " + (link == null ? "it" : link + " is a link that")
                    + " leads to " + real + ", outside the Hugging Face cache " + cache + ". Remove that link "
                    + "(or set HF_HUB_CACHE to another folder), then download again.");
        }
    }

    /** {@code p} with its longest existing prefix replaced by that prefix's real path. */
    private static Path resolved(Path p, Path shown) throws IOException {
        Deque<Path> rest = new ArrayDeque<>();
        Path existing = p;
        while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
            rest.push(existing.getFileName());
            existing = existing.getParent();
        }
        if (existing == null) return p;
        Path real;
        try {
            real = existing.toRealPath();
        } catch (NoSuchFileException e) { // a link to nothing: where a write would go cannot be checked
            throw new IOException("Refusing to write " + shown + ": " + existing + " is a link to something that does not exist. "
                    + "Remove that link, then download again.", e);
        }
        while (!rest.isEmpty()) real = real.resolve(rest.pop());
        return real;
    }

    /** The first link on the way from the root of the file system to {@code p}, or null. */
    private static Path firstLink(Path p) {
        Path at = p.getRoot();
        for (Path name : p) {
            at = at == null ? name : at.resolve(name);
            if (Files.isSymbolicLink(at)) return at;
        }
        return null;
    }
}
