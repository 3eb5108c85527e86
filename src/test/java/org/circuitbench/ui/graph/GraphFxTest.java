package org.circuitbench.ui.graph;

import javafx.stage.Stage;
import org.circuitbench.ablation.EdgeCircuit;
import org.circuitbench.ablation.EdgeEvaluator;
import org.circuitbench.ui.app.AppFxBase;
import org.circuitbench.ui.graph.GraphCanvas;
import org.circuitbench.ui.graph.GraphEdits;
import org.junit.jupiter.api.Test;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Graph tab as a researcher uses it: edges and heads clicked on the canvas, a graph kept under a name, the slider's circuit. */
class GraphFxTest extends AppFxBase {
    @Start
    void start(Stage stage) {
        open(stage);
    }

    @Test
    void clickingAnEdgeOnTheGraphChangesTheCircuitAndShowsTheEnginesExactScore(FxRobot robot) throws Exception {
        graphReady(robot);
        EdgeCircuit all = vm.graph().circuit();
        assertEquals(all.graph().edgeCount(), all.size());
        GraphCanvas canvas = view.graphView().canvas();
        int id = all.graph().id(all.graph().parse("3.2->logits"));
        double[] mid = canvas.screenMiddle(id);
        robot.clickOn(canvas.localToScreen(mid[0], mid[1]));
        waitFor(30, () -> vm.graph().circuit().size() == all.size() - 1 && vm.graph().edits().scoreProperty().get() != null);
        EdgeCircuit now = vm.graph().circuit();
        int removed = all.ids().stream().filter(i -> !now.ids().get(i)).findFirst().orElseThrow();
        double[] world = view.graphView().graphLayout().middle(id);
        double d = view.graphView().graphLayout().distanceTo(removed, world[0], world[1]);
        assertTrue(d < 6, "the removed edge passes under the click (" + d + " world units away)");
        double engine;
        try (EdgeEvaluator plain = new EdgeEvaluator(task(), false)) {
            engine = plain.score(now);
        }
        assertEquals(String.format(Locale.ROOT, "%.2f %%", engine), text(robot, "#graph-score"));
        assertTrue(text(robot, "#graph-drawn").contains("edges drawn"), "the count of drawn edges is shown");
    }

    @Test
    void doubleClickingAHeadOnTheGraphInspectsItAndASingleClickRemovesItsEdges(FxRobot robot) throws Exception {
        graphReady(robot);
        EdgeCircuit all = vm.graph().circuit();
        GraphCanvas canvas = view.graphView().canvas();
        org.circuitbench.ablation.Node.Head head = org.circuitbench.ablation.Node.head(2, 1);
        double[] c = canvas.screenCentre(head);
        doubleClick(robot, canvas, c[0], c[1]);
        waitFor(30, () -> inspector() != null && head.equals(vm.heads().inspector().headProperty().get()));
        assertTrue(inspector().getTitle().startsWith("Head 2.1"), inspector().getTitle());
        Thread.sleep(600); // past the wait for a second click
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals(all, vm.graph().circuit(), "the double-click toggled nothing");
        robot.interact(() -> inspector().hide());

        robot.clickOn(canvas.localToScreen(c[0], c[1]));
        List<org.circuitbench.ablation.Edge> touching = GraphEdits.touching(all.graph(), head);
        waitFor(30, () -> touching.stream().noneMatch(vm.graph().circuit()::contains));
        assertEquals(all.size() - touching.size(), vm.graph().circuit().size(), "a single click removes exactly the head's edges");
    }

