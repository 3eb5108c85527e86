package org.circuitbench.ui.common;

import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.Predicate;

/** Undo and redo of a view's circuit (the grid's, the graph's): the states before and after each edit. */
public final class EditHistory<T> {
    private final Deque<T> undo = new ArrayDeque<>();
    private final Deque<T> redo = new ArrayDeque<>();
    private final ReadOnlyBooleanWrapper canUndo = new ReadOnlyBooleanWrapper(false);
    private final ReadOnlyBooleanWrapper canRedo = new ReadOnlyBooleanWrapper(false);

    /** An edit left {@code before}: it can be undone, and what was undone cannot be redone. */
    public void edited(T before) {
        undo.push(before);
        redo.clear();
        update();
    }

    /** The state to go back to from {@code now} (which becomes redoable), or null when there is none. */
    public T undo(T now) {
        return step(undo, redo, now);
    }

    /** The state to go forward to from {@code now}, or null when there is none. */
    public T redo(T now) {
        return step(redo, undo, now);
    }

    /** Takes back the last edit as if it never happened, when {@code wasIt} holds for the state before it; that state, or null. */
    public T forgetLast(Predicate<T> wasIt) {
        if (undo.isEmpty() || !wasIt.test(undo.peek())) return null;
        T before = undo.pop();
        update();
        return before;
    }

    public void clear() {
        undo.clear();
        redo.clear();
        update();
    }

    public ReadOnlyBooleanProperty canUndoProperty() {
        return canUndo.getReadOnlyProperty();
    }

    public ReadOnlyBooleanProperty canRedoProperty() {
        return canRedo.getReadOnlyProperty();
    }

    private T step(Deque<T> from, Deque<T> to, T now) {
        if (from.isEmpty() || now == null) return null;
        to.push(now);
        T next = from.pop();
        update();
        return next;
    }

    private void update() {
        canUndo.set(!undo.isEmpty());
        canRedo.set(!redo.isEmpty());
    }
}
