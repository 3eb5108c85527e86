package org.circuitbench.ui.grid;

import javafx.beans.InvalidationListener;
import javafx.collections.MapChangeListener;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.CheckBox;
import javafx.scene.control.ContextMenu;
import javafx.scene.control.Label;
import javafx.scene.control.MenuItem;
import javafx.scene.control.ProgressIndicator;
import javafx.scene.control.Tooltip;
import javafx.scene.input.MouseButton;
import javafx.scene.input.MouseDragEvent;
import javafx.scene.input.MouseEvent;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import javafx.scene.paint.Color;
import javafx.util.Duration;
import org.circuitbench.ablation.Circuit;
import org.circuitbench.ablation.Node;
import org.circuitbench.ui.common.Cells;
import org.circuitbench.ui.common.Controls;
import org.circuitbench.ui.common.GridOverlays;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The layers × heads grid. Click toggles a head, drag paints, shift-click toggles a layer; the
 * live score sits beside it. Overlays colour the cells by importance or by membership of compared
 * circuits; each cell's tooltip has the exact numbers; right-click opens its attention pattern.
 */
public final class HeadGridView extends BorderPane {
    private final GridViewModel vm;
    private final GridPane grid = new GridPane();
    private final Map<Node, Label> cells = new HashMap<>();
    private final HBox legend = new HBox(6);
    private final List<Node> dragged = new ArrayList<>();
    private boolean paintValue;
    private Consumer<Node.Head> onAttentionPattern = n -> { };
    private Consumer<Node.Head> onInspect = n -> { };
    private Runnable onExactSweep = () -> { };

    /** The per-prompt breakdown: a sortable table (wrong prompts marked) and its CSV export. */
    private static javafx.scene.Node breakdown(GridViewModel vm) {
        PromptBreakdown b = vm.breakdown();
        javafx.scene.control.TableView<PromptBreakdown.Row> table = new javafx.scene.control.TableView<>();
        javafx.collections.transformation.SortedList<PromptBreakdown.Row> sorted = new javafx.collections.transformation.SortedList<>(b.rows());
        sorted.comparatorProperty().bind(table.comparatorProperty()); // sorting by a column leaves the view model's order alone
        table.setItems(sorted);
        table.setId("per-prompt-table");
        table.setPlaceholder(new Label("No score yet."));
        table.getColumns().add(column("#", r -> (double) r.prompt(), "%.0f", 40));
        javafx.scene.control.TableColumn<PromptBreakdown.Row, String> text = new javafx.scene.control.TableColumn<>("prompt");
        text.setCellValueFactory(c -> new javafx.beans.property.SimpleStringProperty(c.getValue().text()));
        text.setPrefWidth(110);
        table.getColumns().add(text);
        var full = column("full", PromptBreakdown.Row::full, "%.3f", 62);
        var circuit = column("circuit", PromptBreakdown.Row::circuit, "%.3f", 62);
        table.getColumns().addAll(List.of(full, circuit));
        javafx.scene.control.TableColumn<PromptBreakdown.Row, String> wrong = new javafx.scene.control.TableColumn<>("wrong");
        wrong.setCellValueFactory(c -> new javafx.beans.property.SimpleStringProperty(c.getValue().wrong() ? "✗" : ""));
        wrong.setPrefWidth(46);
        table.getColumns().add(wrong);
        b.metricProperty().addListener((o, a, m) -> {
            full.setText("full " + m);
            circuit.setText("circuit " + m);
        });
        table.setRowFactory(t -> new javafx.scene.control.TableRow<>() {
            @Override
            protected void updateItem(PromptBreakdown.Row r, boolean empty) {
                super.updateItem(r, empty);
                getStyleClass().remove("wrong-prompt");
                if (!empty && r != null && r.wrong()) getStyleClass().add("wrong-prompt");
            }
        });
        table.setPrefHeight(180);
        Label summary = new Label();
        summary.setId("per-prompt-summary");
        summary.setWrapText(true);
        summary.textProperty().bind(b.summaryProperty());
        Button export = Controls.button("Export CSV…", "per-prompt-export", vm::exportBreakdown);
        export.disableProperty().bind(javafx.beans.binding.Bindings.isEmpty(b.rows()));
        VBox box = new VBox(4, new Label("Per prompt"), summary, table, export);
        VBox.setVgrow(table, Priority.ALWAYS);
        return box;
    }

