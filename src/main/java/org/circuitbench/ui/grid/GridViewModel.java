package org.circuitbench.ui.grid;

import javafx.beans.property.BooleanProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import javafx.collections.ObservableMap;
import org.circuitbench.ablation.Circuit;
import org.circuitbench.ablation.FastEvaluator;
import org.circuitbench.ablation.Node;
import org.circuitbench.ablation.ScoreDetails;
import org.circuitbench.search.Job;
import org.circuitbench.ui.common.AppServices;
import org.circuitbench.ui.common.BackgroundRunner;
import org.circuitbench.ui.common.EditHistory;
import org.circuitbench.ui.common.Workspace;

import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The head grid: which nodes are in the circuit, undo and redo, overlays, and the live score.
 * Every edit asks for a score in the background, in the runner's live lane (so a prune or a sweep
 * never holds it up); rapid edits are merged, so only the newest circuit is computed, and a result
 * is shown only if it belongs to the circuit on the grid. MLPs are nodes only while their column
 * is shown: hiding it puts every MLP back, and a circuit with MLP nodes shows the column.
 */
public final class GridViewModel {
    /** ATTRIBUTION: each node's estimated drop from one backward pass (cell colour), the exact one in the tooltip when swept. */
    public enum Overlay { NONE, IMPORTANCE, COMPARE, ATTRIBUTION }

    /** How many circuits the compare overlay can tell apart (one colour each). */
    public static final int MAX_COMPARED = 4;

    private final BackgroundRunner runner;
    private final Supplier<FastEvaluator> evaluator; // null supplier result: no task prepared yet
    private final Workspace workspace;
    private String noTask = "No task is ready.";

    private final ObjectProperty<Circuit> circuit = new SimpleObjectProperty<>();
    private final ReadOnlyObjectWrapper<ScoreDetails> details = new ReadOnlyObjectWrapper<>();
    private final ReadOnlyStringWrapper scoreText = new ReadOnlyStringWrapper("–");
    private final ReadOnlyStringWrapper detailText = new ReadOnlyStringWrapper("");
    private final ReadOnlyStringWrapper error = new ReadOnlyStringWrapper("");
    private final BooleanProperty busy = new SimpleBooleanProperty(false);
    private final BooleanProperty showMlps = new SimpleBooleanProperty(false);
    private final IntegerProperty layers = new SimpleIntegerProperty(12);
    private final IntegerProperty heads = new SimpleIntegerProperty(12);
    private final ObjectProperty<Overlay> overlay = new SimpleObjectProperty<>(Overlay.NONE);
    /** Importance overlay: each node's score without it, and the circuit score it was measured against. */
    private final ObservableMap<Node, Double> importance = FXCollections.observableHashMap();
    private double importanceBase = Double.NaN;
    private Circuit importanceCircuit; // the circuit the sweep ranked (null: not known)
    /** Attribution overlay: each node's estimated drop at {@link #estimateCircuit}. */
    private final ObservableMap<Node, Double> estimate = FXCollections.observableHashMap();
    private final ReadOnlyObjectWrapper<Circuit> estimateCircuit = new ReadOnlyObjectWrapper<>();
    /** Compare overlay: 2 to {@link #MAX_COMPARED} named circuits. */
    private final ObservableList<NamedCircuitView> compared = FXCollections.observableArrayList();

    private final EditHistory<Circuit> edits = new EditHistory<>();
    private boolean scoring;
    private boolean pending;
    private long generation; // bumped when the model or task changes under the grid
    private Runnable onEdit = () -> { };

    /** A named circuit as overlays show it. */
    public record NamedCircuitView(String name, Circuit circuit) {
    }

    public GridViewModel(AppServices services, Supplier<FastEvaluator> evaluator) {
        this.runner = services.runner();
        this.workspace = services.workspace();
        this.evaluator = evaluator;
        showMlps.addListener((o, was, now) -> {
            Circuit c = circuit.get();
            if (!now && c != null && c.hasMlpNodes()) edit(headsOnly(c)); // a hidden MLP is never left ablated
        });
        circuit.addListener((o, was, now) -> {
            if (now != null && now.hasMlpNodes() && !showMlps.get()) showMlps.set(true); // e.g. undo back to MLP nodes
        });
    }

    /** The circuit's heads, with every MLP running (MLPs not nodes). */
    static Circuit headsOnly(Circuit c) {
        return Circuit.of(c.layers(), c.heads(), c.nodes().stream().filter(n -> n instanceof Node.Head).toList(), false);
    }

    /** Called after each edit by the user (the session marks itself changed). */
    public void setOnEdit(Runnable r) {
        onEdit = r;
    }

    // ---- shape and state ------------------------------------------------------------------------

