package org.circuitbench.ui.model;

import javafx.beans.property.BooleanProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyDoubleProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import org.circuitbench.model.AppPaths;
import org.circuitbench.model.DeviceChoice;
import org.circuitbench.model.LoadedModel;
import org.circuitbench.model.ModelLoadException;
import org.circuitbench.model.ModelResolver;
import org.circuitbench.model.hub.HubDownloader;
import org.circuitbench.search.Job;
import org.circuitbench.search.Progress;
import org.circuitbench.ui.common.AppServices;
import org.circuitbench.ui.common.JobState;
import org.circuitbench.ui.common.Workspace;
import org.circuitbench.util.StartupLog;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Which model is loaded and on what device: open a folder, a cached hub name, or download one
 * (progress, cancel, resume). Loading runs in the background; the status line says what is loaded.
 */
public final class ModelViewModel {
    private final Workspace workspace;
    private final ModelResolver models;
    private final Supplier<HubDownloader> hub;
    private final StringProperty summary = new SimpleStringProperty("No model loaded");
    private final StringProperty ref = new SimpleStringProperty();
    private final StringProperty device = new SimpleStringProperty("auto");
    private final StringProperty deviceNote = new SimpleStringProperty("");
    private final StringProperty error = new SimpleStringProperty("");
    private final JobState jobs;
    private final StringProperty message;
    private final BooleanProperty demo = new SimpleBooleanProperty(false);
    private final ObservableList<String> cached = FXCollections.observableArrayList();
    private final GpuViewModel gpu;
    private Runnable next; // a load asked for while another ran: it runs when that one ends

    public ModelViewModel(AppServices services) {
        this.jobs = new JobState(services);
        this.message = jobs.statusProperty();
        this.workspace = services.workspace();
        this.models = services.models();
        this.hub = services.hub();
        this.gpu = new GpuViewModel(services.runner(), services.dialogs(), services.gpu(), services.gpuActive(), error::set);
    }

    /** The folder of a model reference: the demo, a cached hub name, or a folder. */
    Path resolve(String modelRef) throws ModelLoadException {
        return resolve(modelRef, models);
    }

    private static Path resolve(String modelRef, ModelResolver models) throws ModelLoadException {
        return modelRef == null || modelRef.equals(AppPaths.DEMO_REF) ? AppPaths.demoModel() : models.resolve(modelRef);
    }

    /**
     * Reads a model reference (demo:seqcont-tiny, a hub name, or a folder) onto a device (auto, cpu,
     * gpu[:n]), as a load does; the app's start reads the first session's model this way too.
     */
    public static LoadedModel open(String modelRef, String device, ModelResolver models) throws ModelLoadException {
        Path folder = resolve(modelRef, models);
        String name = modelRef.equals(AppPaths.DEMO_REF) ? "seqcont-tiny (demo)" : Path.of(modelRef).getFileName().toString();
        long t0 = System.nanoTime();
        LoadedModel m = LoadedModel.open(name, folder, DeviceChoice.resolve(device));
        StartupLog.mark(StartupLog.Milestone.MODEL, String.format(Locale.ROOT, "read_s=%.3f", (System.nanoTime() - t0) / 1e9));
        return m;
    }

    /**
     * Loads a model reference (demo:seqcont-tiny, a hub name, or a folder); then calls
     * {@code onLoaded}, or {@code onFailed} with the message (also shown in {@link #errorProperty()}).
     * Asked while another load runs, it waits for that one; the last request wins.
     */
    public void load(String modelRef, Consumer<LoadedModel> onLoaded, Consumer<String> onFailed) {
        if (jobs.isRunning()) {
            next = () -> load(modelRef, onLoaded, onFailed);
            return;
        }
        error.set("");
        message.set("loading " + modelRef + "…");
        String dev = device.get();
        jobs.start(Job.of("load " + modelRef, ctx -> {
                    Optional<LoadedModel> ahead = workspace.takeAhead(modelRef, dev); // read while the window was built
                    if (ahead.isPresent()) return ahead.get();
                    LoadedModel m = open(modelRef, dev, models);
                    workspace.setModel(m); // waits for running jobs, then frees the old model
                    return m;
                })
                .onSuccess(m -> {
                    ref.set(modelRef);
                    demo.set(modelRef.equals(AppPaths.DEMO_REF));
                    deviceNote.set(m.device().note());
                    message.set("");
                    refreshSummary();
                    if (runNext()) return; // a newer request replaces this model at once
                    onLoaded.accept(m);
                })
                .onFailure(e -> {
                    message.set("");
                    error.set(Job.message(e));
                    if (runNext()) return;
                    onFailed.accept(Job.message(e));
                }));
    }

