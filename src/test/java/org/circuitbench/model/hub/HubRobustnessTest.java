package org.circuitbench.model.hub;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.circuitbench.model.ModelResolver;
import org.circuitbench.model.download.Patience;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A slow, silent or sloppy stand-in hub on 127.0.0.1: a HEAD that never answers, a body that
 * stalls, two downloads of one file at once, and a resume answered with the wrong range.
 */
class HubRobustnessTest {
    static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
    static final byte[] CONFIG = "{\"model_type\": \"gpt2\", \"n_layer\": 1}".getBytes(StandardCharsets.UTF_8);
    static final byte[] WEIGHTS = new byte[400_000];
    static final String CONFIG_ETAG = HostileHubTest.gitSha1(CONFIG);

    @TempDir
    Path cache;
    HttpServer server;
    String base;
    final CountDownLatch release = new CountDownLatch(1);
    final List<String> requests = new CopyOnWriteArrayList<>();
    final AtomicInteger weightGets = new AtomicInteger();
    volatile boolean headHangs;
    volatile int stallAfter = -1;       // bytes of the weights sent before the body stalls
    volatile long chunkDelayMs = 0;     // a slow body: 10 KB chunks with this pause
    volatile boolean wrongRange;        // a resumed GET answered 206 with the whole file and "bytes 0-"
    volatile boolean wrongLength;       // a resumed GET answered 206 with the right Content-Range but the whole file
    volatile int extra = 0;             // a plain GET of the weights sends this many bytes too many
    volatile boolean chunked;           // ... without a Content-Length
    volatile long dripMs = 0;           // the weights in 100-byte drips with this pause

