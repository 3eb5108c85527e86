package org.circuitbench.ui.runs;

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
import org.circuitbench.ablation.Evaluator;
import org.circuitbench.ablation.EvaluatorFactory;
import org.circuitbench.search.Job;
import org.circuitbench.search.JobHandle;
import org.circuitbench.search.Progress;
import org.circuitbench.search.PruneResult;
import org.circuitbench.search.PruneSettings;
import org.circuitbench.search.Pruner;
import org.circuitbench.search.SearchMethod;
import org.circuitbench.session.Session;
import org.circuitbench.session.SessionMapper;
import org.circuitbench.ui.common.AppServices;
import org.circuitbench.ui.common.BackgroundRunner;
import org.circuitbench.ui.common.SessionTasks;
import org.circuitbench.ui.common.Workspace;
import org.circuitbench.ui.grid.GridViewModel;

import java.time.Clock;
import java.util.Locale;
import java.util.function.Consumer;

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
    private final EvaluatorFactory evaluators;
    private final Clock clock;
    private final SessionTasks tasks;
    private final GridViewModel grid;
    private final Consumer<Session.NamedCircuit> saveCircuit;
    private Runnable onChange = () -> { };

    private final ObjectProperty<SearchMethod> method = new SimpleObjectProperty<>(SearchMethod.BACKWARD);
    private final DoubleProperty threshold = new SimpleDoubleProperty(3);
    private final StringProperty thresholdText = new SimpleStringProperty("3");
    private final BooleanProperty thresholdValid = new SimpleBooleanProperty(true);
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
    private JobHandle<PruneResult> current;
    private long startedAt;
    private long epoch; // bumped with each session: a run of an older one is dropped

    public RunsViewModel(AppServices services, SessionTasks tasks, GridViewModel grid, Consumer<Session.NamedCircuit> saveCircuit) {
        this.runner = services.runner();
        this.workspace = services.workspace();
        this.evaluators = services.evaluators();
        this.clock = services.clock();
        this.tasks = tasks;
        this.grid = grid;
        this.saveCircuit = saveCircuit;
        selected.addListener((o, was, now) -> {
            if (now != null && !running.get()) showLog(now);
        });
        threshold.addListener((o, was, now) -> {
            if (thresholdValid.get() && !fmt(now.doubleValue()).equals(thresholdText.get().trim())) thresholdText.set(fmt(now.doubleValue()));
        });
        thresholdText.addListener((o, was, now) -> readThreshold(now));
    }

    /** The threshold as typed: a number sets it; anything else says so and blocks Run until fixed. */
    private void readThreshold(String text) {
        try {
            double t = Double.parseDouble(text.trim());
            thresholdValid.set(true);
            threshold.set(t);
            if (status.get().startsWith("Threshold")) status.set("");
        } catch (NumberFormatException e) {
            thresholdValid.set(false);
            status.set("Threshold '" + text.trim() + "' is not a number; give a percentage such as 3.");
        }
    }

    public void setOnChange(Runnable r) {
        onChange = r;
    }

    /** Another session: its runs replace these, and a running prune of the old one is stopped and dropped. */
    public void clear() {
        epoch++;
        if (current != null) current.cancel();
        current = null;
        running.set(false);
        progress.set(0);
        status.set(thresholdValid.get() ? "" : status.get());
        eta.set("");
        selected.set(null);
        log.clear();
        history.clear();
    }

    /** Starts a prune of the current task; bad settings give a message in {@link #statusProperty()}. */
    public boolean start() {
        if (running.get()) return false;
        if (!thresholdValid.get()) {
            readThreshold(thresholdText.get());
            return false;
        }
        String task = tasks.selectedName();
        AblationTask prepared = tasks.selected().orElse(null);
        if (prepared == null) {
            status.set("No task is ready to prune. Load the session's model and pick a task.");
            return false;
        }
        PruneSettings settings;
        try {
            Circuit start = startFromGrid.get() && grid.circuit() != null ? grid.circuit() : prepared.allHeads();
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
        long e = epoch;
        int speculation = evaluators.speculation(prepared);
        current = runner.start(Job.of(settings.method() + " prune, T = " + fmt(settings.threshold()) + " (" + task + ")",
                        workspace.reading(ctx -> {
                            try (Evaluator ev = evaluators.fast(prepared)) {
                                return new Pruner(ev, settings, speculation).run(ctx);
                            }
                        }))
                .onProgress(p -> {
                    if (e == epoch) progress(p);
                })
                .onRemoval(r -> {
                    if (e == epoch) log.add(new LogRow(log.size() + 1, r.element().toString(), r.score(), r.elapsedSeconds()));
                })
                .onSuccess(r -> {
                    if (e == epoch) finished(task, r);
                })
                .onFailure(x -> {
                    if (e != epoch) return;
                    running.set(false);
                    status.set("the run failed: " + Job.message(x));
                }));
        return true;
    }

    private void progress(Progress p) {
        progress.set(p.fraction());
        double sec = (System.nanoTime() - startedAt) / 1e9;
        if (p.total() > 0 && p.done() > 0) {
            eta.set(String.format(Locale.ROOT, "%d/%d · %.0f s left", p.done(), p.total(), sec / p.done() * (p.total() - p.done())));
        } else {
            eta.set(p.done() + " evaluations · " + String.format(Locale.ROOT, "%.0f s", sec));
        }
    }

    private void finished(String task, PruneResult r) {
        running.set(false);
        progress.set(r.cancelled() ? progress.get() : 1);
        Session.RunRecord rec = SessionMapper.record(Long.toString(System.nanoTime(), 36), task, r, clock.instant());
        history.add(rec);
        selected.set(rec);
        status.set(String.format(Locale.ROOT, "%s: %d nodes at %.2f %% after %d evaluations in %.1f s", r.cancelled()
                ? "cancelled, partial log kept" : "finished", r.circuit().size(), r.score(), r.evaluations(), r.seconds()));
        onChange.run();
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

    /** The selected run as the engine's result (for the exports), on the grid's model shape. */
    public java.util.Optional<PruneResult> selectedResult() {
        Session.RunRecord r = selected.get();
        return r == null ? java.util.Optional.empty()
                : java.util.Optional.of(SessionMapper.result(r, grid.layersProperty().get(), grid.headsProperty().get()));
    }

    /** Puts the selected run's circuit on the grid. */
    public void applySelected() {
        Session.RunRecord r = selected.get();
        if (r == null) return;
        try {
            grid.setCircuit(Circuit.parse(r.circuit(), grid.layersProperty().get(), grid.headsProperty().get()));
        } catch (IllegalArgumentException e) {
            status.set(e.getMessage());
        }
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

    /** The threshold field's text; the view binds to it. */
    public StringProperty thresholdTextProperty() {
        return thresholdText;
    }

    public BooleanProperty thresholdValidProperty() {
        return thresholdValid;
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
