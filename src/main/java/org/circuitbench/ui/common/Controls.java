package org.circuitbench.ui.common;

import javafx.beans.binding.Bindings;
import javafx.beans.property.StringProperty;
import javafx.beans.value.ObservableBooleanValue;
import javafx.beans.value.ObservableValue;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.TableCell;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TextField;
import javafx.util.Callback;

import java.util.Locale;
import java.util.function.Function;

/** Small factories the views share. */
public final class Controls {
    private Controls() {
    }

    public static Button button(String text, String id, Runnable action) {
        Button b = new Button(text);
        if (id != null) b.setId(id);
        b.setOnAction(e -> action.run());
        return b;
    }

    /** Never narrower than its text: a row gives way elsewhere instead of clipping it. */
    public static <T extends javafx.scene.layout.Region> T fixed(T r) {
        r.setMinWidth(javafx.scene.layout.Region.USE_PREF_SIZE);
        return r;
    }

    /** List cells that show {@code text(item)}. */
    public static <T> Callback<ListView<T>, ListCell<T>> textCells(Function<T, String> text) {
        return l -> new ListCell<>() {
            @Override
            protected void updateItem(T item, boolean empty) {
                super.updateItem(item, empty);
                setText(empty || item == null ? null : text.apply(item));
            }
        };
    }

    /** Table cells that format a number, e.g. "%.4f". */
    public static <S> Callback<TableColumn<S, Double>, TableCell<S, Double>> numberCells(String format) {
        return c -> new TableCell<>() {
            @Override
            protected void updateItem(Double v, boolean empty) {
                super.updateItem(v, empty);
                setText(empty || v == null ? "" : String.format(Locale.ROOT, format, v));
            }
        };
    }

    /** A section's heading in a side panel. */
    public static Label section(String text) {
        Label l = new Label(text);
        l.getStyleClass().add("section");
        return l;
    }

    /** A label that shows {@code text} as it changes, wrapped to its width. */
    public static Label label(String id, ObservableValue<String> text, String... styleClasses) {
        Label l = new Label();
        if (id != null) l.setId(id);
        l.setWrapText(true);
        l.getStyleClass().addAll(styleClasses);
        l.textProperty().bind(text);
        return l;
    }

    /** A threshold field bound to its text; red while the text is not a number (the view model says why). */
    public static TextField thresholdField(String id, StringProperty text, ObservableBooleanValue valid, int columns) {
        TextField t = new TextField();
        t.setId(id);
        t.setPrefColumnCount(columns);
        t.textProperty().bindBidirectional(text);
        valid.addListener((o, a, ok) -> {
            if (ok) t.getStyleClass().remove("invalid");
            else if (!t.getStyleClass().contains("invalid")) t.getStyleClass().add("invalid");
        });
        return t;
    }

    /** All, None, Undo and Redo of an edited circuit (ids {@code prefix-all}, …); Undo and Redo only while there is a step. */
    public static Button[] editButtons(String prefix, Runnable all, Runnable none, Runnable undo, Runnable redo,
                                       ObservableBooleanValue canUndo, ObservableBooleanValue canRedo) {
        Button u = button("Undo", prefix + "-undo", undo);
        Button r = button("Redo", prefix + "-redo", redo);
        u.disableProperty().bind(Bindings.not(canUndo));
        r.disableProperty().bind(Bindings.not(canRedo));
        return new Button[] {button("All", prefix + "-all", all), button("None", prefix + "-none", none), u, r};
    }
}
