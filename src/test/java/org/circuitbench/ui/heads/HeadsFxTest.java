package org.circuitbench.ui.heads;

import javafx.scene.control.Label;
import javafx.scene.control.TableView;
import javafx.scene.input.KeyCode;
import javafx.scene.paint.Color;
import javafx.stage.Stage;
import org.circuitbench.ablation.Circuit;
import org.circuitbench.ui.app.AppFxBase;
import org.circuitbench.ui.heads.HeadInspectorViewModel;
import org.junit.jupiter.api.Test;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.Start;

import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Heads tab as a researcher uses it: the engine's heatmap, and the head inspector on a double-click. */
class HeadsFxTest extends AppFxBase {
    @Start
    void start(Stage stage) {
        open(stage);
    }

    /** Heads: the heatmap's cells are the engine's DLA; a double-click opens the head inspector with the engine's numbers. */
    /** §2.9: the full model's lens line and the scope's are told apart by hue (far apart on the colour wheel) and by dashes. */
    @Test
    void theTwoLensLinesDifferInHueAndDash(FxRobot robot) throws Exception {
        ready();
        robot.clickOn("#tab-heads");
        var full = new org.circuitbench.explain.LogitLens(new double[] {0.1, 0.5, 1.2, 2.0}, new double[] {0.3, 0.9, 1.5, 2.4});
        var scoped = new org.circuitbench.explain.LogitLens(new double[] {0.1, 0.2, 0.6, 1.0}, new double[] {0.2, 0.4, 0.8, 1.3});
        robot.interact(() -> vm.heads().lens().setAll(new HeadsViewModel.LensSeries("full model", full),
                new HeadsViewModel.LensSeries("grid's circuit", scoped)));
        org.testfx.util.WaitForAsyncUtils.waitForFxEvents();
        List<javafx.scene.shape.Path> lines = robot.lookup("#lens-chart .chart-series-line").queryAllAs(javafx.scene.shape.Path.class)
                .stream().sorted(java.util.Comparator.comparing(n -> n.getStyleClass().toString())).toList();
        assertEquals(2, lines.size());
        Color a = (Color) lines.get(0).getStroke(), b = (Color) lines.get(1).getStroke();
        double hue = Math.abs(a.getHue() - b.getHue());
        hue = Math.min(hue, 360 - hue);
        assertTrue(hue >= 90, "hues " + a.getHue() + " and " + b.getHue() + " are only " + hue + "° apart");
        assertTrue(lines.get(0).getStrokeDashArray().isEmpty() != lines.get(1).getStrokeDashArray().isEmpty(), "one line is dashed");
    }

    @Test
    void theHeadsViewShowsTheEnginesHeatmapAndTheInspectorOpensOnADoubleClick(FxRobot robot) throws Exception {
        ready();
        robot.clickOn("#tab-heads");
        robot.clickOn("#heads-compute");
        waitFor(180, () -> !vm.heads().busyProperty().get() && vm.heads().heatmapProperty().get() != null);
        org.circuitbench.explain.Explainer engine = new org.circuitbench.explain.Explainer(task());
        org.circuitbench.explain.DirectLogitAttribution dla = engine.dla(org.circuitbench.explain.Scope.FULL);
        double max = 0;
        for (int l = 0; l < 4; l++) {
            for (int h = 0; h < 4; h++) {
                assertEquals(cell2(dla.head(l, h)), text(robot, "#heat-" + l + "-" + h), "DLA of head " + l + "." + h);
                max = Math.max(max, Math.abs(dla.head(l, h)));
            }
            assertEquals(cell2(dla.mlp()[l]), text(robot, "#heat-mlp-" + l), "DLA of MLP " + l);
        }
        assertEquals(cell2(max), text(robot, "#heatmap-hi"), "the legend spans the heads' values");
        Label c21 = robot.lookup("#heat-2-1").queryAs(Label.class);
        assertTrue(c21.getTooltip().getText().contains(String.format(Locale.ROOT, "%.6f", dla.head(2, 1))), c21.getTooltip().getText());

        // another measure, chosen as a user does
        robot.clickOn("#heads-measure").clickOn("attention to S2");
        waitFor(10, () -> vm.heads().heatmapProperty().get().measure().label() != null);
        org.circuitbench.explain.LabelAttention att = engine.attention(org.circuitbench.explain.Scope.FULL);
        for (int l = 0; l < 4; l++) {
            for (int h = 0; h < 4; h++) assertEquals(cell2(att.value("S2", l, h)), text(robot, "#heat-" + l + "-" + h));
        }
        assertTrue(robot.lookup("#heat-mlp-0").tryQuery().isEmpty(), "attention has no MLP column");

        // double-click a head of the heatmap: the inspector, with the engine's values
        robot.doubleClickOn("#heat-2-1");
        waitFor(60, () -> inspector() != null && vm.heads().inspector().patternProperty().get() != null
                && !vm.heads().inspector().ovTokens().isEmpty());
        Stage window = inspector();
        assertTrue(window.getTitle().startsWith("Head 2.1"), window.getTitle());
        TableView<?> table = robot.from(window.getScene().getRoot()).lookup("#inspector-table").queryAs(TableView.class);
        HeadInspectorViewModel.Row first = (HeadInspectorViewModel.Row) table.getItems().get(0);
        assertEquals("DLA (logits)", first.measure());
        assertEquals(String.format(Locale.ROOT, "%.4f", dla.head(2, 1)), first.full());
        TableView<?> ov = robot.from(window.getScene().getRoot()).lookup("#inspector-ov").queryAs(TableView.class);
        assertEquals(engine.ovTokens(org.circuitbench.explain.Scope.FULL, org.circuitbench.ablation.Node.head(2, 1)).forPrompt(0),
                List.copyOf(ov.getItems()));
        boolean drawn = false;
        javafx.scene.canvas.Canvas canvas = robot.from(window.getScene().getRoot()).lookup("#inspector-pattern").queryAs(javafx.scene.canvas.Canvas.class);
        javafx.scene.image.WritableImage[] shot = new javafx.scene.image.WritableImage[1];
        robot.interact(() -> shot[0] = canvas.snapshot(null, null));
        for (int x = 100; x < 300 && !drawn; x += 5) drawn = !shot[0].getPixelReader().getColor(x, x).equals(Color.WHITE);
        assertTrue(drawn, "the pattern is drawn");

        // a double-click on the grid inspects that head and leaves the circuit as it was
        robot.interact(window::requestFocus);
        robot.type(KeyCode.ESCAPE);
        waitFor(10, () -> !window.isShowing()); // Escape closes the inspector
        robot.clickOn("#tab-circuit");
        Circuit before = vm.grid().circuit();
        robot.doubleClickOn("#cell-1-3");
        waitFor(30, () -> inspector() != null && org.circuitbench.ablation.Node.head(1, 3).equals(vm.heads().inspector().headProperty().get()));
        waitFor(30, () -> vm.grid().detailsProperty().get() != null);
        assertEquals(before, vm.grid().circuit(), "the double-click toggled nothing");
        robot.interact(() -> inspector().hide());
    }
}
