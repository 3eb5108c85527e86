package org.circuitbench.model.gpu;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** GPU detection on the kinds of machine researchers have, played by {@link FakeProbes}. */
class GpuInfoTest {
    @Test
    void noDriverMeansNoGpuAndSaysSo() {
        GpuInfo g = GpuInfo.detect(FakeProbes.noGpu(), "linux-x86_64");
        assertFalse(g.usable());
        assertEquals("no NVIDIA GPU or driver was found", g.problem());
        assertEquals("no NVIDIA GPU or driver was found", g.summary());
    }

    @Test
    void nvidiaSmiNamesTheGpuTheDriverAndItsCudaVersion() {
        GpuInfo g = GpuInfo.detect(FakeProbes.h100(), "linux-x86_64");
        assertTrue(g.usable(), g.summary());
        assertEquals(1, g.gpus().size());
        assertEquals("NVIDIA H100 80GB HBM3", g.gpus().get(0).name());
        assertEquals(81559, g.gpus().get(0).memoryMiB());
        assertEquals("550.54.15", g.driverVersion());
        assertEquals("12.4", g.cudaVersion());
        assertEquals("/usr/lib/x86_64-linux-gnu/libcuda.so.1", g.libcuda());
        assertEquals("NVIDIA H100 80GB HBM3 (80 GB), driver 550.54.15, CUDA 12.4", g.summary());
    }

    @Test
    void severalGpusAndANameWithACommaAreRead() {
        FakeProbes p = FakeProbes.h100();
        p.commands.put(FakeProbes.QUERY, "0, NVIDIA RTX A6000, 49140, 535.104.05\n1, Tesla V100-SXM2-16GB, rev 2, 16384, 535.104.05\n");
        GpuInfo g = GpuInfo.detect(p, "linux-x86_64");
        assertEquals(2, g.gpus().size());
        assertEquals("Tesla V100-SXM2-16GB, rev 2", g.gpus().get(1).name());
        assertEquals(16384, g.gpus().get(1).memoryMiB());
        assertTrue(g.summary().startsWith("2 GPUs: NVIDIA RTX A6000 (48 GB), Tesla V100-SXM2-16GB, rev 2 (16 GB)"), g.summary());
    }

    @Test
    void aDriverThatNvidiaSmiCannotReachIsNotUsableAndTheErrorIsShown() {
        FakeProbes p = new FakeProbes();
        p.failing.put(FakeProbes.QUERY, "nvidia-smi failed (exit 9): NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.");
        p.files.put(Path.of("/usr/lib/x86_64-linux-gnu/libcuda.so.1"), "");
        GpuInfo g = GpuInfo.detect(p, "linux-x86_64");
        assertFalse(g.usable());
        assertTrue(g.problem().contains("couldn't communicate with the NVIDIA driver"), g.problem());
    }

    @Test
    void aDriverTooOldForCuda12IsNotUsable() {
        FakeProbes p = FakeProbes.h100();
        p.commands.put(FakeProbes.QUERY, "0, Tesla K80, 11441, 470.239.06\n");
        p.commands.put("nvidia-smi", "| NVIDIA-SMI 470.239.06   Driver Version: 470.239.06   CUDA Version: 11.4     |\n");
        GpuInfo g = GpuInfo.detect(p, "linux-x86_64");
        assertFalse(g.usable());
        assertTrue(g.problem().contains("CUDA 11.4") && g.problem().contains("update the driver"), g.problem());
    }

    @Test
    void withoutNvidiaSmiTheDriversProcFilesStillFindTheGpu() {
        FakeProbes p = new FakeProbes();
        p.files.put(Path.of("/usr/lib/x86_64-linux-gnu/libcuda.so.1"), "");
        p.files.put(Path.of("/proc/driver/nvidia/gpus/0000:01:00.0/information"),
                "Model: \t\t NVIDIA GeForce RTX 3090\nIRQ:   \t\t 130\n");
        p.files.put(Path.of("/proc/driver/nvidia/version"),
                "NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.15  Tue Mar  5 22:23:56 UTC 2024\n");
        GpuInfo g = GpuInfo.detect(p, "linux-x86_64");
        assertTrue(g.usable(), g.summary());
        assertEquals("NVIDIA GeForce RTX 3090", g.gpus().get(0).name());
        assertEquals("550.54.15", g.driverVersion());
        assertNull(g.cudaVersion());
    }

    @Test
    void aDriverWithoutAGpuIsNamed() {
        FakeProbes p = new FakeProbes();
        p.files.put(Path.of("/usr/lib64/libcuda.so.1"), "");
        GpuInfo g = GpuInfo.detect(p, "linux-x86_64");
        assertFalse(g.usable());
        assertEquals("an NVIDIA driver is installed (/usr/lib64/libcuda.so.1) but no GPU is listed", g.problem());
    }

    @Test
    void macsAreNotProbed() {
        FakeProbes p = FakeProbes.h100();
        GpuInfo g = GpuInfo.detect(p, "osx-aarch64");
        assertFalse(g.usable());
        assertTrue(p.ran.isEmpty());
    }
}
