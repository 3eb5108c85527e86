package org.circuitbench.ui.analysis;

import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import org.circuitbench.ablation.AblationTask;
import org.circuitbench.ablation.Circuit;
import org.circuitbench.ablation.Evaluator;
import org.circuitbench.ablation.EvaluatorFactory;
import org.circuitbench.ablation.Node;
import org.circuitbench.search.Comparison;
import org.circuitbench.search.CrossTaskMatrix;
import org.circuitbench.search.Importance;
import org.circuitbench.search.Job;
import org.circuitbench.session.Session;
import org.circuitbench.ui.common.AppServices;
import org.circuitbench.ui.common.GridOverlays;
import org.circuitbench.ui.common.JobState;
import org.circuitbench.ui.common.SessionTasks;
import org.circuitbench.ui.common.WorkingCircuit;
import org.circuitbench.ui.common.Workspace;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Node importance of the grid's circuit, comparison of named circuits, and the cross-task matrix.
 * Results belong to the session (and, for importance and comparison, the task) they were computed
 * on: {@link #clear()} and {@link #taskChanged()} drop them, and a job that ends after its session
 * or task was left shows nothing.
 */
public final class AnalysisViewModel {
    /** A compared circuit's letter, its full name and its circuit: the table names sets by letter (A − B), the key says which is which. */
    public record Letter(String letter, String name, Circuit circuit) {
    }

    private final Workspace workspace;
    private final EvaluatorFactory evaluators;
    private final SessionTasks tasks;
    private final WorkingCircuit working;
    private final GridOverlays overlays;
    private final ObservableList<Session.NamedCircuit> named;

    private final JobState jobs;
    private final StringProperty status;                                          // the Importance sub-tab's line
    private final StringProperty compareStatus = new SimpleStringProperty("");      // the Compare sub-tab's
    private final StringProperty importanceCaption = new SimpleStringProperty("");  // what the importance chart shows
    private final ObjectProperty<Importance.Result> importanceResult = new SimpleObjectProperty<>();
    private final ObservableList<Importance.Entry> importance = FXCollections.observableArrayList();
    private final ObservableList<Comparison.Row> comparison = FXCollections.observableArrayList();
    private final ObservableList<Letter> letters = FXCollections.observableArrayList();
    private final ObjectProperty<CrossTaskMatrix.Result> matrix = new SimpleObjectProperty<>();
    private final ObservableList<String> selectedForCompare = FXCollections.observableArrayList();
    private Runnable onChange = () -> { };

    public AnalysisViewModel(AppServices services, SessionTasks tasks, WorkingCircuit working, GridOverlays overlays,
                             ObservableList<Session.NamedCircuit> named) {
        this.jobs = new JobState(services);
        this.status = jobs.statusProperty();
        this.workspace = services.workspace();
        this.evaluators = services.evaluators();
        this.tasks = tasks;
        this.working = working;
        this.overlays = overlays;
        this.named = named;
        importanceResult.addListener((o, was, r) -> {
            importance.setAll(r == null ? List.of() : r.entries());
            importanceCaption.set(caption(r));
        });
    }

    /** Called when a result the session keeps (importance) changes. */
    public void setOnChange(Runnable r) {
        onChange = r;
    }

    /** Another session: nothing computed for the old one stays, and its running job is stopped. */
    public void clear() {
        stop();
        matrix.set(null);
        selectedForCompare.clear();
    }

    /** Another model: nothing computed on the old one stays (the matrix, the sweep, the comparison); the choices stay. */
    public void modelChanged() {
        stop();
        matrix.set(null);
    }

    /** Another task: importance and comparison were on the old one. The matrix spans all tasks and stays. */
    public void taskChanged() {
        stop();
    }

    private void stop() {
        jobs.reset();
        status.set("");
        compareStatus.set("");
        importanceResult.set(null);
        comparison.clear();
        letters.clear();
    }

    /** Ranks the grid circuit's nodes by the score without each; shows it as the grid overlay too. */
    public void runImportance() {
        AblationTask t = tasks.selected().orElse(null);
        Circuit c = working.get();
        if (jobs.isRunning()) return;
        if (t == null || c == null) {
            status.set("No task is ready to rank.");
            return;
        }
        if (c.isEmpty()) {
            status.set("The circuit on the grid is empty; importance needs heads.");
            return;
        }
        begin(status, "ranking " + c.size() + " nodes", Job.of("importance of " + c.size() + " nodes", workspace.reading(ctx -> {
            try (Evaluator ev = evaluators.fast(t)) {
                return new Importance(ev, c).run(ctx);
            }
        })), r -> {
            showImportance(r);
            onChange.run();
        });
    }

    /** Shows a sweep (just computed, or stored in the session) as the chart and as the grid's overlay. */
    public void showImportance(Importance.Result r) {
        importanceResult.set(r);
        Map<Node, Double> m = new LinkedHashMap<>();
        r.entries().forEach(e -> m.put(e.node(), e.scoreWithout()));
        overlays.showImportance(m, r.circuitScore(), r.circuit());
        status.set(String.format(Locale.ROOT, "circuit at %.2f %%; %d nodes ranked%s", r.circuitScore(),
                r.entries().size(), r.cancelled() ? " (cancelled)" : ""));
    }

    /** Set operations of the chosen named circuits, scored on the current task; membership on the grid. */
    public void runComparison() {
        AblationTask t = tasks.selected().orElse(null);
        if (jobs.isRunning()) return;
        if (t == null) {
            compareStatus.set("No task is ready to compare on.");
            return;
        }
        List<Letter> chosen;
        try {
            chosen = lettered(chosen());
        } catch (IllegalArgumentException e) {
            compareStatus.set(e.getMessage());
            return;
        }
        if (chosen.size() < 2 || chosen.size() > GridOverlays.MAX_COMPARED) {
            compareStatus.set("Choose two to " + GridOverlays.MAX_COMPARED + " named circuits to compare; " + chosen.size() + " are chosen.");
            return;
        }
        Map<String, Circuit> byLetter = new LinkedHashMap<>();
        chosen.forEach(l -> byLetter.put(l.letter(), l.circuit()));
        begin(compareStatus, "comparing " + String.join(", ", byLetter.keySet()), Job.of("compare " + chosen.size() + " circuits", workspace.reading(ctx -> {
            try (Evaluator ev = evaluators.fast(t)) {
                return new Comparison(ev, byLetter).run(ctx);
            }
        })), rows -> {
            letters.setAll(chosen);
            comparison.setAll(rows);
            overlays.showComparison(chosen.stream().map(l -> new GridOverlays.Compared(l.letter() + " · " + l.name(), l.circuit())).toList());
            compareStatus.set(rows.size() + " sets scored");
        });
    }

    /** Shows the compare overlay of named circuits (restoring a session): no scores, only which circuit holds which node. */
    public void showComparisonOverlay(List<String> names) {
        List<Letter> chosen = lettered(pick(names));
        if (chosen.size() < 2 || chosen.size() > GridOverlays.MAX_COMPARED) return;
        letters.setAll(chosen);
        overlays.showComparison(chosen.stream().map(l -> new GridOverlays.Compared(l.letter() + " · " + l.name(), l.circuit())).toList());
    }

    /** Every chosen circuit (or all named ones) on every task of the session. */
    public void runMatrix() {
        if (jobs.isRunning()) return;
        Map<String, Circuit> circuits;
        try {
            circuits = chosen().isEmpty() ? all() : chosen();
        } catch (IllegalArgumentException e) {
            compareStatus.set(e.getMessage());
            return;
        }
        if (circuits.isEmpty()) {
            compareStatus.set("There are no named circuits yet: save one from the grid or from a run.");
            return;
        }
        List<String> names = tasks.names();
        begin(compareStatus, "scoring " + circuits.size() + " circuits on " + names.size() + " tasks",
                Job.of(circuits.size() + " circuits × " + names.size() + " tasks", ctx -> {
                    // tasks not yet prepared are prepared first, outside the read lock that scoring holds
                    Map<String, AblationTask> prepared = new LinkedHashMap<>();
                    for (String n : names) prepared.put(n, tasks.prepare(n));
                    return workspace.reading(c -> {
                        Map<String, Evaluator> evs = new LinkedHashMap<>();
                        try {
                            prepared.forEach((n, t) -> evs.put(n, evaluators.fast(t)));
                            return new CrossTaskMatrix(circuits, evs).run(c);
                        } finally {
                            evs.values().forEach(Evaluator::close);
                        }
                    }).run(ctx);
                }), r -> {
                    matrix.set(r);
                    compareStatus.set(r.circuits().size() + " × " + r.tasks().size() + " scores");
                });
    }

    /** The chosen names (in the order of the named circuits), parsed on the grid's model. */
    private Map<String, Circuit> chosen() {
        return pick(selectedForCompare);
    }

    private Map<String, Circuit> pick(List<String> names) {
        Map<String, Circuit> out = new LinkedHashMap<>();
        for (Session.NamedCircuit c : named) if (names.contains(c.name())) out.put(c.name(), parse(c));
        return out;
    }

    private Map<String, Circuit> all() {
        Map<String, Circuit> out = new LinkedHashMap<>();
        for (Session.NamedCircuit c : named) out.put(c.name(), parse(c));
        return out;
    }

    private static List<Letter> lettered(Map<String, Circuit> circuits) {
        List<Letter> out = new ArrayList<>();
        circuits.forEach((n, c) -> out.add(new Letter(String.valueOf((char) ('A' + out.size())), n, c)));
        return out;
    }

    private Circuit parse(Session.NamedCircuit c) {
        int l = working.layersProperty().get(), h = working.headsProperty().get();
        try {
            return Circuit.parse(c.circuit(), l, h);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Circuit '" + c.name() + "' does not fit this " + l + " × " + h + " model: " + e.getMessage());
        }
    }

    /** Starts a sweep, a comparison or the matrix; a result of a session or task left meanwhile shows nothing. */
    private <R> void begin(StringProperty line, String what, Job.Fluent<R> job, Consumer<R> onResult) {
        line.set(what + "…");
        jobs.start(job.onSuccess(onResult).onFailure(x -> line.set("failed: " + Job.message(x))));
    }

    /** The chart's caption: the circuit's score, and the drops from the smallest to the largest (not the axis, which spans 0). */
    static String caption(Importance.Result r) {
        if (r == null || r.entries().isEmpty()) return "";
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (Importance.Entry e : r.entries()) {
            lo = Math.min(lo, e.drop(r.circuitScore()));
            hi = Math.max(hi, e.drop(r.circuitScore()));
        }
        return String.format(Locale.ROOT, "circuit at %.2f %% · %d nodes · drops from %.2f to %.2f points%s",
                r.circuitScore(), r.entries().size(), lo, hi, r.cancelled() ? " (cancelled: partial)" : "");
    }

    public void cancel() {
        jobs.cancel();
    }

    public ReadOnlyBooleanProperty busyProperty() {
        return jobs.runningProperty();
    }

    /** The Importance sub-tab's status line. */
    public StringProperty statusProperty() {
        return status;
    }

    /** The Compare sub-tab's status line (comparisons and the matrix). */
    public StringProperty compareStatusProperty() {
        return compareStatus;
    }

    public StringProperty importanceCaptionProperty() {
        return importanceCaption;
    }

    public ObjectProperty<Importance.Result> importanceResultProperty() {
        return importanceResult;
    }

    public ObservableList<Importance.Entry> importance() {
        return importance;
    }

    public ObservableList<Comparison.Row> comparison() {
        return comparison;
    }

    /** The letters the comparison table uses, with the circuits' full names. */
    public ObservableList<Letter> letters() {
        return letters;
    }

    public ObjectProperty<CrossTaskMatrix.Result> matrixProperty() {
        return matrix;
    }

    public ObservableList<String> selectedForCompare() {
        return selectedForCompare;
    }
}
