package org.circuitbench.ui.grid;

import javafx.beans.binding.BooleanBinding;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyIntegerProperty;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.value.ObservableBooleanValue;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import javafx.collections.ObservableMap;
import org.circuitbench.ablation.Circuit;
import org.circuitbench.ablation.EvaluatorHandle;
import org.circuitbench.ablation.EvaluatorHandle;
import org.circuitbench.ablation.FastEvaluator;
import org.circuitbench.ablation.Node;
import org.circuitbench.ablation.ScoreDetails;
import org.circuitbench.search.Job;
import org.circuitbench.ui.common.AppServices;
import org.circuitbench.ui.common.BackgroundRunner;
import org.circuitbench.ui.common.GridOverlays;
import org.circuitbench.ui.common.LatestOnly;
import org.circuitbench.ui.common.ScoreText;
import org.circuitbench.ui.common.WorkingCircuit;
import org.circuitbench.ui.common.Workspace;

import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The head grid: the working circuit's nodes as cells (toggle, paint, a layer at once, all or none),
 * undo and redo, the overlays, and the live score. Every change of the working circuit, wherever
 * it comes from, asks for a score in the runner's live lane (so a prune or a sweep never holds it
 * up); rapid changes merge, so only the newest circuit is computed, and a result is shown only if
 * it belongs to the circuit on the grid. MLPs are nodes only while their column is shown: hiding
 * it puts every MLP back, and a circuit with MLP nodes shows the column.
 */
public final class GridViewModel implements GridOverlays {
    /** ATTRIBUTION: each node's estimated drop from one backward pass (cell colour), the exact one in the tooltip when swept. */
    public enum Overlay { NONE, IMPORTANCE, COMPARE, ATTRIBUTION }

    private final WorkingCircuit working;
    private final Supplier<EvaluatorHandle<FastEvaluator>> evaluator; // null supplier result: no task prepared yet
    private final Workspace workspace;
    private final org.circuitbench.ui.common.DialogService dialogs;

    private final ReadOnlyObjectWrapper<ScoreDetails> details = new ReadOnlyObjectWrapper<>();
    private final ReadOnlyStringWrapper caption = new ReadOnlyStringWrapper(caption(org.circuitbench.ablation.Method.DEFAULT));
    private final PromptBreakdown breakdown = new PromptBreakdown();
    private final ScoreText text = new ScoreText();
    private final BooleanProperty showMlps = new SimpleBooleanProperty(false);
    private final ObjectProperty<Overlay> overlay = new SimpleObjectProperty<>(Overlay.NONE);
    private final BooleanBinding estimateWanted = overlay.isEqualTo(Overlay.ATTRIBUTION);
    /** Importance overlay: each node's score without it, and the circuit score it was measured against. */
    private final ObservableMap<Node, Double> importance = FXCollections.observableHashMap();
    private double importanceBase = Double.NaN;
    private Circuit importanceCircuit; // the circuit the sweep ranked (null: not known)
    /** Attribution overlay: each node's estimated drop at {@link #estimateCircuit}. */
    private final ObservableMap<Node, Double> estimate = FXCollections.observableHashMap();
    private final ReadOnlyObjectWrapper<Circuit> estimateCircuit = new ReadOnlyObjectWrapper<>();
    /** Compare overlay: 2 to {@link #MAX_COMPARED} named circuits. */
    private final ObservableList<Compared> compared = FXCollections.observableArrayList();

    private final LatestOnly<Circuit, Scored> scorer;

    public GridViewModel(AppServices services, WorkingCircuit working, Supplier<EvaluatorHandle<FastEvaluator>> evaluator) {
        this.working = working;
        this.workspace = services.workspace();
        this.dialogs = services.dialogs();
        this.evaluator = evaluator;
        this.scorer = new LatestOnly<>(services.runner(), BackgroundRunner.Lane.LIVE, new Scoring());
        showMlps.addListener((o, was, now) -> {
            Circuit c = working.get();
            if (!now && c != null && c.hasMlpNodes()) working.edit(headsOnly(c)); // a hidden MLP is never left ablated
        });
        working.circuitProperty().addListener((o, was, now) -> {
            if (now == null) return;
            if (now.hasMlpNodes() && !showMlps.get()) showMlps.set(true); // e.g. undo back to MLP nodes
            requestScore();
        });
    }

