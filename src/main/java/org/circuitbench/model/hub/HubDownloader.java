package org.circuitbench.model.hub;

import org.circuitbench.model.ModelResolver;
import org.circuitbench.model.download.DownloadListener;
import org.circuitbench.model.download.Patience;
import org.circuitbench.model.download.ResumableDownload;
import org.circuitbench.model.download.Wording;
import org.circuitbench.util.Texts;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;

/**
 * Downloads a model from the Hugging Face hub into the standard cache layout
 * ({@code models--org--name/blobs}, {@code snapshots/<commit>}, {@code refs/<revision>}), honouring
 * {@code HF_ENDPOINT} and {@code HF_TOKEN}. A file downloads to {@code blobs/<etag>.incomplete} and
 * resumes from there ({@link ResumableDownload}, the core it shares with the CUDA build's
 * download); the snapshot and ref are written only once every file is complete and matches its
 * ETag, so an interrupted or corrupted download never leaves a half model that the app would load.
 *
 * <p>The hub is not trusted: its commit id and ETags become file names only when they are hex
 * ids, every path is checked to stay inside the cache before anything is written, links included
 * ({@link CacheGuard}), every file is checked against its ETag ({@link Etags}), and the token goes
 * only to the exact origin (scheme, host, port) of {@code HF_ENDPOINT}, never along a redirect
 * elsewhere.
 */
public final class HubDownloader {
    /** Files a GPT-2 folder needs; the tokenizer files are optional one by one. */
    static final List<String> REQUIRED = List.of("config.json", "model.safetensors");
    static final List<String> OPTIONAL = List.of("tokenizer.json", "vocab.json", "merges.txt", "generation_config.json");

    /** Progress of the file being downloaded (see {@link DownloadListener}). */
    public interface Listener extends DownloadListener {
    }

