package org.circuitbench.model;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.circuitbench.TestData;
import org.circuitbench.model.hub.HubDownloader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Downloads from a local stand-in for the hub (the real one is out of reach here): the cache
 * layout, resume after a broken connection, the token, and no half model left behind.
 */
class HubDownloaderTest {
    @TempDir
    Path cache;
    HttpServer server;
    String base;
    final Map<String, byte[]> files = new java.util.HashMap<>();
    final List<String> ranges = new CopyOnWriteArrayList<>();
    final List<String> auth = new CopyOnWriteArrayList<>();
    final AtomicInteger breakAfter = new AtomicInteger(-1); // bytes of model.safetensors sent before a drop
    static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";

    @BeforeEach
    void serve() throws Exception {
        Path model = TestData.model4x4();
        for (String f : new String[] {"config.json", "model.safetensors", "tokenizer.json"}) files.put(f, Files.readAllBytes(model.resolve(f)));
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    /** The hub's ETag of a file outside LFS: its git blob id. */
    static String gitSha1(byte[] b) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-1");
        md.update(("blob " + b.length + "\0").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        return HexFormat.of().formatHex(md.digest(b));
    }

    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        auth.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
        if (path.startsWith("/cdn/")) { // the LFS store the hub redirects to
            serveBytes(ex, files.get("model.safetensors"), true);
            return;
        }
        String prefix = "/openai-community/gpt2/resolve/main/";
        if (!path.startsWith(prefix) || !files.containsKey(path.substring(prefix.length()))) {
            ex.sendResponseHeaders(404, -1);
            ex.close();
            return;
        }
        String name = path.substring(prefix.length());
        byte[] body = files.get(name);
        ex.getResponseHeaders().add("X-Repo-Commit", COMMIT);
        try {
            if (name.equals("model.safetensors")) {
                ex.getResponseHeaders().add("X-Linked-Etag", "\"" + sha256(body) + "\"");
                ex.getResponseHeaders().add("X-Linked-Size", Integer.toString(body.length));
                ex.getResponseHeaders().add("Location", "/cdn/" + sha256(body));
                ex.sendResponseHeaders(302, -1);
                ex.close();
                return;
            }
            ex.getResponseHeaders().add("ETag", "\"" + gitSha1(body) + "\"");
        } catch (Exception e) {
            throw new IOException(e);
        }
        serveBytes(ex, body, false);
    }

    private void serveBytes(HttpExchange ex, byte[] body, boolean lfs) throws IOException {
        if (ex.getRequestMethod().equals("HEAD")) {
            ex.getResponseHeaders().add("Content-Length", Integer.toString(body.length));
            ex.sendResponseHeaders(200, -1);
            ex.close();
            return;
        }
        int from = 0;
        String range = ex.getRequestHeaders().getFirst("Range");
        if (range != null) {
            ranges.add(range);
            from = Integer.parseInt(range.replaceAll("bytes=(\\d+)-.*", "$1"));
        }
        int limit = lfs && breakAfter.get() >= 0 ? breakAfter.getAndSet(-1) : body.length;
        int end = Math.min(body.length, from + limit);
        if (from > 0) ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (body.length - 1) + "/" + body.length);
        // a dropped connection: the body ends early (chunked, so the server closes cleanly)
        ex.sendResponseHeaders(from > 0 ? 206 : 200, end < body.length ? 0 : body.length - from);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body, from, end - from);
        }
    }

    @Test
    void downloadsIntoTheCacheLayoutAndLoads() throws Exception {
        HubDownloader hub = new HubDownloader(base, "secret", new ModelResolver(cache));
        Path snap = hub.download("gpt2", "main", (f, d, t) -> { }, () -> false);
        assertEquals(cache.resolve("models--openai-community--gpt2/snapshots/" + COMMIT), snap);
        assertEquals(COMMIT, Files.readString(cache.resolve("models--openai-community--gpt2/refs/main")));
        assertTrue(Files.isSymbolicLink(snap.resolve("model.safetensors")));
        assertEquals(snap, new ModelResolver(cache).resolve("gpt2"));
        try (LoadedModel m = LoadedModel.open("gpt2", snap, DeviceChoice.resolve("cpu"))) {
            assertEquals(4, m.config().nLayer());
        }
        assertTrue(auth.stream().allMatch(a -> a.equals("Bearer secret")), "the token goes to the hub: " + auth);
    }

    @Test
    void aBrokenDownloadKeepsThePartialFileLeavesNoModelAndResumes() throws Exception {
        HubDownloader hub = new HubDownloader(base, null, new ModelResolver(cache));
        breakAfter.set(2_000_000);
        IOException e = assertThrows(IOException.class, () -> hub.download("gpt2", "main", (f, d, t) -> { }, () -> false));
        assertTrue(e.getMessage().contains("resume"), e.getMessage());
        Path repo = cache.resolve("models--openai-community--gpt2");
        try (var s = Files.list(repo.resolve("blobs"))) {
            assertTrue(s.anyMatch(p -> p.toString().endsWith(".incomplete")), "the partial file is kept");
        }
        assertFalse(Files.exists(repo.resolve("refs/main")), "no ref to a half model");
        assertTrue(new ModelResolver(cache).snapshot("gpt2").isEmpty(), "nothing the app would try to load");
        Path snap = hub.download("gpt2", "main", (f, d, t) -> { }, () -> false);
        assertEquals(List.of("bytes=2000000-"), ranges, "it resumed where it broke off, once");
        assertEquals(files.get("model.safetensors").length, Files.size(snap.resolve("model.safetensors")));
    }

    @Test
    void cancelKeepsThePartialFile() throws Exception {
        HubDownloader hub = new HubDownloader(base, null, new ModelResolver(cache));
        Exception e = assertThrows(Exception.class, () -> hub.download("gpt2", "main", (f, d, t) -> { }, () -> true));
        assertTrue(e.getMessage().contains("cancelled"), e.getMessage());
        assertTrue(new ModelResolver(cache).snapshot("gpt2").isEmpty());
    }

    @Test
    void unknownModelAndUnreachableHubSayWhy() throws Exception {
        HubDownloader hub = new HubDownloader(base, null, new ModelResolver(cache));
        IOException e = assertThrows(IOException.class, () -> hub.download("nobody/nothing", "main", (f, d, t) -> { }, () -> false));
        assertTrue(e.getMessage().contains("no file config.json"), e.getMessage());
        HubDownloader down = new HubDownloader("http://127.0.0.1:1", null, new ModelResolver(cache));
        e = assertThrows(IOException.class, () -> down.download("gpt2", "main", (f, d, t) -> { }, () -> false));
        assertTrue(e.getMessage().contains("Cannot reach 127.0.0.1 (the connection was refused)") && e.getMessage().contains("HF_ENDPOINT")
                && !e.getMessage().contains("Exception"), e.getMessage());
    }
}
