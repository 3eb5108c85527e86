package org.circuitbench.ui.common;

import javafx.scene.control.Alert;
import javafx.scene.control.ButtonBar;
import javafx.scene.control.ButtonType;
import javafx.scene.control.ChoiceDialog;
import javafx.scene.control.Dialog;
import javafx.scene.control.Label;
import javafx.scene.control.TextInputDialog;
import javafx.scene.layout.Region;
import javafx.stage.DirectoryChooser;
import javafx.stage.FileChooser;
import javafx.stage.Window;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/** The dialogs as JavaFX shows them, owned by the main window. */
public final class FxDialogService implements DialogService {
    private final Supplier<Window> owner;

    public FxDialogService(Supplier<Window> owner) {
        this.owner = owner;
    }

    @Override
    public void error(String header, String message) {
        show(alert(Alert.AlertType.ERROR, header, message));
    }

    @Override
    public void info(String header, String message) {
        show(alert(Alert.AlertType.INFORMATION, header, message));
    }

    @Override
    public boolean confirm(String header, String message, String yes, String no) {
        ButtonType y = new ButtonType(yes, ButtonBar.ButtonData.YES);
        ButtonType n = new ButtonType(no, ButtonBar.ButtonData.NO);
        Alert a = alert(Alert.AlertType.CONFIRMATION, header, message);
        a.getButtonTypes().setAll(y, n);
        return a.showAndWait().filter(b -> b == y).isPresent();
    }

    @Override
    public Unsaved askToSave(String header, String message) {
        ButtonType save = new ButtonType("Save", ButtonBar.ButtonData.YES);
        ButtonType discard = new ButtonType("Don't save", ButtonBar.ButtonData.NO);
        ButtonType cancel = new ButtonType("Cancel", ButtonBar.ButtonData.CANCEL_CLOSE);
        Alert a = alert(Alert.AlertType.WARNING, header, message);
        a.getButtonTypes().setAll(save, discard, cancel);
        Optional<ButtonType> r = a.showAndWait();
        return r.isEmpty() || r.get() == cancel ? Unsaved.CANCEL : r.get() == save ? Unsaved.SAVE : Unsaved.DISCARD;
    }

    @Override
    public Unsaved askToApply(String header, String message) {
        ButtonType apply = new ButtonType("Apply", ButtonBar.ButtonData.YES);
        ButtonType discard = new ButtonType("Don't apply", ButtonBar.ButtonData.NO);
        ButtonType cancel = new ButtonType("Cancel", ButtonBar.ButtonData.CANCEL_CLOSE);
        Alert a = alert(Alert.AlertType.WARNING, header, message);
        a.getButtonTypes().setAll(apply, discard, cancel);
        Optional<ButtonType> r = a.showAndWait();
        return r.isEmpty() || r.get() == cancel ? Unsaved.CANCEL : r.get() == apply ? Unsaved.SAVE : Unsaved.DISCARD;
    }

    @Override
    public Optional<Path> openFile(String title, FileType type, Path initialFolder) {
        FileChooser fc = chooser(title, type);
        if (initialFolder != null && Files.isDirectory(initialFolder)) fc.setInitialDirectory(initialFolder.toFile());
        return path(fc.showOpenDialog(owner.get()));
    }

    @Override
    public Optional<Path> saveFile(String title, FileType type, String initialName, Path initialFolder) {
        FileChooser fc = chooser(title, type);
        fc.setInitialFileName(initialName);
        if (initialFolder != null && Files.isDirectory(initialFolder)) fc.setInitialDirectory(initialFolder.toFile());
        return path(fc.showSaveDialog(owner.get()));
    }

    @Override
    public Optional<Path> openFolder(String title) {
        DirectoryChooser dc = new DirectoryChooser();
        dc.setTitle(title);
        return path(dc.showDialog(owner.get()));
    }

    @Override
    public Optional<String> input(String header, String initial) {
        TextInputDialog d = new TextInputDialog(initial);
        return ask(d, header);
    }

    @Override
    public Optional<String> choose(String header, List<String> choices, String initial) {
        return ask(new ChoiceDialog<>(initial, choices), header);
    }

    private <T> Optional<T> ask(Dialog<T> d, String header) {
        d.setTitle("Circuit Workbench");
        d.setHeaderText(header);
        d.initOwner(owner.get());
        return d.showAndWait();
    }

    private static FileChooser chooser(String title, FileType type) {
        FileChooser fc = new FileChooser();
        fc.setTitle(title);
        fc.getExtensionFilters().add(new FileChooser.ExtensionFilter(type.description(), type.patterns()));
        return fc;
    }

    private static Optional<Path> path(File f) {
        return f == null ? Optional.empty() : Optional.of(f.toPath());
    }

    private Alert alert(Alert.AlertType type, String header, String message) {
        Alert a = new Alert(type);
        a.initOwner(owner.get());
        a.setTitle("Circuit Workbench");
        a.setHeaderText(header);
        Label l = new Label(message);
        l.setWrapText(true);
        l.setMaxWidth(520);
        l.setPrefWidth(520); // wrap long messages instead of widening the dialog past the screen
        a.getDialogPane().setContent(l);
        a.getDialogPane().setMinHeight(Region.USE_PREF_SIZE);
        return a;
    }

    private static void show(Alert a) {
        a.show();
    }
}
