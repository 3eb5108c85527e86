package org.circuitbench.model.hub;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.circuitbench.model.ModelResolver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A hostile stand-in hub on 127.0.0.1: commit ids and ETags that are paths, redirects to another
 * origin, a token that would leak. Nothing may be written outside the cache and the token may go
 * nowhere but HF_ENDPOINT's own origin.
 */
class HostileHubTest {
    static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
    static final byte[] CONFIG = "{\"model_type\": \"gpt2\"}".getBytes(StandardCharsets.UTF_8);
    static final byte[] WEIGHTS = new byte[300_000];

    @TempDir
    Path tmp;
    Path cache;
    HttpServer hub;
    HttpServer other;
    String base;
    String otherBase;
    /** Header overrides per file name; "*" for all. */
    final Map<String, Map<String, String>> headers = new ConcurrentHashMap<>();
    /** Where the hub redirects GETs of model.safetensors (null: serve it itself). */
    volatile String weightsRedirect;
    final List<String> hubAuth = new CopyOnWriteArrayList<>();
    final List<String> otherAuth = new CopyOnWriteArrayList<>();

    @BeforeEach
    void serve() throws IOException {
        new java.util.Random(7).nextBytes(WEIGHTS);
        cache = tmp.resolve("hub");
        hub = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        hub.createContext("/", ex -> handle(ex, hubAuth));
        hub.start();
        other = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        other.createContext("/", ex -> handle(ex, otherAuth));
        other.start();
        base = "http://127.0.0.1:" + hub.getAddress().getPort();
        otherBase = "http://127.0.0.1:" + other.getAddress().getPort();
    }

    @AfterEach
    void stop() {
        hub.stop(0);
        other.stop(0);
    }

