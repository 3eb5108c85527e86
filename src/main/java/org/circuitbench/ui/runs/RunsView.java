package org.circuitbench.ui.runs;

import javafx.collections.ListChangeListener;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.chart.LineChart;
import javafx.scene.chart.NumberAxis;
import javafx.scene.chart.XYChart;
import javafx.scene.control.Button;
import javafx.scene.control.CheckBox;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.Label;
import javafx.scene.control.ListView;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.Spinner;
import javafx.scene.control.SplitPane;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.control.TextField;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import org.circuitbench.search.SearchMethod;
import org.circuitbench.session.Session;
import org.circuitbench.ui.common.Controls;

/**
 * Pruning runs: settings, Run and Cancel, a progress bar with ETA, a live chart of the score
 * against the removal step, the removal log filling as it runs, and the history of runs.
 */
public final class RunsView extends BorderPane {
    private final RunViewModel<Session.RunRecord> vm;
    private final XYChart.Series<Number, Number> series = new XYChart.Series<>();

    /** {@code saveAs}: Save as circuit… (asks for a name through the dialog service). */
    public RunsView(RunViewModel<Session.RunRecord> vm, NodePrunes settings, Runnable saveAs) {
        this.vm = vm;
        setPadding(new Insets(8));

        ChoiceBox<SearchMethod> method = new ChoiceBox<>();
        method.setId("run-method");
        method.getItems().setAll(SearchMethod.values());
        method.valueProperty().bindBidirectional(settings.methodProperty());
        TextField threshold = Controls.thresholdField("run-threshold", vm.thresholdTextProperty(), vm.thresholdValidProperty(), 5);
        CheckBox fromGrid = new CheckBox("start from the grid's circuit (else from all heads)");
        fromGrid.setId("run-from-grid");
        fromGrid.selectedProperty().bindBidirectional(settings.startFromGridProperty());
        Spinner<Integer> seed = new Spinner<>(0, Integer.MAX_VALUE, (int) settings.seedProperty().get());
        seed.setEditable(true);
        seed.setPrefWidth(100);
        seed.valueProperty().addListener((o, a, b) -> settings.seedProperty().set(b));
        Spinner<Integer> iterations = new Spinner<>(1, 100_000, settings.iterationsProperty().get());
        iterations.setEditable(true);
        iterations.setPrefWidth(100);
        iterations.valueProperty().addListener((o, a, b) -> settings.iterationsProperty().set(b));
        seed.disableProperty().bind(settings.methodProperty().isNotEqualTo(SearchMethod.RANDOM));
        iterations.disableProperty().bind(settings.methodProperty().isNotEqualTo(SearchMethod.RANDOM));

        Button run = new Button("Run");
        run.setId("run-start");
        run.setDefaultButton(true);
        run.disableProperty().bind(vm.runningProperty().or(vm.thresholdValidProperty().not()));
        run.setOnAction(e -> vm.start());
        Button cancel = new Button("Cancel");
        cancel.setId("run-cancel");
        cancel.disableProperty().bind(vm.runningProperty().not());
        cancel.setOnAction(e -> vm.cancel());

        GridPane form = new GridPane();
        form.setHgap(8);
        form.setVgap(6);
        form.addRow(0, new Label("Method"), method, new Label("Threshold T (%)"), threshold);
        form.addRow(1, new Label("Seed"), seed, new Label("Iterations"), iterations);
        form.add(fromGrid, 0, 2, 4, 1);
        Label rule = new Label("A node is removed when 100 − score(circuit without it) < T.");
        rule.getStyleClass().add("caption");
        form.add(rule, 0, 3, 4, 1);

        ProgressBar bar = new ProgressBar();
        bar.setId("run-progress");
        bar.setPrefWidth(260);
        bar.progressProperty().bind(vm.progressProperty());
        bar.visibleProperty().bind(vm.runningProperty().or(vm.progressProperty().greaterThan(0)));
        Label eta = new Label();
        eta.setId("run-eta");
        eta.textProperty().bind(vm.etaProperty());
        Label status = new Label();
        status.setId("run-status");
        status.setWrapText(true);
        status.textProperty().bind(vm.statusProperty());
        HBox controls = new HBox(8, run, cancel, bar, eta);
        controls.setAlignment(Pos.CENTER_LEFT);
        VBox top = new VBox(8, form, controls, status);
        top.setPadding(new Insets(0, 0, 8, 0));
        setTop(top);

        NumberAxis x = new NumberAxis();
        x.setLabel("removal step");
        NumberAxis y = new NumberAxis();
        y.setLabel("score (%)");
        y.setForceZeroInRange(false);
        LineChart<Number, Number> chart = new LineChart<>(x, y);
        chart.setId("run-chart");
        chart.setLegendVisible(false);
        chart.setAnimated(false);
        chart.setCreateSymbols(false);
        chart.getData().add(series);
        chart.setMinHeight(180);
        vm.log().addListener((ListChangeListener<LogRow>) c -> redrawChart());

        TableView<LogRow> log = new TableView<>(vm.log());
        log.setId("run-log");
        log.getColumns().add(column("step", r -> r.step(), 50));
        log.getColumns().add(column("head", r -> r.element(), 70));
        TableColumn<LogRow, Double> score = column("score after", r -> r.score(), 110);
        score.setCellFactory(Controls.numberCells("%.4f"));
        log.getColumns().add(score);
        TableColumn<LogRow, Double> time = column("time (s)", r -> r.seconds(), 80);
        time.setCellFactory(Controls.numberCells("%.1f"));
        log.getColumns().add(time);
        log.setPlaceholder(new Label("Removals appear here as the run goes."));
        vm.log().addListener((ListChangeListener<LogRow>) c -> {
            if (!vm.log().isEmpty()) log.scrollTo(vm.log().size() - 1);
        });

        ListView<Session.RunRecord> history = new ListView<>(vm.shown());
        history.setId("run-history");
        history.setCellFactory(Controls.textCells(vm.kind()::describe));
        history.getSelectionModel().selectedItemProperty().addListener((o, a, b) -> vm.selectedProperty().set(b));
        vm.selectedProperty().addListener((o, a, b) -> {
            if (b != null && history.getSelectionModel().getSelectedItem() != b) history.getSelectionModel().select(b);
        });
        history.setPlaceholder(new Label("Finished runs are listed here."));
        Button apply = new Button("Apply to grid");
        apply.setId("run-apply");
        apply.disableProperty().bind(vm.selectedProperty().isNull());
        apply.setOnAction(e -> vm.applySelected());
        Button save = new Button("Save as circuit…");
        save.setId("run-save");
        save.disableProperty().bind(vm.selectedProperty().isNull());
        save.setOnAction(e -> saveAs.run());
        Label hidden = Controls.label("run-hidden", vm.hiddenNoteProperty(), "caption");
        VBox historyBox = new VBox(6, new Label("History"), history, hidden, new HBox(6, apply, save));
        VBox.setVgrow(history, Priority.ALWAYS);

        VBox logBox = new VBox(6, chart, log);
        VBox.setVgrow(log, Priority.ALWAYS);
        SplitPane split = new SplitPane(logBox, historyBox);
        split.setDividerPositions(0.62);
        setCenter(split);
    }

    private void redrawChart() {
        series.getData().clear();
        for (LogRow r : vm.log()) series.getData().add(new XYChart.Data<>(r.step(), r.score()));
    }

    private static <T> TableColumn<LogRow, T> column(String title,
                                                                   java.util.function.Function<LogRow, T> value, double width) {
        TableColumn<LogRow, T> c = new TableColumn<>(title);
        c.setCellValueFactory(d -> new javafx.beans.property.ReadOnlyObjectWrapper<>(value.apply(d.getValue())));
        c.setPrefWidth(width);
        return c;
    }
}
