package org.circuitbench.ui.common;

import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyIntegerProperty;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.SimpleIntegerProperty;
import org.circuitbench.ablation.Circuit;
import org.circuitbench.ablation.Node;

/**
 * The node circuit the researcher works on, shared by the rooms of the window: the grid shows and
 * edits it, runs start from it and put their results on it, the graph keeps its edges in step with
 * it, and the Heads view and the analyses read it. It has the shape of the selected task's model
 * (or none while no task is ready), one undo history, and it tells the session of every edit.
 */
public final class WorkingCircuit {
    private final ReadOnlyObjectWrapper<Circuit> circuit = new ReadOnlyObjectWrapper<>();
    private final IntegerProperty layers = new SimpleIntegerProperty(12);
    private final IntegerProperty heads = new SimpleIntegerProperty(12);
    private final EditHistory<Circuit> edits = new EditHistory<>();
    private String noTask = "No task is ready.";
    private Runnable onEdit = () -> { };

    /** Called after each change by the user (an edit, undo, redo, a taken-back click): the session compares itself with its file. */
    public void setOnEdit(Runnable r) {
        onEdit = r;
    }

    /** A new model or task: its shape, and {@code start} if it fits (else every head); no undo history. */
    public void reset(int nLayers, int nHeads, Circuit start) {
        noTask = "No task is ready.";
        layers.set(nLayers);
        heads.set(nHeads);
        edits.clear();
        circuit.set(start != null && start.layers() == nLayers && start.heads() == nHeads ? start : Circuit.all(nLayers, nHeads));
    }

    /** No task to show: no circuit and no history; {@code why} is what a change is refused with meanwhile. */
    public void clear(String why) {
        noTask = why;
        edits.clear();
        circuit.set(null);
    }

    public Circuit get() {
        return circuit.get();
    }

    public ReadOnlyObjectProperty<Circuit> circuitProperty() {
        return circuit.getReadOnlyProperty();
    }

    public ReadOnlyIntegerProperty layersProperty() {
        return layers;
    }

    public ReadOnlyIntegerProperty headsProperty() {
        return heads;
    }

    /** Why there is no circuit, while there is none. */
    public String noTask() {
        return noTask;
    }

    /** A circuit spec ({@code 0.1,4.4}) on this model's shape. */
    public Circuit parse(String spec) {
        return Circuit.parse(spec, layers.get(), heads.get());
    }

    /** Replaces the circuit (a run's result, a named circuit) as one undoable step; one of another shape, or none shown, is refused. */
    public void set(Circuit c) {
        if (circuit.get() == null) throw new IllegalArgumentException(noTask);
        if (c.layers() != layers.get() || c.heads() != heads.get()) {
            throw new IllegalArgumentException("That circuit is for a " + c.layers() + "×" + c.heads() + " model; this one is "
                    + layers.get() + "×" + heads.get() + ".");
        }
        edit(c);
    }

    /** The user's edit: undoable; nothing happens when it changes nothing. */
    public void edit(Circuit next) {
        Circuit now = circuit.get();
        if (now == null || next.equals(now)) return;
        edits.edited(now);
        circuit.set(next);
        onEdit.run();
    }

    public void undo() {
        show(edits.undo(circuit.get()));
    }

    public void redo() {
        show(edits.redo(circuit.get()));
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
        onEdit.run();
    }

    /** A circuit from the history (none: nothing to undo or redo). */
    private void show(Circuit c) {
        if (c == null) return;
        circuit.set(c);
        onEdit.run();
    }

    public ReadOnlyBooleanProperty canUndoProperty() {
        return edits.canUndoProperty();
    }

    public ReadOnlyBooleanProperty canRedoProperty() {
        return edits.canRedoProperty();
    }
}