    /** The circuit's heads, with every MLP running (MLPs not nodes). */
    static Circuit headsOnly(Circuit c) {
        return Circuit.of(c.layers(), c.heads(), c.nodes().stream().filter(n -> n instanceof Node.Head).toList(), false);
    }

    // ---- shape and state ------------------------------------------------------------------------

    /** A new model or task: the grid takes its shape, keeps the circuit if it fits, and rescores. */
    public void reset(int nLayers, int nHeads, Circuit start) {
        scorer.reset();
        text.setDetail(""); // what the panel said while there was no task
        clearOverlays();
        Circuit before = working.get();
        working.reset(nLayers, nHeads, start);
        if (java.util.Objects.equals(before, working.get())) requestScore(); // the same circuit on a new task: its listener did not ask
    }

    /**
     * No task to show (another session opened, or the session's model is missing): the grid keeps
     * its shape but no circuit, score, overlay or message of what was shown before; {@code why}
     * says what the score panel shows instead.
     */
    public void clear(String why) {
        scorer.reset();
        clearOverlays();
        working.clear(why);
        details.set(null);
        breakdown.clear();
        text.clear(why);
    }

    private void clearOverlays() {
        importance.clear();
        importanceBase = Double.NaN;
        importanceCircuit = null;
        clearEstimate();
        compared.clear();
        overlay.set(Overlay.NONE);
    }

    public ReadOnlyObjectProperty<Circuit> circuitProperty() {
        return working.circuitProperty();
    }

    public Circuit circuit() {
        return working.get();
    }

    public ReadOnlyIntegerProperty layersProperty() {
        return working.layersProperty();
    }

    public ReadOnlyIntegerProperty headsProperty() {
        return working.headsProperty();
    }

    public BooleanProperty showMlpsProperty() {
        return showMlps;
    }

    // ---- edits ----------------------------------------------------------------------------------

    public void toggle(Node n) {
        if (circuit() != null) working.edit(circuit().toggled(n));
    }

    /** Sets several nodes in or out as one undoable step (a drag). */
    public void paint(List<Node> nodes, boolean present) {
        Circuit c = circuit();
        if (c == null) return;
        for (Node n : nodes) c = present ? c.with(n) : c.without(n);
        working.edit(c);
    }

    /** Shift-click: a whole layer out if all its heads are in, else all in. */
    public void toggleLayer(int layer) {
        Circuit c = circuit();
        if (c == null) return;
        int heads = c.heads();
        boolean allIn = c.headsInLayer(layer).length == heads;
        for (int h = 0; h < heads; h++) c = allIn ? c.without(Node.head(layer, h)) : c.with(Node.head(layer, h));
        working.edit(c);
    }

    public void selectAll() {
        Circuit c = circuit();
        if (c == null) return;
        working.edit(showMlps.get() ? Circuit.allWithMlps(c.layers(), c.heads()) : Circuit.all(c.layers(), c.heads()));
    }

    public void selectNone() {
        Circuit c = circuit();
        if (c == null) return;
        working.edit(showMlps.get() ? Circuit.of(c.layers(), c.heads(), List.of(), true) : Circuit.none(c.layers(), c.heads()));
    }

    /** Replaces the circuit (a run's result, a named circuit) as one undoable step. */
    public void setCircuit(Circuit c) {
        working.set(c);
    }

    public void undo() {
        working.undo();
    }

    public void redo() {
        working.redo();
    }

    /** Takes back the first click of a double-click (see {@link WorkingCircuit#cancelToggle}). */
    public void cancelToggle(Node n) {
        working.cancelToggle(n);
    }

    public ReadOnlyBooleanProperty canUndoProperty() {
        return working.canUndoProperty();
    }

    public ReadOnlyBooleanProperty canRedoProperty() {
        return working.canRedoProperty();
    }

    // ---- live score -----------------------------------------------------------------------------

    /** Scores the grid's circuit in the live lane; while one score runs, newer requests merge into one. */
    public void requestScore() {
        details.set(null);
        breakdown.clear(); // never a table of another circuit
        text.computing();
        scorer.request();
    }