    private static javafx.scene.control.TableColumn<PromptBreakdown.Row, Double> column(String name,
            java.util.function.Function<PromptBreakdown.Row, Double> value, String format, double width) {
        javafx.scene.control.TableColumn<PromptBreakdown.Row, Double> c = new javafx.scene.control.TableColumn<>(name);
        c.setCellValueFactory(x -> new javafx.beans.property.SimpleObjectProperty<>(value.apply(x.getValue())));
        c.setCellFactory(Controls.numberCells(format));
        c.setPrefWidth(width);
        return c;
    }

    public HeadGridView(GridViewModel vm) {
        this.vm = vm;
        getStyleClass().add("head-grid-view");
        grid.getStyleClass().add("head-grid");
        grid.setHgap(2);
        grid.setVgap(2);
        grid.setId("head-grid");

        Button[] edit = Controls.editButtons("grid", vm::selectAll, vm::selectNone, vm::undo, vm::redo,
                vm.canUndoProperty(), vm.canRedoProperty());
        CheckBox mlps = new CheckBox("MLP column");
        mlps.setId("grid-mlps");
        mlps.selectedProperty().bindBidirectional(vm.showMlpsProperty());
        mlps.setTooltip(new Tooltip("Show MLPs as nodes: an MLP outside the circuit is mean-ablated too (as in the paper's code)."));
        Button clearOverlay = Controls.button("Clear overlay", "grid-clear-overlay", () -> vm.overlayProperty().set(GridViewModel.Overlay.NONE));
        clearOverlay.visibleProperty().bind(vm.overlayProperty().isNotEqualTo(GridViewModel.Overlay.NONE));
        Button estimate = Controls.button("Estimate drops", "grid-estimate", () -> vm.overlayProperty().set(GridViewModel.Overlay.ATTRIBUTION));
        estimate.setTooltip(new Tooltip("Colour each node by its estimated drop (edge attribution patching: one forward and one backward pass"
                + " at the grid's circuit), kept up to date as the circuit changes. Hover a cell for the exact drop once swept."));
        estimate.disableProperty().bind(vm.circuitProperty().isNull());
        Button exact = Controls.button("Exact sweep", "grid-exact", () -> onExactSweep.run());
        exact.setTooltip(new Tooltip("Score the circuit without each of its nodes (the Importance tab's sweep): the exact drops join the tooltips."));
        exact.visibleProperty().bind(vm.overlayProperty().isEqualTo(GridViewModel.Overlay.ATTRIBUTION));
        exact.managedProperty().bind(exact.visibleProperty());
        HBox toolbar = new HBox(6, edit[0], edit[1], edit[2], edit[3], mlps, estimate, exact, clearOverlay);
        toolbar.setAlignment(Pos.CENTER_LEFT);
        toolbar.setPadding(new Insets(0, 0, 8, 0));
        setTop(toolbar);

        Label score = new Label();
        score.setId("score-label");
        score.getStyleClass().add("score-label");
        score.textProperty().bind(vm.scoreTextProperty());
        ProgressIndicator busy = new ProgressIndicator();
        busy.setId("score-busy");
        busy.setPrefSize(22, 22);
        busy.visibleProperty().bind(vm.busyProperty());
        Label detail = new Label();
        detail.setId("score-detail");
        detail.setWrapText(true);
        detail.textProperty().bind(vm.detailTextProperty());
        Label error = new Label();
        error.getStyleClass().add("error-text");
        error.setWrapText(true);
        error.textProperty().bind(vm.errorProperty());
        Label caption = new Label();
        caption.setWrapText(true);
        caption.textProperty().bind(vm.captionProperty());
        caption.getStyleClass().add("caption");
        VBox scoreBox = new VBox(6, new Label("Live score"), new HBox(10, score, busy), caption, detail, error, breakdown(vm));
        VBox.setVgrow(scoreBox.getChildren().get(scoreBox.getChildren().size() - 1), Priority.ALWAYS);
        scoreBox.setPadding(new Insets(0, 0, 0, 18));
        scoreBox.setPrefWidth(330);
        scoreBox.setMinWidth(260);
        scoreBox.getStyleClass().add("score-box");
        legend.setPadding(new Insets(8, 0, 0, 0));
        setBottom(legend);

        HBox centre = new HBox(grid, scoreBox);
        centre.setAlignment(Pos.TOP_LEFT);
        setCenter(centre);

        InvalidationListener rebuild = o -> rebuild();
        vm.layersProperty().addListener(rebuild);
        vm.headsProperty().addListener(rebuild);
        vm.showMlpsProperty().addListener(rebuild);
        InvalidationListener restyle = o -> restyle();
        vm.circuitProperty().addListener(restyle);
        vm.overlayProperty().addListener(restyle);
        vm.importance().addListener((MapChangeListener<Node, Double>) c -> restyle());
        vm.compared().addListener((javafx.collections.ListChangeListener<GridOverlays.Compared>) c -> restyle());
        vm.estimate().addListener((MapChangeListener<Node, Double>) c -> restyle());
        vm.estimateCircuitProperty().addListener(restyle);
        rebuild();
    }

