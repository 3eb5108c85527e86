package org.circuitbench.ui.model;

import org.circuitbench.model.gpu.CudaDownloader;
import org.circuitbench.model.gpu.DjlPublishStandIn;
import org.circuitbench.model.gpu.FakeProbes;
import org.circuitbench.model.gpu.GpuSetup;
import org.circuitbench.model.gpu.NativeSelection.Natives;
import org.circuitbench.model.gpu.NativeSelection.Selection;
import org.circuitbench.ui.common.BackgroundRunner;
import org.circuitbench.ui.common.ScriptedDialogs;
import org.circuitbench.ui.common.SyncRunner;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Enable GPU as the window runs it, without a window: status, confirm, download, restart, cancel, offline. */
class GpuViewModelTest {
    /** This process started with PyTorch's bundled CPU build, as every test JVM does. */
    static final Selection CPU_AT_START = new Selection(Natives.BUNDLED_CPU, Map.of(), "", null, false, null, null);

    @TempDir
    Path tmp;
    DjlPublishStandIn site;
    final List<String> errors = new ArrayList<>();
    final List<CudaDownloader.Plan> asked = new ArrayList<>();

    @BeforeEach
    void serve() throws Exception {
        site = new DjlPublishStandIn();
    }

    @AfterEach
    void stop() {
        site.close();
    }

    GpuSetup setup(FakeProbes probes, URI source) {
        return new GpuSetup(probes, tmp.resolve("user"), tmp.resolve("djl/pytorch"), "linux-x86_64", source, w -> { });
    }

    final ScriptedDialogs dialogs = new ScriptedDialogs();

    GpuViewModel vm(BackgroundRunner runner, GpuSetup setup) {
        return new GpuViewModel(runner, dialogs, setup, CPU_AT_START, errors::add);
    }

    @Test
    void withoutAGpuTheStatusSaysSoAndEnableIsOff() {
        GpuViewModel vm = vm(SyncRunner.immediate(), setup(FakeProbes.noGpu(), site.base()));
        vm.refresh();
        assertEquals("CPU only", vm.statusProperty().get());
        assertEquals("No GPU: no NVIDIA GPU or driver was found", vm.foundProperty().get());
        assertFalse(vm.canEnableProperty().get());
    }

    @Test
    void enableGpuShowsTheSizeDownloadsRemembersAndAsksForARestart() {
        GpuSetup setup = setup(FakeProbes.h100(), site.base());
        GpuViewModel vm = vm(SyncRunner.immediate(), setup);
        vm.refresh();
        assertEquals("GPU found, not enabled", vm.statusProperty().get());
        assertEquals("GPU: NVIDIA H100 80GB HBM3 (80 GB), driver 550.54.15, CUDA 12.4", vm.foundProperty().get());
        assertTrue(vm.canEnableProperty().get());
        vm.enable(plan -> asked.add(plan));
        assertEquals(1, asked.size());
        assertEquals(site.gzTotal(), asked.get(0).downloadBytes());
        assertTrue(errors.isEmpty(), errors.toString());
        assertTrue(vm.restartNeededProperty().get());
        assertTrue(vm.messageProperty().get().contains("Restart Circuit Workbench to use the GPU: this window started with PyTorch's CPU build"),
                vm.messageProperty().get());
        assertEquals("gpu", setup.settings().choice());
        assertTrue(setup.cuda().inspect().complete());
        assertTrue(dialogs.shown.stream().anyMatch(d -> d.startsWith("info: Restart to use the GPU")), dialogs.shown.toString());
        assertEquals("GPU ready after a restart", vm.statusProperty().get());
        assertFalse(vm.canEnableProperty().get());
        assertTrue(vm.canUseCpuProperty().get());
        assertFalse(vm.busyProperty().get());
    }

    @Test
    void decliningTheDownloadChangesNothing() {
        GpuSetup setup = setup(FakeProbes.h100(), site.base());
        GpuViewModel vm = vm(SyncRunner.immediate(), setup);
        vm.enable(plan -> false);
        assertFalse(Files.exists(setup.cuda().dir()));
        assertNull(setup.settings().choice());
        assertFalse(vm.restartNeededProperty().get());
        assertTrue(site.requests.stream().noneMatch(r -> r.startsWith("GET") && r.endsWith(".gz")), site.requests.toString());
    }

    @Test
    void offlineEnableGpuSaysSoAndTheCpuStays() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        GpuSetup setup = setup(FakeProbes.h100(), URI.create("http://127.0.0.1:" + closed + "/pytorch/2.7.1"));
        GpuViewModel vm = vm(SyncRunner.immediate(), setup);
        vm.enable(plan -> fail("nothing to confirm offline"));
        assertEquals(1, errors.size());
        assertTrue(errors.get(0).startsWith("Cannot reach 127.0.0.1") && errors.get(0).contains("the CPU keeps working"), errors.get(0));
        assertFalse(vm.busyProperty().get());
        assertFalse(vm.restartNeededProperty().get());
        vm.refresh();
        assertTrue(vm.canEnableProperty().get(), "it can be tried again");
    }

    @Test
    void cancelKeepsThePartAndSaysHowToResume() {
        GpuSetup setup = setup(FakeProbes.h100(), site.base());
        SyncRunner runner = SyncRunner.queued();
        GpuViewModel vm = vm(runner, setup);
        vm.enable(plan -> true);
        runner.runNext();                 // the plan; the download is queued
        assertTrue(vm.busyProperty().get());
        vm.cancel();
        runner.runAll();
        assertFalse(vm.busyProperty().get());
        assertEquals(1, errors.size());
        assertTrue(errors.get(0).startsWith("Download cancelled.") && errors.get(0).contains("resumes from there"), errors.get(0));
        assertFalse(vm.restartNeededProperty().get());
        assertFalse(Files.exists(setup.cuda().dir()));
    }

    @Test
    void withTheBuildAlreadyHereEnableGpuOnlyRemembersTheChoice() {
        GpuSetup setup = setup(FakeProbes.h100(), site.base());
        vm(SyncRunner.immediate(), setup).enable(plan -> true);
        GpuViewModel vm = vm(SyncRunner.immediate(), setup);
        vm.useCpu();
        assertEquals("cpu", setup.settings().choice());
        assertEquals("GPU found, CPU chosen", vm.statusProperty().get());
        assertTrue(vm.canEnableProperty().get());
        site.requests.clear();
        vm.enable(plan -> fail("nothing to download"));
        assertTrue(site.requests.isEmpty(), site.requests.toString());
        assertEquals("gpu", setup.settings().choice());
        assertTrue(vm.restartNeededProperty().get());
    }
}