    /** A score and its task's clean prompts (for the per-prompt breakdown). */
    private record Scored(ScoreDetails details, List<org.circuitbench.task.Prompt> clean) {
    }

    /** The live score's side of the grid: what is scored, how, and what shows. */
    private final class Scoring implements LatestOnly.Client<Circuit, Scored> {
        @Override
        public Circuit target() {
            return working.get();
        }

        @Override
        public Job.Fluent<Scored> job(Circuit target) {
            EvaluatorHandle<FastEvaluator> ev = evaluator.get();
            return ev == null ? null : Job.of("score " + target.size() + " nodes", workspace.reading(ctx -> ev.use(e -> {
                e.setBase(target);
                return new Scored(e.details(target), e.task().tokenized().task().clean());
            })));
        }

        @Override
        public void none() {
            text.none(working.noTask());
        }

        @Override
        public void failed(Circuit target, Throwable cause) {
            text.failed(cause);
        }

        @Override
        public void show(Circuit target, Scored s) {
            ScoreDetails d = s.details();
            details.set(d);
            breakdown.show(d, s.clean());
            caption.set(caption(d.method()));
            text.show(d.score(), d.method(), String.format(Locale.ROOT,
                    "circuit %s %.4f · full %.4f · %d heads%s · circuit right on %d/%d (full model %d/%d)",
                    d.method().metric().label(), d.circuitMetric(), d.fullMetric(), d.circuit().headCount(),
                    d.circuit().hasMlpNodes() ? " + " + (d.circuit().size() - d.circuit().headCount()) + " MLPs" : "",
                    d.circuitCorrect(), d.prompts(), d.fullCorrect(), d.prompts()));
        }
    }

    /** What the score is, in words: "Score: 100 × circuit logit diff / full logit diff" for the seed's method. */
    static String caption(org.circuitbench.ablation.Method m) {
        String metric = m.metric() == org.circuitbench.ablation.Metric.LOGIT_DIFF ? "logit diff" : m.metric().label();
        String how = switch (m.normalisation()) {
            case RATIO -> "100 × circuit " + metric + " / full " + metric;
            case FAITHFULNESS -> "100 × (circuit − empty) / (full − empty) " + metric;
            case NONE -> metric + " of the circuit from the full model, in nats (0 = the full model; lower is better)";
        };
        return "Score: " + how + (m.ablation() == org.circuitbench.ablation.AblationKind.MEAN ? "" : " · " + m.ablation().id + " ablation");
    }

    public ReadOnlyStringProperty captionProperty() {
        return caption.getReadOnlyProperty();
    }

    /** The per-prompt breakdown of the score shown. */
    public PromptBreakdown breakdown() {
        return breakdown;
    }

    /** Asks where, then writes the per-prompt breakdown as CSV (the same table as score --per-prompt --out). */
    public void exportBreakdown() {
        String csv = breakdown.csv();
        if (csv == null) return;
        dialogs.saveFile("Export the per-prompt breakdown", org.circuitbench.ui.common.DialogService.FileType.CSV, "per-prompt.csv")
                .ifPresent(p -> org.circuitbench.ui.common.Exports.writeText(dialogs, p, csv));
    }

    public ReadOnlyObjectProperty<ScoreDetails> detailsProperty() {
        return details.getReadOnlyProperty();
    }

    public ReadOnlyStringProperty scoreTextProperty() {
        return text.scoreProperty();
    }

    public ReadOnlyStringProperty detailTextProperty() {
        return text.detailProperty();
    }

    public ReadOnlyStringProperty errorProperty() {
        return text.errorProperty();
    }

    public ReadOnlyBooleanProperty busyProperty() {
        return scorer.busyProperty();
    }

    // ---- overlays -------------------------------------------------------------------------------

    public ObjectProperty<Overlay> overlayProperty() {
        return overlay;
    }

    /**
     * A sweep of {@code of} (null: unknown) as the importance overlay; while the attribution
     * overlay shows, it stays, and the sweep's exact drops join its tooltips.
     */
    @Override
    public void showImportance(java.util.Map<Node, Double> scoreWithout, double circuitScore, Circuit of) {
        importance.clear();
        importance.putAll(scoreWithout);
        importanceBase = circuitScore;
        importanceCircuit = of;
        if (overlay.get() != Overlay.ATTRIBUTION) overlay.set(Overlay.IMPORTANCE);
    }

