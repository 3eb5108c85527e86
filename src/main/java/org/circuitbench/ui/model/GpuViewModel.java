package org.circuitbench.ui.model;

import javafx.beans.property.BooleanProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyDoubleProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import org.circuitbench.model.gpu.CudaBuild;
import org.circuitbench.model.gpu.CudaDownloader;
import org.circuitbench.model.gpu.GpuInfo;
import org.circuitbench.model.gpu.GpuSettings;
import org.circuitbench.model.gpu.GpuSetup;
import org.circuitbench.model.gpu.NativeSelection.Natives;
import org.circuitbench.model.gpu.NativeSelection.Selection;
import org.circuitbench.model.gpu.NativeSelection.Want;
import org.circuitbench.search.Job;
import org.circuitbench.search.Progress;
import org.circuitbench.ui.common.BackgroundRunner;
import org.circuitbench.ui.common.DialogService;
import org.circuitbench.ui.common.JobState;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The GPU as the window shows it: what was found ({@code status} for the status bar, {@code found}
 * under Model → Device, {@code detail} for the whole story), Enable GPU (the
 * download of PyTorch's CUDA build, with its size first, progress and cancel), and the restart the
 * switch needs: PyTorch's natives are chosen once per process, before the first model loads.
 */
public final class GpuViewModel {
    private final DialogService dialogs;
    private final GpuSetup setup;
    private final Selection active;
    private final Consumer<String> onError;
    private final StringProperty status = new SimpleStringProperty("");
    private final StringProperty found = new SimpleStringProperty("Looking for a GPU…");
    private final StringProperty detail = new SimpleStringProperty("");
    private final JobState jobs;
    private final StringProperty message;
    private final BooleanProperty canEnable = new SimpleBooleanProperty(false);
    private final BooleanProperty canUseCpu = new SimpleBooleanProperty(false);
    private final BooleanProperty restartNeeded = new SimpleBooleanProperty(false);

    /** {@code active} is what this process loaded at start; errors go to {@code onError} (the window's error bar). */
    public GpuViewModel(BackgroundRunner runner, DialogService dialogs, GpuSetup setup, Selection active, Consumer<String> onError) {
        this.jobs = new JobState(runner, Clock.systemUTC());
        this.message = jobs.statusProperty();
        this.dialogs = dialogs;
        this.setup = setup;
        this.active = active;
        this.onError = onError;
    }

    /** What a check found: the next start's natives, and the remembered choice. */
    private record Checked(Selection next, GpuSettings settings) {
    }

    /** Looks for the GPU and the CUDA build in the background (nvidia-smi can take a second). */
    public void refresh() {
        jobs.side(BackgroundRunner.Lane.WORK, Job.of("look for a GPU", ctx -> new Checked(setup.select(Want.AUTO, true), setup.settings()))
                .onSuccess(c -> show(c.next(), c.settings()))
                .onFailure(e -> detail.set("The GPU could not be checked: " + Job.message(e))));
    }

    /** {@code next}: what the next start would load. */
    private void show(Selection next, GpuSettings settings) {
        GpuInfo g = next.gpu();
        found.set(g == null ? "" : g.usable() ? "GPU: " + g.summary() : "No GPU: " + g.problem());
        String name = g == null || g.gpus().isEmpty() ? "" : g.gpus().get(0).name() + (g.gpus().size() > 1 ? " (+" + (g.gpus().size() - 1) + ")" : "");
        if (active.cuda()) {
            status.set("GPU: " + name + " (CUDA build)");
            detail.set(active.message());
        } else if (next.natives() == Natives.USER) {
            status.set("PyTorch from your PYTORCH_* settings");
            detail.set(next.message());
        } else if (next.cuda()) {
            status.set("GPU ready after a restart");
            detail.set("PyTorch's CUDA build is installed for " + name + ". Restart Circuit Workbench to use it: "
                    + "this window started with PyTorch's CPU build, and a running program cannot swap it.");
        } else if (g != null && g.usable()) {
            status.set("cpu".equals(settings.choice()) ? "GPU found, CPU chosen"
                    : settings.failure() != null ? "GPU found, CUDA build failed to load"
                    : next.build().state() == CudaBuild.State.BROKEN ? "GPU found, CUDA build damaged" : "GPU found, not enabled");
            detail.set(next.message());
        } else {
            status.set("CPU only");
            detail.set(g == null ? "" : "No GPU: " + g.problem() + ".");
        }
        canEnable.set(next.offerEnable());
        canUseCpu.set(next.cuda() || active.cuda());
    }

    /**
     * Enable GPU. With the CUDA build already here it only remembers the choice; otherwise it reads
     * the download's size and asks {@code confirm} (on the UI thread) before downloading.
     */
    public void enable(Predicate<CudaDownloader.Plan> confirm) {
        if (jobs.isRunning()) return;
        message.set("checking PyTorch's CUDA build…");
        jobs.start(Job.of("plan the CUDA build's download", ctx -> {
                    if (setup.cuda().inspect().complete()) {
                        setup.rememberGpu();
                        return null;
                    }
                    return setup.downloader().plan();
                })
                .onSuccess(plan -> {
                    message.set("");
                    if (plan == null) {
                        ready(setup.cuda().dir());
                    } else if (!plan.fits()) {
                        onError.accept("Not enough disk space for PyTorch's CUDA build. " + plan.describe()
                                + " Free some space, or set DJL_CACHE_DIR to a folder on a bigger disk and start the app again.");
                    } else if (confirm.test(plan)) {
                        download(plan);
                    }
                })
                .onFailure(e -> {
                    message.set("");
                    onError.accept(Job.message(e));
                }));
    }

    /** Enable GPU from the menu: the download's size is shown and confirmed first. */
    public void enable() {
        enable(plan -> dialogs.confirm("Download PyTorch's CUDA build?", plan.describe()
                + "\n\nThe bundled CPU build stays; the GPU is used after a restart.", "Download", "Cancel"));
    }

    private void download(CudaDownloader.Plan plan) {
        jobs.start(Job.of("download PyTorch's CUDA build", ctx -> setup.enable(plan,
                        (file, done, total) -> ctx.listener().progress(new Progress(done, total, null, Double.NaN, Double.NaN, 0,
                                String.format(Locale.ROOT, "CUDA build: %.2f of %.2f GB (%s)", done / 1e9, total / 1e9, file))),
                        ctx::isCancelled))
                .onProgress(p -> message.set(p.message()))
                .onSuccess(this::ready)
                .onFailure(e -> { // a cancel too: its message says what is kept
                    message.set("");
                    onError.accept(Job.message(e));
                }));
        if (jobs.isRunning()) jobs.setProgress(0); // determinate from the start: Cancel shows
    }

    private void ready(Path dir) {
        if (active.cuda()) {
            message.set("The GPU is in use.");
        } else {
            message.set("PyTorch's CUDA build is ready in " + dir + ". Restart Circuit Workbench to use the GPU: this window "
                    + "started with PyTorch's CPU build, and a running program cannot swap it. The choice is remembered.");
            restartNeeded.set(true);
            dialogs.info("Restart to use the GPU", message.get());
        }
        refresh();
    }

    public void cancel() {
        jobs.cancel();
    }

    /** Remembers PyTorch's bundled CPU build for the next start. */
    public void useCpu() {
        try {
            setup.rememberCpu();
        } catch (IOException e) {
            onError.accept("The choice could not be saved in " + setup.settingsFile() + ": " + e.getMessage());
            return;
        }
        message.set(active.cuda() ? "The next start uses PyTorch's bundled CPU build; this window keeps the GPU until then."
                : "PyTorch's bundled CPU build stays in use.");
        refresh();
    }

    public StringProperty statusProperty() { return status; }
    public StringProperty foundProperty() { return found; }
    public StringProperty detailProperty() { return detail; }
    public StringProperty messageProperty() { return message; }
    public BooleanProperty canEnableProperty() { return canEnable; }
    public BooleanProperty canUseCpuProperty() { return canUseCpu; }
    public ReadOnlyBooleanProperty busyProperty() { return jobs.runningProperty(); }
    public BooleanProperty restartNeededProperty() { return restartNeeded; }
    public ReadOnlyDoubleProperty progressProperty() { return jobs.progressProperty(); }
}