    @Test
    void aGraphSavedUnderANameIsListedAndShowsAgain(FxRobot robot) throws Exception {
        graphReady(robot);
        EdgeCircuit all = vm.graph().circuit();
        org.circuitbench.ablation.Edge e = all.graph().parse("3.2->logits");
        robot.interact(() -> vm.graph().edits().toggleEdge(e));
        EdgeCircuit saved = vm.graph().circuit();
        dialogs.answer("without 3.2");
        robot.clickOn("#graph-save");
        javafx.scene.control.ListView<?> named = robot.lookup("#graph-named").queryAs(javafx.scene.control.ListView.class);
        waitFor(10, () -> named.getItems().size() == 1);
        robot.interact(() -> vm.graph().edits().toggleEdge(e)); // the graph moves on
        assertEquals(all, vm.graph().circuit());
        robot.interact(() -> named.getSelectionModel().select(0));
        robot.clickOn("#graph-show-named");
        waitFor(30, () -> saved.equals(vm.graph().circuit()) && vm.graph().edits().scoreProperty().get() != null);
        assertTrue(dialogs.allAnswered());
    }

    /** §2.9: when the attribution arrives, the slider keeps every edge and says so (not "top 1 edges"). */
    @Test
    void theSliderStartsAtEveryEdge(FxRobot robot) throws Exception {
        graphReady(robot);
        int size = vm.graph().attribution().attributionProperty().get().state().size();
        assertEquals(size, vm.graph().attribution().topNProperty().get());
        assertEquals(String.format(Locale.ROOT, "top %,d edges", size), text(robot, "#graph-topn-label"));
    }

    /** §2.9: a smaller window fits the whole graph again (unless the user zoomed or panned). */
    @Test
    void theGraphRefitsWhenTheWindowChangesSize(FxRobot robot) throws Exception {
        graphReady(robot);
        robot.interact(() -> {
            stage.setWidth(1024);
            stage.setHeight(700);
        });
        org.testfx.util.WaitForAsyncUtils.waitForFxEvents();
        GraphCanvas canvas = view.graphView().canvas();
        for (Object n : List.of(org.circuitbench.ablation.Sender.EMBED, org.circuitbench.ablation.Receiver.LOGITS,
                org.circuitbench.ablation.Node.head(0, 0), org.circuitbench.ablation.Node.head(3, 3))) {
            double[] c = canvas.screenCentre(n);
            assertTrue(c[0] >= 0 && c[0] <= canvas.getWidth() && c[1] >= 0 && c[1] <= canvas.getHeight(),
                    n + " at " + c[0] + ", " + c[1] + " in " + canvas.getWidth() + " × " + canvas.getHeight());
        }
    }

    @Test
    void theSlidersCircuitShowsTheEnginesExactScore(FxRobot robot) throws Exception {
        graphReady(robot);
        javafx.scene.control.Slider slider = robot.lookup("#graph-topn").queryAs(javafx.scene.control.Slider.class);
        robot.interact(() -> slider.setValue(90));
        robot.clickOn("#graph-keep-topn");
        waitFor(30, () -> vm.graph().circuit().size() == 90 && vm.graph().edits().scoreProperty().get() != null);
        double engine;
        try (EdgeEvaluator plain = new EdgeEvaluator(task(), false)) {
            engine = plain.score(vm.graph().attribution().topCircuit(90));
        }
        assertEquals(vm.graph().attribution().topCircuit(90), vm.graph().circuit());
        assertEquals(String.format(Locale.ROOT, "%.2f %%", engine), text(robot, "#graph-score"));
    }

    /**
     * A double-click as its two click events, back to back on the FX thread: the robot's two real
     * clicks can come further apart than the double-click interval on a loaded machine.
     */
    static void doubleClick(FxRobot robot, GraphCanvas canvas, double x, double y) {
        javafx.scene.Node inner = robot.from(canvas).lookup((java.util.function.Predicate<javafx.scene.Node>) n -> n instanceof javafx.scene.canvas.Canvas).query();
        javafx.geometry.Point2D scene = canvas.localToScene(x, y), screen = canvas.localToScreen(x, y);
        robot.interact(() -> {
            for (int count = 1; count <= 2; count++) {
                javafx.event.Event.fireEvent(inner, new javafx.scene.input.MouseEvent(javafx.scene.input.MouseEvent.MOUSE_CLICKED,
                        scene.getX(), scene.getY(), screen.getX(), screen.getY(), javafx.scene.input.MouseButton.PRIMARY, count,
                        false, false, false, false, false, false, false, false, false, true, null));
            }
        });
    }
}
