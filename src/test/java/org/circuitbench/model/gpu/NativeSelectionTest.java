package org.circuitbench.model.gpu;

import org.circuitbench.model.gpu.NativeSelection.Natives;
import org.circuitbench.model.gpu.NativeSelection.Selection;
import org.circuitbench.model.gpu.NativeSelection.Want;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Which PyTorch natives a start picks, on each kind of machine: no GPU; a GPU without the CUDA
 * build; a GPU with it; a damaged copy; offline; and the remembered choice, a failed load and the
 * user's own DJL variables. The machine is {@link FakeProbes}; the caches are temporary folders.
 */
class NativeSelectionTest {
    @TempDir
    Path tmp;
    final List<String> warnings = new ArrayList<>();

    GpuSetup setup(FakeProbes probes) {
        return new GpuSetup(probes, tmp.resolve("user"), tmp.resolve("djl/pytorch"), "linux-x86_64",
                URI.create("http://127.0.0.1:9/pytorch/2.7.1"), warnings::add);
    }

    /** A finished download: the libraries and the list of files with their sizes. */
    static Path completeBuild(CudaBuild b) throws IOException {
        Files.createDirectories(b.dir());
        StringBuilder files = new StringBuilder();
        int i = 1;
        for (String lib : b.requiredLibraries()) {
            Files.write(b.dir().resolve(lib), new byte[100 * i]);
            files.append(files.isEmpty() ? "" : ",").append("\"").append(lib).append("\":").append(100 * i++);
        }
        Files.writeString(b.dir().resolve(CudaBuild.MARKER), "{\"files\":{" + files + "}}");
        return b.dir();
    }

    @Test
    void noGpuUsesTheBundledCpuBuildAndSaysWhyWhenAGpuIsAskedFor() {
        GpuSetup s = setup(FakeProbes.noGpu());
        Selection auto = s.select(Want.AUTO, true);
        assertEquals(Natives.BUNDLED_CPU, auto.natives());
        assertEquals("", auto.message(), "auto on a CPU machine is not worth a note");
        assertFalse(auto.offerEnable());
        assertEquals(Map.of(), auto.properties());
        Selection gpu = s.select(Want.GPU, false);
        assertEquals(Natives.BUNDLED_CPU, gpu.natives());
        assertEquals("no NVIDIA GPU or driver was found", gpu.cpuReason());
        assertEquals("Using the CPU: no NVIDIA GPU or driver was found.", gpu.message());
    }

    @Test
    void aGpuWithoutTheCudaBuildOffersEnableGpuAndKeepsTheCpu() {
        GpuSetup s = setup(FakeProbes.h100());
        Selection sel = s.select(Want.AUTO, true);
        assertEquals(Natives.BUNDLED_CPU, sel.natives());
        assertTrue(sel.offerEnable());
        assertTrue(sel.message().startsWith("GPU found: NVIDIA H100 80GB HBM3 (80 GB), driver 550.54.15, CUDA 12.4. "
                + "PyTorch's CUDA build is not installed: Enable GPU in Model → Device, or run `circuitbench gpu enable`"), sel.message());
        assertEquals("PyTorch's CUDA build is not installed on this machine; " + NativeSelection.ENABLE_HOW,
                s.select(Want.GPU, false).cpuReason());
    }

    @Test
    void aStartWithoutTheCudaBuildDoesNotRunNvidiaSmi() {
        FakeProbes p = FakeProbes.h100();
        Selection sel = setup(p).select(Want.AUTO, false);
        assertEquals(Natives.BUNDLED_CPU, sel.natives());
        assertNull(sel.gpu());
        assertTrue(p.ran.isEmpty(), "a CPU start stays fast: " + p.ran);
    }

