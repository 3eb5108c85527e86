package org.circuitbench.model.hub;

import org.circuitbench.model.ModelResolver;
import org.circuitbench.util.Texts;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;

/**
 * Downloads a model from the Hugging Face hub into the standard cache layout
 * ({@code models--org--name/blobs}, {@code snapshots/<commit>}, {@code refs/<revision>}), honouring
 * {@code HF_ENDPOINT} and {@code HF_TOKEN}. A file downloads to {@code blobs/<etag>.incomplete} and
 * resumes from there; the snapshot and ref are written only once every file is complete, so an
 * interrupted download never leaves a half model that the app would try to load.
 *
 * <p>The hub is not trusted: its commit id and ETags become file names only when they are hex
 * ids, every path is checked to stay inside the model's cache folder, and the token goes only to
 * the exact origin (scheme, host, port) of {@code HF_ENDPOINT}, never along a redirect elsewhere.
 */
public final class HubDownloader {
    /** Files a GPT-2 folder needs; the tokenizer files are optional one by one. */
    static final List<String> REQUIRED = List.of("config.json", "model.safetensors");
    static final List<String> OPTIONAL = List.of("tokenizer.json", "vocab.json", "merges.txt", "generation_config.json");

    /** Progress of the file being downloaded; called often, from the downloading thread (a stall, from a watchdog). */
    public interface Listener {
        void progress(String file, long done, long total);

        /** No data for {@code seconds}; by default shown as progress, "model.safetensors (no data for 12 s)". */
        default void stalled(String file, long done, long total, long seconds) {
            progress(file + " (no data for " + seconds + " s)", done, total);
        }
    }

