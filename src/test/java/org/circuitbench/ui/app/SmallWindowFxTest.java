package org.circuitbench.ui.app;

import javafx.geometry.Bounds;
import javafx.scene.Node;
import javafx.scene.control.ComboBoxBase;
import javafx.scene.control.Labeled;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.Tab;
import javafx.scene.control.TabPane;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * §2.8: at 1024 × 700 every tab of the demo session (12 × 12 heads, as GPT-2 small) is readable
 * and reachable: no button or label is cut to "…", none lies outside the window (unless it is in a
 * part that scrolls), and the Heads heatmap shows every column without a scrollbar.
 */
class SmallWindowFxTest extends AppFxBase {
    @Start
    void start(Stage stage) {
        open(stage);
    }

    @Test
    void everyTabIsReadableAndReachableAt1024By700(FxRobot robot) throws Exception {
        robot.interact(vm.document()::openDemo);
        waitFor(180, () -> vm.grid().detailsProperty().get() != null && !vm.preparingProperty().get() && vm.grid().layersProperty().get() == 12);
        robot.interact(() -> {
            stage.setWidth(1024);
            stage.setHeight(700);
        });
        WaitForAsyncUtils.waitForFxEvents();
        List<String> problems = new ArrayList<>();
        for (Tab tab : List.copyOf(view.tabs().getTabs())) {
            robot.interact(() -> view.tabs().getSelectionModel().select(tab));
            if ("tab-graph".equals(tab.getId())) {
                waitFor(180, () -> vm.graph().edits().scoreProperty().get() != null && vm.graph().attribution().attributionProperty().get() != null);
            }
            if ("tab-heads".equals(tab.getId())) {
                robot.interact(vm.heads()::compute); // DLA first, in seconds; the rest is cancelled
                waitFor(180, () -> vm.heads().heatmapProperty().get() != null);
                robot.interact(vm.heads()::cancel);
                waitFor(60, () -> !vm.heads().busyProperty().get());
            }
            WaitForAsyncUtils.waitForFxEvents();
            if (tab.getContent() instanceof TabPane inner) {
                for (Tab sub : List.copyOf(inner.getTabs())) {
                    robot.interact(() -> inner.getSelectionModel().select(sub));
                    WaitForAsyncUtils.waitForFxEvents();
                    check(tab.getText() + " › " + sub.getText(), problems);
                }
            } else {
                check(tab.getText(), problems);
            }
        }
        robot.interact(() -> view.tabs().getSelectionModel().select(view.tabs().getTabs().stream()
                .filter(t -> "tab-heads".equals(t.getId())).findFirst().orElseThrow()));
        WaitForAsyncUtils.waitForFxEvents();
        ScrollPane heatmapScroll = (ScrollPane) ancestor(robot.lookup("#heatmap").query(), ScrollPane.class);
        Bounds viewport = heatmapScroll.localToScene(heatmapScroll.getBoundsInLocal());
        for (Node cell : robot.lookup(".heat-cell").queryAll()) {
            Bounds b = cell.localToScene(cell.getBoundsInLocal());
            if (b.getMaxX() > viewport.getMaxX() + 1) problems.add("Heads: heatmap cell " + cell.getId() + " is past the right edge");
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    /** Every visible label and button of the shown tab and of the window around it: whole, and inside the window. */
    private void check(String where, List<String> problems) {
        double w = view.getScene().getWidth(), h = view.getScene().getHeight();
        for (Node n : view.lookupAll("*")) {
            if (!(n instanceof Labeled l) || !shown(n) || l.getText() == null || l.getText().isEmpty()) continue;
            if (insideAList(n) || ancestor(n, ComboBoxBase.class) != null) continue; // cells and choosers clip long items by design
            // a titled pane's own text is in its title (its content has texts of its own)
            Node text = l instanceof javafx.scene.control.TitledPane ? l.lookup(".title .text") : l.lookup(".text");
            if (!l.isWrapText() && text instanceof javafx.scene.text.Text t && !t.getText().equals(l.getText())) {
                problems.add(where + ": '" + l.getText() + "' is cut to '" + t.getText() + "'");
            }
            Bounds b = n.localToScene(n.getBoundsInLocal());
            if (ancestor(n, ScrollPane.class) == null && (b.getMaxX() > w + 1 || b.getMaxY() > h + 1)) {
                problems.add(where + ": '" + l.getText() + "' lies outside the window");
            }
        }
    }

    /** Shown: visible itself and in every ancestor, and in the selected tab if it is in a tab. */
    private static boolean shown(Node n) {
        for (Node p = n; p != null; p = p.getParent()) if (!p.isVisible()) return false;
        return n.getScene() != null && n.localToScene(n.getBoundsInLocal()).getWidth() > 0;
    }

    private static Node ancestor(Node n, Class<?> type) {
        for (Node p = n.getParent(); p != null; p = p.getParent()) if (type.isInstance(p)) return p;
        return null;
    }
}