    /** A new model or task: the grid takes its shape, keeps the circuit if it fits, and rescores. */
    public void reset(int nLayers, int nHeads, Circuit start) {
        generation++;
        noTask = "No task is ready.";
        detailText.set(""); // what the panel said while there was no task
        layers.set(nLayers);
        heads.set(nHeads);
        edits.clear();
        importance.clear();
        importanceCircuit = null;
        clearEstimate();
        compared.clear();
        overlay.set(Overlay.NONE);
        Circuit c = start != null && start.layers() == nLayers && start.heads() == nHeads ? start : Circuit.all(nLayers, nHeads);
        circuit.set(c);
        requestScore();
    }

    /**
     * No task to show (another session opened, or the session's model is missing): the grid keeps
     * its shape but no circuit, score, overlay or message of what was shown before; {@code why}
     * says what the score panel shows instead.
     */
    public void clear(String why) {
        generation++;
        noTask = why;
        edits.clear();
        importance.clear();
        importanceBase = Double.NaN;
        importanceCircuit = null;
        clearEstimate();
        compared.clear();
        overlay.set(Overlay.NONE);
        circuit.set(null);
        details.set(null);
        error.set("");
        scoreText.set("–");
        detailText.set(why);
        busy.set(pending || scoring);
    }

    public ReadOnlyObjectProperty<Circuit> circuitProperty() {
        return circuit;
    }

    public Circuit circuit() {
        return circuit.get();
    }

    public IntegerProperty layersProperty() {
        return layers;
    }

    public IntegerProperty headsProperty() {
        return heads;
    }

    public BooleanProperty showMlpsProperty() {
        return showMlps;
    }

    // ---- edits ----------------------------------------------------------------------------------

    public void toggle(Node n) {
        if (circuit.get() != null) edit(circuit.get().toggled(n));
    }

    /** Sets several nodes in or out as one undoable step (a drag). */
    public void paint(List<Node> nodes, boolean present) {
        Circuit c = circuit.get();
        if (c == null) return;
        for (Node n : nodes) c = present ? c.with(n) : c.without(n);
        edit(c);
    }

    /** Shift-click: a whole layer out if all its heads are in, else all in. */
    public void toggleLayer(int layer) {
        Circuit c = circuit.get();
        if (c == null) return;
        boolean allIn = c.headsInLayer(layer).length == heads.get();
        for (int h = 0; h < heads.get(); h++) c = allIn ? c.without(Node.head(layer, h)) : c.with(Node.head(layer, h));
        edit(c);
    }

    public void selectAll() {
        if (circuit.get() == null) return;
        Circuit c = Circuit.all(layers.get(), heads.get());
        edit(showMlps.get() ? Circuit.allWithMlps(layers.get(), heads.get()) : c);
    }

    public void selectNone() {
        if (circuit.get() == null) return;
        edit(showMlps.get() ? Circuit.of(layers.get(), heads.get(), List.of(), true) : Circuit.none(layers.get(), heads.get()));
    }

    /** Replaces the circuit (a run's result, a named circuit) as one undoable step. */
    public void setCircuit(Circuit c) {
        if (circuit.get() == null) throw new IllegalArgumentException(noTask);
        if (c.layers() != layers.get() || c.heads() != heads.get()) {
            throw new IllegalArgumentException("That circuit is for a " + c.layers() + "×" + c.heads() + " model; this one is "
                    + layers.get() + "×" + heads.get() + ".");
        }
        edit(c);
    }

    private void edit(Circuit next) {
        Circuit now = circuit.get();
        if (next.equals(now)) return;
        edits.edited(now);
        circuit.set(next);
        onEdit.run();
        requestScore();
    }

    public void undo() {
        show(edits.undo(circuit.get()));
    }

    /**
     * Takes back the click that toggled {@code n} as if it never happened (the first click of a
     * double-click, which opens the head inspector instead): only when the last edit was that toggle.
     */
    public void cancelToggle(Node n) {
        Circuit now = circuit.get();
        Circuit before = now == null ? null : edits.forgetLast(b -> b.toggled(n).equals(now));
        if (before == null) return;
        circuit.set(before);
        requestScore();
    }

    public void redo() {
        show(edits.redo(circuit.get()));
    }

    /** A circuit from the history (none: nothing to undo or redo). */
    private void show(Circuit c) {
        if (c == null) return;
        circuit.set(c);
        onEdit.run();
        requestScore();
    }

    public ReadOnlyBooleanProperty canUndoProperty() {
        return edits.canUndoProperty();
    }

    public ReadOnlyBooleanProperty canRedoProperty() {
        return edits.canRedoProperty();
    }

    // ---- live score -----------------------------------------------------------------------------

    /** Scores the grid's circuit in the background; while one score runs, newer requests merge into one. */
    public void requestScore() {
        details.set(null);
        scoreText.set("…");
        if (scoring) {
            pending = true;
            busy.set(true);
            return;
        }
        Circuit target = circuit.get();
        FastEvaluator ev = target == null ? null : evaluator.get();
        if (ev == null) {
            scoreText.set("–");
            detailText.set(noTask);
            busy.set(false);
            return;
        }
        long gen = generation;
        scoring = true;
        busy.set(true);
        runner.start(BackgroundRunner.Lane.LIVE, Job.of("score " + target.size() + " nodes", workspace.reading(ctx -> {
                    ev.setBase(target);
                    return ev.details(target);
                }))
                .onSuccess(d -> done(d, null, gen))
                .onFailure(e -> done(null, e, gen)));
    }

