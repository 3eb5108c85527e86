package org.circuitbench.ui.task;

import javafx.scene.Node;
import javafx.scene.control.CheckBox;
import javafx.scene.control.Labeled;
import javafx.scene.control.ListView;
import javafx.scene.input.KeyCode;
import javafx.stage.Stage;
import org.circuitbench.task.TaskProblem;
import org.circuitbench.ui.app.AppFxBase;
import org.junit.jupiter.api.Test;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The task editor as a researcher uses it: problems as you type, the keep boxes, readable at both sizes. */
class TaskEditorFxTest extends AppFxBase {
    @Start
    void start(Stage stage) {
        open(stage);
    }

    @Test
    void theTaskEditorShowsALengthMismatch(FxRobot robot) throws Exception {
        ready();
        robot.clickOn("Task editor");
        robot.clickOn("#editor-corrupt-text");
        robot.press(KeyCode.CONTROL).press(KeyCode.A).release(KeyCode.A).release(KeyCode.CONTROL);
        robot.write("{d} {d}");
        waitFor(10, () -> vm.editor().problems().stream().anyMatch(p -> p.isError() && p.message().contains("mixes prompt lengths")));
        ListView<?> problems = robot.lookup("#editor-problems").queryAs(ListView.class);
        assertTrue(problems.getItems().stream().anyMatch(p -> ((TaskProblem) p).message().contains("mixes prompt lengths")));
        assertTrue(robot.lookup("#editor-apply").queryButton().isVisible());
    }

    /** Typing over the clean text changes the positions; the keep boxes follow, and nothing throws (the guard checks that). */
    @Test
    void theKeepBoxesFollowTheTemplate(FxRobot robot) throws Exception {
        ready();
        robot.clickOn("Task editor");
        assertKeepBoxesMatch(robot, List.of("end", "S1", "S2", "S3", "S4"));
        robot.clickOn("#editor-clean-text");
        robot.press(KeyCode.CONTROL).press(KeyCode.A).release(KeyCode.A).release(KeyCode.CONTROL);
        robot.write("{a} {a+1} {a+2}");
        waitFor(10, () -> vm.editor().labels().equals(List.of("end", "S1", "S2", "S3")));
        assertKeepBoxesMatch(robot, List.of("end", "S1", "S2", "S3"));
        robot.interact(() -> robot.lookup("#editor-form-scroll").queryAs(javafx.scene.control.ScrollPane.class).setVvalue(1)); // the keep row is at the bottom
        robot.clickOn("#keep-S1");
        waitFor(10, () -> !vm.editor().keep().contains("S1"));
        assertKeepBoxesMatch(robot, List.of("end", "S1", "S2", "S3"));
    }

    void assertKeepBoxesMatch(FxRobot robot, List<String> labels) {
        List<CheckBox> boxes = new ArrayList<>(robot.lookup("#editor-keep").queryAs(javafx.scene.layout.FlowPane.class).getChildren()
                .stream().map(n -> (CheckBox) n).toList());
        assertEquals(labels, boxes.stream().map(CheckBox::getText).toList());
        for (CheckBox b : boxes) assertEquals(vm.editor().keep().contains(b.getText()), b.isSelected(), b.getText());
    }

    /** The task editor at the default size and at 1280 × 800: no clipped button, a usable template list, several lines of problems. */
    @Test
    void theTaskEditorIsReadableAtBothSizes(FxRobot robot) throws Exception {
        ready();
        robot.clickOn("Task editor");
        for (int[] size : new int[][] {{1360, 900}, {1280, 800}}) {
            robot.interact(() -> {
                stage.setWidth(size[0]);
                stage.setHeight(size[1]);
            });
            WaitForAsyncUtils.waitForFxEvents();
            Node editor = robot.lookup("#task-editor").query();
            for (Node n : editor.lookupAll("*")) {
                if (n instanceof Labeled l && !l.isWrapText() && !insideAList(n)) assertNotClipped(l, size);
            }
            assertTrue(robot.lookup("#editor-templates").queryAs(ListView.class).getWidth() >= 100, "the template list is wide enough");
            double problems = robot.lookup("#editor-problems").queryAs(ListView.class).getHeight();
            assertTrue(problems >= 3 * 24, "the Problems area shows several lines at " + size[0] + "×" + size[1] + ": " + problems);
        }
    }
}
