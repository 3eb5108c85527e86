package org.circuitbench.model.gpu;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.circuitbench.model.download.DownloadListener;
import org.circuitbench.model.download.Patience;
import org.circuitbench.model.download.ResumableDownload;
import org.circuitbench.model.download.Wording;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Downloads DJL's CUDA build of libtorch the way DJL's own {@code LibUtils} does: {@code files.txt}
 * under {@code https://publish.djl.ai/pytorch/<version>/} lists {@code <flavor>/<classifier>/native/lib/<file>.gz};
 * each file is gzipped. Unlike DJL's, this download shows its size first, checks the free space,
 * resumes, can be cancelled, and verifies every file: gzip's CRC-32 and length always, and the MD5
 * when the server's ETag is one (S3 gives single-part uploads an MD5 ETag; DJL publishes no other
 * checksum). Files go to a hidden sibling folder and the finished build is moved into place in one
 * step, so DJL never sees half a build. Each file's transfer is the hub download's core
 * ({@link ResumableDownload}): the same stall and minimum-rate rules, the same Content-Range check
 * on resume, the same progress.
 */
public final class CudaDownloader {
    /** DJL's own download site for PyTorch natives. */
    public static final String DJL_PUBLISH = "https://publish.djl.ai/pytorch/";
    private static final Pattern SAFE_LINE = Pattern.compile("[A-Za-z0-9._%+/-]+\\.gz");
    private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+-]*");
    private static final Pattern MD5_ETAG = Pattern.compile("[0-9a-f]{32}");
    private static final long MARGIN = 64L << 20;

    /** Progress over the whole build: bytes downloaded so far of all (the file is the one in flight). */
    public interface Listener extends DownloadListener {
    }

    /** One gzipped file: where it is listed, the library it unpacks to, and its sizes (-1 if unknown). */
    public record Part(String line, String name, long size, String etag, long unpackedSize) {
    }

    /** What a download will do, for the user to confirm. */
    public record Plan(URI source, CudaBuild build, List<Part> parts, long downloadBytes, long keptBytes,
                       long needBytes, long freeBytes) {
        /** One paragraph: how much, from where, to where, and the disk space. */
        public String describe() {
            return String.format(Locale.ROOT, "Downloads %s of %s (%d files) from %s into %s. It needs %s free there; %s are free.%s",
                    gb(downloadBytes - keptBytes), build.label(), parts.size(), source, build.dir(), gb(needBytes), gb(freeBytes),
                    keptBytes > 0 ? " " + gb(keptBytes) + " downloaded before are kept and resumed." : "");
        }

        public boolean fits() {
            return needBytes <= freeBytes;
        }
    }

    private final URI base;
    private final CudaBuild build;
    private final Probes probes;
    private final ResumableDownload core;

    /** {@code base} is the folder that holds files.txt, e.g. https://publish.djl.ai/pytorch/2.7.1. */
    public CudaDownloader(URI base, CudaBuild build, Probes probes) {
        this(base, build, probes, Patience.DEFAULT);
    }

    CudaDownloader(URI base, CudaBuild build, Probes probes, Patience patience) {
        String b = base.toString();
        this.base = URI.create(b.endsWith("/") ? b.substring(0, b.length() - 1) : b);
        this.build = build;
        this.probes = probes;
        this.core = new ResumableDownload(patience, new Wording("Enable GPU (or `circuitbench gpu enable`) resumes",
                "set " + GpuSetup.MIRROR + " to a mirror of " + DJL_PUBLISH,
                "Check the network; the CPU keeps working. Without network, copy the folder " + build.dir().getFileName()
                        + " from a machine that has it (see README, GPU).", " The CPU keeps working."), m -> m);
    }

    /** The hidden folder a download collects its files in before they are moved into place. */
    public Path staging() {
        return build.dir().resolveSibling("." + build.dir().getFileName() + ".download");
    }

    /** Reads the listing and every file's size; downloads nothing. */
    public Plan plan() throws IOException {
        String listing = getText(URI.create(base + "/files.txt"));
        String prefix = build.flavor() + "/" + build.classifier() + "/";
        List<Part> parts = new ArrayList<>();
        for (String raw : listing.split("\\R")) {
            String line = raw.trim();
            if (!line.startsWith(prefix)) continue;
            if (!SAFE_LINE.matcher(line).matches() || line.contains("..")) {
                throw new IOException("The listing at " + base + "/files.txt has an unexpected entry '" + line + "'; nothing was downloaded.");
            }
            String name = URLDecoder.decode(line.substring(line.lastIndexOf('/') + 1, line.length() - 3), StandardCharsets.UTF_8);
            if (!SAFE_NAME.matcher(name).matches()) {
                throw new IOException("The listing at " + base + "/files.txt names an unexpected file '" + name + "'; nothing was downloaded.");
            }
            parts.add(head(line, name));
        }
        if (parts.isEmpty()) {
            throw new IOException(base + "/files.txt lists no " + build.label() + "; nothing was downloaded.");
        }
        Path staging = staging();
        long total = 0, kept = 0, unpacked = 0, biggestLeft = 0;
        for (Part p : parts) {
            total += Math.max(0, p.size);
            if (Files.isRegularFile(staging.resolve(p.name))) {
                kept += Math.max(0, p.size);
                continue;
            }
            long have = sizeOr0(staging.resolve(p.name + ".gz.part"));
            kept += have;
            unpacked += p.unpackedSize;
            biggestLeft = Math.max(biggestLeft, p.size < 0 ? p.unpackedSize : p.size - have);
        }
        // Each file is unpacked and its .gz deleted before the next: the unpacked build plus one .gz at a time.
        long need = unpacked + biggestLeft + MARGIN;
        return new Plan(base, build, List.copyOf(parts), total, kept, need, probes.usableSpace(staging.getParent()));
    }

    /** Downloads (or resumes) the plan's files, verifies and unpacks them, and moves the build into place. */
    public Path download(Plan plan, Listener listener, BooleanSupplier cancelled) throws IOException {
        Path staging = staging();
        Files.createDirectories(staging);
        long free = probes.usableSpace(staging);
        if (plan.needBytes() > free) {
            throw new IOException(String.format(Locale.ROOT, "Not enough disk space in %s: PyTorch's CUDA build needs %s and %s are free. "
                    + "Free some space, or set DJL_CACHE_DIR to a folder on a bigger disk and try again. The CPU keeps working.",
                    staging.getParent(), gb(plan.needBytes()), gb(free)));
        }
        long done = 0;
        ObjectNode files = new ObjectMapper().createObjectNode();
        for (Part p : plan.parts()) {
            Path lib = staging.resolve(p.name);
            if (!Files.isRegularFile(lib)) {
                fetch(p, staging, done, plan.downloadBytes(), listener, cancelled);
                unpack(p, staging);
            }
            done += Math.max(0, p.size);
            listener.progress(p.name, done, plan.downloadBytes());
            files.put(p.name, Files.size(lib));
        }
        ObjectNode marker = new ObjectMapper().createObjectNode();
        marker.put("build", build.label());
        marker.put("source", plan.source().toString());
        marker.put("downloaded", Instant.now().toString());
        marker.set("files", files);
        Files.writeString(staging.resolve(CudaBuild.MARKER), marker.toPrettyString() + "\n");
        Path dir = build.dir();
        if (Files.exists(dir)) deleteTree(dir); // a damaged build: replaced as a whole
        try {
            Files.move(staging, dir, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(staging, dir);
        }
        return dir;
    }

    private Part head(String line, String name) throws IOException {
        URI uri = URI.create(base + "/" + line);
        HttpResponse<Void> r = core.follow(uri, name, (u, same, from) -> core.request(u), 0, "HEAD", HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() != 200) throw new IOException(uri + " answered HTTP " + r.statusCode() + "; nothing was downloaded.");
        long size = r.headers().firstValueAsLong("content-length").orElse(-1);
        String etag = r.headers().firstValue("etag").orElse("").replace("W/", "").replace("\"", "");
        return new Part(line, name, size, etag, unpackedSize(uri, size));
    }

    /**
     * The unpacked size from the gzip trailer (its last 4 bytes: the length mod 2^32), read with a
     * suffix range; without range support, 3 × the packed size stands in for the space check.
     */
    private long unpackedSize(URI uri, long size) throws IOException {
        HttpResponse<InputStream> r = core.follow(uri, uri.getPath(), (u, same, from) -> core.request(u).header("Range", "bytes=-4"), 0,
                "GET", HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = r.body()) {
            if (r.statusCode() != 206 || size < 4) return size < 0 ? -1 : 3 * size;
            byte[] b = in.readNBytes(4);
            if (b.length != 4) return 3 * size;
            long isize = (b[0] & 0xFFL) | (b[1] & 0xFFL) << 8 | (b[2] & 0xFFL) << 16 | (b[3] & 0xFFL) << 24;
            while (isize < size / 2) isize += 1L << 32; // libraries never shrink to under half when gzipped
            return isize;
        }
    }

    /**
     * One file's transfer through the shared core, resuming its .gz.part; If-Range makes a file
     * that changed on the server start again. Progress and a cancel are told over the whole build.
     */
    private void fetch(Part p, Path staging, long before, long total, Listener listener, BooleanSupplier cancelled) throws IOException {
        Path part = staging.resolve(p.name + ".gz.part");
        DownloadListener overBuild = new DownloadListener() {
            @Override
            public void progress(String file, long done, long size) {
                listener.progress(file, before + done, total);
            }

            @Override
            public void stalled(String file, long done, long size, long seconds) {
                listener.stalled(file, before + done, total, seconds);
            }
        };
        try {
            core.fetch(URI.create(base + "/" + p.line), p.name, p.size, part, (uri, same, from) -> {
                HttpRequest.Builder b = core.request(uri);
                if (from > 0 && !p.etag.isEmpty()) b.header("If-Range", "\"" + p.etag + "\"");
                return b;
            }, overBuild, cancelled);
        } catch (CancellationException e) {
            throw new CancellationException(String.format(Locale.ROOT, "Download cancelled. %s of %s are kept in %s; "
                    + "Enable GPU (or `circuitbench gpu enable`) resumes from there. The CPU keeps working.",
                    gb(before + sizeOr0(part)), gb(total), staging));
        }
    }

    /** Unpacks one verified .gz next to it, then deletes the .gz; a corrupt file is deleted with a clear message. */
    private void unpack(Part p, Path staging) throws IOException {
        Path part = staging.resolve(p.name + ".gz.part");
        Path tmp = staging.resolve(p.name + ".tmp");
        MessageDigest md5 = md5();
        String problem = null;
        try (DigestInputStream raw = new DigestInputStream(Files.newInputStream(part), md5)) {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                GZIPInputStream gz = new GZIPInputStream(raw, 1 << 16); // checks CRC-32 and length at the end
                gz.transferTo(out);
            }
            raw.transferTo(OutputStream.nullOutputStream()); // whatever follows the last gzip member counts for the MD5
        } catch (ZipException | EOFException e) {
            problem = "it is not a complete gzip file (" + e.getMessage() + ")";
        }
        if (problem == null && MD5_ETAG.matcher(p.etag).matches()) {
            String got = HexFormat.of().formatHex(md5.digest());
            if (!got.equals(p.etag)) problem = "its MD5 is " + got + " and the server's is " + p.etag;
        }
        if (problem != null) {
            Files.deleteIfExists(part);
            Files.deleteIfExists(tmp);
            throw new IOException("The downloaded " + p.name + " is corrupt: " + problem + ". It was deleted; "
                    + "Enable GPU (or `circuitbench gpu enable`) downloads it again. The CPU keeps working.");
        }
        Files.move(tmp, staging.resolve(p.name), StandardCopyOption.REPLACE_EXISTING);
        Files.delete(part);
    }

    private static MessageDigest md5() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private String getText(URI uri) throws IOException {
        HttpResponse<InputStream> r = core.follow(uri, "files.txt", (u, same, from) -> core.request(u), 0, "GET",
                HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = r.body()) {
            if (r.statusCode() != 200) {
                throw new IOException(uri + " answered HTTP " + r.statusCode() + "; nothing was downloaded. The CPU keeps working.");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static long sizeOr0(Path f) throws IOException {
        return Files.isRegularFile(f) ? Files.size(f) : 0;
    }

    /** "2.87 GB", or "35.2 MB" under a gigabyte. */
    static String gb(long bytes) {
        return bytes >= 1e9 ? String.format(Locale.ROOT, "%.2f GB", bytes / 1e9) : String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }

    static void deleteTree(Path dir) throws IOException {
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                if (e != null) throw e;
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
