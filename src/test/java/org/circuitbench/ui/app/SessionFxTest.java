package org.circuitbench.ui.app;

import javafx.scene.control.Label;
import javafx.scene.control.ListView;
import javafx.scene.control.TableView;
import javafx.scene.input.KeyCode;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.VBox;
import javafx.scene.paint.Color;
import javafx.stage.Stage;
import org.circuitbench.ablation.Circuit;
import org.circuitbench.session.Session;
import org.circuitbench.session.SessionFiles;
import org.circuitbench.ui.common.DialogService;
import org.circuitbench.ui.common.Exports;
import org.circuitbench.ui.common.FxExceptionGuard;
import org.junit.jupiter.api.Test;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The window and its session: save and open round-trip, a new session leaves nothing of the old, every way out asks, banners. */
class SessionFxTest extends AppFxBase {
    @Start
    void start(Stage stage) {
        open(stage);
    }

    @Test
    void saveThenOpenGivesAnEqualSession(FxRobot robot) throws Exception {
        ready();
        robot.clickOn("#cell-3-1");
        waitFor(30, () -> !vm.grid().circuit().contains(org.circuitbench.ablation.Node.head(3, 1)) && vm.grid().detailsProperty().get() != null);
        dialogs.answer("without 3.1");
        robot.clickOn("#circuit-save-grid");
        Path f = dir.resolve("round-trip" + SessionFiles.EXTENSION);
        Session[] before = new Session[1];
        robot.interact(() -> {
            before[0] = vm.snapshot();
            assertTrue(vm.document().saveAs(f));
        });
        String written = Files.readString(f);
        robot.interact(vm.document()::newSession);
        robot.interact(() -> assertTrue(vm.document().open(f)));
        ready();
        robot.interact(() -> assertEquals(before[0], vm.snapshot()));
        assertEquals(1, robot.lookup("#circuit-list").queryAs(ListView.class).getItems().stream()
                .filter(c -> ((Session.NamedCircuit) c).name().equals("without 3.1")).count());
        robot.interact(() -> assertTrue(vm.document().saveAs(f)));
        assertEquals(written, Files.readString(f), "saving the reopened session writes the same file");
    }

    /** Session A, then session B: nothing of A is visible any more. */
    @Test
    void openingSessionBLeavesNothingOfSessionAOnScreen(FxRobot robot) throws Exception {
        selectWords(robot);
        robot.interact(() -> {
            vm.runs().thresholdProperty().set(10);
            vm.runs().start();
        });
        waitFor(60, () -> vm.runs().history().size() == 1);
        robot.interact(vm.analysis()::runImportance);
        waitFor(60, () -> vm.analysis().importanceResultProperty().get() != null && !vm.analysis().busyProperty().get());
        robot.interact(() -> {
            vm.analysis().selectedForCompare().setAll("early", "late");
            vm.analysis().runComparison();
        });
        waitFor(60, () -> !vm.analysis().comparison().isEmpty() && !vm.analysis().busyProperty().get());
        robot.interact(vm.analysis()::runMatrix);
        waitFor(60, () -> vm.analysis().matrixProperty().get() != null && !vm.analysis().busyProperty().get());
        robot.interact(() -> vm.errorProperty().set("an error of session A"));
        assertTrue(robot.lookup("#error-banner").query().isVisible());

        robot.interact(vm.document()::openDemo); // session B
        ready();
        assertFalse(robot.lookup("#error-banner").query().isVisible(), "A's error is gone");
        assertEquals("100.00 %", text(robot, "#score-label"));
        assertTrue(robot.lookup("#run-log").queryAs(TableView.class).getItems().isEmpty());
        assertTrue(robot.lookup("#run-history").queryAs(ListView.class).getItems().isEmpty());
        assertEquals("", text(robot, "#run-status"));
        assertTrue(robot.lookup("#compare-table").queryAs(TableView.class).getItems().isEmpty());
        assertTrue(robot.lookup("#compare-key").queryAs(VBox.class).getChildren().isEmpty());
        assertTrue(robot.lookup("#matrix-grid").queryAs(GridPane.class).getChildren().isEmpty());
        assertEquals("", text(robot, "#importance-caption"));
        assertEquals(1, robot.lookup("#importance-bars").queryAs(VBox.class).getChildren().size(), "only the hint");
        assertTrue(robot.lookup(".head-cell").queryAll().stream().allMatch(n -> ((Label) n).getText().isEmpty()), "no overlay");
        assertTrue(robot.lookup("#grid-clear-overlay").query().isVisible() == false);
        assertTrue(robot.lookup("#circuit-list").queryAs(ListView.class).getItems().stream()
                .noneMatch(c -> ((Session.NamedCircuit) c).name().equals("early")));
        assertTrue(robot.lookup("#demo-banner").query().isVisible(), "B is on the demo model, and says so");
        robot.clickOn("#demo-banner-dismiss");
        assertFalse(robot.lookup("#demo-banner").query().isVisible(), "the note can be put away");
    }

