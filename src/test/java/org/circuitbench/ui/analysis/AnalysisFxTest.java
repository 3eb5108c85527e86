package org.circuitbench.ui.analysis;

import javafx.scene.Node;
import javafx.scene.control.Label;
import javafx.scene.control.Labeled;
import javafx.scene.control.TableView;
import javafx.scene.layout.HBox;
import javafx.scene.layout.VBox;
import javafx.scene.paint.Color;
import javafx.stage.Stage;
import org.circuitbench.ablation.Circuit;
import org.circuitbench.session.Session;
import org.circuitbench.ui.app.AppFxBase;
import org.circuitbench.ui.common.Cells;
import org.junit.jupiter.api.Test;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.Start;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Importance & compare tab as a researcher uses it: a readable importance chart and overlay, four circuits compared. */
class AnalysisFxTest extends AppFxBase {
    @Start
    void start(Stage stage) {
        open(stage);
    }

    /** The importance chart shows the drop, largest first, on the data's range; the grid overlay's numbers are readable. */
    @Test
    void importanceIsReadable(FxRobot robot) throws Exception {
        ready();
        robot.clickOn("Importance & compare");
        robot.clickOn("#importance-run");
        waitFor(120, () -> vm.analysis().importanceResultProperty().get() != null && !vm.analysis().busyProperty().get());
        var r = vm.analysis().importanceResultProperty().get();
        VBox bars = robot.lookup("#importance-bars").queryAs(VBox.class);
        assertEquals(r.entries().size() + 1, bars.getChildren().size(), "a header and one row per node");
        List<Double> drops = bars.getChildren().stream().skip(1).map(n -> Double.parseDouble(((Label) ((HBox) n).getChildren().get(2)).getText())).toList();
        for (int i = 1; i < drops.size(); i++) assertTrue(drops.get(i - 1) >= drops.get(i), "sorted, largest drop first");
        assertEquals(r.circuitScore() - r.entries().get(0).scoreWithout(), drops.get(0), 0.005, "the bar is the drop, not the score");
        var track = (javafx.scene.layout.Pane) ((HBox) bars.getChildren().get(1)).getChildren().get(1);
        var bar = (javafx.scene.layout.Region) track.getChildren().get(0);
        assertEquals(track.getWidth(), bar.getLayoutX() + bar.getWidth(), 1.0, "the largest drop reaches the end: the axis is zoomed to the data");
        robot.clickOn("Circuit");
        for (Node n : robot.lookup(".head-cell").queryAll()) {
            Label c = (Label) n;
            if (c.getText().isEmpty()) continue;
            Color bg = color(c.getStyle(), "-fx-background-color"), fg = color(c.getStyle(), "-fx-text-fill");
            assertTrue(Cells.contrast(bg, fg) >= 4.5, c.getId() + " '" + c.getText() + "' has contrast " + Cells.contrast(bg, fg));
        }
    }

    /** §2.9: the caption names the smallest drop (not the axis's zero), and the Compare sub-tab does not show importance's line. */
    @Test
    void theImportanceCaptionNamesTheSmallestDropAndStaysOnItsSubTab(FxRobot robot) throws Exception {
        ready();
        robot.clickOn("Importance & compare");
        org.circuitbench.ablation.Circuit c = org.circuitbench.ablation.Circuit.parse("0.0,1.1,2.2", 4, 4);
        var r = new org.circuitbench.search.Importance.Result(c, 80.0, List.of(
                new org.circuitbench.search.Importance.Entry(org.circuitbench.ablation.Node.head(0, 0), 79.98),
                new org.circuitbench.search.Importance.Entry(org.circuitbench.ablation.Node.head(1, 1), 75.0),
                new org.circuitbench.search.Importance.Entry(org.circuitbench.ablation.Node.head(2, 2), 60.0)), 3, 0.1, false, null);
        robot.interact(() -> vm.analysis().showImportance(r));
        assertTrue(text(robot, "#importance-caption").contains("drops from 0.02 to 20.00"), text(robot, "#importance-caption"));
        assertFalse(text(robot, "#analysis-status").isEmpty(), "the Importance sub-tab says what it shows");
        robot.clickOn("Compare");
        assertEquals("", text(robot, "#compare-status"), "the Compare sub-tab has its own line");
    }

