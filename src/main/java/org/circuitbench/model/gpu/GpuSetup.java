package org.circuitbench.model.gpu;

import org.circuitbench.model.AppPaths;
import org.circuitbench.model.gpu.NativeSelection.Natives;
import org.circuitbench.model.gpu.NativeSelection.Selection;
import org.circuitbench.model.gpu.NativeSelection.Want;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The GPU set-up of this machine and user: what GPU there is, whether DJL's CUDA build of PyTorch
 * is downloaded, the remembered choice, and the download itself. {@link #applyAtStartup} makes the
 * choice take effect: it runs in {@code main()} before anything loads PyTorch, because DJL picks its
 * natives once per process. So a switch after the app has loaded a model needs a restart.
 */
public final class GpuSetup {
    /** A mirror of publish.djl.ai/pytorch/&lt;version&gt; (the folder holding files.txt), e.g. for tests. */
    public static final String MIRROR = "CIRCUITBENCH_PYTORCH_MIRROR";
    private static final List<String> DJL_SETTINGS = List.of("PYTORCH_LIBRARY_PATH", "PYTORCH_FLAVOR", "PYTORCH_VERSION");

    private final Probes probes;
    private final Path settingsFile;
    private final Path pytorchCache;
    private final String classifier;
    private final URI source;
    private final Consumer<String> warn;
    private GpuInfo detected;

    public GpuSetup(Probes probes, Path userDir, Path pytorchCache, String classifier, URI source, Consumer<String> warn) {
        this.probes = probes;
        this.settingsFile = userDir.resolve("gpu.json");
        this.pytorchCache = pytorchCache;
        this.classifier = classifier;
        this.source = source;
        this.warn = warn;
    }

    public static GpuSetup fromEnvironment() {
        Probes p = Probes.system();
        String mirror = p.setting(MIRROR);
        URI source = URI.create(mirror != null && !mirror.isBlank() ? mirror : CudaDownloader.DJL_PUBLISH + CudaBuild.bundledPytorchVersion());
        return new GpuSetup(p, AppPaths.userDir(), CudaBuild.djlPytorchCache(p::setting),
                CudaBuild.classifier(System.getProperty("os.name"), System.getProperty("os.arch")), source,
                System.err::println);
    }

    public GpuSettings settings() {
        return GpuSettings.read(settingsFile, warn);
    }

    public Path settingsFile() {
        return settingsFile;
    }

    /** Where the CUDA build is (or goes): the remembered folder, else DJL's cache. */
    public CudaBuild cuda() {
        String dir = settings().dir();
        return dir != null ? new CudaBuild(CudaBuild.bundledPytorchVersion(), CudaBuild.FLAVOR, classifier, Path.of(dir))
                : CudaBuild.in(pytorchCache, classifier);
    }

    /** What GPU there is; looked at once per set-up (nvidia-smi can take a second). */
    public synchronized GpuInfo detect() {
        if (detected == null) {
            GpuInfo g = GpuInfo.detect(probes, classifier);
            if (g.usable() && !CudaBuild.published(classifier)) {
                g = new GpuInfo(g.gpus(), g.driverVersion(), g.cudaVersion(), g.libcuda(),
                        "DJL publishes no CUDA build of PyTorch " + CudaBuild.bundledPytorchVersion() + " for " + classifier);
            }
            detected = g;
        }
        return detected;
    }

    /** "PYTORCH_LIBRARY_PATH=/x" when the user set DJL's own variables (and not this class), else null. */
    public String userOverride() {
        List<String> set = new ArrayList<>();
        for (String n : DJL_SETTINGS) {
            String v = probes.setting(n);
            if (v != null && !v.isEmpty() && !Objects.equals(v, APPLIED.get(n))) set.add(n + "=" + v);
        }
        return set.isEmpty() ? null : String.join(", ", set);
    }

    /**
     * The natives for a process that wants {@code want}. Without {@code probe}, the GPU is looked at
     * only where the answer depends on it (a CUDA build is there, or a GPU was asked for).
     */
    public Selection select(Want want, boolean probe) {
        String override = userOverride();
        CudaBuild cuda = cuda();
        CudaBuild.Status build = cuda.inspect();
        boolean look = override == null && want != Want.CPU
                && (probe || want == Want.GPU || build.state() != CudaBuild.State.ABSENT);
        return NativeSelection.select(want, override, settings(), cuda, build, look ? detect() : null);
    }

    public CudaDownloader downloader() {
        return new CudaDownloader(source, cuda(), probes);
    }

    /** Downloads (or resumes) the CUDA build and remembers the GPU as the choice. */
    public Path enable(CudaDownloader.Plan plan, CudaDownloader.Listener listener, BooleanSupplier cancelled) throws IOException {
        Path dir = downloader().download(plan, listener, cancelled);
        rememberGpu();
        return dir;
    }

    /** Remembers the GPU as the choice (and forgets an earlier load failure). */
    public void rememberGpu() throws IOException {
        settings().withChoice("gpu").write(settingsFile);
    }

    public void rememberCpu() throws IOException {
        settings().withChoice("cpu").write(settingsFile);
    }

    /** Deletes the downloaded CUDA build, any partial download, and the choice; returns what was deleted. */
    public List<Path> remove() throws IOException {
        List<Path> gone = new ArrayList<>();
        CudaDownloader d = downloader();
        for (Path p : List.of(cuda().dir(), d.staging())) {
            if (Files.exists(p)) {
                CudaDownloader.deleteTree(p);
                gone.add(p);
            }
        }
        GpuSettings.NONE.write(settingsFile);
        return gone;
    }

    // ---- this process ---------------------------------------------------------------------------

    private static final Map<String, String> APPLIED = new ConcurrentHashMap<>();
    private static volatile Selection active;
    private static volatile GpuSetup activeSetup;

    /** Decides the natives for this process and sets DJL's system properties for them. Call before PyTorch loads. */
    public static Selection applyAtStartup(GpuSetup setup, Want want) {
        Selection s = setup.select(want, false);
        if (s.cuda()) {
            s.properties().forEach((k, v) -> {
                System.setProperty(k, v);
                APPLIED.put(k, v);
            });
        }
        activeSetup = setup;
        active = s;
        return s;
    }

    /** The set-up this process started with (or the environment's, when main() did not choose). */
    public static GpuSetup current() {
        GpuSetup s = activeSetup;
        if (s == null) {
            synchronized (GpuSetup.class) {
                if (activeSetup == null) activeSetup = fromEnvironment();
                s = activeSetup;
            }
        }
        return s;
    }

    /** What this process loads: the startup decision, else the bundled CPU build (or the user's natives). */
    public static Selection active() {
        Selection s = active;
        if (s != null) return s;
        String override = current().userOverride();
        return new Selection(override == null ? Natives.BUNDLED_CPU : Natives.USER, Map.of(), "", null, false, null, null);
    }

    /** Completes "Using the CPU: …" when a GPU was asked for and PyTorch sees none. */
    public static String cpuReason() {
        Selection a = active();
        if (a.cuda()) return "PyTorch's CUDA build is loaded but finds no GPU; check the driver with nvidia-smi";
        if (a.cpuReason() != null) return a.cpuReason();
        Selection now = current().select(Want.GPU, true);
        if (now.cuda()) return "PyTorch's CUDA build is installed, but this process started with the CPU build; start it again to use the GPU";
        return now.cpuReason();
    }

    /**
     * PyTorch failed to load. With the CUDA build, the failure is remembered so that the next start
     * uses the bundled CPU build, and the message says so; otherwise the error is passed on.
     */
    public static RuntimeException engineFailed(Throwable e) {
        Selection a = active();
        if (!a.cuda()) return e instanceof RuntimeException r ? r : new IllegalStateException("PyTorch failed to load: " + e, e);
        String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
            if (c.getMessage() != null) why = c.getMessage();
        }
        why = why.lines().findFirst().orElse(why);
        GpuSetup setup = current();
        try {
            setup.settings().withFailure(why).write(setup.settingsFile);
        } catch (IOException ignored) {
            // the message below still says what happened; the next start then tries the GPU again
        }
        return new IllegalStateException("PyTorch's CUDA build in " + a.build().dir() + " failed to load (" + why + "). "
                + "Start again to use the bundled CPU build. To try the GPU again: " + NativeSelection.ENABLE_HOW + ".", e);
    }
}