    @Test
    void aGpuWithTheCudaBuildLoadsItThroughDjlsVariables() throws IOException {
        GpuSetup s = setup(FakeProbes.h100());
        Path dir = completeBuild(s.cuda());
        assertEquals(tmp.resolve("djl/pytorch/2.7.1-cu128-linux-x86_64"), dir);
        Selection sel = s.select(Want.AUTO, false);
        assertEquals(Natives.CUDA, sel.natives());
        assertEquals(Map.of("PYTORCH_LIBRARY_PATH", dir.toAbsolutePath().toString(), "PYTORCH_VERSION", "2.7.1",
                "PYTORCH_FLAVOR", "cu128"), sel.properties());
        assertFalse(sel.offerEnable());
        assertTrue(sel.message().startsWith("GPU: NVIDIA H100"), sel.message());
        assertEquals(Natives.CUDA, s.select(Want.GPU, false).natives());
        assertEquals(Natives.BUNDLED_CPU, s.select(Want.CPU, false).natives(), "--device cpu keeps the bundled build");
    }

    @Test
    void aCudaBuildThatDjlItselfDownloadedCountsToo() throws IOException {
        GpuSetup s = setup(FakeProbes.h100());
        Path dir = s.cuda().dir();
        Files.createDirectories(dir);
        for (String lib : s.cuda().requiredLibraries()) Files.write(dir.resolve(lib), new byte[10]);
        Files.write(dir.resolve("libcudnn.so.9"), new byte[10]);
        CudaBuild.Status st = s.cuda().inspect();
        assertTrue(st.complete(), st.detail());
        assertEquals(60, st.bytes());
        assertEquals(Natives.CUDA, s.select(Want.AUTO, false).natives());
    }

    @Test
    void aDamagedCudaBuildIsNotLoadedAndEnableGpuIsOfferedToRepairIt() throws IOException {
        GpuSetup s = setup(FakeProbes.h100());
        Path dir = completeBuild(s.cuda());
        Files.write(dir.resolve("libtorch_cuda.so"), new byte[7]); // truncated
        Selection sel = s.select(Want.AUTO, false);
        assertEquals(Natives.BUNDLED_CPU, sel.natives());
        assertTrue(sel.offerEnable());
        assertTrue(sel.message().contains("is damaged (libtorch_cuda.so has 7 bytes, not 300)"), sel.message());
        Files.delete(dir.resolve("libc10_cuda.so"));
        String why = s.select(Want.GPU, false).cpuReason();
        assertTrue(why.contains("damaged (libtorch_cuda.so has 7 bytes, not 300; libc10_cuda.so is missing)"), why);
        Files.writeString(dir.resolve(CudaBuild.MARKER), "{not json");
        assertEquals(CudaBuild.State.BROKEN, s.cuda().inspect().state());
    }

    @Test
    void aHalfCopiedFolderWithoutTheListIsDamagedNotComplete() throws IOException {
        GpuSetup s = setup(FakeProbes.h100());
        Files.createDirectories(s.cuda().dir());
        Files.write(s.cuda().dir().resolve("libtorch.so"), new byte[10]);
        CudaBuild.Status st = s.cuda().inspect();
        assertEquals(CudaBuild.State.BROKEN, st.state());
        assertEquals("libtorch_cpu.so, libtorch_cuda.so, libc10.so, libc10_cuda.so are missing", st.detail());
    }

    @Test
    void offlineEnableGpuFailsWithAClearMessageAndTheCpuStays() throws IOException {
        int closed;
        try (ServerSocket free = new ServerSocket(0)) {
            closed = free.getLocalPort();
        }
        FakeProbes p = FakeProbes.h100();
        GpuSetup s = new GpuSetup(p, tmp.resolve("user"), tmp.resolve("djl/pytorch"), "linux-x86_64",
                URI.create("http://127.0.0.1:" + closed + "/pytorch/2.7.1"), warnings::add);
        IOException e = assertThrows(IOException.class, () -> s.downloader().plan());
        assertTrue(e.getMessage().startsWith("Cannot reach 127.0.0.1") && e.getMessage().contains("the CPU keeps working")
                && e.getMessage().contains("copy the folder 2.7.1-cu128-linux-x86_64"), e.getMessage());
        Selection after = s.select(Want.AUTO, true);
        assertEquals(Natives.BUNDLED_CPU, after.natives());
        assertTrue(after.offerEnable());
        assertFalse(Files.exists(s.cuda().dir()));
        assertNull(s.settings().choice(), "a failed download remembers nothing");
    }

