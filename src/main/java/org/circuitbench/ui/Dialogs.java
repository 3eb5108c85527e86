package org.circuitbench.ui;

import javafx.scene.control.Alert;
import javafx.scene.control.ButtonType;
import javafx.scene.control.Label;
import javafx.stage.Window;

import java.util.Optional;

/** Small modal messages. */
final class Dialogs {
    private Dialogs() {
    }

    static void error(Window owner, String header, String message) {
        show(Alert.AlertType.ERROR, owner, header, message);
    }

    static void info(Window owner, String header, String message) {
        show(Alert.AlertType.INFORMATION, owner, header, message);
    }

    private static void show(Alert.AlertType type, Window owner, String header, String message) {
        Alert a = new Alert(type);
        a.initOwner(owner);
        a.setTitle("Circuit Workbench");
        a.setHeaderText(header);
        Label l = new Label(message);
        l.setWrapText(true);
        l.setMaxWidth(520);
        l.setPrefWidth(520); // wrap long messages instead of widening the dialog past the screen
        a.getDialogPane().setContent(l);
        a.getDialogPane().setMinHeight(javafx.scene.layout.Region.USE_PREF_SIZE);
        a.show();
    }

    static boolean confirm(Window owner, String header, String message, String yes, String no) {
        ButtonType y = new ButtonType(yes, javafx.scene.control.ButtonBar.ButtonData.YES);
        ButtonType n = new ButtonType(no, javafx.scene.control.ButtonBar.ButtonData.NO);
        Alert a = new Alert(Alert.AlertType.CONFIRMATION, message, y, n);
        a.initOwner(owner);
        a.setTitle("Circuit Workbench");
        a.setHeaderText(header);
        Optional<ButtonType> r = a.showAndWait();
        return r.isPresent() && r.get() == y;
    }
}
