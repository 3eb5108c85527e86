package org.circuitbench.model.gpu;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.circuitbench.model.gpu.NativeSelection.Natives;
import org.circuitbench.model.gpu.NativeSelection.Want;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CUDA build's download against a local stand-in for publish.djl.ai (the real one is out of
 * reach here), laid out as DJL publishes it: files.txt, then gzipped libraries per flavor and
 * platform. Resume, checksum mismatch, cancel, no space, and an unsafe listing.
 */
class CudaDownloaderTest {
    static final String PREFIX = "/pytorch/2.7.1/";
    static final List<String> LIBS = List.of("libc10.so", "libc10_cuda.so", "libtorch.so", "libtorch_cpu.so", "libtorch_cuda.so");

    @TempDir
    Path tmp;
    HttpServer server;
    FakeProbes probes;
    GpuSetup setup;
    final Map<String, byte[]> raw = new LinkedHashMap<>();   // library → its bytes
    final Map<String, byte[]> gz = new LinkedHashMap<>();    // path under PREFIX → served bytes
    final Map<String, String> etags = new LinkedHashMap<>();
    final List<String> requests = new CopyOnWriteArrayList<>();
    volatile String breakFile;   // a path whose first GET sends only breakAfter bytes
    volatile int breakAfter;
    String listing;

    @BeforeEach
    void serve() throws Exception {
        Random r = new Random(14);
        int i = 0;
        for (String lib : LIBS) {
            byte[] b = new byte[lib.equals("libtorch_cuda.so") ? 3_000_000 : 200_000 + 50_000 * i++];
            for (int k = 0; k < b.length; k += 2) b[k] = (byte) r.nextInt(); // half random: compresses about 2:1
            raw.put(lib, b);
            String path = "cu128/linux-x86_64/native/lib/" + lib + ".gz";
            gz.put(path, gzip(b));
            // S3 gives single-part uploads an MD5 ETag and multipart ones "<md5 of md5s>-<parts>"
            etags.put(path, lib.equals("libtorch_cuda.so") ? "0123456789abcdef0123456789abcdef-3" : md5(gz.get(path)));
        }
        listing = String.join("\n", "cpu/linux-x86_64/native/lib/libtorch_cpu.so.gz",
                String.join("\n", gz.keySet()), "cu128/win-x86_64/native/lib/torch_cuda.dll.gz") + "\n";
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.start();
        probes = FakeProbes.h100();
        setup = new GpuSetup(probes, tmp.resolve("user"), tmp.resolve("djl/pytorch"), "linux-x86_64",
                URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/pytorch/2.7.1"), w -> { });
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    static byte[] gzip(byte[] b) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(out)) {
            z.write(b);
        }
        return out.toByteArray();
    }

