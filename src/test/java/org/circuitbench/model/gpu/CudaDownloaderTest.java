package org.circuitbench.model.gpu;

import org.circuitbench.model.gpu.NativeSelection.Natives;
import org.circuitbench.model.gpu.NativeSelection.Want;
import org.circuitbench.model.download.Patience;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;

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
    static final String PREFIX = DjlPublishStandIn.PREFIX;
    static final List<String> LIBS = DjlPublishStandIn.LIBS;

    @TempDir
    Path tmp;
    DjlPublishStandIn site;
    FakeProbes probes;
    GpuSetup setup;
    Map<String, byte[]> raw, gz;
    Map<String, String> etags;
    List<String> requests;

    @BeforeEach
    void serve() throws Exception {
        site = new DjlPublishStandIn();
        raw = site.raw;
        gz = site.gz;
        etags = site.etags;
        requests = site.requests;
        probes = FakeProbes.h100();
        setup = new GpuSetup(probes, tmp.resolve("user"), tmp.resolve("djl/pytorch"), "linux-x86_64", site.base(), w -> { });
    }

    @AfterEach
    void stop() {
        site.close();
    }

    static String md5(byte[] b) {
        return DjlPublishStandIn.md5(b);
    }

    private long gzTotal() {
        return site.gzTotal();
    }

    private void assertBuildIsTheServedOne(Path dir) throws IOException {
        for (String lib : LIBS) assertArrayEquals(raw.get(lib), Files.readAllBytes(dir.resolve(lib)), lib);
        CudaBuild.Status st = setup.cuda().inspect();
        assertTrue(st.complete(), st.detail());
        assertEquals(site.rawTotal(), st.bytes());
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
        site.breakFile = cuda;
        site.breakAfter = 1_000_000;
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
        site.listing = "cu128/linux-x86_64/native/lib/..%2F..%2Fevil.so.gz\n";
        IOException e = assertThrows(IOException.class, () -> setup.downloader().plan());
        assertTrue(e.getMessage().contains("nothing was downloaded"), e.getMessage());
        site.listing = "cpu/linux-x86_64/native/lib/libtorch.so.gz\n";
        e = assertThrows(IOException.class, () -> setup.downloader().plan());
        assertTrue(e.getMessage().contains("lists no PyTorch 2.7.1, CUDA 12.8 build for linux-x86_64"), e.getMessage());
    }

    private CudaDownloader downloader(Patience patience) {
        return new CudaDownloader(site.base(), setup.cuda(), probes, patience);
    }

    @Test
    void aStalledServerIsShownThenGivesUpKeepingWhatArrivedAndTheNextTryResumes() throws IOException {
        String cuda = DjlPublishStandIn.CUDA_LIB;
        site.stallFile = cuda;
        site.stallAfter = 500_000;
        CudaDownloader d = downloader(new Patience(java.time.Duration.ofMillis(1500), 0, java.time.Duration.ofSeconds(60)));
        CudaDownloader.Plan plan = d.plan();
        List<String> shown = new CopyOnWriteArrayList<>();
        IOException e = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(20),
                () -> assertThrows(IOException.class, () -> d.download(plan, (f, done, t) -> shown.add(f + " " + done), () -> false)));
        assertTrue(e.getMessage().startsWith("Downloading libtorch_cuda.so stalled: 127.0.0.1 sent no data for 1.5 s")
                && e.getMessage().contains("is kept; Enable GPU (or `circuitbench gpu enable`) resumes")
                && e.getMessage().contains(GpuSetup.MIRROR) && e.getMessage().endsWith("The CPU keeps working."), e.getMessage());
        long before = gz.entrySet().stream().takeWhile(x -> !x.getKey().equals(cuda)).mapToLong(x -> x.getValue().length).sum();
        assertTrue(shown.stream().anyMatch(s -> s.equals("libtorch_cuda.so (no data for 1 s) " + (before + 500_000))),
                "the progress showed the stall over the whole build: " + shown);
        assertEquals(500_000, Files.size(d.staging().resolve("libtorch_cuda.so.gz.part")), "what arrived is kept");
        assertFalse(Files.exists(setup.cuda().dir()));
        site.stallFile = null;
        requests.clear();
        assertBuildIsTheServedOne(setup.enable(setup.downloader().plan(), (f, x, t) -> { }, () -> false));
        assertTrue(requests.contains("GET " + PREFIX + cuda + " bytes=500000- if \"" + etags.get(cuda) + "\""), requests.toString());
    }

    @Test
    void aSlowDripEndsWithAClearMessage() throws IOException {
        site.dripFile = DjlPublishStandIn.CUDA_LIB;
        site.dripMs = 100; // 10 KB/s, under the 100 KB/s asked over each second
        CudaDownloader d = downloader(new Patience(java.time.Duration.ofSeconds(10), 100_000, java.time.Duration.ofSeconds(1)));
        CudaDownloader.Plan plan = d.plan();
        IOException e = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(20),
                () -> assertThrows(IOException.class, () -> d.download(plan, (f, done, t) -> { }, () -> false)));
        assertTrue(e.getMessage().startsWith("Downloading libtorch_cuda.so is too slow: 127.0.0.1 sent ")
                && e.getMessage().contains("under the minimum of 100.0 KB/s over 1 s") && e.getMessage().contains("resumes"), e.getMessage());
        assertTrue(Files.size(d.staging().resolve("libtorch_cuda.so.gz.part")) > 0, "what arrived is kept");
    }

    @Test
    void aResumeAnsweredWithTheWrongPartStartsAgainInsteadOfAppending() throws IOException {
        String cuda = DjlPublishStandIn.CUDA_LIB;
        CudaDownloader.Plan plan = setup.downloader().plan();
        site.breakFile = cuda;
        site.breakAfter = 1_000_000;
        assertThrows(IOException.class, () -> setup.enable(plan, (f, d, t) -> { }, () -> false));
        site.wrongRange = true; // 206 with "bytes 0-…" and the whole file: appended, it would corrupt the build
        requests.clear();
        assertBuildIsTheServedOne(setup.enable(setup.downloader().plan(), (f, d, t) -> { }, () -> false));
        assertTrue(requests.contains("GET " + PREFIX + cuda + " bytes=1000000- if \"" + etags.get(cuda) + "\"")
                && requests.contains("GET " + PREFIX + cuda), "asked to resume, then started again: " + requests);
    }
}