    public void setOnAttentionPattern(Consumer<Node.Head> c) {
        onAttentionPattern = c;
    }

    /** Double-click on a head (or its context menu): the head inspector. */
    public void setOnInspect(Consumer<Node.Head> c) {
        onInspect = c;
    }

    /** The attribution overlay's Exact sweep button. */
    public void setOnExactSweep(Runnable r) {
        onExactSweep = r;
    }

    public GridPane gridPane() {
        return grid;
    }


    private void rebuild() {
        grid.getChildren().clear();
        cells.clear();
        int layers = vm.layersProperty().get(), heads = vm.headsProperty().get();
        grid.add(Cells.axis("L \\ H"), 0, 0);
        for (int h = 0; h < heads; h++) grid.add(Cells.axis(Integer.toString(h)), h + 1, 0);
        if (vm.showMlpsProperty().get()) grid.add(Cells.axis("MLP"), heads + 1, 0);
        for (int l = 0; l < layers; l++) {
            grid.add(Cells.axis(Integer.toString(l)), 0, l + 1);
            for (int h = 0; h < heads; h++) grid.add(cell(Node.head(l, h)), h + 1, l + 1);
            if (vm.showMlpsProperty().get()) grid.add(cell(Node.mlp(l)), heads + 1, l + 1);
        }
        restyle();
    }


