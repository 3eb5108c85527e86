package org.circuitbench.ui.app;

import javafx.application.Platform;
import javafx.stage.Stage;
import org.circuitbench.session.RecoveryStore;
import org.circuitbench.session.SessionFiles;
import org.circuitbench.ui.common.FxBackgroundRunner;
import org.circuitbench.ui.common.FxExceptionGuard;
import org.circuitbench.ui.common.ScriptedDialogs;
import org.circuitbench.ui.common.TestServices;
import org.circuitbench.ui.common.TestSessions;
import org.circuitbench.ui.common.Workspace;
import org.circuitbench.util.StartupLog;
import org.circuitbench.util.StartupLog.Mark;
import org.circuitbench.util.StartupLog.Milestone;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The app's start as CircuitBenchApp wires it (the first session's model and task read ahead while
 * the window is built, the milestones watched), headless on the 4 × 4 model: every milestone is
 * printed once, in the order a start reaches them, and the grid then shows the session's task.
 */
@ExtendWith({ApplicationExtension.class, FxExceptionGuard.class})
class StartupMilestonesFxTest {
    @TempDir
    static Path dir;
    private final ByteArrayOutputStream log = new ByteArrayOutputStream();
    private MainViewModel vm;
    private Workspace ws;

    private Stage stage;
    private StartupPreload preload;
    private javafx.scene.Parent firstScreen;

    @Start
    void start(Stage stage) {
        this.stage = stage; // the start itself runs in the test, with a timeout for a busy machine
    }

    /** CircuitBenchApp's start, with the test's services: read ahead, the window at once, then the app in it. */
    private void startApp() throws Exception {
        Path session = dir.resolve("start" + SessionFiles.EXTENSION);
        SessionFiles.write(session, TestSessions.fourByFour());
        preload = StartupPreload.begin(List.of(session.toString()), () -> { }); // the test keeps its GPU set-up
        ws = preload.workspace();
        CountDownLatch built = new CountDownLatch(1);
        Platform.runLater(() -> {
            FxBackgroundRunner runner = new FxBackgroundRunner();
            CircuitBenchApp.open(stage, preload, List.of(session.toString()), runner,
                    w -> TestServices.of(runner, new ScriptedDialogs(), w, dir), new RecoveryStore(dir.resolve("user")), dir.resolve("user"),
                    v -> {
                        vm = v;
                        built.countDown();
                    });
            firstScreen = stage.getScene().getRoot();
        });
        assertTrue(built.await(180, TimeUnit.SECONDS), "the app was built in the window");
    }

    @AfterEach
    void quiet() {
        StartupLog.redirect(null);
    }

    @Test
    void eachMilestoneIsPrintedOnceInTheOrderTheStartReachesThem() throws Exception {
        StartupLog.redirect(new PrintStream(log, true, StandardCharsets.UTF_8));
        startApp();
        WaitForAsyncUtils.waitFor(180, TimeUnit.SECONDS, () -> log.toString(StandardCharsets.UTF_8).contains(" score"));
        List<String> lines = log.toString(StandardCharsets.UTF_8).lines().toList();
        Map<Milestone, Mark> marks = new EnumMap<>(Milestone.class);
        for (String line : lines) {
            Mark m = StartupLog.parse(line).orElseThrow(() -> new AssertionError("not a milestone line: " + line));
            assertTrue(marks.put(m.milestone(), m) == null, "printed twice: " + m.milestone());
        }
        // JVM is main()'s, which this test does not run; every other milestone is reached
        assertEquals(List.of(Milestone.WINDOW, Milestone.NATIVES, Milestone.MODEL, Milestone.TASK, Milestone.GRID, Milestone.SCORE),
                marks.keySet().stream().toList(), lines.toString());
        long natives = at(marks, Milestone.NATIVES), model = at(marks, Milestone.MODEL), task = at(marks, Milestone.TASK),
                grid = at(marks, Milestone.GRID), score = at(marks, Milestone.SCORE), window = at(marks, Milestone.WINDOW);
        assertTrue(natives <= model && model <= task && task <= grid && grid <= score, lines.toString());
        assertTrue(window <= task, "the window shows before the app in it: " + lines);
        assertEquals("startup-screen", firstScreen.getId(), "first the progress screen");
        assertTrue(stage.getScene().getRoot() instanceof MainView, "then the app");
        assertTrue(StartupLog.value(marks.get(Milestone.MODEL), "read_s") > 0, lines.toString());
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals("4 × 4", vm.grid().layersProperty().get() + " × " + vm.grid().headsProperty().get());
        assertTrue(vm.grid().detailsProperty().get() != null, "the first score is shown");
        assertEquals(1, ws.preparedCount(), "the task was prepared once");
        assertTrue(preload.modelReadAhead() != null && preload.modelReadAhead() == ws.model(),
                "the window's load took the model read ahead instead of reading it again");
    }

    private static long at(Map<Milestone, Mark> marks, Milestone m) {
        return marks.get(m).epochMillis();
    }
}
