package org.circuitbench.ui.grid;

import javafx.scene.control.Label;
import javafx.scene.input.KeyCode;
import javafx.stage.Stage;
import org.circuitbench.ablation.Circuit;
import org.circuitbench.ablation.ReferenceEvaluator;
import org.circuitbench.ui.app.AppFxBase;
import org.junit.jupiter.api.Test;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.Start;

import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Circuit tab as a researcher uses it: cells clicked, a layer toggled, undo, the MLP column. */
class GridFxTest extends AppFxBase {
    @Start
    void start(Stage stage) {
        open(stage);
    }

    @Test
    void clickingACellChangesTheCircuitAndShowsTheEnginesScore(FxRobot robot) throws Exception {
        ready();
        assertEquals("100.00 %", text(robot, "#score-label"));
        robot.clickOn("#cell-2-3");
        Circuit want = Circuit.all(4, 4).without(org.circuitbench.ablation.Node.head(2, 3));
        waitFor(30, () -> vm.grid().detailsProperty().get() != null && vm.grid().detailsProperty().get().circuit().equals(want));
        assertEquals(want, vm.grid().circuit());
        double engine = new ReferenceEvaluator(task()).score(want);
        assertEquals(String.format(Locale.ROOT, "%.2f %%", engine), text(robot, "#score-label"));
        Label cell = robot.lookup("#cell-2-3").queryAs(Label.class);
        assertTrue(cell.getTooltip().getText().contains("mean-ablated"), "the tooltip follows the click: " + cell.getTooltip().getText());

        robot.press(KeyCode.SHIFT).clickOn("#cell-1-0").release(KeyCode.SHIFT);
        waitFor(30, () -> vm.grid().circuit().headsInLayer(1).length == 0 && vm.grid().detailsProperty().get() != null);
        robot.clickOn("#grid-undo");
        waitFor(30, () -> vm.grid().circuit().equals(want));
    }

    /** §2.9: an exported image can be twice the size on screen, drawn at that resolution. */
    @Test
    void theGridExportsAtTwiceItsSize(FxRobot robot) throws Exception {
        ready();
        java.nio.file.Path f = dir.resolve("grid-2x.png");
        dialogs.answer("2×", f);
        robot.interact(() -> vm.export().exportGridImage(scale -> org.circuitbench.ui.common.Exports.png(view.gridView(), scale)));
        java.awt.image.BufferedImage img = javax.imageio.ImageIO.read(f.toFile());
        javafx.geometry.Bounds b = view.gridView().getLayoutBounds();
        assertEquals(2 * Math.ceil(b.getWidth()), img.getWidth(), 2.0);
        assertEquals(2 * Math.ceil(b.getHeight()), img.getHeight(), 2.0);
    }

    /** The MLP column: tick it, take MLP 0 out, untick it: MLP 0 is back, and the score says so. */
    @Test
    void hidingTheMlpColumnPutsTheMlpBack(FxRobot robot) throws Exception {
        ready();
        robot.clickOn("#grid-mlps");
        robot.clickOn("#mlp-0");
        waitFor(30, () -> vm.grid().detailsProperty().get() != null && vm.grid().circuit().hasMlpNodes()
                && !vm.grid().circuit().keeps(org.circuitbench.ablation.Node.mlp(0)));
        assertNotEquals("100.00 %", text(robot, "#score-label"));
        robot.clickOn("#grid-mlps");
        waitFor(30, () -> vm.grid().detailsProperty().get() != null && !vm.grid().circuit().hasMlpNodes());
        assertEquals("100.00 %", text(robot, "#score-label"));
        assertFalse(text(robot, "#score-detail").contains("MLP"), text(robot, "#score-detail"));
    }
}
