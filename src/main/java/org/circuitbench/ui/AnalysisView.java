package org.circuitbench.ui;

import javafx.collections.ListChangeListener;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.chart.BarChart;
import javafx.scene.chart.CategoryAxis;
import javafx.scene.chart.NumberAxis;
import javafx.scene.chart.XYChart;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.Tab;
import javafx.scene.control.TabPane;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import org.circuitbench.search.Comparison;
import org.circuitbench.search.CrossTaskMatrix;
import org.circuitbench.search.Importance;
import org.circuitbench.session.Session;
import org.controlsfx.control.CheckListView;

import java.util.Locale;

/** Importance as a sorted bar chart; circuit comparison as a table; the cross-task matrix as a heatmap. */
public final class AnalysisView extends TabPane {

    public AnalysisView(AnalysisViewModel vm, javafx.collections.ObservableList<Session.NamedCircuit> named) {
        setTabClosingPolicy(TabClosingPolicy.UNAVAILABLE);
        getTabs().add(new Tab("Importance", importance(vm)));
        getTabs().add(new Tab("Compare", compare(vm, named)));
    }

    private static javafx.scene.Node importance(AnalysisViewModel vm) {
        Button run = new Button("Rank the grid's heads");
        run.setId("importance-run");
        run.disableProperty().bind(vm.busyProperty());
        run.setOnAction(e -> vm.runImportance());
        Label status = new Label();
        status.textProperty().bind(vm.statusProperty());
        CategoryAxis x = new CategoryAxis();
        x.setLabel("head (most important first)");
        NumberAxis y = new NumberAxis();
        y.setLabel("score without the head (%)");
        BarChart<String, Number> chart = new BarChart<>(x, y);
        chart.setId("importance-chart");
        chart.setAnimated(false);
        chart.setLegendVisible(false);
        chart.setCategoryGap(1);
        XYChart.Series<String, Number> series = new XYChart.Series<>();
        chart.getData().add(series);
        vm.importance().addListener((ListChangeListener<Importance.Entry>) c -> {
            series.getData().clear();
            for (Importance.Entry e : vm.importance()) series.getData().add(new XYChart.Data<>(e.node().toString(), e.scoreWithout()));
        });
        Label hint = new Label("The grid shows the same numbers as a colour overlay; hover a cell for the exact values.");
        hint.getStyleClass().add("caption");
        BorderPane p = new BorderPane(chart);
        VBox top = new VBox(6, new HBox(8, run, status), hint);
        p.setTop(top);
        p.setPadding(new Insets(8));
        return p;
    }

    private static javafx.scene.Node compare(AnalysisViewModel vm, javafx.collections.ObservableList<Session.NamedCircuit> named) {
        CheckListView<String> pick = new CheckListView<>();
        pick.setId("compare-pick");
        pick.setPrefHeight(140);
        Runnable sync = () -> {
            pick.getItems().setAll(named.stream().map(Session.NamedCircuit::name).toList());
            for (String s : vm.selectedForCompare()) pick.getCheckModel().check(s);
        };
        named.addListener((ListChangeListener<Session.NamedCircuit>) c -> sync.run());
        sync.run();
        pick.getCheckModel().getCheckedItems().addListener((ListChangeListener<String>) c ->
                vm.selectedForCompare().setAll(pick.getCheckModel().getCheckedItems()));
        Button compare = new Button("Compare on this task");
        compare.setId("compare-run");
        compare.disableProperty().bind(vm.busyProperty());
        compare.setOnAction(e -> vm.runComparison());
        Button matrix = new Button("Cross-task matrix");
        matrix.setId("compare-matrix");
        matrix.setTooltip(new Tooltip("Scores each chosen circuit (all named ones if none is chosen) on every task of the session."));
        matrix.disableProperty().bind(vm.busyProperty());
        matrix.setOnAction(e -> vm.runMatrix());

        TableView<Comparison.Row> table = new TableView<>(vm.comparison());
        table.setId("compare-table");
        table.getColumns().add(col("set", r -> r.name(), 220));
        table.getColumns().add(col("operation", r -> r.operation(), 100));
        table.getColumns().add(col("nodes", r -> Integer.toString(r.circuit().size()), 60));
        table.getColumns().add(col("score", r -> String.format(Locale.ROOT, "%.2f", r.score()), 80));
        table.setPlaceholder(new Label("Choose two or three named circuits, then Compare."));
        table.setPrefHeight(220);

        GridPane heat = new GridPane();
        heat.setId("matrix-grid");
        heat.setHgap(2);
        heat.setVgap(2);
        vm.matrixProperty().addListener((o, a, r) -> drawMatrix(heat, r));
        ScrollPane heatScroll = new ScrollPane(heat);
        heatScroll.setFitToWidth(true);

        VBox left = new VBox(6, new Label("Named circuits"), pick, new HBox(6, compare, matrix));
        Label status = new Label();
        status.textProperty().bind(vm.statusProperty());
        VBox right = new VBox(6, table, new Label("Circuits × tasks (score %)"), heatScroll);
        VBox.setVgrow(heatScroll, Priority.ALWAYS);
        HBox body = new HBox(12, left, right);
        HBox.setHgrow(right, Priority.ALWAYS);
        VBox root = new VBox(8, body, status);
        root.setPadding(new Insets(8));
        return root;
    }

    private static void drawMatrix(GridPane g, CrossTaskMatrix.Result r) {
        g.getChildren().clear();
        if (r == null) return;
        for (int j = 0; j < r.tasks().size(); j++) g.add(new Label(r.tasks().get(j)), j + 1, 0);
        for (int i = 0; i < r.circuits().size(); i++) {
            g.add(new Label(r.circuits().get(i)), 0, i + 1);
            for (int j = 0; j < r.tasks().size(); j++) {
                double v = r.scores()[i][j];
                Label cell = new Label(Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.1f", v));
                cell.setMinSize(70, 26);
                cell.setAlignment(Pos.CENTER);
                double t = Double.isNaN(v) ? 0 : Math.max(0, Math.min(1, v / 100));
                cell.setStyle("-fx-background-color: " + HeadGridView.web(HeadGridView.heat(t)) + ";"
                        + (t > 0.5 ? "-fx-text-fill: white;" : ""));
                cell.setId("matrix-" + i + "-" + j);
                g.add(cell, j + 1, i + 1);
            }
        }
    }

    private static TableColumn<Comparison.Row, String> col(String title, java.util.function.Function<Comparison.Row, String> f, double w) {
        TableColumn<Comparison.Row, String> c = new TableColumn<>(title);
        c.setCellValueFactory(d -> new javafx.beans.property.ReadOnlyStringWrapper(f.apply(d.getValue())));
        c.setPrefWidth(w);
        return c;
    }
}