    @Test
    void theRememberedCpuChoiceWinsOverAutoButNotOverAnExplicitGpu() throws IOException {
        GpuSetup s = setup(FakeProbes.h100());
        completeBuild(s.cuda());
        s.rememberCpu();
        Selection auto = s.select(Want.AUTO, true);
        assertEquals(Natives.BUNDLED_CPU, auto.natives());
        assertTrue(auto.offerEnable());
        assertTrue(auto.message().startsWith("Using PyTorch's bundled CPU build, as chosen"), auto.message());
        assertEquals(Natives.CUDA, s.select(Want.GPU, false).natives());
        s.rememberGpu();
        assertEquals("gpu", s.settings().choice());
        assertEquals(Natives.CUDA, s.select(Want.AUTO, false).natives());
    }

    @Test
    void aCudaBuildThatFailedToLoadIsSkippedUntilTheGpuIsEnabledAgain() throws IOException {
        GpuSetup s = setup(FakeProbes.h100());
        completeBuild(s.cuda());
        s.settings().withChoice("gpu").withFailure("libcudart.so.12: cannot open shared object file").write(s.settingsFile());
        Selection auto = s.select(Want.AUTO, false);
        assertEquals(Natives.BUNDLED_CPU, auto.natives());
        assertTrue(auto.message().contains("failed to load last time (libcudart.so.12: cannot open shared object file)"), auto.message());
        assertTrue(auto.offerEnable());
        s.rememberGpu();
        assertNull(s.settings().failure());
        assertEquals(Natives.CUDA, s.select(Want.AUTO, false).natives());
    }

    @Test
    void theUsersOwnDjlVariablesAreLeftAlone() throws IOException {
        FakeProbes p = FakeProbes.h100();
        p.settings.put("PYTORCH_LIBRARY_PATH", "/opt/libtorch/lib");
        GpuSetup s = setup(p);
        completeBuild(s.cuda());
        Selection sel = s.select(Want.GPU, false);
        assertEquals(Natives.USER, sel.natives());
        assertEquals(Map.of(), sel.properties());
        assertTrue(sel.message().contains("PYTORCH_LIBRARY_PATH=/opt/libtorch/lib"), sel.message());
    }

    @Test
    void aGpuWithoutAPublishedCudaBuildForThePlatformIsNotOffered() {
        FakeProbes p = FakeProbes.h100();
        GpuSetup s = new GpuSetup(p, tmp.resolve("user"), tmp.resolve("djl/pytorch"), "linux-aarch64",
                URI.create("http://127.0.0.1:9/"), warnings::add);
        Selection sel = s.select(Want.GPU, true);
        assertEquals(Natives.BUNDLED_CPU, sel.natives());
        assertFalse(sel.offerEnable());
        assertEquals("DJL publishes no CUDA build of PyTorch 2.7.1 for linux-aarch64", sel.cpuReason());
    }

    @Test
    void aDamagedSettingsFileIsResetWithAWarning() throws IOException {
        GpuSetup s = setup(FakeProbes.h100());
        Files.createDirectories(s.settingsFile().getParent());
        Files.writeString(s.settingsFile(), "{\"choice\": ");
        assertNull(s.settings().choice());
        assertTrue(warnings.get(0).contains("is damaged") && warnings.get(0).contains("Enable the GPU again"), warnings.toString());
    }

    @Test
    void removeDeletesTheBuildAndTheChoice() throws IOException {
        GpuSetup s = setup(FakeProbes.h100());
        Path dir = completeBuild(s.cuda());
        s.rememberGpu();
        assertEquals(List.of(dir), s.remove());
        assertFalse(Files.exists(dir));
        assertNull(s.settings().choice());
        assertEquals(CudaBuild.State.ABSENT, s.cuda().inspect().state());
    }
}
