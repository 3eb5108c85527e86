package org.circuitbench.ui.common;

import org.circuitbench.ablation.EvaluatorFactory;
import org.circuitbench.model.ModelResolver;
import org.circuitbench.model.gpu.GpuSetup;
import org.circuitbench.model.gpu.NativeSelection;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;

/** Services for view-model tests: an empty model cache under {@code dir} (so no real hub model is found), no hub, checks at once. */
public final class TestServices {
    public static final NativeSelection.Selection CPU_AT_START = new NativeSelection.Selection(NativeSelection.Natives.BUNDLED_CPU, Map.of(), "", null, false, null, null);

    private TestServices() {
    }

    public static AppServices of(BackgroundRunner runner, DialogService dialogs, Workspace workspace, Path dir) {
        GpuSetup gpu = new GpuSetup(org.circuitbench.model.gpu.FakeProbes.noGpu(), dir.resolve("user"), dir.resolve("djl/pytorch"),
                "linux-x86_64", java.net.URI.create("http://127.0.0.1:9/none"), w -> { });
        return new AppServices(runner, dialogs, workspace, EvaluatorFactory.standard(), new ModelResolver(dir.resolve("hf-cache")),
                () -> { throw new IllegalStateException("tests do not download"); }, gpu, CPU_AT_START,
                () -> Debouncer.IMMEDIATE, Clock.systemDefaultZone());
    }
}