    private Label cell(Node n) {
        Label c = new Label();
        c.setId(switch (n) {
            case Node.Head h -> "cell-" + h.layer() + "-" + h.head();
            case Node.Mlp m -> "mlp-" + m.layer();
        });
        c.getStyleClass().add("head-cell");
        c.setMinSize(34, 24);
        c.setPrefSize(44, 30);
        c.setAlignment(Pos.CENTER);
        Tooltip tip = new Tooltip(vm.cellInfo(n));
        tip.setShowDelay(Duration.millis(250));
        c.setTooltip(tip);
        c.addEventHandler(MouseEvent.MOUSE_PRESSED, e -> {
            if (e.getButton() != MouseButton.PRIMARY) return;
            dragged.clear();
            if (e.getClickCount() == 2 && n instanceof Node.Head h) { // a double-click inspects: its first click toggles nothing
                vm.cancelToggle(n);
                onInspect.accept(h);
                return;
            }
            if (e.isShiftDown() && n instanceof Node.Head) {
                paintValue = false;
                vm.toggleLayer(n.layer());
                return;
            }
            paintValue = !inCircuit(n);
            dragged.add(n);
            preview(c, paintValue);
        });
        c.setOnDragDetected(e -> {
            if (e.getButton() == MouseButton.PRIMARY && !dragged.isEmpty()) c.startFullDrag();
        });
        c.addEventHandler(MouseDragEvent.MOUSE_DRAG_ENTERED, e -> {
            if (!dragged.isEmpty() && !dragged.contains(n) && n.getClass() == dragged.get(0).getClass()) {
                dragged.add(n);
                preview(c, paintValue);
            }
        });
        c.addEventHandler(MouseEvent.MOUSE_RELEASED, e -> {
            if (e.getButton() != MouseButton.PRIMARY || dragged.isEmpty()) return;
            List<Node> nodes = new ArrayList<>(dragged);
            dragged.clear();
            vm.paint(nodes, paintValue);
        });
        ContextMenu menu = new ContextMenu();
        MenuItem pattern = new MenuItem("Attention pattern…");
        pattern.setDisable(!(n instanceof Node.Head));
        pattern.setOnAction(e -> {
            if (n instanceof Node.Head h) onAttentionPattern.accept(h);
        });
        MenuItem inspect = new MenuItem("Inspect head…");
        inspect.setDisable(!(n instanceof Node.Head));
        inspect.setOnAction(e -> {
            if (n instanceof Node.Head h) onInspect.accept(h);
        });
        MenuItem layer = new MenuItem("Toggle layer " + n.layer());
        layer.setOnAction(e -> vm.toggleLayer(n.layer()));
        menu.getItems().addAll(inspect, pattern, layer);
        c.setContextMenu(menu);
        cells.put(n, c);
        return c;
    }

    private boolean inCircuit(Node n) {
        Circuit c = vm.circuit();
        if (c == null) return false;
        return c.keeps(n);
    }

    private static void preview(Label c, boolean in) {
        c.getStyleClass().removeAll("in", "out");
        c.getStyleClass().add(in ? "in" : "out");
        c.setStyle("");
    }

    /** Colours every cell from the circuit and the overlay; tooltips follow, so none is stale after a click. */
    private void restyle() {
        grid.setDisable(vm.circuit() == null);
        if (vm.circuit() == null) {
            for (Label c : cells.values()) {
                c.getStyleClass().removeAll("in", "out");
                c.setText("");
                c.setStyle("");
                c.getTooltip().setText("No task is shown.");
            }
            legend();
            return;
        }
        double maxDrop = 0;
        for (Node n : vm.importance().keySet()) maxDrop = Math.max(maxDrop, Math.abs(vm.drop(n)));
        double maxEstimate = maxEstimate();
        GridViewModel.Overlay overlay = vm.overlayProperty().get();
        for (Map.Entry<Node, Label> e : cells.entrySet()) {
            Node n = e.getKey();
            Label c = e.getValue();
            boolean in = inCircuit(n);
            c.getStyleClass().removeAll("in", "out");
            c.getStyleClass().add(in ? "in" : "out");
            c.setText("");
            c.setStyle("");
            c.getTooltip().setText(vm.cellInfo(n));
            if (overlay == GridViewModel.Overlay.IMPORTANCE && vm.importance().containsKey(n)) {
                double drop = vm.drop(n);
                double t = maxDrop <= 0 ? 0 : Math.max(0, Math.min(1, drop / maxDrop));
                c.setStyle(Cells.cellStyle(Cells.heat(t)));
                c.setText(Cells.format(Math.abs(drop) < 10 ? "%.1f" : "%.0f", drop));
            } else if (overlay == GridViewModel.Overlay.ATTRIBUTION) {
                double est = vm.estimatedDrop(n);
                if (!Double.isNaN(est)) {
                    c.setStyle(Cells.cellStyle(Cells.diverging(Math.max(-1, Math.min(1, est / maxEstimate)))));
                    c.setText(Cells.format(Math.abs(est) < 10 ? "%.1f" : "%.0f", est));
                } else if (in && !vm.estimateIsCurrent()) {
                    c.setText("…");
                }
            } else if (overlay == GridViewModel.Overlay.COMPARE && !vm.compared().isEmpty()) {
                int m = vm.membership(n);
                if (m != 0) c.setStyle(Cells.cellStyle(mix(m)));
                c.setText(m == 0 ? "" : Integer.toBinaryString(Integer.reverse(m) >>> (32 - vm.compared().size()))
                        .replace('1', '●').replace('0', '·'));
            }
        }
        legend();
    }