    private void done(ScoreDetails d, Throwable cause, long gen) {
        scoring = false;
        if (pending || gen != generation) { // the grid moved on: compute the newest state, show nothing stale
            pending = false;
            if (circuit.get() != null) requestScore();
            else busy.set(false);
            return;
        }
        busy.set(false);
        if (cause != null) {
            error.set(Job.message(cause));
            scoreText.set("error");
            return;
        }
        if (!d.circuit().equals(circuit.get())) { // belongs to an older grid
            requestScore();
            return;
        }
        error.set("");
        details.set(d);
        scoreText.set(String.format(Locale.ROOT, "%.2f %%", d.score()));
        detailText.set(String.format(Locale.ROOT,
                "circuit logit diff %.4f · full %.4f · %d heads%s · circuit right on %d/%d (full model %d/%d)",
                d.circuitMetric(), d.fullMetric(), d.circuit().headCount(),
                d.circuit().hasMlpNodes() ? " + " + (d.circuit().size() - d.circuit().headCount()) + " MLPs" : "",
                d.circuitCorrect(), d.prompts(), d.fullCorrect(), d.prompts()));
    }

    public ReadOnlyObjectProperty<ScoreDetails> detailsProperty() {
        return details.getReadOnlyProperty();
    }

    public ReadOnlyStringProperty scoreTextProperty() {
        return scoreText.getReadOnlyProperty();
    }

    public ReadOnlyStringProperty detailTextProperty() {
        return detailText.getReadOnlyProperty();
    }

    public ReadOnlyStringProperty errorProperty() {
        return error.getReadOnlyProperty();
    }

    public BooleanProperty busyProperty() {
        return busy;
    }

    // ---- overlays -------------------------------------------------------------------------------

    public ObjectProperty<Overlay> overlayProperty() {
        return overlay;
    }

    public void showImportance(java.util.Map<Node, Double> scoreWithout, double circuitScore) {
        showImportance(scoreWithout, circuitScore, null);
    }

    /**
     * A sweep of {@code of} (null: unknown) as the importance overlay; while the attribution
     * overlay shows, it stays, and the sweep's exact drops join its tooltips.
     */
    public void showImportance(java.util.Map<Node, Double> scoreWithout, double circuitScore, Circuit of) {
        importance.clear();
        importance.putAll(scoreWithout);
        importanceBase = circuitScore;
        importanceCircuit = of;
        if (overlay.get() != Overlay.ATTRIBUTION) overlay.set(Overlay.IMPORTANCE);
    }

    /** The attribution estimate at {@code at}: each node's estimated drop (nodes without one are left out). */
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

    /** Whether the estimate belongs to the circuit on the grid. */
    public boolean estimateIsCurrent() {
        return estimateCircuit.get() != null && estimateCircuit.get().equals(circuit.get());
    }

    /** The estimated drop of a node at the grid's circuit, NaN when there is none. */
    public double estimatedDrop(Node n) {
        Double d = estimateIsCurrent() ? estimate.get(n) : null;
        return d == null ? Double.NaN : d;
    }

    /** The exact drop of a node from a sweep of the grid's circuit, NaN when there is none. */
    public double exactDrop(Node n) {
        return importanceCircuit != null && importanceCircuit.equals(circuit.get()) ? drop(n) : Double.NaN;
    }

    /** Colours the cells by membership of 2 to {@link #MAX_COMPARED} circuits. */
    public void showComparison(List<NamedCircuitView> circuits) {
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

    public ObservableList<NamedCircuitView> compared() {
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
        if (circuit.get() == null) return sb.toString();
        sb.append(circuit.get().keeps(n) ? " · in the circuit" : " · mean-ablated");
        Double w = importance.get(n);
        if (w != null) {
            sb.append(String.format(Locale.ROOT, "%nscore without it: %.4f (%+.4f)", w, w - importanceBase));
        }
        if (overlay.get() == Overlay.ATTRIBUTION) {
            double est = estimatedDrop(n), exact = exactDrop(n);
            if (!Double.isNaN(est)) sb.append(String.format(Locale.ROOT, "%nestimated drop: %.4f points (one backward pass)", est));
            else if (circuit.get().keeps(n)) sb.append(estimateIsCurrent() ? "\nno estimate" : "\nestimating…");
            if (!Double.isNaN(exact)) sb.append(String.format(Locale.ROOT, "%nexact drop: %.4f points (importance sweep)", exact));
            else if (!Double.isNaN(est)) sb.append("\nexact drop: not swept yet (Exact sweep ranks the circuit)");
        }
        if (!compared.isEmpty()) {
            List<String> in = compared.stream().filter(c -> c.circuit().contains(n)).map(NamedCircuitView::name).toList();
            sb.append("\nin: ").append(in.isEmpty() ? "none of the compared circuits" : String.join(", ", in));
        }
        return sb.toString();
    }
}
