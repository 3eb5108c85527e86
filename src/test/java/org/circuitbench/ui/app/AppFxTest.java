package org.circuitbench.ui.app;

import javafx.scene.Node;
import javafx.scene.Scene;
import javafx.scene.control.CheckBox;
import javafx.scene.control.Label;
import javafx.scene.control.Labeled;
import javafx.scene.control.ListView;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.TableView;
import javafx.scene.control.TextField;
import javafx.scene.input.KeyCode;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.VBox;
import javafx.scene.paint.Color;
import javafx.stage.Stage;
import org.circuitbench.ablation.AblationTask;
import org.circuitbench.ablation.Circuit;
import org.circuitbench.ablation.EdgeCircuit;
import org.circuitbench.ablation.EdgeEvaluator;
import org.circuitbench.ablation.ReferenceEvaluator;
import org.circuitbench.search.SearchMethod;
import org.circuitbench.session.RecoveryStore;
import org.circuitbench.session.Session;
import org.circuitbench.session.SessionFiles;
import org.circuitbench.task.TaskProblem;
import org.circuitbench.ui.common.AppServices;
import org.circuitbench.ui.common.Cells;
import org.circuitbench.ui.common.Debouncer;
import org.circuitbench.ui.common.DialogService;
import org.circuitbench.ui.common.Exports;
import org.circuitbench.ui.common.FxBackgroundRunner;
import org.circuitbench.ui.common.FxExceptionGuard;
import org.circuitbench.ui.common.ScriptedDialogs;
import org.circuitbench.ui.common.TestServices;
import org.circuitbench.ui.common.TestSessions;
import org.circuitbench.ui.common.Workspace;
import org.circuitbench.ui.graph.GraphCanvas;
import org.circuitbench.ui.graph.GraphLayout;
import org.circuitbench.ui.graph.GraphViewModel;
import org.circuitbench.ui.heads.HeadInspectorView;
import org.circuitbench.ui.heads.HeadInspectorViewModel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The app as a researcher uses it, headless (Monocle): the demo model and digits session open,
 * clicks change the circuit and the score, a prune runs and can be cancelled, sessions round-trip
 * and leave nothing behind, every way out asks about unsaved work, the screens are readable at
 * 1360 × 900 and 1280 × 800. Background work runs on the app's real runner; dialogs are answered
 * by a script. {@link FxExceptionGuard} fails any test during which an exception reached the FX
 * thread.
 */
@ExtendWith({ApplicationExtension.class, FxExceptionGuard.class})
class AppFxTest {
    @TempDir
    static Path dir;
    MainViewModel vm;
    Workspace ws;
    MainView view;
    Stage stage;
    FxBackgroundRunner runner;
    final ScriptedDialogs dialogs = new ScriptedDialogs();