    static String md5(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(b));
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getRawPath();
        String range = ex.getRequestHeaders().getFirst("Range");
        String ifRange = ex.getRequestHeaders().getFirst("If-Range");
        requests.add(ex.getRequestMethod() + " " + path + (range == null ? "" : " " + range) + (ifRange == null ? "" : " if " + ifRange));
        if (!path.startsWith(PREFIX)) {
            ex.sendResponseHeaders(404, -1);
            ex.close();
            return;
        }
        String rel = path.substring(PREFIX.length());
        byte[] body = rel.equals("files.txt") ? listing.getBytes() : gz.get(rel);
        if (body == null) {
            ex.sendResponseHeaders(404, -1);
            ex.close();
            return;
        }
        if (etags.containsKey(rel)) ex.getResponseHeaders().add("ETag", "\"" + etags.get(rel) + "\"");
        if (ex.getRequestMethod().equals("HEAD")) {
            ex.getResponseHeaders().add("Content-Length", Integer.toString(body.length));
            ex.sendResponseHeaders(200, -1);
            ex.close();
            return;
        }
        int from = 0, to = body.length;
        boolean partial = range != null && (ifRange == null || ifRange.equals("\"" + etags.get(rel) + "\""));
        if (partial) {
            if (range.startsWith("bytes=-")) from = body.length - Integer.parseInt(range.substring(7));
            else from = Integer.parseInt(range.replaceAll("bytes=(\\d+)-.*", "$1"));
        }
        if (rel.equals(breakFile)) { // a dropped connection: the body ends early
            to = Math.min(to, from + breakAfter);
            breakFile = null;
        }
        ex.sendResponseHeaders(partial ? 206 : 200, to < body.length ? 0 : body.length - from);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body, from, to - from);
        } catch (IOException ignored) {
            // the client went away (cancel)
        }
    }

    private long gzTotal() {
        return gz.values().stream().mapToLong(b -> b.length).sum();
    }

    private void assertBuildIsTheServedOne(Path dir) throws IOException {
        for (String lib : LIBS) assertArrayEquals(raw.get(lib), Files.readAllBytes(dir.resolve(lib)), lib);
        CudaBuild.Status st = setup.cuda().inspect();
        assertTrue(st.complete(), st.detail());
        assertEquals(raw.values().stream().mapToLong(b -> b.length).sum(), st.bytes());
        assertFalse(Files.exists(setup.downloader().staging()), "the staging folder is moved into place");
    }

    @Test
    void thePlanSaysHowMuchFromWhereToWhereAndTheSpaceItNeeds() throws IOException {
        CudaDownloader.Plan plan = setup.downloader().plan();
        assertEquals(LIBS, plan.parts().stream().map(CudaDownloader.Part::name).toList(), "only cu128/linux-x86_64");
        assertEquals(gzTotal(), plan.downloadBytes());
        for (CudaDownloader.Part p : plan.parts()) {
            assertEquals(raw.get(p.name()).length, p.unpackedSize(), "the gzip trailer gives the unpacked size of " + p.name());
        }
        long unpacked = raw.values().stream().mapToLong(b -> b.length).sum();
        long biggestGz = gz.values().stream().mapToLong(b -> b.length).max().orElseThrow();
        assertEquals(unpacked + biggestGz + (64L << 20), plan.needBytes());
        assertTrue(plan.fits());
        assertTrue(plan.describe().startsWith(String.format(java.util.Locale.ROOT, "Downloads %.1f MB of PyTorch 2.7.1, CUDA 12.8 build "
                + "for linux-x86_64 (5 files) from http://127.0.0.1:", gzTotal() / 1e6)), plan.describe());
        assertTrue(plan.describe().contains("into " + setup.cuda().dir()), plan.describe());
        assertTrue(requests.stream().noneMatch(r -> r.contains("/cpu/") || r.contains("/cu128/win-x86_64/")), requests.toString());
        assertTrue(requests.stream().noneMatch(r -> r.startsWith("GET") && r.endsWith(".gz")), "the plan downloads nothing: " + requests);
    }

    @Test
    void downloadsVerifiesUnpacksAndMovesTheBuildIntoPlaceThenTheNextStartUsesIt() throws IOException {
        List<Long> progress = new CopyOnWriteArrayList<>();
        CudaDownloader.Plan plan = setup.downloader().plan();
        Path dir = setup.enable(plan, (f, done, total) -> progress.add(done), () -> false);
        assertEquals(tmp.resolve("djl/pytorch/2.7.1-cu128-linux-x86_64"), dir);
        assertBuildIsTheServedOne(dir);
        assertEquals(gzTotal(), progress.get(progress.size() - 1));
        assertEquals("gpu", setup.settings().choice(), "the choice is remembered");
        assertEquals(Natives.CUDA, setup.select(Want.AUTO, false).natives());
    }

    @Test
    void aBrokenConnectionKeepsWhatArrivedAndTheNextTryResumesFromThere() throws IOException {
        String cuda = "cu128/linux-x86_64/native/lib/libtorch_cuda.so.gz";
        CudaDownloader.Plan plan = setup.downloader().plan();
        breakFile = cuda;
        breakAfter = 1_000_000;
        IOException e = assertThrows(IOException.class, () -> setup.enable(plan, (f, d, t) -> { }, () -> false));
        assertTrue(e.getMessage().contains("libtorch_cuda.so") && e.getMessage().contains("resumes"), e.getMessage());
        assertFalse(Files.exists(setup.cuda().dir()), "no half build where DJL would look");
        assertEquals(CudaBuild.State.ABSENT, setup.cuda().inspect().state());
        assertEquals(1_000_000, Files.size(setup.downloader().staging().resolve("libtorch_cuda.so.gz.part")));

        CudaDownloader.Plan again = setup.downloader().plan();
        long done = gz.entrySet().stream().filter(x -> !x.getKey().equals(cuda)).mapToLong(x -> x.getValue().length).sum();
        assertEquals(done + 1_000_000, again.keptBytes());
        requests.clear();
        assertBuildIsTheServedOne(setup.enable(again, (f, d, t) -> { }, () -> false));
        assertTrue(requests.contains("GET " + PREFIX + cuda + " bytes=1000000- if \"" + etags.get(cuda) + "\""), requests.toString());
        assertTrue(requests.stream().noneMatch(r -> r.startsWith("GET") && r.contains("libc10.so.gz")), "finished files are not fetched again");
    }

    @Test
    void aFileWhoseMd5DoesNotMatchTheServersIsDeletedAndNamed() throws Exception {
        String c10 = "cu128/linux-x86_64/native/lib/libc10.so.gz";
        etags.put(c10, md5("something else".getBytes()));
        CudaDownloader.Plan plan = setup.downloader().plan();
        IOException e = assertThrows(IOException.class, () -> setup.enable(plan, (f, d, t) -> { }, () -> false));
        assertTrue(e.getMessage().startsWith("The downloaded libc10.so is corrupt: its MD5 is " + md5(gz.get(c10))
                + " and the server's is " + etags.get(c10)), e.getMessage());
        assertTrue(e.getMessage().contains("downloads it again") && e.getMessage().contains("The CPU keeps working"), e.getMessage());
        Path staging = setup.downloader().staging();
        assertFalse(Files.exists(staging.resolve("libc10.so.gz.part")));
        assertFalse(Files.exists(staging.resolve("libc10.so")));
        assertFalse(Files.exists(setup.cuda().dir()));
        assertEquals(null, setup.settings().choice());
    }

    @Test
    void aCorruptGzipIsCaughtEvenWithoutAnMd5() throws Exception {
        String cuda = "cu128/linux-x86_64/native/lib/libtorch_cuda.so.gz";
        byte[] bad = gz.get(cuda).clone();
        bad[bad.length - 6] ^= 0x55; // inside the CRC-32 of the trailer
        gz.put(cuda, bad);
        CudaDownloader.Plan plan = setup.downloader().plan();
        IOException e = assertThrows(IOException.class, () -> setup.enable(plan, (f, d, t) -> { }, () -> false));
        assertTrue(e.getMessage().startsWith("The downloaded libtorch_cuda.so is corrupt: it is not a complete gzip file"), e.getMessage());
        assertFalse(Files.exists(setup.downloader().staging().resolve("libtorch_cuda.so.gz.part")));
    }

    @Test
    void cancelKeepsWhatArrivedAndSaysHowToResume() throws IOException {
        CudaDownloader.Plan plan = setup.downloader().plan();
        CancellationException e = assertThrows(CancellationException.class, () -> setup.enable(plan,
                (f, d, t) -> { }, new java.util.function.BooleanSupplier() {
                    int calls;

                    @Override
                    public boolean getAsBoolean() {
                        return ++calls > 3;
                    }
                }));
        assertTrue(e.getMessage().startsWith("Download cancelled.") && e.getMessage().contains("resumes from there"), e.getMessage());
        assertFalse(Files.exists(setup.cuda().dir()));
        CudaDownloader.Plan again = setup.downloader().plan();
        assertTrue(again.keptBytes() > 0, "the partial file is kept");
        assertBuildIsTheServedOne(setup.enable(again, (f, d, t) -> { }, () -> false));
    }

    @Test
    void notEnoughSpaceIsRefusedBeforeAnythingIsDownloaded() throws IOException {
        probes.free = 50_000_000;
        CudaDownloader.Plan plan = setup.downloader().plan();
        assertFalse(plan.fits());
        assertTrue(plan.describe().contains("50.0 MB are free"), plan.describe());
        requests.clear();
        IOException e = assertThrows(IOException.class, () -> setup.enable(plan, (f, d, t) -> { }, () -> false));
        assertTrue(e.getMessage().startsWith("Not enough disk space in " + tmp.resolve("djl/pytorch")) && e.getMessage().contains("DJL_CACHE_DIR")
                && e.getMessage().contains("50.0 MB are free"), e.getMessage());
        assertTrue(requests.isEmpty(), requests.toString());
    }

    @Test
    void aListingThatPointsOutsideTheFolderIsRefused() {
        listing = "cu128/linux-x86_64/native/lib/..%2F..%2Fevil.so.gz\n";
        IOException e = assertThrows(IOException.class, () -> setup.downloader().plan());
        assertTrue(e.getMessage().contains("nothing was downloaded"), e.getMessage());
        listing = "cpu/linux-x86_64/native/lib/libtorch.so.gz\n";
        e = assertThrows(IOException.class, () -> setup.downloader().plan());
        assertTrue(e.getMessage().contains("lists no PyTorch 2.7.1, CUDA 12.8 build for linux-x86_64"), e.getMessage());
    }
}
