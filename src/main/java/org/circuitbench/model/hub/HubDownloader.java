package org.circuitbench.model.hub;

import org.circuitbench.model.ModelResolver;

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
import java.util.function.BooleanSupplier;

/**
 * Downloads a model from the Hugging Face hub into the standard cache layout
 * ({@code models--org--name/blobs}, {@code snapshots/<commit>}, {@code refs/<revision>}), honouring
 * {@code HF_ENDPOINT} and {@code HF_TOKEN}. A file downloads to {@code blobs/<etag>.incomplete} and
 * resumes from there; the snapshot and ref are written only once every file is complete, so an
 * interrupted download never leaves a half model that the app would try to load.
 */
public final class HubDownloader {
    /** Files a GPT-2 folder needs; the tokenizer files are optional one by one. */
    static final List<String> REQUIRED = List.of("config.json", "model.safetensors");
    static final List<String> OPTIONAL = List.of("tokenizer.json", "vocab.json", "merges.txt", "generation_config.json");

    /** Progress of the file being downloaded; called often, from the downloading thread. */
    public interface Listener {
        void progress(String file, long done, long total);
    }

    private final String endpoint;
    private final String token;
    private final ModelResolver cache;
    private final HttpClient http;

    public HubDownloader(String endpoint, String token, ModelResolver cache) {
        this.endpoint = endpoint.endsWith("/") ? endpoint.substring(0, endpoint.length() - 1) : endpoint;
        this.token = token == null || token.isBlank() ? null : token.trim();
        this.cache = cache;
        this.http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(20)).build();
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
        String repo = ModelResolver.repoId(name);
        Path repoDir = cache.repoFolder(repo);
        Path blobs = repoDir.resolve("blobs");
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
        Path snapshot = repoDir.resolve("snapshots").resolve(commit);
        Files.createDirectories(snapshot);
        for (Map.Entry<String, FileInfo> e : infos.entrySet()) {
            link(snapshot.resolve(e.getKey()), blobs.resolve(e.getValue().etag));
        }
        Path ref = repoDir.resolve("refs").resolve(revision);
        Files.createDirectories(ref.getParent());
        org.circuitbench.util.AtomicFiles.writeString(ref, commit);
        return snapshot;
    }

    record FileInfo(String etag, long size, String commit, URI location) {
    }

    private URI resolveUri(String repo, String revision, String file) {
        return URI.create(endpoint + "/" + repo + "/resolve/" + revision + "/" + file);
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
                .replace("W/", "").replace("\"", "");
        long size = h.firstValue("x-linked-size").or(() -> h.firstValue("content-length")).map(Long::parseLong).orElse(-1L);
        String commit = h.firstValue("x-repo-commit").orElse(revision);
        if (etag.isEmpty() || !etag.matches("[A-Za-z0-9._-]+")) {
            throw new IOException("The hub gave no usable ETag for " + uri + "; is HF_ENDPOINT a Hugging Face hub?");
        }
        URI location = code >= 300 && code < 400 ? h.firstValue("location").map(uri::resolve).orElse(uri) : uri;
        return new FileInfo(etag, size, commit, location);
    }

    private void fetch(String repo, String revision, String file, FileInfo info, Path blobs, Listener listener,
                       BooleanSupplier cancelled) throws IOException {
        Path blob = blobs.resolve(info.etag);
        if (Files.isRegularFile(blob) && (info.size < 0 || Files.size(blob) == info.size)) {
            listener.progress(file, info.size, info.size);
            return;
        }
        Path partial = blobs.resolve(info.etag + ".incomplete");
        long have = Files.isRegularFile(partial) ? Files.size(partial) : 0;
        if (info.size >= 0 && have > info.size) {
            Files.delete(partial);
            have = 0;
        }
        if (info.size < 0 || have < info.size) {
            URI uri = resolveUri(repo, revision, file);
            HttpResponse<InputStream> r = getFollowing(uri, have);
            int code = r.statusCode();
            if (code != 200 && code != 206) {
                r.body().close();
                throw new IOException("Downloading " + file + " failed: HTTP " + code + " from " + r.uri().getHost() + ".");
            }
            if (code == 200 && have > 0) { // the server ignored the range: start again
                have = 0;
                Files.deleteIfExists(partial);
            }
            try (InputStream in = r.body();
                 OutputStream out = Files.newOutputStream(partial, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
                byte[] buf = new byte[1 << 16];
                long done = have;
                int n;
                while ((n = in.read(buf)) > 0) {
                    out.write(buf, 0, n);
                    done += n;
                    listener.progress(file, done, info.size);
                    if (cancelled.getAsBoolean()) {
                        throw new java.util.concurrent.CancellationException("Download cancelled; " + done / 1_000_000
                                + " MB of " + file + " are kept and the next download resumes from there.");
                    }
                }
            } catch (IOException e) {
                throw new IOException("Downloading " + file + " broke off (" + e.getMessage() + "). The partial file "
                        + partial + " is kept; run the download again to resume.", e);
            }
        }
        long got = Files.size(partial);
        if (info.size >= 0 && got != info.size) {
            throw new IOException("Downloading " + file + " ended early: " + got + " of " + info.size
                    + " bytes. The partial file is kept; run the download again to resume.");
        }
        if (info.etag.matches("[0-9a-f]{64}")) { // LFS files are named by their SHA-256
            String sha = sha256(partial);
            if (!sha.equals(info.etag)) {
                Files.delete(partial);
                throw new IOException("The downloaded " + file + " is corrupt (SHA-256 " + sha + ", expected " + info.etag
                        + "); it was deleted. Run the download again.");
            }
        }
        Files.move(partial, blob, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** GET with a range, following redirects by hand so the token never goes to another host. */
    private HttpResponse<InputStream> getFollowing(URI uri, long from) throws IOException {
        URI current = uri;
        for (int hops = 0; hops < 8; hops++) {
            HttpRequest.Builder b = current.getHost().equals(uri.getHost()) ? request(current)
                    : HttpRequest.newBuilder(current).timeout(Duration.ofMinutes(30));
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

    private HttpRequest.Builder request(URI uri) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(30))
                .header("User-Agent", "circuitbench/0.1");
        if (token != null) b.header("Authorization", "Bearer " + token);
        return b;
    }

    private <T> HttpResponse<T> send(HttpRequest req, HttpResponse.BodyHandler<T> handler) throws IOException {
        try {
            return http.send(req, handler);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while talking to " + req.uri().getHost(), e);
        } catch (IOException e) {
            throw new IOException("Cannot reach " + req.uri().getHost() + " (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + "). Check the network, or set HF_ENDPOINT to a mirror.", e);
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
