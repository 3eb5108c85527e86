package org.circuitbench.ui.runs;

import javafx.collections.ListChangeListener;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.TextField;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import org.circuitbench.session.Session;
import org.circuitbench.ui.common.Controls;

import java.util.Locale;

/**
 * Runs on edges beside the graph: method, start and threshold, Run and Cancel, progress with the
 * time left, the log filling as the run goes, and the history of edge runs with Apply to graph.
 * It only binds the edge configuration of {@link RunViewModel}.
 */
public final class EdgeRunsPanel extends VBox {
    public EdgeRunsPanel(RunViewModel<Session.RunRecord> vm, EdgeRuns settings) {
        super(6);
        ChoiceBox<EdgeRuns.Method> method = new ChoiceBox<>();
        method.setId("graph-method");
        method.getItems().setAll(EdgeRuns.Method.values());
        method.valueProperty().bindBidirectional(settings.methodProperty());
        ChoiceBox<EdgeRuns.Start> start = new ChoiceBox<>();
        start.setId("graph-start");
        start.getItems().setAll(EdgeRuns.Start.values());
        start.valueProperty().bindBidirectional(settings.startProperty());
        TextField threshold = Controls.thresholdField("graph-threshold", vm.thresholdTextProperty(), vm.thresholdValidProperty(), 4);
        Button run = Controls.button("Run", "graph-run", vm::start);
        run.disableProperty().bind(vm.runningProperty().or(vm.thresholdValidProperty().not()));
        Button cancel = Controls.button("Cancel", "graph-cancel", vm::cancel);
        cancel.disableProperty().bind(vm.runningProperty().not());
        ProgressBar progress = new ProgressBar();
        progress.setId("graph-progress");
        progress.setMaxWidth(Double.MAX_VALUE);
        progress.progressProperty().bind(vm.progressProperty());
        progress.visibleProperty().bind(vm.runningProperty().or(vm.progressProperty().greaterThan(0)));
        Label eta = Controls.label("graph-eta", vm.etaProperty(), "caption");
        Label status = Controls.label("graph-status", vm.statusProperty(), "caption");
        ListView<LogRow> log = new ListView<>(vm.log());
        log.setId("graph-log");
        log.setPrefHeight(150);
        log.setCellFactory(l -> new ListCell<>() {
            @Override
            protected void updateItem(LogRow r, boolean empty) {
                super.updateItem(r, empty);
                setText(empty || r == null ? null : String.format(Locale.ROOT, "%d. %s → %.4f", r.step(), r.element(), r.score()));
            }
        });
        vm.log().addListener((ListChangeListener<LogRow>) c -> {
            if (!vm.log().isEmpty()) log.scrollTo(vm.log().size() - 1);
        });
        ListView<Session.RunRecord> history = new ListView<>(vm.shown());
        history.setId("graph-history");
        history.setPrefHeight(110);
        history.setCellFactory(Controls.textCells(vm.kind()::describe));
        history.getSelectionModel().selectedItemProperty().addListener((o, was, now) -> vm.selectedProperty().set(now));
        vm.selectedProperty().addListener((o, a, b) -> {
            if (b != null && history.getSelectionModel().getSelectedItem() != b) history.getSelectionModel().select(b);
        });
        Button apply = Controls.button("Apply to graph", "graph-apply", vm::applySelected);
        apply.disableProperty().bind(vm.selectedProperty().isNull());

        HBox settingsRow = new HBox(6, new Label("T"), threshold, run, cancel);
        settingsRow.setAlignment(Pos.CENTER_LEFT);
        getChildren().addAll(Controls.section("Run on edges"), method, new HBox(6, new Label("from"), start), settingsRow, progress, eta, status, log,
                Controls.section("Edge runs"), history, Controls.label("graph-hidden", vm.hiddenNoteProperty(), "caption"), apply);
        VBox.setVgrow(log, Priority.ALWAYS);
    }

}