    /**
     * Circuits arriving in the compare list (a session opened, a circuit saved) leave the keyboard
     * focus where it was. ControlsFX's CheckListView cells moved it into the list's hidden sheet
     * when the list changed, even on another tab; the focus clean-up then threw inside JavaFX
     * (VirtualFlow.findOwnerCell, as in controlsfx#1212).
     */
    @Test
    void circuitsArrivingInTheCompareListLeaveTheFocusWhereItWas(FxRobot robot) throws Exception {
        ready();
        robot.clickOn("Importance & compare").clickOn("Compare");
        Node taskList = robot.lookup("#task-list").query();
        robot.interact(taskList::requestFocus);
        assertSame(taskList, taskList.getScene().getFocusOwner());
        robot.interact(() -> {
            for (int k = 0; k < 3; k++) vm.addCircuit(new Session.NamedCircuit("kept " + k, k + ".0," + k + ".1", null, null, null));
        });
        org.testfx.util.WaitForAsyncUtils.waitForFxEvents(3);
        assertSame(taskList, taskList.getScene().getFocusOwner(), "the focus is still on the task list");
        // and a click on a circuit's box still chooses it for comparison
        List<String> listed = vm.circuits().stream().map(Session.NamedCircuit::name).toList();
        Node box = robot.lookup("#compare-pick .check-box").queryAll().stream().filter(Node::isVisible).findFirst().orElseThrow();
        robot.clickOn(box);
        org.testfx.util.WaitForAsyncUtils.waitForFxEvents();
        assertEquals(List.of(listed.get(0)), List.copyOf(vm.analysis().selectedForCompare()));
    }

    /** Four compared circuits: four in the key and the legend; sets named by letter, so A − B and B − A differ. */
    @Test
    void comparingFourCircuitsShowsFourAndNamesSetsApart(FxRobot robot) throws Exception {
        ready();
        List<String> names = List.of("first part", "second part", "third part", "fourth part");
        robot.interact(() -> {
            for (int k = 0; k < 4; k++) {
                vm.addCircuit(new Session.NamedCircuit("a long circuit name to tell apart, the " + names.get(k), k + ".0," + k + ".1,3.3", null, null, null));
            }
        });
        robot.clickOn("Importance & compare").clickOn("Compare");
        robot.interact(() -> vm.analysis().selectedForCompare().setAll(vm.circuits().stream().map(Session.NamedCircuit::name)
                .filter(n -> n.startsWith("a long")).toList()));
        robot.clickOn("#compare-run");
        waitFor(60, () -> !vm.analysis().comparison().isEmpty() && !vm.analysis().busyProperty().get());
        assertEquals(4, robot.lookup("#compare-key").queryAs(VBox.class).getChildren().size());
        List<String> sets = vm.analysis().comparison().stream().map(org.circuitbench.search.Comparison.Row::name).toList();
        assertTrue(sets.contains("A − B") && sets.contains("B − A"), sets.toString());
        assertEquals(sets.size(), new java.util.HashSet<>(sets).size(), "every set has a name of its own: " + sets);
        TableView<?> table = robot.lookup("#compare-table").queryAs(TableView.class);
        int seen = 0;
        for (Node n : table.lookupAll(".table-cell")) {
            Labeled c = (Labeled) n;
            if (c.getText() != null && sets.contains(c.getText())) {
                assertNotClipped(c, new int[] {1360, 900});
                seen++;
            }
        }
        assertTrue(seen >= 5, "the set names are on screen: " + seen);
        robot.clickOn("Circuit");
        HBox legend = (HBox) robot.lookup("#legend-3").queryAs(Label.class).getParent();
        assertEquals(4, legend.getChildren().stream().filter(n -> n.getId() != null && n.getId().startsWith("legend-")).count());
    }
}