    /** A git commit id: the only form of {@code x-repo-commit} used as a folder name. */
    static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");
    /** A git blob id (40 hex) or an LFS SHA-256 (64 hex): the only ETags used as file names. */
    static final Pattern ETAG = Pattern.compile("[0-9a-f]{40}|[0-9a-f]{64}");
    /** huggingface_hub's repo id rule: an optional namespace, a name, letters, digits, '-', '_' and '.'. */
    private static final Pattern REPO_ID = Pattern.compile("([A-Za-z0-9_][A-Za-z0-9_.-]{0,95}/)?[A-Za-z0-9_][A-Za-z0-9_.-]{0,95}");
    /** A branch, tag or commit; may hold '/' (refs/pr/1) but no '.' or '..' segment. */
    private static final Pattern REVISION = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]*(/[A-Za-z0-9_][A-Za-z0-9_.-]*)*");

    private final String endpoint;
    private final String token;
    private final boolean tokenMalformed;
    private final ModelResolver cache;
    private final HttpClient http;
    /** How long to wait for an answer, and for the next byte of a body, before giving up. */
    private final Duration timeout;

    /** A hub that waits up to 30 s for an answer or for the next byte. */
    public HubDownloader(String endpoint, String token, ModelResolver cache) {
        this(endpoint, token, cache, Duration.ofSeconds(30));
    }

    HubDownloader(String endpoint, String token, ModelResolver cache, Duration timeout) {
        this.endpoint = endpoint.endsWith("/") ? endpoint.substring(0, endpoint.length() - 1) : endpoint;
        String t = token == null || token.isBlank() ? null : token.trim();
        // a token with a line break or control character would be refused by the HTTP client with the
        // token in its message; it is refused here instead, without ever being shown
        this.tokenMalformed = t != null && !t.chars().allMatch(c -> c > 0x20 && c < 0x7f);
        this.token = tokenMalformed ? null : t;
        this.cache = cache;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(timeout.compareTo(Duration.ofSeconds(20)) < 0 ? timeout : Duration.ofSeconds(20)).build();
    }

    public static HubDownloader fromEnvironment() {
        Map<String, String> env = System.getenv();
        String token = env.getOrDefault("HF_TOKEN", env.get("HUGGING_FACE_HUB_TOKEN"));
        return new HubDownloader(env.getOrDefault("HF_ENDPOINT", "https://huggingface.co"), token,
                new ModelResolver(ModelResolver.hubCache(env)));
    }

    public String endpoint() {
        return endpoint;
    }

    /** Downloads (or resumes) a model; returns its snapshot folder. */
    public Path download(String name, String revision, Listener listener, BooleanSupplier cancelled) throws IOException {
        if (tokenMalformed) {
            throw new IOException("HF_TOKEN contains a space, line break or other control character, so it cannot be sent. "
                    + "Set HF_TOKEN to the token alone (it is not shown here).");
        }
        String repo = ModelResolver.repoId(name);
        if (!REPO_ID.matcher(repo).matches() || repo.contains("--") || repo.contains("..") || repo.endsWith(".git")) {
            throw new IOException("'" + Texts.cap(name) + "' is not a hub model name: use letters, digits, '-', '_' and '.', "
                    + "with an optional organisation, e.g. gpt2 or openai-community/gpt2.");
        }
        if (revision == null || !REVISION.matcher(revision).matches()) {
            throw new IOException("'" + Texts.cap(String.valueOf(revision)) + "' is not a revision: give a branch, tag or commit id, e.g. main.");
        }
        Path repoDir = cache.repoFolder(repo).toAbsolutePath().normalize();
        Path blobs = inside(repoDir, repoDir.resolve("blobs"));
        Files.createDirectories(blobs);
        Map<String, FileInfo> infos = new LinkedHashMap<>();
        for (String f : REQUIRED) infos.put(f, head(repo, revision, f, true));
        for (String f : OPTIONAL) {
            FileInfo i = head(repo, revision, f, false);
            if (i != null) infos.put(f, i);
        }
        String commit = infos.get("config.json").commit;
        checkSpace(blobs, infos.values());
        for (Map.Entry<String, FileInfo> e : infos.entrySet()) {
            fetch(repo, revision, e.getKey(), e.getValue(), blobs, listener, cancelled);
        }
        Path snapshot = inside(repoDir, repoDir.resolve("snapshots").resolve(commit));
        Files.createDirectories(snapshot);
        inside(repoDir, snapshot.toRealPath());
        for (Map.Entry<String, FileInfo> e : infos.entrySet()) {
            link(inside(repoDir, snapshot.resolve(e.getKey())), inside(repoDir, blobs.resolve(e.getValue().etag)));
        }
        Path ref = inside(repoDir, repoDir.resolve("refs").resolve(revision));
        Files.createDirectories(ref.getParent());
        inside(repoDir, ref.getParent().toRealPath());
        org.circuitbench.util.AtomicFiles.writeString(ref, commit);
        return snapshot;
    }

    /**
     * {@code path}, if it lies inside {@code root} (both absolute); else an IOException. Real
     * paths are compared where they exist, so a link planted in the cache cannot lead out either.
     */
    static Path inside(Path root, Path path) throws IOException {
        Path p = path.toAbsolutePath().normalize();
        Path r = root.toAbsolutePath().normalize();
        if (Files.exists(r) && Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS) && !Files.isSymbolicLink(p)) {
            p = p.toRealPath();
            r = r.toRealPath();
        }
        if (!p.startsWith(r) || p.equals(r)) {
            throw new IOException("Refusing to write " + path + ": it lies outside the model's cache folder " + root
                    + ". The hub's answer is not trustworthy; check HF_ENDPOINT.");
        }
        return path;
    }

    /** scheme://host:port, with the scheme's default port made explicit. */
    static String origin(URI u) {
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(java.util.Locale.ROOT);
        int port = u.getPort() >= 0 ? u.getPort() : scheme.equals("https") ? 443 : scheme.equals("http") ? 80 : -1;
        String host = u.getHost() == null ? "" : u.getHost().toLowerCase(java.util.Locale.ROOT);
        return scheme + "://" + host + ":" + port;
    }

    /** Whether a request to {@code uri} may carry the token: only to HF_ENDPOINT's own origin. */
    boolean mayCarryToken(URI uri) {
        return origin(uri).equals(origin(URI.create(endpoint + "/")));
    }

    /** A message with the token, should anything ever echo it, blanked out. */
    private String redact(String message) {
        return token == null || message == null ? message : message.replace(token, "<HF_TOKEN>");
    }

    record FileInfo(String etag, long size, String commit, URI location) {
    }

    private URI resolveUri(String repo, String revision, String file) {
        // the revision is one path segment, as huggingface_hub sends it (refs/pr/1 → refs%2Fpr%2F1)
        return URI.create(endpoint + "/" + repo + "/resolve/" + java.net.URLEncoder.encode(revision, java.nio.charset.StandardCharsets.UTF_8)
                + "/" + file);
    }

    /** The file's etag, size and commit, from the resolve endpoint's headers (before any redirect). */
    private FileInfo head(String repo, String revision, String file, boolean required) throws IOException {
        URI uri = resolveUri(repo, revision, file);
        HttpResponse<Void> r = send(request(uri).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.discarding());
        int code = r.statusCode();
        if (code == 404) {
            if (!required) return null;
            throw new IOException("The hub at " + endpoint + " has no file " + file + " for model '" + repo
                    + "' (revision " + revision + "). Check the name, e.g. gpt2 or openai-community/gpt2.");
        }
        if (code == 401 || code == 403) {
            throw new IOException("The hub refused " + uri + " (HTTP " + code + "). This model needs a token: set HF_TOKEN.");
        }
        if (code >= 400) throw new IOException("The hub answered HTTP " + code + " for " + uri + ".");
        HttpHeaders h = r.headers();
        String etag = h.firstValue("x-linked-etag").or(() -> h.firstValue("etag")).orElse("")
                .replace("W/", "").replace("\"", "").trim().toLowerCase(java.util.Locale.ROOT);
        String sizeText = h.firstValue("x-linked-size").or(() -> h.firstValue("content-length")).orElse("-1").trim();
        long size;
        try {
            size = Long.parseLong(sizeText);
        } catch (NumberFormatException e) {
            size = -2;
        }
        if (size < -1) throw new IOException("The hub gave an invalid size '" + Texts.cap(sizeText) + "' for " + uri + "; is HF_ENDPOINT a Hugging Face hub?");
        String commit = h.firstValue("x-repo-commit").orElse(COMMIT.matcher(revision).matches() ? revision : "").trim();
        if (!ETAG.matcher(etag).matches()) {
            throw new IOException("The hub gave no usable ETag for " + uri + " (expected a 40- or 64-digit hex id, got '"
                    + Texts.cap(etag) + "'); is HF_ENDPOINT a Hugging Face hub?");
        }
        if (!COMMIT.matcher(commit).matches()) {
            throw new IOException("The hub gave no usable commit id for " + uri + " (expected 40 hex digits in x-repo-commit, got '"
                    + Texts.cap(commit) + "'); is HF_ENDPOINT a Hugging Face hub?");
        }
        URI location = code >= 300 && code < 400 ? h.firstValue("location").map(uri::resolve).orElse(uri) : uri;
        return new FileInfo(etag, size, commit, location);
    }

    private void fetch(String repo, String revision, String file, FileInfo info, Path blobs, Listener listener,
                       BooleanSupplier cancelled) throws IOException {
        Path blob = blobs.resolve(info.etag);
        if (isComplete(blob, info)) {
            listener.progress(file, info.size, info.size);
            return;
        }
        try (BlobLock ignored = BlobLock.acquire(lockFile(repo, info), file, info.size, listener, cancelled)) {
            if (isComplete(blob, info)) { // another download finished it while this one waited
                listener.progress(file, info.size, info.size);
                return;
            }
            Path partial = blobs.resolve(info.etag + ".incomplete");
            long have = Files.isRegularFile(partial) ? Files.size(partial) : 0;
            if (info.size >= 0 && have > info.size) {
                Files.delete(partial);
                have = 0;
            }
            if (info.size < 0 || have < info.size) receive(resolveUri(repo, revision, file), file, info, partial, have, listener, cancelled);
            long got = Files.size(partial);
            if (info.size >= 0 && got != info.size) {
                throw new IOException("Downloading " + file + " ended early: " + got + " of " + info.size
                        + " bytes. The partial file is kept; run the download again to resume.");
            }
            if (info.etag.length() == 64) { // LFS files are named by their SHA-256
                String sha = sha256(partial);
                if (!sha.equals(info.etag)) {
                    Files.delete(partial);
                    throw new IOException("The downloaded " + file + " is corrupt (SHA-256 " + sha + ", expected " + info.etag
                            + "); it was deleted. Run the download again.");
                }
            }
            Files.move(partial, blob, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
    }

    private static boolean isComplete(Path blob, FileInfo info) throws IOException {
        return Files.isRegularFile(blob) && (info.size < 0 || Files.size(blob) == info.size);
    }

    /** huggingface_hub's lock place: {@code <cache>/.locks/models--org--name/<etag>.lock}. */
    private Path lockFile(String repo, FileInfo info) throws IOException {
        Path root = cache.hubCache().toAbsolutePath().normalize();
        Path dir = inside(root, cache.repoFolder(repo).toAbsolutePath().normalize().getParent().resolve(".locks")
                .resolve(cache.repoFolder(repo).getFileName()));
        Files.createDirectories(dir);
        return inside(root, dir.resolve(info.etag + ".lock"));
    }

    /**
     * GETs a file into {@code partial}, resuming at {@code have} bytes. A ranged answer is used only
     * if its Content-Range starts where the partial file ends; otherwise the file starts again.
     */
    private void receive(URI uri, String file, FileInfo info, Path partial, long have, Listener listener,
                         BooleanSupplier cancelled) throws IOException {
        HttpResponse<InputStream> r = getFollowing(uri, have);
        int code = r.statusCode();
        if (have > 0 && (code == 416 || (code == 206 && !rangeStartsAt(r.headers(), have, info.size)))) {
            r.body().close(); // the server got the range wrong: appending would corrupt the file
            Files.deleteIfExists(partial);
            have = 0;
            r = getFollowing(uri, 0);
            code = r.statusCode();
        }
        if (code != 200 && code != 206) {
            r.body().close();
            throw new IOException("Downloading " + file + " failed: HTTP " + code + " from " + r.uri().getHost() + ".");
        }
        if (code == 206 && !rangeStartsAt(r.headers(), have, info.size)) {
            r.body().close();
            throw new IOException("Downloading " + file + " failed: " + r.uri().getHost() + " answered with the wrong part of the file (Content-Range '"
                    + Texts.cap(r.headers().firstValue("content-range").orElse("")) + "', wanted bytes from " + have + "). Try again later or another HF_ENDPOINT.");
        }
        if (code == 200 && have > 0) { // the server ignored the range: start again
            have = 0;
            Files.deleteIfExists(partial);
        }
        copy(r.body(), r.uri().getHost(), file, info, partial, have, listener, cancelled);
    }

    /** Whether a 206 answer's {@code Content-Range: bytes START-END/TOTAL} starts at {@code from} and fits the size. */
    static boolean rangeStartsAt(HttpHeaders h, long from, long size) {
        var m = Pattern.compile("bytes\\s+(\\d{1,18})-(\\d{1,18})/(\\d{1,18}|\\*)").matcher(h.firstValue("content-range").orElse("").trim());
        if (!m.matches()) return false;
        long start = Long.parseLong(m.group(1)), end = Long.parseLong(m.group(2));
        boolean totalOk = m.group(3).equals("*") || size < 0 || Long.parseLong(m.group(3)) == size;
        return start == from && end >= start && totalOk && (size < 0 || end < size);
    }

    /**
     * Appends the body to the partial file. A watchdog notes a quiet connection to the listener and,
     * after {@code timeout} without a byte (or on cancel), closes it, so a stalled hub never hangs.
     */
    private void copy(InputStream in, String host, String file, FileInfo info, Path partial, long have, Listener listener,
                      BooleanSupplier cancelled) throws IOException {
        AtomicLong lastData = new AtomicLong(System.nanoTime());
        AtomicLong done = new AtomicLong(have);
        AtomicBoolean stalled = new AtomicBoolean();
        AtomicBoolean stopped = new AtomicBoolean();
        long period = Math.clamp(timeout.toMillis() / 10, 50, 1000);
        long notice = Math.max(timeout.toNanos() / 6, 1_000_000_000L); // say so after a few quiet seconds
        ScheduledFuture<?> watch = WATCHDOG.scheduleAtFixedRate(() -> {
            long quiet = System.nanoTime() - lastData.get();
            if (cancelled.getAsBoolean() || quiet >= timeout.toNanos()) {
                if (!cancelled.getAsBoolean()) stalled.set(true);
                stopped.set(true);
                try {
                    in.close(); // unblocks the read below
                } catch (IOException ignored) {
                    // closing is all that is wanted
                }
            } else if (quiet >= notice) {
                listener.stalled(file, done.get(), info.size, quiet / 1_000_000_000L);
            }
        }, period, period, TimeUnit.MILLISECONDS);
        try (in; OutputStream out = Files.newOutputStream(partial, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                lastData.set(System.nanoTime());
                out.write(buf, 0, n);
                listener.progress(file, done.addAndGet(n), info.size);
                if (cancelled.getAsBoolean()) throw cancelledAt(done.get(), file);
            }
        } catch (IOException e) {
            if (cancelled.getAsBoolean()) throw cancelledAt(done.get(), file);
            if (stalled.get()) {
                throw new IOException(String.format(java.util.Locale.ROOT, "Downloading %s stalled: %s sent no data for %d s "
                        + "(%.1f of %.1f MB received). The partial file %s is kept; run the download again to resume, "
                        + "or set HF_ENDPOINT to a mirror.", file, host, timeout.toSeconds(), done.get() / 1e6, info.size / 1e6, partial), e);
            }
            throw new IOException("Downloading " + file + " broke off (" + redact(e.getMessage()) + "). The partial file "
                    + partial + " is kept; run the download again to resume.", e);
        } finally {
            watch.cancel(false);
        }
        if (stopped.get() && cancelled.getAsBoolean()) throw cancelledAt(done.get(), file);
    }

    private static java.util.concurrent.CancellationException cancelledAt(long done, String file) {
        return new java.util.concurrent.CancellationException("Download cancelled; " + done / 1_000_000
                + " MB of " + file + " are kept and the next download resumes from there.");
    }

    /** Watches downloads for stalls; daemon threads, so it never keeps the app alive. */
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "hub-download-watchdog");
        t.setDaemon(true);
        return t;
    });

    /**
     * One download of a blob at a time: a lock within this JVM, then a file lock against other
     * processes. A second download of the same file waits, then finds it complete.
     */
    private static final class BlobLock implements AutoCloseable {
        private static final Map<Path, java.util.concurrent.locks.ReentrantLock> IN_PROCESS = new java.util.concurrent.ConcurrentHashMap<>();
        private final java.util.concurrent.locks.ReentrantLock local;
        private final java.nio.channels.FileChannel channel;
        private final java.nio.channels.FileLock lock;

        private BlobLock(java.util.concurrent.locks.ReentrantLock local, java.nio.channels.FileChannel channel, java.nio.channels.FileLock lock) {
            this.local = local;
            this.channel = channel;
            this.lock = lock;
        }

        static BlobLock acquire(Path file, String name, long size, Listener listener, BooleanSupplier cancelled) throws IOException {
            var local = IN_PROCESS.computeIfAbsent(file, k -> new java.util.concurrent.locks.ReentrantLock());
            boolean told = false;
            try {
                while (!local.tryLock(200, TimeUnit.MILLISECONDS)) {
                    if (cancelled.getAsBoolean()) throw new java.util.concurrent.CancellationException("Download cancelled while waiting for another download of " + name + ".");
                    if (!told) listener.progress(name + " (waiting for another download of it)", 0, size);
                    told = true;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("Interrupted while waiting for another download of " + name + ".", e);
            }
            java.nio.channels.FileChannel ch = null;
            try {
                ch = java.nio.channels.FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                java.nio.channels.FileLock l;
                while ((l = ch.tryLock()) == null) {
                    if (cancelled.getAsBoolean()) throw new java.util.concurrent.CancellationException("Download cancelled while waiting for another download of " + name + ".");
                    if (!told) listener.progress(name + " (waiting for another program's download of it)", 0, size);
                    told = true;
                    Thread.sleep(200);
                }
                return new BlobLock(local, ch, l);
            } catch (IOException | RuntimeException | InterruptedException e) {
                if (ch != null) ch.close();
                local.unlock();
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                    throw new IOException("Interrupted while waiting for another download of " + name + ".", e);
                }
                if (e instanceof IOException io) throw io;
                throw (RuntimeException) e;
            }
        }

        @Override
        public void close() throws IOException {
            try {
                lock.release();
                channel.close();
            } finally {
                local.unlock();
            }
        }
    }

    /**
     * GET with a range, following redirects by hand so the token goes only to HF_ENDPOINT's origin;
     * once a redirect has left that origin, no later hop carries it (as huggingface_hub does).
     */
    private HttpResponse<InputStream> getFollowing(URI uri, long from) throws IOException {
        URI current = uri;
        boolean trusted = true;
        for (int hops = 0; hops < 8; hops++) {
            trusted = trusted && mayCarryToken(current);
            HttpRequest.Builder b = trusted ? request(current)
                    : HttpRequest.newBuilder(current).timeout(timeout).header("User-Agent", "circuitbench/0.1");
            if (from > 0) b.header("Range", "bytes=" + from + "-");
            HttpResponse<InputStream> r = send(b.GET().build(), HttpResponse.BodyHandlers.ofInputStream());
            int code = r.statusCode();
            if (code >= 300 && code < 400 && r.headers().firstValue("location").isPresent()) {
                r.body().close();
                current = current.resolve(r.headers().firstValue("location").get());
                continue;
            }
            return r;
        }
        throw new IOException("Too many redirects downloading " + uri + ".");
    }

    /** A request to HF_ENDPOINT's origin, with the token. */
    private HttpRequest.Builder request(URI uri) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(timeout)
                .header("User-Agent", "circuitbench/0.1");
        if (token != null && mayCarryToken(uri)) b.header("Authorization", "Bearer " + token);
        return b;
    }

    private <T> HttpResponse<T> send(HttpRequest req, HttpResponse.BodyHandler<T> handler) throws IOException {
        try {
            return http.send(req, handler);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while talking to " + req.uri().getHost(), e);
        } catch (java.net.http.HttpConnectTimeoutException e) {
            throw new IOException("Cannot reach " + req.uri().getHost() + " (no connection within " + Math.min(20, timeout.toSeconds())
                    + " s). Check the network, or set HF_ENDPOINT to a mirror.", e);
        } catch (java.net.http.HttpTimeoutException e) {
            throw new IOException(req.uri().getHost() + " did not answer within " + timeout.toSeconds() + " s (" + req.method() + " "
                    + req.uri().getPath() + "). Check the network and HF_ENDPOINT, then try again.", e);
        } catch (IOException e) {
            throw new IOException("Cannot reach " + req.uri().getHost() + " (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + redact(e.getMessage())) + "). Check the network, or set HF_ENDPOINT to a mirror.", e);
        }
    }

    private static void checkSpace(Path dir, Iterable<FileInfo> files) throws IOException {
        checkSpace(dir, files, Files.getFileStore(dir).getUsableSpace());
    }

    static void checkSpace(Path dir, Iterable<FileInfo> files, long free) throws IOException {
        long need = 0;
        for (FileInfo f : files) {
            Path blob = dir.resolve(f.etag);
            if (Files.isRegularFile(blob) || f.size < 0) continue;
            Path partial = dir.resolve(f.etag + ".incomplete");
            need += f.size - (Files.isRegularFile(partial) ? Files.size(partial) : 0);
        }
        if (need + (64L << 20) > free) {
            throw new IOException(String.format("Not enough disk space in %s: the download needs %.2f GB and %.2f GB are free. "
                    + "Free some space, or set HF_HUB_CACHE to another disk.", dir, need / 1e9, free / 1e9));
        }
    }

    /** A relative symlink, as huggingface_hub makes; a copy where links are not allowed. */
    private static void link(Path link, Path blob) throws IOException {
        Files.deleteIfExists(link);
        try {
            Files.createSymbolicLink(link, link.getParent().relativize(blob));
        } catch (UnsupportedOperationException | IOException e) {
            Files.copy(blob, link, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 20];
            int n;
            while ((n = in.read(buf)) > 0) md.update(buf, 0, n);
            return HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The names the app offers to download. */
    public static List<String> suggestions() {
        return new ArrayList<>(List.of("gpt2", "gpt2-medium", "gpt2-large", "gpt2-xl", "distilgpt2"));
    }
}
