package org.circuitbench.ui.common;

import org.circuitbench.ablation.EvaluatorFactory;
import org.circuitbench.model.ModelResolver;
import org.circuitbench.model.gpu.GpuSetup;
import org.circuitbench.model.gpu.NativeSelection;
import org.circuitbench.model.hub.HubDownloader;

import java.time.Clock;
import java.util.function.Supplier;

/**
 * What the view models are given rather than find for themselves, so that tests can hand them
 * stand-ins: the one background runner, the one dialog service, the engine (workspace and
 * evaluator factory), where models come from, the GPU set-up, a debouncer for each view model
 * that wants one, and the clock.
 * A new view model takes this in its constructor; {@link MainViewModel} composes them.
 */
public record AppServices(BackgroundRunner runner, DialogService dialogs, Workspace workspace, EvaluatorFactory evaluators,
                          ModelResolver models, Supplier<HubDownloader> hub, GpuSetup gpu, NativeSelection.Selection gpuActive,
                          Supplier<Debouncer> debouncers, Clock clock) {

    /** The app's services: the environment's model cache and hub, the GPU set-up chosen at start. */
    public static AppServices standard(BackgroundRunner runner, DialogService dialogs, Workspace workspace) {
        return new AppServices(runner, dialogs, workspace, EvaluatorFactory.standard(), ModelResolver.fromEnvironment(),
                HubDownloader::fromEnvironment, GpuSetup.current(), GpuSetup.active(), () -> Debouncer.fx(250), Clock.systemDefaultZone());
    }

    public AppServices withModels(ModelResolver m) {
        return new AppServices(runner, dialogs, workspace, evaluators, m, hub, gpu, gpuActive, debouncers, clock);
    }

    public AppServices withDebouncers(Supplier<Debouncer> d) {
        return new AppServices(runner, dialogs, workspace, evaluators, models, hub, gpu, gpuActive, d, clock);
    }

    public AppServices withClock(Clock c) {
        return new AppServices(runner, dialogs, workspace, evaluators, models, hub, gpu, gpuActive, debouncers, c);
    }
}