    private void legend() {
        legend.getChildren().clear();
        GridViewModel.Overlay overlay = vm.overlayProperty().get();
        if (overlay == GridViewModel.Overlay.IMPORTANCE) {
            legend.getChildren().add(new Label("points lost without the node:"));
            for (int i = 0; i <= 4; i++) {
                Region r = new Region();
                r.setPrefSize(26, 14);
                r.setStyle("-fx-background-color: " + Cells.web(Cells.heat(i / 4.0)) + ";");
                legend.getChildren().add(r);
            }
            double max = 0;
            for (Node n : vm.importance().keySet()) max = Math.max(max, Math.abs(vm.drop(n)));
            legend.getChildren().add(new Label(String.format(Locale.ROOT, "0 … %.1f", max)));
        } else if (overlay == GridViewModel.Overlay.ATTRIBUTION) {
            if (!vm.estimateIsCurrent()) {
                legend.getChildren().add(new Label("estimating each node's drop (one forward and one backward pass)…"));
            } else {
                double max = maxEstimate();
                legend.getChildren().add(new Label("estimated points lost without the node:"));
                for (int i = -2; i <= 2; i++) {
                    Region r = new Region();
                    r.setPrefSize(26, 14);
                    r.setStyle("-fx-background-color: " + Cells.web(Cells.diverging(i / 2.0)) + ";");
                    legend.getChildren().add(r);
                }
                Label range = new Label(String.format(Locale.ROOT, "−%.1f … %.1f · hover for the exact drop", max, max));
                range.setId("grid-estimate-range");
                legend.getChildren().add(range);
            }
        } else if (overlay == GridViewModel.Overlay.COMPARE) {
            for (int i = 0; i < vm.compared().size(); i++) {
                Region r = new Region();
                r.setPrefSize(14, 14);
                r.setStyle("-fx-background-color: " + Cells.web(Cells.COMPARE[i]) + ";");
                Label name = new Label(vm.compared().get(i).name());
                name.setId("legend-" + i);
                legend.getChildren().addAll(r, name);
            }
            if (vm.compared().size() > 1) legend.getChildren().add(new Label("(mixed colour: in several)"));
        }
        legend.setAlignment(Pos.CENTER_LEFT);
        HBox.setHgrow(legend, Priority.ALWAYS);
    }

    /** The largest |estimated drop| at the grid's circuit, the attribution overlay's scale (1 when there is none). */
    private double maxEstimate() {
        double max = 0;
        if (vm.estimateIsCurrent()) for (double d : vm.estimate().values()) max = Math.max(max, Math.abs(d));
        return max > 0 ? max : 1;
    }

    private static Color mix(int mask) {
        double r = 0, g = 0, b = 0;
        int n = 0;
        for (int i = 0; i < Cells.COMPARE.length; i++) {
            if ((mask & (1 << i)) != 0) {
                r += Cells.COMPARE[i].getRed();
                g += Cells.COMPARE[i].getGreen();
                b += Cells.COMPARE[i].getBlue();
                n++;
            }
        }
        return Color.color(r / n, g / n, b / n);
    }
}