    /** A git commit id: the only form of {@code x-repo-commit} used as a folder name. */
    static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");
    /** A git blob id (40 hex) or an LFS SHA-256 (64 hex): the only ETags used as file names. */
    static final Pattern ETAG = Pattern.compile("[0-9a-f]{40}|[0-9a-f]{64}");
    /** huggingface_hub's repo id rule: an optional namespace, a name, letters, digits, '-', '_' and '.'. */
    private static final Pattern REPO_ID = Pattern.compile("([A-Za-z0-9_][A-Za-z0-9_.-]{0,95}/)?[A-Za-z0-9_][A-Za-z0-9_.-]{0,95}");
    /** A branch, tag or commit; may hold '/' (refs/pr/1) but no '.' or '..' segment. */
    private static final Pattern REVISION = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]*(/[A-Za-z0-9_][A-Za-z0-9_.-]*)*");
    private static final Wording WORDS = new Wording("run the download again to resume", "set HF_ENDPOINT to a mirror",
            "Check the network, or set HF_ENDPOINT to a mirror.", "");

    private final String endpoint;
    /** Why HF_ENDPOINT cannot be used, or null: said by {@link #download}, the first thing it does. */
    private final String endpointProblem;
    private final String token;
    private final boolean tokenMalformed;
    private final ModelResolver cache;
    private final ResumableDownload core;

    /** A hub that waits up to 30 s for an answer or for the next byte, and gives up under 1 KB/s over a minute. */
    public HubDownloader(String endpoint, String token, ModelResolver cache) {
        this(endpoint, token, cache, Patience.DEFAULT);
    }

    HubDownloader(String endpoint, String token, ModelResolver cache, Duration timeout) {
        this(endpoint, token, cache, new Patience(timeout, Patience.DEFAULT.minBytesPerSecond(), Patience.DEFAULT.window()));
    }

    HubDownloader(String endpoint, String token, ModelResolver cache, Patience patience) {
        String e = endpoint == null ? "" : endpoint.trim();
        this.endpoint = e.endsWith("/") ? e.substring(0, e.length() - 1) : e;
        this.endpointProblem = endpointProblem(endpoint);
        String t = token == null || token.isBlank() ? null : token.trim();
        // a token with a line break or control character would be refused by the HTTP client with the
        // token in its message; it is refused here instead, without ever being shown
        this.tokenMalformed = t != null && !t.chars().allMatch(c -> c > 0x20 && c < 0x7f);
        this.token = tokenMalformed ? null : t;
        this.cache = cache;
        this.core = new ResumableDownload(patience, WORDS, this::redact);
    }

    public static HubDownloader fromEnvironment() {
        Map<String, String> env = System.getenv();
        String token = env.getOrDefault("HF_TOKEN", env.get("HUGGING_FACE_HUB_TOKEN"));
        return new HubDownloader(env.getOrDefault("HF_ENDPOINT", "https://huggingface.co"), token,
                new ModelResolver(ModelResolver.hubCache(env)));
    }

    /** Why {@code endpoint} (HF_ENDPOINT's value) is not a hub's address, or null. */
    static String endpointProblem(String endpoint) {
        String fix = ": set it to a hub's http(s) address, e.g. https://huggingface.co, or unset it to use that one.";
        if (endpoint == null || endpoint.isBlank()) return "HF_ENDPOINT is set but empty" + fix;
        URI u;
        try {
            u = new URI(endpoint.trim());
        } catch (URISyntaxException e) {
            u = null;
        }
        String scheme = u == null || u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        if (u == null || !(scheme.equals("http") || scheme.equals("https")) || u.getHost() == null
                || u.getRawQuery() != null || u.getRawFragment() != null) {
            return "HF_ENDPOINT '" + Texts.cap(endpoint) + "' is not a hub's address" + fix;
        }
        return null;
    }

    public String endpoint() {
        return endpoint;
    }

    /** Downloads (or resumes) a model; returns its snapshot folder. */
    public Path download(String name, String revision, Listener listener, BooleanSupplier cancelled) throws IOException {
        if (endpointProblem != null) throw new IOException(endpointProblem);
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
        CacheGuard guard = new CacheGuard(cache.hubCache());
        Path repoDir = cache.repoFolder(repo).toAbsolutePath().normalize();
        Path blobs = guard.folder(repoDir, repoDir.resolve("blobs"));
        Map<String, FileInfo> infos = new LinkedHashMap<>();
        for (String f : REQUIRED) infos.put(f, head(repo, revision, f, true));
        for (String f : OPTIONAL) {
            FileInfo i = head(repo, revision, f, false);
            if (i != null) infos.put(f, i);
        }
        String commit = infos.get("config.json").commit;
        Path snapshot = guard.inside(repoDir, repoDir.resolve("snapshots").resolve(commit));
        Path ref = guard.inside(repoDir, repoDir.resolve("refs").resolve(revision));
        // every place this download writes is checked before its first byte
        for (Map.Entry<String, FileInfo> e : infos.entrySet()) {
            guard.inside(repoDir, blobs.resolve(e.getValue().etag));
            guard.inside(repoDir, blobs.resolve(e.getValue().etag + ".incomplete"));
            guard.linkInside(repoDir, snapshot.resolve(e.getKey()));
            lockFile(guard, repo, e.getValue());
        }
        checkSpace(blobs, infos.values());
        for (Map.Entry<String, FileInfo> e : infos.entrySet()) {
            fetch(guard, repoDir, repo, revision, e.getKey(), e.getValue(), blobs, listener, cancelled);
        }
        guard.folder(repoDir, snapshot);
        for (Map.Entry<String, FileInfo> e : infos.entrySet()) {
            link(guard.linkInside(repoDir, snapshot.resolve(e.getKey())), guard.inside(repoDir, blobs.resolve(e.getValue().etag)));
        }
        guard.folder(repoDir, ref.getParent());
        org.circuitbench.util.AtomicFiles.writeString(guard.inside(repoDir, ref), commit);
        return snapshot;
    }

    /** Whether a request to {@code uri} may carry the token: only to HF_ENDPOINT's own origin. */
    boolean mayCarryToken(URI uri) {
        return endpointProblem == null && ResumableDownload.origin(uri).equals(ResumableDownload.origin(URI.create(endpoint + "/")));
    }

    /** A message with the token, should anything ever echo it, blanked out. */
    private String redact(String message) {
        return token == null || message == null ? message : message.replace(token, "<HF_TOKEN>");
    }

    /** What the HEAD of the resolve endpoint said about one file; {@code uri} is that endpoint (the GET follows its redirects). */
    record FileInfo(String etag, long size, String commit, URI uri) {
    }

    private URI resolveUri(String repo, String revision, String file) {
        // the revision is one path segment, as huggingface_hub sends it (refs/pr/1 → refs%2Fpr%2F1)
        return URI.create(endpoint + "/" + repo + "/resolve/" + java.net.URLEncoder.encode(revision, java.nio.charset.StandardCharsets.UTF_8)
                + "/" + file);
    }

    /** The file's etag, size and commit, from the resolve endpoint's headers (before any redirect). */
    private FileInfo head(String repo, String revision, String file, boolean required) throws IOException {
        URI uri = resolveUri(repo, revision, file);
        HttpResponse<Void> r = core.send(request(uri).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
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
                .replace("W/", "").replace("\"", "").trim().toLowerCase(Locale.ROOT);
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
        return new FileInfo(etag, size, commit, uri);
    }

    /** Downloads one file into its blob, resuming its partial file, then checks its bytes against the ETag. */
    private void fetch(CacheGuard guard, Path repoDir, String repo, String revision, String file, FileInfo info, Path blobs,
                       Listener listener, BooleanSupplier cancelled) throws IOException {
        Path blob = guard.inside(repoDir, blobs.resolve(info.etag));
        if (isComplete(blob, info)) {
            listener.progress(file, info.size, info.size);
            return;
        }
        try (BlobLock ignored = BlobLock.acquire(lockFile(guard, repo, info), file, info.size, listener, cancelled)) {
            if (isComplete(blob, info)) { // another download finished it while this one waited
                listener.progress(file, info.size, info.size);
                return;
            }
            Path partial = guard.inside(repoDir, blobs.resolve(info.etag + ".incomplete"));
            // the token goes along only while every hop stays on HF_ENDPOINT's origin (as huggingface_hub does)
            core.fetch(resolveUri(repo, revision, file), file, info.size, partial,
                    (uri, sameOrigin, from) -> sameOrigin && mayCarryToken(uri) ? request(uri) : core.request(uri),
                    listener, cancelled);
            String got = Etags.digestLike(info.etag, partial);
            if (!got.equals(info.etag)) {
                Files.delete(partial);
                throw new IOException("The downloaded " + file + " is corrupt (its " + Etags.kind(info.etag) + " is " + got
                        + ", and the hub's ETag is " + info.etag + "); it was deleted. Run the download again, or set HF_ENDPOINT to a mirror.");
            }
            Files.move(partial, blob, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
    }

    private static boolean isComplete(Path blob, FileInfo info) throws IOException {
        return Files.isRegularFile(blob) && (info.size < 0 || Files.size(blob) == info.size);
    }

    /** huggingface_hub's lock place: {@code <cache>/.locks/models--org--name/<etag>.lock}. */
    private Path lockFile(CacheGuard guard, String repo, FileInfo info) throws IOException {
        Path root = cache.hubCache().toAbsolutePath().normalize();
        Path dir = guard.folder(root, root.resolve(".locks").resolve(cache.repoFolder(repo).getFileName()));
        return guard.inside(root, dir.resolve(info.etag + ".lock"));
    }

    /** A request to HF_ENDPOINT's origin, with the token. */
    private HttpRequest.Builder request(URI uri) {
        HttpRequest.Builder b = core.request(uri);
        if (token != null && mayCarryToken(uri)) b.header("Authorization", "Bearer " + token);
        return b;
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

    /** The names the app offers to download. */
    public static List<String> suggestions() {
        return new ArrayList<>(List.of("gpt2", "gpt2-medium", "gpt2-large", "gpt2-xl", "distilgpt2"));
    }
}