    /**
     * §2.5: after the session takes another model, nothing computed on the old one is on screen as
     * if it were this one's: its runs and edge runs are kept but not listed, the log, the matrix and
     * the importance line are gone, and a saved edge circuit's score names its model.
     */
    @Test
    void anotherModelLeavesNoResultOfTheOldOneOnScreen(FxRobot robot) throws Exception {
        selectWords(robot);
        robot.interact(() -> {
            vm.runs().thresholdProperty().set(10);
            vm.runs().start();
        });
        waitFor(60, () -> vm.runs().history().size() == 1 && !vm.runs().runningProperty().get());
        robot.interact(() -> {
            vm.edgeRuns().thresholdTextProperty().set("10");
            vm.edgeRuns().start();
        });
        waitFor(120, () -> vm.edgeRuns().history().size() == 1 && !vm.edgeRuns().runningProperty().get());
        robot.interact(() -> view.tabs().getSelectionModel().select(view.tabs().getTabs().stream()
                .filter(t -> "tab-graph".equals(t.getId())).findFirst().orElseThrow()));
        waitFor(120, () -> vm.graph().edits().scoreProperty().get() != null);
        robot.interact(() -> vm.graph().edits().saveAs("kept edges"));
        robot.interact(vm.analysis()::runImportance);
        waitFor(60, () -> vm.analysis().importanceResultProperty().get() != null && !vm.analysis().busyProperty().get());
        robot.interact(vm.analysis()::runMatrix);
        waitFor(120, () -> vm.analysis().matrixProperty().get() != null && !vm.analysis().busyProperty().get());
        String old = vm.sessionModelProperty().get().name();

        robot.interact(() -> vm.loadModel(org.circuitbench.model.AppPaths.DEMO_REF));
        waitFor(120, () -> !vm.model().loadingProperty().get() && !vm.preparingProperty().get()
                && org.circuitbench.model.AppPaths.DEMO_REF.equals(vm.sessionModelProperty().get().name()));
        assertTrue(robot.lookup("#run-history").queryAs(ListView.class).getItems().isEmpty(), "the old model's run is not listed");
        assertTrue(robot.lookup("#run-log").queryAs(TableView.class).getItems().isEmpty(), "nor its log");
        assertFalse(text(robot, "#run-hidden").isEmpty(), "the list says runs of another model are kept");
        assertTrue(robot.lookup("#graph-history").queryAs(ListView.class).getItems().isEmpty(), "nor its edge run");
        assertTrue(robot.lookup("#matrix-grid").queryAs(GridPane.class).getChildren().isEmpty(), "the matrix is gone");
        assertEquals("", text(robot, "#importance-caption"), "the importance line is gone");
        assertEquals("", text(robot, "#compare-status"));
        ListView<?> named = robot.lookup("#graph-named").queryAs(ListView.class);
        String shown = vm.graph().edits().describe((Session.NamedCircuit) named.getItems().get(0));
        assertTrue(shown.contains(" on " + old), "a score of the old model names it: " + shown);
        Session saved = vm.snapshot();
        assertEquals(1, saved.runs(org.circuitbench.ablation.Level.NODES).size(), "the run is kept in the session");
        assertEquals(old, saved.runs(org.circuitbench.ablation.Level.NODES).get(0).model());
        assertEquals(old, saved.runs(org.circuitbench.ablation.Level.EDGES).get(0).model());
    }

