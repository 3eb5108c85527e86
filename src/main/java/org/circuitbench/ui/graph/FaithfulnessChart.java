package org.circuitbench.ui.graph;

import javafx.collections.FXCollections;
import javafx.collections.ListChangeListener;
import javafx.scene.Cursor;
import javafx.scene.chart.LineChart;
import javafx.scene.chart.NumberAxis;
import javafx.scene.chart.XYChart;
import javafx.scene.control.Button;
import javafx.scene.control.CheckBox;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.Label;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.FlowPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.VBox;
import javafx.util.StringConverter;
import org.circuitbench.search.FaithfulnessCurve;
import org.circuitbench.ui.common.Controls;

import java.util.List;
import java.util.Locale;

/**
 * The faithfulness curves on one plot (binds {@link FaithfulnessViewModel}): x is the percent of
 * all edges on a log scale (log10 plotted, the percent written), y the normalised faithfulness in
 * percent; a click on a point shows its circuit on the graph.
 */
final class FaithfulnessChart extends VBox {
    private final FaithfulnessViewModel vm;
    private final LineChart<Number, Number> chart;

    FaithfulnessChart(FaithfulnessViewModel vm) {
        super(4);
        this.vm = vm;
        FlowPane ticks = new FlowPane(8, 2);
        for (FaithfulnessCurve.Ranking r : FaithfulnessViewModel.RANKINGS) {
            CheckBox box = new CheckBox(r.describe());
            box.setId("faithfulness-" + r.id());
            box.selectedProperty().bindBidirectional(vm.chosenProperty(r));
            ticks.getChildren().add(box);
        }
        ChoiceBox<FaithfulnessCurve.Order> order = new ChoiceBox<>(FXCollections.observableArrayList(FaithfulnessCurve.Order.values()));
        order.setId("faithfulness-order");
        order.setConverter(new StringConverter<>() {
            @Override
            public String toString(FaithfulnessCurve.Order o) {
                return o == null ? "" : o == FaithfulnessCurve.Order.SIGNED ? "signed (CPR)" : "absolute (CMD)";
            }

            @Override
            public FaithfulnessCurve.Order fromString(String s) {
                return null;
            }
        });
        order.valueProperty().bindBidirectional(vm.orderProperty());
        order.setTooltip(new Tooltip("Signed: the edges that help most first (its area is MIB's CPR). "
                + "Absolute: the largest effect either way first (its area from 1 is MIB's CMD)."));
        Button draw = Controls.button("Draw curves", "faithfulness-draw", vm::compute);
        draw.disableProperty().bind(vm.jobs().runningProperty());
        draw.setTooltip(new Tooltip("For each ranking ticked: the exact score of the top 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50 and 100 % "
                + "of all edges (docs/methods.md). Runs in the background."));

        NumberAxis x = new NumberAxis(-1, 2, 1);
        x.setLabel("edges kept (% of all, log scale)");
        x.setTickLabelFormatter(new StringConverter<>() {
            @Override
            public String toString(Number v) {
                return percent(Math.pow(10, v.doubleValue()));
            }

            @Override
            public Number fromString(String s) {
                return null;
            }
        });
        NumberAxis y = new NumberAxis();
        y.setLabel("faithfulness (%)");
        chart = new LineChart<>(x, y);
        chart.setId("faithfulness-chart");
        chart.setAnimated(false);
        chart.setCreateSymbols(true);
        chart.setPrefHeight(260);
        chart.setMinHeight(200);
        Label text = new Label();
        text.setWrapText(true);
        text.getStyleClass().add("caption");
        text.textProperty().bind(vm.textProperty());

        vm.results().addListener((ListChangeListener<FaithfulnessCurve.Result>) c -> redraw());
        vm.orderProperty().addListener((o, was, now) -> redraw());
        getChildren().addAll(ticks, new HBox(6, order, draw), chart, text);
    }

    private static String percent(double v) {
        return (v >= 1 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.1f", v)) + " %";
    }

    /** One series per ranking; each point's symbol shows its circuit when clicked. */
    private void redraw() {
        chart.getData().clear();
        List<FaithfulnessViewModel.Series> all = vm.series();
        for (int s = 0; s < all.size(); s++) {
            XYChart.Series<Number, Number> series = new XYChart.Series<>();
            series.setName(all.get(s).name());
            List<double[]> pts = all.get(s).points();
            for (int p = 0; p < pts.size(); p++) {
                XYChart.Data<Number, Number> d = new XYChart.Data<>(Math.log10(pts.get(p)[0]), pts.get(p)[1]);
                int si = s, pi = p;
                String tip = String.format(Locale.ROOT, "%s · top %s of edges · faithfulness %.2f %% (click: show on the graph)",
                        all.get(s).name(), percent(pts.get(p)[0]), pts.get(p)[1]);
                d.nodeProperty().addListener((o, was, node) -> {
                    if (node == null) return;
                    node.setCursor(Cursor.HAND);
                    Tooltip.install(node, new Tooltip(tip));
                    node.setOnMouseClicked(e -> vm.show(si, pi));
                });
                series.getData().add(d);
            }
            chart.getData().add(series);
        }
    }
}
