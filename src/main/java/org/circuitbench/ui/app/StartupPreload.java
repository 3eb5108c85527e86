package org.circuitbench.ui.app;

import org.circuitbench.ablation.Circuit;
import org.circuitbench.ablation.FastEvaluator;
import org.circuitbench.model.AppPaths;
import org.circuitbench.model.DeviceChoice;
import org.circuitbench.model.LoadedModel;
import org.circuitbench.model.ModelResolver;
import org.circuitbench.model.gpu.GpuSetup;
import org.circuitbench.model.gpu.NativeSelection.Want;
import org.circuitbench.session.RecoveryStore;
import org.circuitbench.session.Session;
import org.circuitbench.session.SessionFiles;
import org.circuitbench.ui.common.Workspace;
import org.circuitbench.ui.model.ModelViewModel;
import org.circuitbench.util.StartupLog;
import org.circuitbench.util.StartupLog.Milestone;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/**
 * The first screen's work, started in the background as the process starts, while JavaFX starts
 * and the window is built (docs/performance.md, Start-up): PyTorch's natives are chosen (CPU or
 * CUDA build) and loaded, once and off the FX thread; then the first session's model is read, its
 * selected task prepared and the grid's first score computed, into the {@link Workspace} the
 * window then uses. The view models do not wait for any of it: their model load takes the model
 * read ahead ({@link Workspace#takeAhead}), and their task preparation finds the task prepared (or
 * waits for it). Whatever fails here is done again by the view models, which say why.
 * <p>
 * Only the plain start (the demo session) and a session file are read ahead, and only when no
 * recovery copy may be offered; otherwise just the natives are loaded.
 */
final class StartupPreload {
    private final Workspace workspace = new Workspace();
    private final CountDownLatch chosen = new CountDownLatch(1);
    private volatile LoadedModel read; // the model read ahead, for tests
    private String step = "Starting PyTorch…"; // guarded by this
    private java.util.function.Consumer<String> onStep = s -> { }; // guarded by this

    private StartupPreload() {
    }

    /** Starts the work for a start on {@code args} (none, or a session file). */
    static StartupPreload begin(List<String> args) {
        return begin(args, StartupPreload::chooseNatives);
    }

    /** As {@link #begin(List)}, with {@code chooseNatives} in place of the GPU set-up (tests keep theirs). */
    static StartupPreload begin(List<String> args, Runnable chooseNatives) {
        StartupPreload p = new StartupPreload();
        p.workspace.expectAhead(); // the window's first model load waits to hear what is read ahead
        Thread t = new Thread(() -> p.run(args, chooseNatives), "circuitbench-start");
        t.setDaemon(true);
        t.start();
        return p;
    }

    Workspace workspace() {
        return workspace;
    }

    /** Told each start-up step as it begins ("Reading the model …"), the current one at once. Any thread. */
    synchronized void onStep(java.util.function.Consumer<String> c) {
        onStep = c;
        c.accept(step);
    }

    private void step(String s) {
        java.util.function.Consumer<String> c;
        synchronized (this) {
            step = s;
            c = onStep;
        }
        c.accept(s);
    }

    /** The model read ahead (null if none), for tests: the window's load should take this one. */
    LoadedModel modelReadAhead() {
        return read;
    }

    /** Waits until PyTorch's natives are chosen: the GPU set-up the app's services read is then the one applied. */
    void awaitNativesChosen() {
        try {
            chosen.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run(List<String> args, Runnable chooseNatives) {
        try {
            chooseNatives.run();
        } finally {
            chosen.countDown();
        }
        try {
            readAhead(args);
        } finally {
            workspace.noAhead(); // whatever happened, the window's load does not wait any longer
            step("Opening the window…");
        }
    }

    /** The remembered choice of PyTorch's build (CPU or CUDA), applied before anything loads it: DJL decides once per process. */
    private static void chooseNatives() {
        try {
            GpuSetup.applyAtStartup(GpuSetup.fromEnvironment(), Want.AUTO);
        } catch (RuntimeException e) {
            System.err.println("warning: the GPU set-up could not be read (" + e.getMessage() + "); PyTorch's bundled CPU build is used.");
        }
    }

    private void readAhead(List<String> args) {
        Optional<Session> session = firstSession(args);
        Session.ModelRef ref = session.map(Session::model).orElse(null);
        String device = ref == null || ref.device() == null ? "auto" : ref.device();
        try {
            long t0 = System.nanoTime();
            DeviceChoice.resolve(device); // loads PyTorch's natives
            StartupLog.mark(Milestone.NATIVES, String.format(Locale.ROOT, "s=%.3f", (System.nanoTime() - t0) / 1e9));
            if (ref == null || ref.name() == null) return;
            step("Reading the model " + (ref.name().equals(AppPaths.DEMO_REF) ? "seqcont-tiny (demo)" : Path.of(ref.name()).getFileName()) + "…");
            workspace.loadAhead(ref.name(), device, () -> {
                read = ModelViewModel.open(ref.name(), device, ModelResolver.fromEnvironment());
                return read;
            });
            Session s = session.get();
            Optional<Session.SessionTask> task = s.tasks().stream().filter(t -> t.name().equals(s.ui().selectedTask())).findFirst()
                    .or(() -> s.tasks().stream().findFirst());
            if (task.isEmpty()) return;
            Session.SessionTask t = task.get();
            step("Preparing the task " + t.name() + "…");
            LoadedModel m = workspace.model();
            // the key the window will ask for: the task under the session's scoring method
            Workspace.TaskKey key = Workspace.TaskKey.of(t, s.ui().method() == null
                    ? org.circuitbench.ablation.Method.DEFAULT : s.ui().method().method());
            workspace.prepareAhead(key,
                    () -> t.definition() != null ? t.definition().generate(m.tokenizer()::encode) : t.prompts(),
                    prepared -> {
                        step("Computing the first score…");
                        var cfg = prepared.model().config();
                        Circuit c = gridCircuit(s.ui(), cfg.nLayer(), cfg.nHead());
                        workspace.live(key).use(ev -> {
                            ev.setBase(c);
                            return ev.details(c); // what the grid shows first; its own request then finds the work done
                        });
                    });
        } catch (Exception | LinkageError e) {
            if (System.getenv("CIRCUITBENCH_DEBUG") != null) e.printStackTrace();
            // the view models load and prepare again, and say what is wrong
        }
    }

    /** The session the app opens first, if it is read ahead: a session file, or the demo session. */
    private static Optional<Session> firstSession(List<String> args) {
        Optional<Path> file;
        if (args.isEmpty()) {
            if (RecoveryStore.mayHaveCopies(AppPaths.userDir())) return Optional.empty(); // the user may recover another
            file = SessionDocument.demoSession();
        } else if (args.size() == 1 && args.get(0).toLowerCase(Locale.ROOT).endsWith(SessionFiles.EXTENSION)) {
            file = Optional.of(Path.of(args.get(0))).filter(Files::isRegularFile);
        } else {
            return Optional.empty();
        }
        try {
            return file.isPresent() ? Optional.of(SessionFiles.read(file.get())) : Optional.empty();
        } catch (Exception e) {
            return Optional.empty(); // the app says what is wrong with it
        }
    }

    /** The circuit the grid starts with: the session's, if it fits the model, else all heads (as the grid does). */
    static Circuit gridCircuit(Session.UiState ui, int layers, int heads) {
        if (ui.grid() != null) {
            try {
                return Circuit.parse(ui.grid(), layers, heads);
            } catch (IllegalArgumentException ignored) {
                // another shape: all heads
            }
        }
        return Circuit.all(layers, heads);
    }
}