    /** Ctrl+Q, the close button and File → New ask about unsaved work; Cancel keeps the window and the work. */
    @Test
    void quitAndNewAskBeforeUnsavedWorkIsLost(FxRobot robot) throws Exception {
        ready();
        robot.clickOn("#cell-1-1");
        waitFor(30, () -> vm.document().dirtyProperty().get());
        dialogs.answer(DialogService.Unsaved.CANCEL);
        robot.press(KeyCode.CONTROL).press(KeyCode.Q).release(KeyCode.Q).release(KeyCode.CONTROL);
        WaitForAsyncUtils.waitForFxEvents();
        assertTrue(dialogs.shown.stream().anyMatch(s -> s.startsWith("askToSave:")), dialogs.shown.toString());
        assertTrue(stage.isShowing(), "Cancel keeps the window open");
        dialogs.answer(DialogService.Unsaved.CANCEL);
        robot.clickOn("File").clickOn("New session");
        assertEquals(2, dialogs.shown.stream().filter(s -> s.startsWith("askToSave:")).count());
        assertEquals("digits increasing", vm.selectedTaskName(), "the session is still there");
        assertTrue(dialogs.allAnswered());
    }

    /** About is information, not an error; the error banner can be dismissed. */
    @Test
    void aboutIsInformationAndBannersCanBeDismissed(FxRobot robot) throws Exception {
        ready();
        robot.clickOn("Help").clickOn("About");
        assertTrue(dialogs.shown.get(dialogs.shown.size() - 1).startsWith("info: Circuit Workbench"), dialogs.shown.toString());
        robot.interact(() -> vm.errorProperty().set("something went wrong"));
        assertTrue(robot.lookup("#error-banner").query().isVisible());
        robot.clickOn("#error-dismiss");
        assertFalse(robot.lookup("#error-banner").query().isVisible());
    }

    @Test
    void theGuardSeesExceptionsOnTheFxThread() {
        FxExceptionGuard.onFx(() -> {
            throw new IllegalStateException("thrown on purpose");
        });
        assertEquals(1, FxExceptionGuard.CAUGHT.size());
        assertEquals("thrown on purpose", FxExceptionGuard.CAUGHT.get(0).getMessage());
        FxExceptionGuard.CAUGHT.clear();
    }

    /** The window's image: the size of the window, cells in and out of the circuit in their colours. */
    @Test
    void screenshotOfTheMainWindow(FxRobot robot) throws Exception {
        ready();
        robot.interact(() -> vm.grid().toggle(org.circuitbench.ablation.Node.head(2, 2)));
        waitFor(30, () -> vm.grid().detailsProperty().get() != null);
        byte[][] png = new byte[1][];
        robot.interact(() -> {
            try {
                png[0] = Exports.png(view);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        Path file = Path.of("target", "screenshots", "main-window-headless.png");
        Files.createDirectories(file.getParent());
        Files.write(file, png[0]);
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(png[0]));
        assertEquals((int) view.getWidth(), img.getWidth());
        assertEquals((int) view.getHeight(), img.getHeight());
        assertEquals(Color.web("#2b6cb0"), pixel(img, robot.lookup("#cell-2-3").query()), "a head in the circuit");
        assertEquals(Color.web("#e8ecf1"), pixel(img, robot.lookup("#cell-2-2").query()), "the head taken out");
    }
}