    @BeforeEach
    void serve() throws IOException {
        new java.util.Random(11).nextBytes(WEIGHTS);
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", this::handle);
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stop() {
        release.countDown();
        server.stop(0);
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        String name = path.substring(path.lastIndexOf('/') + 1);
        String range = ex.getRequestHeaders().getFirst("Range");
        requests.add(ex.getRequestMethod() + " " + name + (range == null ? "" : " " + range));
        byte[] body = name.equals("config.json") ? CONFIG : name.equals("model.safetensors") ? WEIGHTS : null;
        if (body == null) {
            ex.sendResponseHeaders(404, -1);
            ex.close();
            return;
        }
        ex.getResponseHeaders().add("X-Repo-Commit", COMMIT);
        ex.getResponseHeaders().add("ETag", "\"" + (body == CONFIG ? CONFIG_ETAG : HostileHubTest.sha256(body)) + "\"");
        if (ex.getRequestMethod().equals("HEAD")) {
            if (headHangs) await();
            ex.getResponseHeaders().add("Content-Length", Integer.toString(body.length));
            ex.sendResponseHeaders(200, -1);
            ex.close();
            return;
        }
        if (body == WEIGHTS) weightGets.incrementAndGet();
        int from = range == null ? 0 : Integer.parseInt(range.replaceAll("bytes=(\\d+)-.*", "$1"));
        if (from > 0 && wrongLength) {
            ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (body.length - 1) + "/" + body.length);
            from = 0;
            ex.sendResponseHeaders(206, body.length);
        } else if (from == 0 && extra > 0 && body == WEIGHTS) {
            byte[] more = java.util.Arrays.copyOf(body, body.length + extra);
            ex.sendResponseHeaders(200, chunked ? 0 : more.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(more);
            } catch (IOException closedByClient) {
                // the downloader stopped reading
            }
            return;
        } else if (from > 0 && wrongRange) {
            ex.getResponseHeaders().add("Content-Range", "bytes 0-" + (body.length - 1) + "/" + body.length);
            from = 0;
            ex.sendResponseHeaders(206, body.length);
        } else if (from > 0) {
            ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (body.length - 1) + "/" + body.length);
            ex.sendResponseHeaders(206, body.length - from);
        } else {
            ex.sendResponseHeaders(200, body.length);
        }
        try (OutputStream out = ex.getResponseBody()) {
            for (int at = from; at < body.length; ) {
                int n = Math.min(dripMs > 0 && body == WEIGHTS ? 100 : 10_000, body.length - at);
                if (body == WEIGHTS && stallAfter >= 0 && at >= stallAfter) {
                    out.flush();
                    await();
                    return;
                }
                out.write(body, at, n);
                out.flush();
                at += n;
                if (chunkDelayMs > 0 && body == WEIGHTS) sleep(chunkDelayMs);
                if (dripMs > 0 && body == WEIGHTS) sleep(dripMs);
            }
        } catch (IOException closedByClient) {
            // the downloader gave up on this body
        }
    }

    private void await() {
        try {
            release.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    HubDownloader hub(Duration timeout) {
        return new HubDownloader(base, null, new ModelResolver(cache), timeout);
    }

    Path repo() {
        return cache.resolve("models--openai-community--gpt2");
    }

    @Test
    void aHubThatNeverAnswersGivesAClearErrorInSeconds() {
        headHangs = true;
        IOException e = assertTimeoutPreemptively(Duration.ofSeconds(20), () ->
                assertThrows(IOException.class, () -> hub(Duration.ofSeconds(1)).download("gpt2", "main", (f, d, t) -> { }, () -> false)));
        assertTrue(e.getMessage().contains("did not answer within 1 s") && e.getMessage().contains("HF_ENDPOINT"), e.getMessage());
    }

    @Test
    void aStalledBodyIsShownThenGivesUpAndKeepsThePartialFile() throws Exception {
        stallAfter = 100_000;
        List<String> shown = new CopyOnWriteArrayList<>();
        IOException e = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> assertThrows(IOException.class,
                () -> hub(Duration.ofMillis(1500)).download("gpt2", "main", (f, d, t) -> shown.add(f + " " + d), () -> false)));
        assertTrue(e.getMessage().contains("stalled") && e.getMessage().contains("no data for 1.5 s")
                && e.getMessage().contains("resume"), e.getMessage());
        assertTrue(shown.stream().anyMatch(s -> s.startsWith("model.safetensors (no data for") && s.endsWith(" 100000")),
                "the progress showed the stall: " + shown);
        Path partial = repo().resolve("blobs/" + HostileHubTest.sha256(WEIGHTS) + ".incomplete");
        assertEquals(100_000, Files.size(partial), "what arrived is kept");
        // the next try resumes from there
        stallAfter = -1;
        Path snap = hub(Duration.ofSeconds(5)).download("gpt2", "main", (f, d, t) -> { }, () -> false);
        assertArrayEquals(WEIGHTS, Files.readAllBytes(snap.resolve("model.safetensors")));
        assertTrue(requests.contains("GET model.safetensors bytes=100000-"), requests.toString());
    }

    @Test
    void cancelStopsAStalledDownload() {
        stallAfter = 50_000;
        java.util.concurrent.atomic.AtomicBoolean cancel = new java.util.concurrent.atomic.AtomicBoolean();
        // the stall notice comes after 2 s; cancelling then must not wait for the 12-s timeout
        Exception e = assertTimeoutPreemptively(Duration.ofSeconds(8), () -> assertThrows(Exception.class,
                () -> hub(Duration.ofSeconds(12)).download("gpt2", "main", (f, d, t) -> {
                    if (f.contains("no data")) cancel.set(true);
                }, cancel::get)));
        assertTrue(e.getMessage().contains("cancelled"), e.getMessage());
    }

    @Test
    void twoDownloadsOfOneModelAtOnceBothSucceedAndFetchItOnce() throws Exception {
        chunkDelayMs = 15; // 40 chunks: about 0.6 s, so the two overlap
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Path>> runs = new java.util.ArrayList<>();
            for (int i = 0; i < 2; i++) {
                runs.add(pool.submit(() -> {
                    go.await();
                    return hub(Duration.ofSeconds(10)).download("gpt2", "main", (f, d, t) -> { }, () -> false);
                }));
            }
            go.countDown();
            for (Future<Path> r : runs) {
                Path snap = r.get(30, TimeUnit.SECONDS);
                assertArrayEquals(WEIGHTS, Files.readAllBytes(snap.resolve("model.safetensors")));
                assertArrayEquals(CONFIG, Files.readAllBytes(snap.resolve("config.json")));
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, weightGets.get(), "the second download waited for the first, then found the file: " + requests);
        try (var s = Files.list(repo().resolve("blobs"))) {
            assertTrue(s.noneMatch(p -> p.toString().endsWith(".incomplete")));
        }
    }

    @Test
    void aResumeAnsweredWithTheWrongRangeStartsAgainInsteadOfAppending() throws Exception {
        // a partial config.json (no checksum guards it: its ETag is a git id), then a server that
        // answers the ranged GET with 206 and the whole file from byte 0
        Path blobs = repo().resolve("blobs");
        Files.createDirectories(blobs);
        Files.write(blobs.resolve(CONFIG_ETAG + ".incomplete"), java.util.Arrays.copyOf(CONFIG, 10));
        wrongRange = true;
        Path snap = hub(Duration.ofSeconds(5)).download("gpt2", "main", (f, d, t) -> { }, () -> false);
        assertArrayEquals(CONFIG, Files.readAllBytes(snap.resolve("config.json")));
        assertTrue(requests.contains("GET config.json bytes=10-") && requests.contains("GET config.json"), requests.toString());
    }

    @Test
    void contentRangeIsParsedStrictly() {
        java.util.function.Function<String, java.net.http.HttpHeaders> h = v -> java.net.http.HttpHeaders.of(
                java.util.Map.of("content-range", List.of(v)), (a, b) -> true);
        assertTrue(org.circuitbench.model.download.ResumableDownload.rangeStartsAt(h.apply("bytes 100-199/200"), 100, 200));
        assertTrue(org.circuitbench.model.download.ResumableDownload.rangeStartsAt(h.apply("bytes 100-199/*"), 100, 200));
        assertTrue(!org.circuitbench.model.download.ResumableDownload.rangeStartsAt(h.apply("bytes 0-199/200"), 100, 200), "wrong start");
        assertTrue(!org.circuitbench.model.download.ResumableDownload.rangeStartsAt(h.apply("bytes 100-199/300"), 100, 200), "another file's size");
        assertTrue(!org.circuitbench.model.download.ResumableDownload.rangeStartsAt(h.apply("bytes 100-299/200"), 100, 200), "past the end");
        assertTrue(!org.circuitbench.model.download.ResumableDownload.rangeStartsAt(h.apply("garbage"), 100, 200));
        assertTrue(!org.circuitbench.model.download.ResumableDownload.rangeStartsAt(java.net.http.HttpHeaders.of(java.util.Map.of(), (a, b) -> true), 100, 200), "missing");
    }

    Path partial() {
        return repo().resolve("blobs/" + HostileHubTest.sha256(WEIGHTS) + ".incomplete");
    }

    @Test
    void aSlowDripEndsWithAClearMessageAndKeepsWhatArrived() throws Exception {
        dripMs = 200; // 100 bytes every 200 ms: 500 B/s, under the 2 KB/s asked over each second
        Patience patience = new Patience(Duration.ofSeconds(10), 2_000, Duration.ofSeconds(1));
        List<String> shown = new CopyOnWriteArrayList<>();
        IOException e = assertTimeoutPreemptively(Duration.ofSeconds(15), () -> assertThrows(IOException.class,
                () -> new HubDownloader(base, null, new ModelResolver(cache), patience)
                        .download("gpt2", "main", (f, d, t) -> shown.add(f + " " + d), () -> false)));
        HostileHubTest.oneLine(e.getMessage(), "Downloading model.safetensors is too slow", "under the minimum of 2.0 KB/s over 1 s",
                "is kept", "resume", "HF_ENDPOINT");
        long kept = Files.size(partial());
        assertTrue(kept > 0 && kept < 2_000, "what arrived is kept: " + kept);
        // the next try (a fast hub) resumes from there
        dripMs = 0;
        Path snap = hub(Duration.ofSeconds(5)).download("gpt2", "main", (f, d, t) -> { }, () -> false);
        assertArrayEquals(WEIGHTS, Files.readAllBytes(snap.resolve("model.safetensors")));
        assertTrue(requests.contains("GET model.safetensors bytes=" + kept + "-"), requests.toString());
    }

    @Test
    void aResumeAnsweredWithTheWholeFileUnderTheRightRangeStartsAgain() throws Exception {
        Files.createDirectories(repo().resolve("blobs"));
        Files.write(partial(), java.util.Arrays.copyOf(WEIGHTS, 100_000));
        wrongLength = true; // 206, "bytes 100000-399999/400000", and 400000 bytes: appended, the file would be 500000 bytes
        Path snap = hub(Duration.ofSeconds(5)).download("gpt2", "main", (f, d, t) -> { }, () -> false);
        assertArrayEquals(WEIGHTS, Files.readAllBytes(snap.resolve("model.safetensors")));
        assertTrue(requests.contains("GET model.safetensors bytes=100000-") && requests.contains("GET model.safetensors"), requests.toString());
    }

    @Test
    void aBodyLongerThanTheFileIsRefusedWithWhatWasDue() throws Exception {
        extra = 100_000; // HEAD says 400000 bytes; the GET declares and sends 500000
        IOException e = assertThrows(IOException.class, () -> hub(Duration.ofSeconds(5)).download("gpt2", "main", (f, d, t) -> { }, () -> false));
        HostileHubTest.oneLine(e.getMessage(), "Downloading model.safetensors failed", "body of 500000 bytes where 400000 were due",
                "nothing was written", "HF_ENDPOINT");
        assertFalse(e.getMessage().contains("ended early"), e.getMessage());
        assertFalse(Files.exists(partial()));
        chunked = true; // the same without a Content-Length: the file stops at its size
        e = assertThrows(IOException.class, () -> hub(Duration.ofSeconds(5)).download("gpt2", "main", (f, d, t) -> { }, () -> false));
        HostileHubTest.oneLine(e.getMessage(), "sent more than the file's 400000 bytes", "was deleted", "HF_ENDPOINT");
        assertFalse(Files.exists(partial()), "what cannot be trusted is not kept");
        assertFalse(Files.exists(repo().resolve("refs/main")));
    }
}