    private boolean runNext() {
        Runnable n = next;
        next = null;
        if (n != null) n.run();
        return n != null;
    }

    /** Downloads a hub model into the cache with progress, then loads it. Cancel keeps the partial file. */
    public void download(String name, Consumer<LoadedModel> onLoaded, Consumer<String> onFailed) {
        if (jobs.isRunning()) return;
        error.set("");
        HubDownloader h = hub.get();
        jobs.start(Job.of("download " + name, ctx -> h.download(name, "main", (file, done, total) -> ctx.listener().progress(
                        new Progress(done, total, null, Double.NaN, Double.NaN, 0,
                                String.format(Locale.ROOT, "%s: %.1f of %.1f MB", file, done / 1e6, total / 1e6))),
                        ctx::isCancelled))
                .onProgress(p -> message.set(p.message()))
                .onSuccess(folder -> {
                    refreshCache();
                    load(name, onLoaded, onFailed);
                })
                .onFailure(e -> {
                    message.set("");
                    error.set(Job.message(e));
                    onFailed.accept(Job.message(e));
                }));
        if (jobs.isRunning()) jobs.setProgress(0); // determinate from the start: Cancel shows
    }

    /** Whether a hub name is in the local cache (so it loads without a download). */
    public boolean isCached(String name) {
        refreshCache();
        return cached.contains(ModelResolver.repoId(name)) || cached.contains(name);
    }

    /** The question the download dialog asks: where from, into where. */
    public String downloadQuestion() {
        return "Download a GPT-2 model from " + hub.get().endpoint() + " into the Hugging Face cache (" + models.hubCache() + ").\n"
                + "A download can be cancelled and resumed; HF_ENDPOINT and HF_TOKEN are honoured.";
    }

    public List<String> downloadSuggestions() {
        return HubDownloader.suggestions();
    }

    /** What the cache menu says when it holds no GPT-2 model. */
    public String emptyCacheText() {
        return "(no GPT-2 models in " + models.hubCache() + ")";
    }

    public void cancelDownload() {
        jobs.cancel();
    }

    public void refreshCache() {
        cached.setAll(models.cachedModels());
    }

    /** "gpt2 · 12 × 12 · 124.4M params · CPU · 1.3 GB resident". */
    public void refreshSummary() {
        LoadedModel m = workspace.model();
        summary.set(m == null ? "No model loaded" : m.summary() + " · " + memory());
    }

    static String memory() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    long kb = Long.parseLong(line.replaceAll("\\D+", ""));
                    return String.format(Locale.ROOT, "%.2f GB resident", kb / 1e6);
                }
            }
        } catch (IOException | NumberFormatException ignored) {
            // not Linux: report the Java heap
        }
        Runtime rt = Runtime.getRuntime();
        return String.format(Locale.ROOT, "%.2f GB heap", (rt.totalMemory() - rt.freeMemory()) / 1e9);
    }

    public StringProperty summaryProperty() { return summary; }
    public StringProperty refProperty() { return ref; }
    public StringProperty deviceProperty() { return device; }
    public StringProperty deviceNoteProperty() { return deviceNote; }
    public StringProperty errorProperty() { return error; }
    public StringProperty messageProperty() { return message; }
    public ReadOnlyBooleanProperty loadingProperty() { return jobs.runningProperty(); }
    public BooleanProperty demoProperty() { return demo; }
    public ReadOnlyDoubleProperty progressProperty() { return jobs.progressProperty(); }
    public ObservableList<String> cachedModels() { return cached; }
    public GpuViewModel gpu() { return gpu; }
}
