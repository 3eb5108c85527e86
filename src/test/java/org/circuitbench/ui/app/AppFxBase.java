package org.circuitbench.ui.app;

import javafx.scene.Node;
import javafx.scene.Scene;
import javafx.scene.control.Labeled;
import javafx.scene.control.ListView;
import javafx.scene.control.TableView;
import javafx.scene.paint.Color;
import javafx.stage.Stage;
import org.circuitbench.ablation.AblationTask;
import org.circuitbench.session.RecoveryStore;
import org.circuitbench.session.Session;
import org.circuitbench.ui.common.AppServices;
import org.circuitbench.ui.common.Debouncer;
import org.circuitbench.ui.common.FxBackgroundRunner;
import org.circuitbench.ui.common.FxExceptionGuard;
import org.circuitbench.ui.common.ScriptedDialogs;
import org.circuitbench.ui.common.TestServices;
import org.circuitbench.ui.common.TestSessions;
import org.circuitbench.ui.common.Workspace;
import org.circuitbench.ui.heads.HeadInspectorView;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.util.WaitForAsyncUtils;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The app as a researcher uses it, headless (Monocle), for the TestFX tests of every room: the
 * 4 × 4 session opens in a real window (1360 × 900), background work runs on the app's real
 * runner, and dialogs are answered by a script. {@link FxExceptionGuard} fails any test during
 * which an exception reached the FX thread. Each room's TestFX class extends this.
 */
@ExtendWith({ApplicationExtension.class, FxExceptionGuard.class})
public abstract class AppFxBase {
    @TempDir
    protected static Path dir;
    protected MainViewModel vm;
    protected Workspace ws;
    protected MainView view;
    protected Stage stage;
    protected FxBackgroundRunner runner;
    protected final ScriptedDialogs dialogs = new ScriptedDialogs();

    /** Opens the window on the 4 × 4 session; each test class's {@code @Start} calls it (TestFX finds only a class's own). */
    protected void open(Stage stage) {
        this.stage = stage;
        ws = new Workspace();
        runner = new FxBackgroundRunner();
        AppServices services = TestServices.of(runner, dialogs, ws, dir).withDebouncers(() -> Debouncer.fx(150));
        vm = new MainViewModel(services, new RecoveryStore(dir.resolve("user")), dir.resolve("user"));
        view = new MainView(vm, runner);
        Scene scene = new Scene(view, 1360, 900);
        scene.getStylesheets().add(getClass().getResource("/org/circuitbench/ui/app.css").toExternalForm());
        stage.setScene(scene);
        stage.show();
        vm.apply(session4x4(), null);
    }

    /**
     * The session most tests start from: the seed's digits task (a definition the editor can edit)
     * and the words fixture task on the 4 × 4 model, with two named circuits. The demo model's
     * 12 × 12 grid is opened only where a test is about it.
     */
    public static Session session4x4() {
        try {
            Session words = TestSessions.fourByFour();
            return words.withTasks(List.of(org.circuitbench.session.SampleSessions.task(org.circuitbench.session.SampleSessions.digits()),
                    words.tasks().get(0))).withUi(new Session.UiState("digits increasing", "all", null, null));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @AfterEach
    protected void stop() {
        runner.close();
        ws.close();
    }

    protected void waitFor(int seconds, java.util.concurrent.Callable<Boolean> condition) throws Exception {
        WaitForAsyncUtils.waitFor(seconds, TimeUnit.SECONDS, condition);
        WaitForAsyncUtils.waitForFxEvents();
    }

    protected void ready() throws Exception {
        waitFor(60, () -> vm.grid().detailsProperty().get() != null && !vm.preparingProperty().get());
    }

    /** Selects the words task of the 4 × 4 session and waits for its grid. */
    protected void selectWords(FxRobot robot) throws Exception {
        ready();
        robot.interact(() -> vm.selectedTaskProperty().set(vm.tasks().get(1)));
        waitFor(60, () -> "words".equals(vm.selectedTaskName()) && vm.grid().detailsProperty().get() != null && !vm.preparingProperty().get());
    }

    protected AblationTask task() {
        return ws.task(Workspace.TaskKey.of(vm.selectedTaskProperty().get())).orElseThrow();
    }

    protected String text(FxRobot robot, String query) {
        return robot.lookup(query).queryAs(Labeled.class).getText();
    }

    /** Shows the Graph tab on the words task and waits for its score and its attribution. */
    protected void graphReady(FxRobot robot) throws Exception {
        selectWords(robot);
        robot.interact(() -> view.tabs().getSelectionModel().select(view.tabs().getTabs().stream()
                .filter(t -> "tab-graph".equals(t.getId())).findFirst().orElseThrow()));
        waitFor(60, () -> vm.graph().edits().scoreProperty().get() != null && vm.graph().attribution().attributionProperty().get() != null
                && !vm.graph().edits().busyProperty().get());
    }

    /** Cells of tables and lists clip long prompts by design; buttons and labels must not. */
    public static boolean insideAList(Node n) {
        for (Node p = n.getParent(); p != null; p = p.getParent()) {
            if (p instanceof TableView || p instanceof ListView) return true;
        }
        return false;
    }

    public static void assertNotClipped(Labeled l, int[] size) {
        if (!l.isVisible() || l.getText() == null || l.getText().isEmpty() || l.getScene() == null) return;
        Node text = l.lookup(".text");
        if (!(text instanceof javafx.scene.text.Text t)) return;
        assertEquals(l.getText(), t.getText(), "'" + l.getText() + "' is cut off at " + size[0] + "×" + size[1]);
    }

    public static Color color(String style, String property) {
        int i = style.indexOf(property + ":");
        assertTrue(i >= 0, property + " in " + style);
        String v = style.substring(i + property.length() + 1).split(";")[0].trim();
        return Color.web(v);
    }

    /** The colour at a node's centre in the window's image. */
    protected Color pixel(BufferedImage img, Node n) {
        var b = n.localToScene(n.getBoundsInLocal());
        int rgb = img.getRGB((int) b.getCenterX(), (int) b.getCenterY());
        return Color.rgb((rgb >> 16) & 255, (rgb >> 8) & 255, rgb & 255);
    }

    /** The inspector's window, if it is showing. */
    public static Stage inspector() {
        for (javafx.stage.Window w : List.copyOf(javafx.stage.Window.getWindows())) {
            if (w.isShowing() && w instanceof Stage st && w.getScene() != null && w.getScene().getRoot() instanceof HeadInspectorView) return st;
        }
        return null;
    }

    /** A heatmap cell's text as the engine's value would read with two decimals (no "-0.00"). */
    public static String cell2(double v) {
        String s = String.format(Locale.ROOT, "%.2f", v);
        return s.equals("-0.00") ? "0.00" : s;
    }
}
