package org.circuitbench.ui.heads;

import javafx.scene.chart.CategoryAxis;
import javafx.scene.chart.LineChart;
import javafx.scene.chart.NumberAxis;
import javafx.scene.chart.XYChart;
import javafx.scene.control.Tooltip;
import org.circuitbench.explain.LogitLens;

import java.util.List;
import java.util.Locale;

/**
 * The logit lens as lines: the logit difference read through ln_f and the unembedding after each
 * layer's attention and MLP, the full model's beside the scope's, so one sees where the answer
 * forms and what the circuit keeps of it. Hover a point for its value.
 */
final class LensChart extends LineChart<String, Number> {

    LensChart() {
        super(new CategoryAxis(), new NumberAxis());
        setId("lens-chart");
        setTitle("Logit lens");
        setAnimated(false);
        setCreateSymbols(true);
        getXAxis().setLabel("read after");
        getYAxis().setLabel("logit diff");
        ((CategoryAxis) getXAxis()).setTickLabelRotation(-90);
        setMinSize(200, 220);
        setPrefSize(440, 320);
        setLegendVisible(true);
    }

    void show(List<HeadsViewModel.LensSeries> lens) {
        getData().clear();
        for (HeadsViewModel.LensSeries s : lens) {
            XYChart.Series<String, Number> series = new XYChart.Series<>();
            series.setName(s.name());
            for (LogitLens.Point p : s.lens().points()) series.getData().add(new XYChart.Data<>(p.after(), p.logitDiff()));
            getData().add(series);
            for (XYChart.Data<String, Number> d : series.getData()) {
                if (d.getNode() != null) {
                    Tooltip.install(d.getNode(), new Tooltip(String.format(Locale.ROOT, "%s after %s: %.4f", s.name(), d.getXValue(),
                            d.getYValue().doubleValue())));
                }
            }
        }
    }
}
