package org.circuitbench.ui.heads;

import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.collections.ListChangeListener;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.Scene;
import javafx.scene.canvas.Canvas;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import javafx.scene.paint.Color;
import javafx.stage.Stage;
import javafx.stage.Window;
import org.circuitbench.explain.OvTokens;
import org.circuitbench.ui.common.Controls;

import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The head inspector's window: the head's measures (full model and scope side by side), its
 * attention pattern on a chosen prompt, and its OV top 5 tokens for each labelled token of that
 * prompt. One window, raised by every {@link HeadInspectorViewModel#inspect}; it closes when the
 * session or task changes.
 */
public final class HeadInspectorView extends BorderPane {
    private final Canvas pattern = new Canvas(360, 330);

    HeadInspectorView(HeadInspectorViewModel vm) {
        setId("inspector");
        Label title = new Label();
        title.setId("inspector-title");
        title.getStyleClass().add("section");
        title.textProperty().bind(vm.titleProperty());

        TableView<HeadInspectorViewModel.Row> measures = new TableView<>(vm.rows());
        measures.setId("inspector-table");
        measures.getColumns().add(col("measure", HeadInspectorViewModel.Row::measure, 175));
        measures.getColumns().add(col("full model", HeadInspectorViewModel.Row::full, 95));
        TableColumn<HeadInspectorViewModel.Row, String> scoped = col("", HeadInspectorViewModel.Row::scope, 125);
        scoped.textProperty().bind(vm.scopeNameProperty());
        scoped.visibleProperty().bind(vm.scopeNameProperty().isNotEmpty());
        measures.getColumns().add(scoped);
        measures.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
        measures.setPlaceholder(new Label("Compute in the Heads tab fills this table."));
        measures.setPrefWidth(410);
        measures.setMinWidth(360);

        ComboBox<String> prompt = new ComboBox<>(vm.prompts());
        prompt.setId("inspector-prompt");
        prompt.setMaxWidth(320);
        prompt.getSelectionModel().selectedIndexProperty().addListener((o, a, b) -> {
            if (b.intValue() >= 0 && b.intValue() != vm.promptProperty().get()) vm.promptProperty().set(b.intValue());
        });
        Runnable selectPrompt = () -> {
            int i = vm.promptProperty().get();
            if (i >= 0 && i < vm.prompts().size() && prompt.getSelectionModel().getSelectedIndex() != i) prompt.getSelectionModel().select(i);
        };
        vm.promptProperty().addListener((o, a, b) -> selectPrompt.run());
        vm.prompts().addListener((ListChangeListener<String>) c -> selectPrompt.run());
        selectPrompt.run();
        pattern.setId("inspector-pattern");
        vm.patternProperty().addListener((o, a, p) -> {
            if (p != null) AttentionPatternView.paint(pattern, p);
            else pattern.getGraphicsContext2D().clearRect(0, 0, pattern.getWidth(), pattern.getHeight());
        });
        if (vm.patternProperty().get() != null) AttentionPatternView.paint(pattern, vm.patternProperty().get());
        Label patternCaption = new Label("Attention pattern (rows: queries, columns: keys) on the scope's pass");
        patternCaption.getStyleClass().add("caption");

        TableView<OvTokens.Entry> ov = new TableView<>(vm.ovTokens());
        ov.setId("inspector-ov");
        ov.getColumns().add(HeadInspectorView.<OvTokens.Entry>col("label", OvTokens.Entry::label, 50));
        ov.getColumns().add(HeadInspectorView.<OvTokens.Entry>col("token", OvTokens.Entry::token, 70));
        ov.getColumns().add(HeadInspectorView.<OvTokens.Entry>col("OV top 5", e -> String.join("  ", e.top().stream().map(t -> t.replace(' ', '␣')).toList()), 260));
        ov.getColumns().add(HeadInspectorView.<OvTokens.Entry>col("next", e -> e.next() ? "✓" : "", 44));
        ov.getColumns().add(HeadInspectorView.<OvTokens.Entry>col("copy", e -> e.copy() ? "✓" : "", 44));
        ov.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
        ov.setPlaceholder(new Label("OV tokens appear here once computed."));
        ov.setPrefHeight(150);
        ov.setMinHeight(130);
        Label ovCaption = new Label("OV: the tokens the head writes most for each labelled token of the prompt; "
                + "next/copy: its successor / itself is among them (with or without a leading space, ␣).");
        ovCaption.setWrapText(true);
        ovCaption.setMaxWidth(540);
        ovCaption.setMinHeight(Label.USE_PREF_SIZE);
        ovCaption.getStyleClass().add("caption");

        HBox promptRow = new HBox(8, new Label("Prompt"), prompt);
        promptRow.setAlignment(Pos.CENTER_LEFT);
        VBox right = new VBox(6, promptRow, pattern, patternCaption, ov, ovCaption);
        right.setMinWidth(400);
        HBox body = new HBox(12, measures, right);
        HBox.setHgrow(right, Priority.ALWAYS);
        Label status = Controls.label("inspector-status", vm.statusProperty());
        Label hint = Controls.label("inspector-hint", vm.hintProperty(), "caption");
        hint.visibleProperty().bind(vm.hintProperty().isNotEmpty());
        hint.managedProperty().bind(hint.visibleProperty());
        setTop(new VBox(4, title, hint));
        setCenter(body);
        setBottom(status);
        BorderPane.setMargin(body, new Insets(8, 0, 8, 0));
        setPadding(new Insets(10));
        setStyle("-fx-background-color: white;");
        pattern.getGraphicsContext2D().setFill(Color.WHITE);
    }

    /** One inspector window for the app, shown (or raised) on each inspect and hidden when nothing is inspected. */
    public static void install(Supplier<Window> owner, HeadInspectorViewModel vm, String css) {
        Stage[] stage = new Stage[1];
        vm.requestsProperty().addListener((o, a, b) -> {
            if (stage[0] == null) {
                Stage s = new Stage();
                Window w = owner.get();
                if (w != null) s.initOwner(w);
                s.titleProperty().bind(vm.titleProperty());
                Scene scene = new Scene(new HeadInspectorView(vm), 1000, 680);
                if (css != null) scene.getStylesheets().add(css);
                scene.setOnKeyPressed(e -> { // Escape closes it, as a dialog would
                    if (e.getCode() == javafx.scene.input.KeyCode.ESCAPE) s.hide();
                });
                s.setScene(scene);
                stage[0] = s;
            }
            stage[0].show();
            stage[0].toFront();
        });
        vm.headProperty().addListener((o, a, h) -> {
            if (h == null && stage[0] != null) stage[0].hide();
        });
    }

    /** A fixed text column of a table of {@code R} rows. */
    private static <R> TableColumn<R, String> col(String title, Function<R, String> f, double w) {
        TableColumn<R, String> c = new TableColumn<>(title);
        c.setCellValueFactory(d -> new ReadOnlyStringWrapper(f.apply(d.getValue())));
        c.setPrefWidth(w);
        c.setSortable(false);
        return c;
    }
}