    /** A non-LFS file's ETag on the hub: its git blob id, sha1("blob " + length + "\0" + bytes). */
    static String gitSha1(byte[] b) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-1");
            md.update(("blob " + b.length + "\0").getBytes(StandardCharsets.US_ASCII));
            return HexFormat.of().formatHex(md.digest(b));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private void handle(HttpExchange ex, List<String> auth) throws IOException {
        auth.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
        String path = ex.getRequestURI().getPath();
        String name = path.substring(path.lastIndexOf('/') + 1);
        byte[] body = name.equals("config.json") ? CONFIG : name.equals("model.safetensors") || path.startsWith("/cdn/") ? WEIGHTS : null;
        if (body == null) {
            ex.sendResponseHeaders(404, -1);
            ex.close();
            return;
        }
        var h = ex.getResponseHeaders();
        h.add("X-Repo-Commit", COMMIT);
        h.add("ETag", "\"" + gitSha1(body) + "\"");
        if (body == WEIGHTS) {
            h.set("ETag", "\"" + sha256(body) + "\"");
            h.add("X-Linked-Size", Integer.toString(body.length));
        }
        for (String key : List.of("*", name)) headers.getOrDefault(key, Map.of()).forEach(h::set);
        if (ex.getRequestMethod().equals("HEAD")) {
            h.add("Content-Length", Integer.toString(body.length));
            ex.sendResponseHeaders(200, -1);
            ex.close();
            return;
        }
        String redirect = weightsRedirect;
        if (body == WEIGHTS && redirect != null && !path.startsWith("/cdn/")) {
            h.add("Location", redirect);
            ex.sendResponseHeaders(302, -1);
            ex.close();
            return;
        }
        ex.sendResponseHeaders(200, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    HubDownloader hub(String token) {
        return new HubDownloader(base, token, new ModelResolver(cache));
    }

    IOException refused(HubDownloader d) {
        return assertThrows(IOException.class, () -> d.download("gpt2", "main", (f, x, t) -> { }, () -> false));
    }

    /** Every file under the temp folder that is not inside the cache, with its bytes. */
    Map<Path, String> outsideCache() throws IOException {
        Map<Path, String> out = new java.util.TreeMap<>();
        try (Stream<Path> s = Files.walk(tmp)) {
            for (Path p : s.toList()) {
                if (p.startsWith(cache)) continue;
                out.put(p, Files.isSymbolicLink(p) ? "link" : Files.isRegularFile(p) ? Files.readString(p) : "dir");
            }
        }
        return out;
    }

    @Test
    void aCommitIdThatIsAPathIsRefusedAndNothingOutsideTheCacheChanges() throws Exception {
        // a user's folder that "../../../victim" and the absolute path both point at
        Path victim = tmp.resolve("victim");
        Files.createDirectories(victim);
        Files.writeString(victim.resolve("config.json"), "my own config");
        Files.writeString(victim.resolve("model.safetensors"), "my own weights");
        Map<Path, String> before = outsideCache();
        for (String commit : List.of("../../../victim", victim.toString(), "..", "main", COMMIT.toUpperCase() + "/..")) {
            headers.put("*", Map.of("X-Repo-Commit", commit));
            IOException e = refused(hub(null));
            assertTrue(e.getMessage().contains("commit id"), e.getMessage());
            assertEquals(before, outsideCache(), "nothing outside the cache is created, deleted or replaced (commit " + commit + ")");
        }
        Path repo = cache.resolve("models--openai-community--gpt2");
        assertFalse(Files.exists(repo.resolve("refs/main")), "no ref points anywhere");
        assertTrue(new ModelResolver(cache).cachedModels().isEmpty());
    }

    @Test
    void etagsThatAreNotHexIdsAreRefused() throws Exception {
        Map<Path, String> before = outsideCache();
        for (String etag : List.of("..", ".", "../../x", "abc", sha256(WEIGHTS) + "/..", "/etc/passwd")) {
            headers.put("config.json", Map.of("ETag", "\"" + etag + "\""));
            IOException e = refused(hub(null));
            assertTrue(e.getMessage().contains("ETag"), e.getMessage());
            assertEquals(before, outsideCache());
            try (Stream<Path> s = Files.list(cache.resolve("models--openai-community--gpt2/blobs"))) {
                assertEquals(List.of(), s.toList(), "nothing was downloaded under the bad name " + etag);
            }
        }
    }

    @Test
    void namesAndRevisionsThatAreNotIdsAreRefusedBeforeAnyRequest() {
        for (String rev : List.of("../../../victim", "/abs", "a/../b", ".", "")) {
            IOException e = assertThrows(IOException.class, () -> hub(null).download("gpt2", rev, (f, x, t) -> { }, () -> false));
            assertTrue(e.getMessage().contains("revision"), e.getMessage());
        }
        for (String name : List.of("../x", "a/b/c", "a--b", "..", "x/..")) {
            IOException e = assertThrows(IOException.class, () -> hub(null).download(name, "main", (f, x, t) -> { }, () -> false));
            assertTrue(e.getMessage().contains("not a hub model name"), e.getMessage());
        }
        assertEquals(List.of(), hubAuth, "no request was made");
        assertFalse(Files.exists(tmp.resolve("victim")));
    }

    @Test
    void aPoisonedRefIsNotFollowedOutOfTheCache() throws Exception {
        Path outside = tmp.resolve("outside");
        Files.createDirectories(outside);
        Files.writeString(outside.resolve("config.json"), "{}");
        Files.writeString(outside.resolve("model.safetensors"), "x");
        Path repo = cache.resolve("models--openai-community--gpt2");
        Files.createDirectories(repo.resolve("refs"));
        Files.createDirectories(repo.resolve("snapshots"));
        Files.writeString(repo.resolve("refs/main"), "../../../outside");
        ModelResolver r = new ModelResolver(cache);
        assertTrue(r.snapshot("gpt2").isEmpty(), "the ref is ignored: " + r.snapshot("gpt2"));
        assertTrue(r.cachedModels().isEmpty(), "`circuitbench models` does not list the outside folder");
    }

    @Test
    void theTokenGoesOnlyToTheEndpointsOwnOrigin() throws Exception {
        // the hub sends the weights to the same host on another port: that is another origin
        weightsRedirect = otherBase + "/cdn/" + sha256(WEIGHTS);
        Path snap = hub("hf_secret").download("gpt2", "main", (f, x, t) -> { }, () -> false);
        assertTrue(Files.isRegularFile(snap.resolve("model.safetensors")));
        assertTrue(hubAuth.stream().allMatch("Bearer hf_secret"::equals), "the hub gets the token: " + hubAuth);
        assertEquals(List.of("null"), otherAuth, "the other port gets no token");
    }

    @Test
    void aRedirectThatComesBackToTheHubAfterLeavingItCarriesNoToken() throws Exception {
        weightsRedirect = otherBase + "/bounce";
        other.removeContext("/");
        other.createContext("/", ex -> {
            otherAuth.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
            ex.getResponseHeaders().add("Location", base + "/cdn/" + sha256(WEIGHTS));
            ex.sendResponseHeaders(302, -1);
            ex.close();
        });
        hub("hf_secret").download("gpt2", "main", (f, x, t) -> { }, () -> false);
        assertEquals(List.of("null"), otherAuth);
        assertEquals("null", hubAuth.get(hubAuth.size() - 1), "the hop back from another origin carries no token: " + hubAuth);
    }

    @Test
    void originsCompareSchemeHostAndPort() {
        HubDownloader d = new HubDownloader("https://hub.example", "t", new ModelResolver(cache));
        assertTrue(d.mayCarryToken(URI.create("https://hub.example/x")));
        assertTrue(d.mayCarryToken(URI.create("https://HUB.example:443/x")));
        assertFalse(d.mayCarryToken(URI.create("http://hub.example/x")), "a downgrade to http");
        assertFalse(d.mayCarryToken(URI.create("https://hub.example:8443/x")), "another port");
        assertFalse(d.mayCarryToken(URI.create("https://cdn.hub.example/x")), "another host");
        assertFalse(d.mayCarryToken(URI.create("https://hub.example.evil.test/x")));
    }

    @Test
    void aTokenWithALineBreakIsNeverPrinted() {
        String secret = "hf_VerySecretValue123";
        for (String token : List.of(secret + "\nX-Injected: 1", "hf_Very Secret\tValue", "hf_VerySecret\u0000x", "hf_VerySecret\u007fx")) {
            IOException e = refused(hub(token));
            String msg = e.getMessage();
            assertTrue(msg.contains("HF_TOKEN"), msg);
            assertFalse(msg.contains("Secret") || msg.contains("hf_Very"), "the token is not in the message: " + msg);
            for (Throwable c = e; c != null; c = c.getCause()) {
                assertFalse(String.valueOf(c.getMessage()).contains("Secret"), "nor in a cause: " + c);
            }
        }
        assertEquals(List.of(), hubAuth, "nothing was sent");
    }

    @Test
    void aTrailingLineBreakIsTrimmedAsAShellLeavesIt() throws Exception {
        hub("hf_secret\n").download("gpt2", "main", (f, x, t) -> { }, () -> false);
        assertTrue(hubAuth.stream().allMatch("Bearer hf_secret"::equals), hubAuth.toString());
    }

    /** One error line that names what to fix and no Java internals. */
    static void oneLine(String msg, String... words) {
        assertFalse(msg.contains("\n") || msg.contains("Exception") || msg.contains("java."), msg);
        for (String w : words) assertTrue(msg.contains(w), "'" + w + "' in: " + msg);
    }

    @Test
    void aLinkPlantedInTheCacheLeadsNoWriteOut() throws Exception {
        for (String planted : List.of("models--openai-community--gpt2/blobs", "models--openai-community--gpt2/snapshots",
                "models--openai-community--gpt2/refs", ".locks", "models--openai-community--gpt2")) {
            deleteTree(cache);
            Path outside = tmp.resolve("outside");
            deleteTree(outside);
            Files.createDirectories(outside);
            Path link = cache.resolve(planted);
            Files.createDirectories(link.getParent());
            Files.createSymbolicLink(link, outside);
            IOException e = refused(hub(null));
            oneLine(e.getMessage(), "Refusing to write", "outside the Hugging Face cache", "Remove that link");
            try (Stream<Path> s = Files.list(outside)) {
                assertEquals(List.of(), s.toList(), "nothing was written through the link " + planted + ": " + e.getMessage());
            }
        }
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return;
        if (Files.isSymbolicLink(p) || !Files.isDirectory(p)) {
            Files.delete(p);
            return;
        }
        try (Stream<Path> s = Files.list(p)) {
            for (Path c : s.toList()) deleteTree(c);
        }
        Files.delete(p);
    }

    @Test
    void aFileOutsideLfsIsCheckedAgainstItsGitBlobId() throws Exception {
        // the hub's ETag is that of the real config; the bytes sent have two letters swapped (same length)
        byte[] real = "{\"model_type\": \"gtp2\"}".getBytes(StandardCharsets.UTF_8);
        assertEquals(CONFIG.length, real.length);
        headers.put("config.json", Map.of("ETag", "\"" + gitSha1(real) + "\""));
        IOException e = refused(hub(null));
        oneLine(e.getMessage(), "config.json is corrupt", "git blob SHA-1 is " + gitSha1(CONFIG), "ETag is " + gitSha1(real),
                "it was deleted");
        Path repo = cache.resolve("models--openai-community--gpt2");
        assertFalse(Files.exists(repo.resolve("refs/main")), "no ref to a corrupt model");
        try (Stream<Path> st = Files.list(repo.resolve("blobs"))) {
            assertTrue(st.noneMatch(p -> p.getFileName().toString().startsWith(gitSha1(real))), "the corrupt file is not kept");
        }
        // with the right ETag the same download goes through, and the blob is named by it
        headers.clear();
        Path snap = hub(null).download("gpt2", "main", (f, x, t) -> { }, () -> false);
        assertTrue(Files.isRegularFile(repo.resolve("blobs").resolve(gitSha1(CONFIG))));
        assertEquals(new String(CONFIG, StandardCharsets.UTF_8), Files.readString(snap.resolve("config.json")));
    }

    @Test
    void aRedirectToAnotherKindOfAddressIsRefusedInOneLine() throws Exception {
        Map<Path, String> before = outsideCache();
        for (String target : List.of("file:///etc/passwd", "ftp://127.0.0.1/model.safetensors", "http://[::1", "mailto:x@y",
                "http:///nohost")) {
            weightsRedirect = target;
            IOException e = refused(hub(null));
            oneLine(e.getMessage(), "redirected model.safetensors to", "not an http(s) address", "HF_ENDPOINT");
            assertEquals(before, outsideCache());
        }
    }

    @Test
    void anHfEndpointThatIsNotAHubsAddressIsNamed() {
        for (String endpoint : List.of("ftp://hub.example", "not a url", "", "   ", "huggingface.co", "https://", "https://hub.example/?a=b")) {
            IOException e = assertThrows(IOException.class, () -> new HubDownloader(endpoint, null, new ModelResolver(cache))
                    .download("gpt2", "main", (f, x, t) -> { }, () -> false), "HF_ENDPOINT='" + endpoint + "'");
            oneLine(e.getMessage(), "HF_ENDPOINT", "https://huggingface.co");
        }
        assertEquals(List.of(), hubAuth, "nothing was sent");
        assertFalse(Files.exists(cache), "nothing was written");
    }
}
