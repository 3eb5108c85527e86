package org.circuitbench.ui;

import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import org.circuitbench.model.AppPaths;
import org.circuitbench.model.DeviceChoice;
import org.circuitbench.model.LoadedModel;
import org.circuitbench.model.ModelResolver;
import org.circuitbench.model.gpu.GpuSetup;
import org.circuitbench.model.hub.HubDownloader;
import org.circuitbench.search.Job;
import org.circuitbench.search.JobContext;
import org.circuitbench.search.JobListener;
import org.circuitbench.search.Progress;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Which model is loaded and on what device: open a folder, a cached hub name, or download one
 * (progress, cancel, resume). Loading runs in the background; the status line says what is loaded.
 */
public final class ModelViewModel {
    private final BackgroundRunner runner;
    private final Workspace workspace;
    private final StringProperty summary = new SimpleStringProperty("No model loaded");
    private final StringProperty ref = new SimpleStringProperty();
    private final StringProperty device = new SimpleStringProperty("auto");
    private final StringProperty deviceNote = new SimpleStringProperty("");
    private final StringProperty error = new SimpleStringProperty("");
    private final StringProperty message = new SimpleStringProperty("");
    private final BooleanProperty loading = new SimpleBooleanProperty(false);
    private final BooleanProperty demo = new SimpleBooleanProperty(false);
    private final DoubleProperty progress = new SimpleDoubleProperty(-1);
    private final ObservableList<String> cached = FXCollections.observableArrayList();
    private final GpuViewModel gpu;
    private RunningJob<?> download;

    public ModelViewModel(BackgroundRunner runner, Workspace workspace) {
        this.runner = runner;
        this.workspace = workspace;
        this.gpu = new GpuViewModel(runner, GpuSetup.current(), GpuSetup.active(), error::set);
    }

    /** Loads a model reference (demo:seqcont-tiny, a hub name, or a folder); then calls {@code onLoaded}. */
    public void load(String modelRef, Consumer<LoadedModel> onLoaded) {
        if (loading.get()) return;
        loading.set(true);
        progress.set(-1);
        error.set("");
        message.set("loading " + modelRef + "…");
        String dev = device.get();
        runner.start(new Job<LoadedModel>() {
            @Override
            public String title() {
                return "load " + modelRef;
            }

            @Override
            public LoadedModel run(JobContext ctx) throws Exception {
                Path folder = AppPaths.resolve(modelRef);
                String name = modelRef.equals(AppPaths.DEMO_REF) ? "seqcont-tiny (demo)" : Path.of(modelRef).getFileName().toString();
                LoadedModel m = LoadedModel.open(name, folder, DeviceChoice.resolve(dev));
                workspace.setModel(m); // waits for running jobs, then frees the old model
                return m;
            }
        }, new JobListener<>() {
            @Override
            public void finished(LoadedModel m) {
                loading.set(false);
                ref.set(modelRef);
                demo.set(modelRef.equals(AppPaths.DEMO_REF));
                deviceNote.set(m.device().note());
                message.set("");
                refreshSummary();
                onLoaded.accept(m);
            }

            @Override
            public void failed(Throwable cause) {
                loading.set(false);
                message.set("");
                error.set(cause.getMessage() == null ? cause.toString() : cause.getMessage());
            }
        });
    }

    /** Downloads a hub model into the cache with progress, then loads it. Cancel keeps the partial file. */
    public void download(String name, Consumer<LoadedModel> onLoaded) {
        if (loading.get()) return;
        loading.set(true);
        error.set("");
        progress.set(0);
        HubDownloader hub = HubDownloader.fromEnvironment();
        download = runner.start(new Job<Path>() {
            @Override
            public String title() {
                return "download " + name;
            }

            @Override
            public Path run(JobContext ctx) throws IOException {
                return hub.download(name, "main", (file, done, total) -> ctx.listener().progress(
                        new Progress(done, total, null, Double.NaN, Double.NaN, 0,
                                String.format(Locale.ROOT, "%s: %.1f of %.1f MB", file, done / 1e6, total / 1e6))),
                        ctx::isCancelled);
            }
        }, new JobListener<>() {
            @Override
            public void progress(Progress p) {
                progress.set(p.fraction());
                message.set(p.message());
            }

            @Override
            public void finished(Path folder) {
                loading.set(false);
                refreshCache();
                load(name, onLoaded);
            }

            @Override
            public void failed(Throwable cause) {
                loading.set(false);
                progress.set(-1);
                message.set("");
                error.set(cause.getMessage() == null ? cause.toString() : cause.getMessage());
            }
        });
    }

    public void cancelDownload() {
        if (download != null) download.cancel();
    }

    public void refreshCache() {
        cached.setAll(ModelResolver.fromEnvironment().cachedModels());
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
    public BooleanProperty loadingProperty() { return loading; }
    public BooleanProperty demoProperty() { return demo; }
    public DoubleProperty progressProperty() { return progress; }
    public ObservableList<String> cachedModels() { return cached; }
    public GpuViewModel gpu() { return gpu; }
}
