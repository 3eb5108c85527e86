package org.circuitbench.ui.common;

import javafx.scene.control.Button;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.TableCell;
import javafx.scene.control.TableColumn;
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
}
