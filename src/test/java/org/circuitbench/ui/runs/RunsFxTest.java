package org.circuitbench.ui.runs;

import javafx.scene.control.ProgressBar;
import javafx.scene.control.TableView;
import javafx.scene.control.TextField;
import javafx.stage.Stage;
import org.circuitbench.ablation.Circuit;
import org.circuitbench.search.SearchMethod;
import org.circuitbench.session.Session;
import org.circuitbench.ui.app.AppFxBase;
import org.junit.jupiter.api.Test;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.Start;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Runs tab as a researcher uses it: a prune with its log and passes, cancel, a threshold that is not a number. */
class RunsFxTest extends AppFxBase {
    @Start
    void start(Stage stage) {
        open(stage);
    }

    @Test
    void aPruneFromTheUiFillsTheLogKeepsPassesAndAppliesToTheGrid(FxRobot robot) throws Exception {
        selectWords(robot);
        robot.clickOn("Runs");
        robot.interact(() -> vm.prunes().methodProperty().set(SearchMethod.BACKWARD_FORWARD));
        robot.doubleClickOn("#run-threshold").write("10");
        robot.clickOn("#run-start");
        waitFor(120, () -> vm.runs().history().size() == 1);
        Session.RunRecord r = vm.runs().history().get(0);
        assertFalse(r.cancelled());
        assertEquals(10.0, r.threshold());
        assertTrue(r.removals().stream().allMatch(x -> x.pass() >= 1));
        assertEquals(1.0, robot.lookup("#run-progress").queryAs(ProgressBar.class).getProgress(), 1e-9, "the bar reaches 100 %");
        TableView<?> log = robot.lookup("#run-log").queryAs(TableView.class);
        assertEquals(r.removals().size(), log.getItems().size());
        assertTrue(log.getItems().size() > 3);
        robot.clickOn("#run-apply");
        waitFor(30, () -> vm.grid().circuit().toSpec().equals(r.circuit()));
        waitFor(30, () -> vm.grid().detailsProperty().get() != null);
        assertEquals(r.score(), vm.grid().detailsProperty().get().score(), 1e-3, "the grid shows the run's circuit and score");
    }

    @Test
    void cancelKeepsThePartialLog(FxRobot robot) throws Exception {
        ready();
        robot.clickOn("Runs");
        robot.interact(() -> { // a random prune of many picks: long enough to cancel
            vm.prunes().methodProperty().set(SearchMethod.RANDOM);
            vm.runs().thresholdProperty().set(20);
            vm.prunes().iterationsProperty().set(100_000);
        });
        robot.clickOn("#run-start");
        waitFor(60, () -> vm.runs().log().size() >= 3);
        robot.clickOn("#run-cancel");
        waitFor(60, () -> !vm.runs().runningProperty().get() && vm.runs().history().size() == 1);
        Session.RunRecord r = vm.runs().history().get(0);
        assertTrue(r.cancelled(), "the run says it was cancelled");
        assertTrue(r.removals().size() >= 3);
        assertEquals(r.removals().size(), vm.runs().log().size(), "the partial log is kept");
        Circuit replay = Circuit.all(4, 4);
        for (Session.RemovalRecord x : r.removals()) replay = replay.without(org.circuitbench.ablation.Node.parse(x.element()));
        assertEquals(replay.toSpec(), r.circuit());
        assertTrue(text(robot, "#run-status").contains("cancelled"));
        assertEquals("", text(robot, "#run-eta"), "a cancelled run has no time left (issue 21 §2.9)");
    }

    @Test
    void aThresholdThatIsNotANumberIsSaidAndBlocksRun(FxRobot robot) throws Exception {
        ready();
        robot.clickOn("Runs");
        robot.interact(() -> vm.runs().thresholdProperty().set(120));
        robot.clickOn("#run-start");
        assertTrue(text(robot, "#run-status").contains("[0, 100]"));
        robot.doubleClickOn("#run-threshold").write("abc");
        assertEquals("Threshold 'abc' is not a number; give a percentage such as 3.", text(robot, "#run-status"));
        assertTrue(robot.lookup("#run-start").queryButton().isDisabled());
        assertTrue(robot.lookup("#run-threshold").queryAs(TextField.class).getStyleClass().contains("invalid"));
    }
}
