package org.circuitbench.ui;

import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.LongProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleLongProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import org.circuitbench.ablation.AblationTask;
import org.circuitbench.ablation.Circuit;
import org.circuitbench.ablation.FastEvaluator;
import org.circuitbench.search.Job;
import org.circuitbench.search.JobContext;
import org.circuitbench.search.JobListener;
import org.circuitbench.search.Progress;
import org.circuitbench.search.PruneResult;
import org.circuitbench.search.PruneSettings;
import org.circuitbench.search.Pruner;
import org.circuitbench.search.Removal;
import org.circuitbench.search.SearchMethod;
import org.circuitbench.session.Session;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Pruning runs: the settings, the run in progress (progress, ETA, a removal log that fills as it
 * runs, cancel that keeps the partial log), and the history of every run, each reopenable.
 */
public final class RunsViewModel {
    /** A row of the removal log: step, node, score after removing it, seconds since the start. */
    public record LogRow(int step, String head, double score, double seconds) {
    }

    private final BackgroundRunner runner;
    private final Workspace workspace;
    private final Supplier<String> taskName;
    private final GridViewModel grid;
    private final Consumer<Session.NamedCircuit> saveCircuit;
    private Runnable onChange = () -> { };

    private final ObjectProperty<SearchMethod> method = new SimpleObjectProperty<>(SearchMethod.BACKWARD);
    private final DoubleProperty threshold = new SimpleDoubleProperty(3);
    private final BooleanProperty startFromGrid = new SimpleBooleanProperty(false);
    private final LongProperty seed = new SimpleLongProperty(0);
    private final IntegerProperty iterations = new SimpleIntegerProperty(PruneSettings.DEFAULT_ITERATIONS);

    private final BooleanProperty running = new SimpleBooleanProperty(false);
    private final DoubleProperty progress = new SimpleDoubleProperty(0);
    private final StringProperty status = new SimpleStringProperty("");
    private final StringProperty eta = new SimpleStringProperty("");
    private final ObservableList<LogRow> log = FXCollections.observableArrayList();
    private final ObservableList<Session.RunRecord> history = FXCollections.observableArrayList();
    private final ObjectProperty<Session.RunRecord> selected = new SimpleObjectProperty<>();
    private RunningJob<PruneResult> current;
    private long startedAt;

    public RunsViewModel(BackgroundRunner runner, Workspace workspace, Supplier<String> taskName, GridViewModel grid,
                         Consumer<Session.NamedCircuit> saveCircuit) {
        this.runner = runner;
        this.workspace = workspace;
        this.taskName = taskName;
        this.grid = grid;
        this.saveCircuit = saveCircuit;
        selected.addListener((o, was, now) -> {
            if (now != null && !running.get()) showLog(now);
        });
    }

    public void setOnChange(Runnable r) {
        onChange = r;
    }

