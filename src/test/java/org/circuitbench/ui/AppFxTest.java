package org.circuitbench.ui;

import javafx.scene.Scene;
import javafx.scene.control.Label;
import javafx.scene.control.ListView;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.TableView;
import javafx.scene.input.KeyCode;
import javafx.stage.Stage;
import org.circuitbench.ablation.AblationTask;
import org.circuitbench.ablation.Circuit;
import org.circuitbench.ablation.Node;
import org.circuitbench.ablation.ReferenceEvaluator;
import org.circuitbench.search.SearchMethod;
import org.circuitbench.session.RecoveryStore;
import org.circuitbench.session.Session;
import org.circuitbench.session.SessionFiles;
import org.circuitbench.task.TaskProblem;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The app as a researcher uses it, headless (Monocle): the demo model and digits session open,
 * clicks change the circuit and the score, a prune runs and can be cancelled, sessions round-trip,
 * and the task editor flags a length mismatch. Background work runs on real threads here.
 */
@ExtendWith(ApplicationExtension.class)
class AppFxTest {
    @TempDir
    static Path dir;
    MainViewModel vm;
    Workspace ws;
    MainView view;

    @Start
    void start(Stage stage) throws Exception {
        ws = new Workspace();
        FxBackgroundRunner runner = new FxBackgroundRunner();
        vm = new MainViewModel(runner, ws, new RecoveryStore(dir.resolve("user")), dir.resolve("user"));
        view = new MainView(vm, runner);
        Scene scene = new Scene(view, 1360, 880);
        scene.getStylesheets().add(getClass().getResource("/org/circuitbench/ui/app.css").toExternalForm());
        stage.setScene(scene);
        stage.show();
        vm.openDemo();
    }

    @AfterEach
    void stop() {
        ws.close();
    }

    void waitFor(int seconds, java.util.concurrent.Callable<Boolean> condition) throws Exception {
        WaitForAsyncUtils.waitFor(seconds, TimeUnit.SECONDS, condition);
        WaitForAsyncUtils.waitForFxEvents();
    }

    void ready() throws Exception {
        waitFor(60, () -> vm.grid().detailsProperty().get() != null && !vm.preparingProperty().get());
    }

    AblationTask task() {
        return ws.task(vm.selectedTaskName()).orElseThrow();
    }

    @Test
    void clickingACellChangesTheCircuitAndShowsTheEnginesScore(FxRobot robot) throws Exception {
        ready();
        assertEquals("100.00 %", robot.lookup("#score-label").queryAs(Label.class).getText());
        robot.clickOn("#cell-5-3");
        Circuit want = Circuit.all(12, 12).without(Node.head(5, 3));
        waitFor(30, () -> vm.grid().detailsProperty().get() != null && vm.grid().detailsProperty().get().circuit().equals(want));
        assertEquals(want, vm.grid().circuit());
        double engine = new ReferenceEvaluator(task()).score(want);
        assertEquals(String.format(Locale.ROOT, "%.2f %%", engine), robot.lookup("#score-label").queryAs(Label.class).getText());

        robot.press(KeyCode.SHIFT).clickOn("#cell-2-0").release(KeyCode.SHIFT);
        waitFor(30, () -> vm.grid().circuit().headsInLayer(2).length == 0 && vm.grid().detailsProperty().get() != null);
        robot.clickOn("#grid-undo");
        waitFor(30, () -> vm.grid().circuit().equals(want));
    }

    @Test
    void aBackwardPruneFromTheUiFillsTheLogAndAppliesToTheGrid(FxRobot robot) throws Exception {
        ready();
        robot.clickOn("Runs");
        robot.interact(() -> vm.runs().methodProperty().set(SearchMethod.BACKWARD));
        robot.clickOn("#run-start");
        waitFor(120, () -> vm.runs().history().size() == 1);
        Session.RunRecord r = vm.runs().history().get(0);
        assertFalse(r.cancelled());
        assertEquals(1.0, robot.lookup("#run-progress").queryAs(ProgressBar.class).getProgress(), 1e-9, "the bar reaches 100 %");
        TableView<?> log = robot.lookup("#run-log").queryAs(TableView.class);
        assertEquals(r.removals().size(), log.getItems().size());
        assertTrue(log.getItems().size() > 10);
        robot.clickOn("#run-apply");
        waitFor(30, () -> vm.grid().circuit().toSpec().equals(r.circuit()));
        waitFor(30, () -> vm.grid().detailsProperty().get() != null);
        assertEquals(r.score(), vm.grid().detailsProperty().get().score(), 1e-3, "the grid shows the run's circuit and score");
    }

    @Test
    void cancelKeepsThePartialLog(FxRobot robot) throws Exception {
        ready();
        robot.clickOn("Runs");
        robot.interact(() -> {
            vm.runs().methodProperty().set(SearchMethod.BACKWARD_FORWARD);
            vm.runs().thresholdProperty().set(20);
        });
        robot.clickOn("#run-start");
        waitFor(60, () -> vm.runs().log().size() >= 3);
        robot.clickOn("#run-cancel");
        waitFor(60, () -> !vm.runs().runningProperty().get() && vm.runs().history().size() == 1);
        Session.RunRecord r = vm.runs().history().get(0);
        assertTrue(r.cancelled(), "the run says it was cancelled");
        assertTrue(r.removals().size() >= 3);
        assertEquals(r.removals().size(), vm.runs().log().size(), "the partial log is kept");
        Circuit replay = Circuit.all(12, 12);
        for (Session.RemovalRecord x : r.removals()) replay = replay.without(Node.parse(x.head()));
        assertEquals(replay.toSpec(), r.circuit());
        assertTrue(robot.lookup("#run-status").queryAs(Label.class).getText().contains("cancelled"));
    }

    @Test
    void saveThenOpenGivesAnEqualSession(FxRobot robot) throws Exception {
        ready();
        robot.clickOn("#cell-7-11");
        waitFor(30, () -> !vm.grid().circuit().contains(Node.head(7, 11)) && vm.grid().detailsProperty().get() != null);
        robot.interact(() -> vm.saveGridAs("without 7.11"));
        Path f = dir.resolve("round-trip" + SessionFiles.EXTENSION);
        Session[] before = new Session[1];
        robot.interact(() -> {
            before[0] = vm.snapshot();
            assertTrue(vm.saveAs(f));
        });
        String written = Files.readString(f);
        robot.interact(vm::newSession);
        robot.interact(() -> assertTrue(vm.open(f)));
        ready();
        robot.interact(() -> assertEquals(before[0], vm.snapshot()));
        assertEquals(1, robot.lookup("#circuit-list").queryAs(ListView.class).getItems().stream()
                .filter(c -> ((Session.NamedCircuit) c).name().equals("without 7.11")).count());
        robot.interact(() -> assertTrue(vm.saveAs(f)));
        assertEquals(written, Files.readString(f), "saving the reopened session writes the same file");
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

    @Test
    void screenshotOfTheMainWindow(FxRobot robot) throws Exception {
        ready();
        robot.interact(() -> vm.grid().toggle(Node.head(4, 4)));
        waitFor(30, () -> vm.grid().detailsProperty().get() != null);
        Path png = Path.of("target", "screenshots", "main-window-headless.png");
        Files.createDirectories(png.getParent());
        robot.interact(() -> {
            try {
                MainView.writePng(view, png);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        assertTrue(Files.size(png) > 10_000);
    }
}