    /** The attribution estimate at {@code at}: each node's estimated drop (nodes without one are left out). */
    @Override
    public void showEstimate(java.util.Map<Node, Double> drops, Circuit at) {
        estimate.clear();
        estimate.putAll(drops);
        estimateCircuit.set(at);
    }

    private void clearEstimate() {
        estimate.clear();
        estimateCircuit.set(null);
    }

    public ObservableMap<Node, Double> estimate() {
        return estimate;
    }

    /** The circuit the estimate was computed at; the overlay shows it only while that is the grid's circuit. */
    public ReadOnlyObjectProperty<Circuit> estimateCircuitProperty() {
        return estimateCircuit.getReadOnlyProperty();
    }

    @Override
    public ObservableBooleanValue estimateWanted() {
        return estimateWanted;
    }

    @Override
    public Circuit estimateShownFor() {
        return estimateCircuit.get();
    }

    /** Whether the estimate belongs to the circuit on the grid. */
    public boolean estimateIsCurrent() {
        return estimateCircuit.get() != null && estimateCircuit.get().equals(working.get());
    }

    /** The estimated drop of a node at the grid's circuit, NaN when there is none. */
    public double estimatedDrop(Node n) {
        Double d = estimateIsCurrent() ? estimate.get(n) : null;
        return d == null ? Double.NaN : d;
    }

    /** The exact drop of a node from a sweep of the grid's circuit, NaN when there is none. */
    public double exactDrop(Node n) {
        return importanceCircuit != null && importanceCircuit.equals(working.get()) ? drop(n) : Double.NaN;
    }

    @Override
    public void showComparison(List<Compared> circuits) {
        if (circuits.size() > MAX_COMPARED) {
            throw new IllegalArgumentException("The grid tells at most " + MAX_COMPARED + " circuits apart; " + circuits.size() + " were given.");
        }
        compared.setAll(circuits);
        overlay.set(Overlay.COMPARE);
    }

    public ObservableMap<Node, Double> importance() {
        return importance;
    }

    public double importanceBase() {
        return importanceBase;
    }

    public ObservableList<Compared> compared() {
        return compared;
    }

    /** How many points removing a node costs, or NaN without an importance overlay for it. */
    public double drop(Node n) {
        Double w = importance.get(n);
        return w == null ? Double.NaN : importanceBase - w;
    }

    /** Which compared circuits hold a node, as a bit mask (bit i: circuit i). */
    public int membership(Node n) {
        int m = 0;
        for (int i = 0; i < compared.size(); i++) if (compared.get(i).circuit().contains(n)) m |= 1 << i;
        return m;
    }

    /** The exact numbers for a cell's tooltip. */
    public String cellInfo(Node n) {
        StringBuilder sb = new StringBuilder(n instanceof Node.Mlp ? "MLP " + n.layer() : "Head " + n);
        if (working.get() == null) return sb.toString();
        sb.append(working.get().keeps(n) ? " · in the circuit" : " · mean-ablated");
        Double w = importance.get(n);
        if (w != null) {
            sb.append(String.format(Locale.ROOT, "%nscore without it: %.4f (%+.4f)", w, w - importanceBase));
        }
        if (overlay.get() == Overlay.ATTRIBUTION) {
            double est = estimatedDrop(n), exact = exactDrop(n);
            if (!Double.isNaN(est)) sb.append(String.format(Locale.ROOT, "%nestimated drop: %.4f points (one backward pass)", est));
            else if (working.get().keeps(n)) sb.append(estimateIsCurrent() ? "\nno estimate" : "\nestimating…");
            if (!Double.isNaN(exact)) sb.append(String.format(Locale.ROOT, "%nexact drop: %.4f points (importance sweep)", exact));
            else if (!Double.isNaN(est)) sb.append("\nexact drop: not swept yet (Exact sweep ranks the circuit)");
        }
        if (!compared.isEmpty()) {
            List<String> in = compared.stream().filter(c -> c.circuit().contains(n)).map(Compared::name).toList();
            sb.append("\nin: ").append(in.isEmpty() ? "none of the compared circuits" : String.join(", ", in));
        }
        return sb.toString();
    }
}