    /** Starts a prune of the current task; bad settings give a message in {@link #statusProperty()}. */
    public boolean start() {
        if (running.get()) return false;
        String task = taskName.get();
        AblationTask prepared = task == null ? null : workspace.task(task).orElse(null);
        if (prepared == null) {
            status.set("No task is ready to prune. Load a model and pick a task.");
            return false;
        }
        PruneSettings settings;
        try {
            Circuit start = startFromGrid.get() ? grid.circuit() : prepared.allHeads();
            settings = new PruneSettings(method.get(), threshold.get(), start, seed.get(), iterations.get());
        } catch (IllegalArgumentException e) {
            status.set(e.getMessage());
            return false;
        }
        log.clear();
        running.set(true);
        progress.set(-1);
        eta.set("");
        status.set("running " + settings.method() + " at T = " + fmt(settings.threshold()) + " on " + task);
        startedAt = System.nanoTime();
        Job<PruneResult> job = workspace.guarded(new Job<>() {
            @Override
            public String title() {
                return settings.method() + " prune, T = " + fmt(settings.threshold()) + " (" + task + ")";
            }

            @Override
            public PruneResult run(JobContext ctx) {
                try (FastEvaluator ev = new FastEvaluator(prepared)) {
                    return new Pruner(ev, settings).run(ctx);
                }
            }
        });
        current = runner.start(job, new JobListener<>() {
            @Override
            public void progress(Progress p) {
                progress.set(p.fraction());
                double sec = (System.nanoTime() - startedAt) / 1e9;
                if (p.total() > 0 && p.done() > 0) {
                    eta.set(String.format(Locale.ROOT, "%d/%d · %.0f s left", p.done(), p.total(), sec / p.done() * (p.total() - p.done())));
                } else {
                    eta.set(p.done() + " evaluations · " + String.format(Locale.ROOT, "%.0f s", sec));
                }
            }

            @Override
            public void removal(Removal<?> r) {
                log.add(new LogRow(log.size() + 1, r.element().toString(), r.score(), r.elapsedSeconds()));
            }

            @Override
            public void finished(PruneResult r) {
                running.set(false);
                progress.set(r.cancelled() ? progress.get() : 1);
                Session.RunRecord rec = record(task, r);
                history.add(rec);
                selected.set(rec);
                status.set(String.format(Locale.ROOT, "%s: %d nodes at %.2f %% after %d evaluations in %.1f s%s", r.cancelled()
                        ? "cancelled, partial log kept" : "finished", r.circuit().size(), r.score(), r.evaluations(), r.seconds(), ""));
                onChange.run();
            }

            @Override
            public void failed(Throwable cause) {
                running.set(false);
                status.set("the run failed: " + (cause.getMessage() == null ? cause : cause.getMessage()));
            }
        });
        return true;
    }

    static Session.RunRecord record(String task, PruneResult r) {
        List<Session.RemovalRecord> removals = r.removals().stream()
                .map(x -> new Session.RemovalRecord(x.element().toString(), x.score(), x.elapsedSeconds())).toList();
        PruneSettings s = r.settings();
        return new Session.RunRecord(Long.toString(System.nanoTime(), 36), task, s.method().id, s.threshold(), s.start().toSpec(),
                s.seed(), s.iterations(), removals, r.circuit().toSpec(), r.score(), r.evaluations(), r.seconds(), r.cancelled(),
                Instant.now().toString());
    }

    public void cancel() {
        if (current != null && running.get()) {
            current.cancel();
            status.set("cancelling after the current evaluation…");
        }
    }

    /** Shows a past run's removal log. */
    public void showLog(Session.RunRecord run) {
        log.clear();
        int i = 1;
        for (Session.RemovalRecord r : run.removals()) log.add(new LogRow(i++, r.head(), r.score(), r.seconds()));
    }

    /** Puts the selected run's circuit on the grid. */
    public void applySelected() {
        Session.RunRecord r = selected.get();
        if (r == null) return;
        grid.setCircuit(Circuit.parse(r.circuit(), grid.layersProperty().get(), grid.headsProperty().get()));
    }

    /** Keeps the selected run's circuit under a name. */
    public void saveSelectedAs(String name) {
        Session.RunRecord r = selected.get();
        if (r == null || name == null || name.isBlank()) return;
        saveCircuit.accept(new Session.NamedCircuit(name.trim(), r.circuit(), r.task(), r.score(),
                r.method() + " T=" + fmt(r.threshold()) + (r.cancelled() ? " (cancelled)" : "")));
    }

    public static String fmt(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }

    public ObjectProperty<SearchMethod> methodProperty() {
        return method;
    }

    public DoubleProperty thresholdProperty() {
        return threshold;
    }

    public BooleanProperty startFromGridProperty() {
        return startFromGrid;
    }

    public LongProperty seedProperty() {
        return seed;
    }

    public IntegerProperty iterationsProperty() {
        return iterations;
    }

    public BooleanProperty runningProperty() {
        return running;
    }

    public DoubleProperty progressProperty() {
        return progress;
    }

    public StringProperty statusProperty() {
        return status;
    }

    public StringProperty etaProperty() {
        return eta;
    }

    public ObservableList<LogRow> log() {
        return log;
    }

    public ObservableList<Session.RunRecord> history() {
        return history;
    }

    public ObjectProperty<Session.RunRecord> selectedProperty() {
        return selected;
    }
}