    @Start
    void start(Stage stage) {
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
    static Session session4x4() {
        try {
            Session words = TestSessions.fourByFour();
            return words.withTasks(List.of(org.circuitbench.session.SampleSessions.task(org.circuitbench.session.SampleSessions.digits()),
                    words.tasks().get(0))).withUi(new Session.UiState("digits increasing", "all", null, null));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @AfterEach
    void stop() {
        runner.close();
        ws.close();
    }

    void waitFor(int seconds, java.util.concurrent.Callable<Boolean> condition) throws Exception {
        WaitForAsyncUtils.waitFor(seconds, TimeUnit.SECONDS, condition);
        WaitForAsyncUtils.waitForFxEvents();
    }

    void ready() throws Exception {
        waitFor(60, () -> vm.grid().detailsProperty().get() != null && !vm.preparingProperty().get());
    }

    /** Selects the words task of the 4 × 4 session and waits for its grid. */
    void selectWords(FxRobot robot) throws Exception {
        ready();
        robot.interact(() -> vm.selectedTaskProperty().set(vm.tasks().get(1)));
        waitFor(60, () -> "words".equals(vm.selectedTaskName()) && vm.grid().detailsProperty().get() != null && !vm.preparingProperty().get());
    }

    AblationTask task() {
        return ws.task(Workspace.TaskKey.of(vm.selectedTaskProperty().get())).orElseThrow();
    }

    String text(FxRobot robot, String query) {
        return robot.lookup(query).queryAs(Labeled.class).getText();
    }

    /** Shows the Graph tab on the words task and waits for its score and its attribution. */
    void graphReady(FxRobot robot) throws Exception {
        selectWords(robot);
        robot.interact(() -> view.tabs().getSelectionModel().select(view.tabs().getTabs().stream()
                .filter(t -> "tab-graph".equals(t.getId())).findFirst().orElseThrow()));
        waitFor(60, () -> vm.graph().scoreProperty().get() != null && vm.graph().attributionProperty().get() != null
                && !vm.graph().busyProperty().get());
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
        waitFor(30, () -> vm.graph().circuit().size() == all.size() - 1 && vm.graph().scoreProperty().get() != null);
        EdgeCircuit now = vm.graph().circuit();
        int removed = all.ids().stream().filter(i -> !now.ids().get(i)).findFirst().orElseThrow();
        double[] world = view.graphView().graphLayout().segment(id);
        double d = Math.sqrt(GraphLayout.distanceSquared((world[0] + world[2]) / 2, (world[1] + world[3]) / 2,
                view.graphView().graphLayout().segment(removed)));
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
        robot.doubleClickOn(canvas.localToScreen(c[0], c[1]));
        waitFor(30, () -> inspector() != null && head.equals(vm.heads().inspector().headProperty().get()));
        assertTrue(inspector().getTitle().startsWith("Head 2.1"), inspector().getTitle());
        Thread.sleep(600); // past the wait for a second click
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals(all, vm.graph().circuit(), "the double-click toggled nothing");
        robot.interact(() -> inspector().hide());

        robot.clickOn(canvas.localToScreen(c[0], c[1]));
        List<org.circuitbench.ablation.Edge> touching = GraphViewModel.touching(all.graph(), head);
        waitFor(30, () -> touching.stream().noneMatch(vm.graph().circuit()::contains));
        assertEquals(all.size() - touching.size(), vm.graph().circuit().size(), "a single click removes exactly the head's edges");
    }

    @Test
    void aGraphSavedUnderANameIsListedAndShowsAgain(FxRobot robot) throws Exception {
        graphReady(robot);
        EdgeCircuit all = vm.graph().circuit();
        org.circuitbench.ablation.Edge e = all.graph().parse("3.2->logits");
        robot.interact(() -> vm.graph().toggleEdge(e));
        EdgeCircuit saved = vm.graph().circuit();
        dialogs.answer("without 3.2");
        robot.clickOn("#graph-save");
        javafx.scene.control.ListView<?> named = robot.lookup("#graph-named").queryAs(javafx.scene.control.ListView.class);
        waitFor(10, () -> named.getItems().size() == 1);
        robot.interact(() -> vm.graph().toggleEdge(e)); // the graph moves on
        assertEquals(all, vm.graph().circuit());
        robot.interact(() -> named.getSelectionModel().select(0));
        robot.clickOn("#graph-show-named");
        waitFor(30, () -> saved.equals(vm.graph().circuit()) && vm.graph().scoreProperty().get() != null);
        assertTrue(dialogs.allAnswered());
    }

    @Test
    void theSlidersCircuitShowsTheEnginesExactScore(FxRobot robot) throws Exception {
        graphReady(robot);
        javafx.scene.control.Slider slider = robot.lookup("#graph-topn").queryAs(javafx.scene.control.Slider.class);
        robot.interact(() -> slider.setValue(90));
        robot.clickOn("#graph-keep-topn");
        waitFor(30, () -> vm.graph().circuit().size() == 90 && vm.graph().scoreProperty().get() != null);
        double engine;
        try (EdgeEvaluator plain = new EdgeEvaluator(task(), false)) {
            engine = plain.score(vm.graph().topCircuit(90));
        }
        assertEquals(vm.graph().topCircuit(90), vm.graph().circuit());
        assertEquals(String.format(Locale.ROOT, "%.2f %%", engine), text(robot, "#graph-score"));
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

    @Test
    void aPruneFromTheUiFillsTheLogKeepsPassesAndAppliesToTheGrid(FxRobot robot) throws Exception {
        selectWords(robot);
        robot.clickOn("Runs");
        robot.interact(() -> vm.runs().methodProperty().set(SearchMethod.BACKWARD_FORWARD));
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
            vm.runs().methodProperty().set(SearchMethod.RANDOM);
            vm.runs().thresholdProperty().set(20);
            vm.runs().iterationsProperty().set(100_000);
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
        for (Session.RemovalRecord x : r.removals()) replay = replay.without(org.circuitbench.ablation.Node.parse(x.head()));
        assertEquals(replay.toSpec(), r.circuit());
        assertTrue(text(robot, "#run-status").contains("cancelled"));
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
            assertTrue(vm.saveAs(f));
        });
        String written = Files.readString(f);
        robot.interact(vm::newSession);
        robot.interact(() -> assertTrue(vm.open(f)));
        ready();
        robot.interact(() -> assertEquals(before[0], vm.snapshot()));
        assertEquals(1, robot.lookup("#circuit-list").queryAs(ListView.class).getItems().stream()
                .filter(c -> ((Session.NamedCircuit) c).name().equals("without 3.1")).count());
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

    /** Cells of tables and lists clip long prompts by design; buttons and labels must not. */
    static boolean insideAList(Node n) {
        for (Node p = n.getParent(); p != null; p = p.getParent()) {
            if (p instanceof TableView || p instanceof ListView) return true;
        }
        return false;
    }

    static void assertNotClipped(Labeled l, int[] size) {
        if (!l.isVisible() || l.getText() == null || l.getText().isEmpty() || l.getScene() == null) return;
        Node text = l.lookup(".text");
        if (!(text instanceof javafx.scene.text.Text t)) return;
        assertEquals(l.getText(), t.getText(), "'" + l.getText() + "' is cut off at " + size[0] + "×" + size[1]);
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

    static Color color(String style, String property) {
        int i = style.indexOf(property + ":");
        assertTrue(i >= 0, property + " in " + style);
        String v = style.substring(i + property.length() + 1).split(";")[0].trim();
        return Color.web(v);
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

        robot.interact(vm::openDemo); // session B
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

    /** Ctrl+Q, the close button and File → New ask about unsaved work; Cancel keeps the window and the work. */
    @Test
    void quitAndNewAskBeforeUnsavedWorkIsLost(FxRobot robot) throws Exception {
        ready();
        robot.clickOn("#cell-1-1");
        waitFor(30, () -> vm.dirtyProperty().get());
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

    /** The colour at a node's centre in the window's image. */
    Color pixel(BufferedImage img, Node n) {
        var b = n.localToScene(n.getBoundsInLocal());
        int rgb = img.getRGB((int) b.getCenterX(), (int) b.getCenterY());
        return Color.rgb((rgb >> 16) & 255, (rgb >> 8) & 255, rgb & 255);
    }

    /** Heads: the heatmap's cells are the engine's DLA; a double-click opens the head inspector with the engine's numbers. */
    @Test
    void theHeadsViewShowsTheEnginesHeatmapAndTheInspectorOpensOnADoubleClick(FxRobot robot) throws Exception {
        ready();
        robot.clickOn("#tab-heads");
        robot.clickOn("#heads-compute");
        waitFor(180, () -> !vm.heads().busyProperty().get() && vm.heads().heatmapProperty().get() != null);
        org.circuitbench.explain.Explainer engine = new org.circuitbench.explain.Explainer(task());
        org.circuitbench.explain.DirectLogitAttribution dla = engine.dla(org.circuitbench.explain.Scope.FULL);
        double max = 0;
        for (int l = 0; l < 4; l++) {
            for (int h = 0; h < 4; h++) {
                assertEquals(cell2(dla.head(l, h)), text(robot, "#heat-" + l + "-" + h), "DLA of head " + l + "." + h);
                max = Math.max(max, Math.abs(dla.head(l, h)));
            }
            assertEquals(cell2(dla.mlp()[l]), text(robot, "#heat-mlp-" + l), "DLA of MLP " + l);
        }
        assertEquals(cell2(max), text(robot, "#heatmap-hi"), "the legend spans the heads' values");
        Label c21 = robot.lookup("#heat-2-1").queryAs(Label.class);
        assertTrue(c21.getTooltip().getText().contains(String.format(Locale.ROOT, "%.6f", dla.head(2, 1))), c21.getTooltip().getText());

        // another measure, chosen as a user does
        robot.clickOn("#heads-measure").clickOn("attention to S2");
        waitFor(10, () -> vm.heads().heatmapProperty().get().measure().label() != null);
        org.circuitbench.explain.LabelAttention att = engine.attention(org.circuitbench.explain.Scope.FULL);
        for (int l = 0; l < 4; l++) {
            for (int h = 0; h < 4; h++) assertEquals(cell2(att.value("S2", l, h)), text(robot, "#heat-" + l + "-" + h));
        }
        assertTrue(robot.lookup("#heat-mlp-0").tryQuery().isEmpty(), "attention has no MLP column");

        // double-click a head of the heatmap: the inspector, with the engine's values
        robot.doubleClickOn("#heat-2-1");
        waitFor(60, () -> inspector() != null && vm.heads().inspector().patternProperty().get() != null
                && !vm.heads().inspector().ovTokens().isEmpty());
        Stage window = inspector();
        assertTrue(window.getTitle().startsWith("Head 2.1"), window.getTitle());
        TableView<?> table = robot.from(window.getScene().getRoot()).lookup("#inspector-table").queryAs(TableView.class);
        HeadInspectorViewModel.Row first = (HeadInspectorViewModel.Row) table.getItems().get(0);
        assertEquals("DLA (logits)", first.measure());
        assertEquals(String.format(Locale.ROOT, "%.4f", dla.head(2, 1)), first.full());
        TableView<?> ov = robot.from(window.getScene().getRoot()).lookup("#inspector-ov").queryAs(TableView.class);
        assertEquals(engine.ovTokens(org.circuitbench.explain.Scope.FULL, org.circuitbench.ablation.Node.head(2, 1)).forPrompt(0),
                List.copyOf(ov.getItems()));
        boolean drawn = false;
        javafx.scene.canvas.Canvas canvas = robot.from(window.getScene().getRoot()).lookup("#inspector-pattern").queryAs(javafx.scene.canvas.Canvas.class);
        javafx.scene.image.WritableImage[] shot = new javafx.scene.image.WritableImage[1];
        robot.interact(() -> shot[0] = canvas.snapshot(null, null));
        for (int x = 100; x < 300 && !drawn; x += 5) drawn = !shot[0].getPixelReader().getColor(x, x).equals(Color.WHITE);
        assertTrue(drawn, "the pattern is drawn");

        // a double-click on the grid inspects that head and leaves the circuit as it was
        robot.interact(window::requestFocus);
        robot.type(KeyCode.ESCAPE);
        waitFor(10, () -> !window.isShowing()); // Escape closes the inspector
        robot.clickOn("#tab-circuit");
        Circuit before = vm.grid().circuit();
        robot.doubleClickOn("#cell-1-3");
        waitFor(30, () -> inspector() != null && org.circuitbench.ablation.Node.head(1, 3).equals(vm.heads().inspector().headProperty().get()));
        waitFor(30, () -> vm.grid().detailsProperty().get() != null);
        assertEquals(before, vm.grid().circuit(), "the double-click toggled nothing");
        robot.interact(() -> inspector().hide());
    }

    /** The inspector's window, if it is showing. */
    static Stage inspector() {
        for (javafx.stage.Window w : List.copyOf(javafx.stage.Window.getWindows())) {
            if (w.isShowing() && w instanceof Stage st && w.getScene() != null && w.getScene().getRoot() instanceof HeadInspectorView) return st;
        }
        return null;
    }

    /** A heatmap cell's text as the engine's value would read with two decimals (no "-0.00"). */
    static String cell2(double v) {
        String s = String.format(Locale.ROOT, "%.2f", v);
        return s.equals("-0.00") ? "0.00" : s;
    }
}
