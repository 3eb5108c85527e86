package org.circuitbench.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.circuitbench.model.gpu.CudaBuild;
import org.circuitbench.model.gpu.GpuInfo;
import org.circuitbench.model.gpu.Probes;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/** `circuitbench gpu` and `--device gpu` as a script sees them, on this machine. */
class GpuCommandTest {
    static final String CLASSIFIER = CudaBuild.classifier(System.getProperty("os.name"), System.getProperty("os.arch"));

    @Test
    void gpuStatusReportsTheGpuTheCudaBuildAndWhatTheAppUses() throws Exception {
        CommandsTest.Run r = CommandsTest.run("gpu");
        assertEquals(0, r.code(), r.err());
        JsonNode j = r.json();
        assertEquals("status", j.get("action").asText());
        GpuInfo here = GpuInfo.detect(Probes.system(), CLASSIFIER);
        assertEquals(here.usable() && CudaBuild.published(CLASSIFIER), j.get("gpu").get("usable").asBoolean());
        assertEquals(here.gpus().size(), j.get("gpu").get("gpus").size());
        assertEquals("PyTorch 2.7.1, CUDA 12.8 build for " + CLASSIFIER, j.get("cuda_build").get("what").asText());
        assertTrue(j.get("cuda_build").get("dir").asText().endsWith("2.7.1-cu128-" + CLASSIFIER));
        assertTrue(j.has("app_uses") && j.has("message") && j.has("choice"), j.toString());
    }

    @Test
    void anUnknownGpuActionIsAUsageError() {
        CommandsTest.Run r = CommandsTest.run("gpu", "on");
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("error: gpu takes one of status, enable, disable, remove, not 'on'."), r.err());
    }

    @Test
    void deviceGpuOnAMachineWithoutOneSaysWhyAndUsesTheCpu() throws Exception {
        GpuInfo here = GpuInfo.detect(Probes.system(), CLASSIFIER);
        assumeFalse(here.usable(), "this machine has a GPU");
        CommandsTest.Run r = CommandsTest.run("score", "--model", CommandsTest.MODEL, "--task", CommandsTest.TASK, "--device", "gpu");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("Using the CPU: " + here.problem() + "."), r.err());
        assertTrue(r.json().get("score").isNumber());
    }

    @Test
    void theDeviceOptionIsReadBeforeAnythingLoadsPytorch() {
        assertEquals("gpu:1", Main.deviceOption(new String[] {"score", "--device", "gpu:1", "--model", "m"}));
        assertEquals("cpu", Main.deviceOption(new String[] {"prune", "--device=gpu", "--device", "cpu"}));
        assertNull(Main.deviceOption(new String[] {"score", "--model", "m"}));
    }
}
