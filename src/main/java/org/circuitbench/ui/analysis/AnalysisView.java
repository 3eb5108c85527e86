package org.circuitbench.ui.analysis;

import javafx.collections.ListChangeListener;
import javafx.collections.ObservableList;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.Tab;
import javafx.scene.control.TabPane;
import javafx.scene.control.TableCell;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.FlowPane;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Pane;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import javafx.scene.paint.Color;
import org.circuitbench.search.Comparison;
import org.circuitbench.search.CrossTaskMatrix;
import org.circuitbench.search.Importance;
import org.circuitbench.session.Session;
import org.circuitbench.ui.common.Cells;
import org.circuitbench.ui.common.Controls;
import org.circuitbench.ui.common.GridOverlays;
import org.controlsfx.control.CheckListView;

import java.util.List;
import java.util.Locale;

/**
 * Importance as sorted bars of the points each node costs; circuit comparison as a table that
 * names sets by letter (with a key), and the cross-task matrix as a heatmap.
 */
public final class AnalysisView extends TabPane {

    public AnalysisView(AnalysisViewModel vm, ObservableList<Session.NamedCircuit> named) {
        setTabClosingPolicy(TabClosingPolicy.UNAVAILABLE);
        Tab importance = new Tab("Importance", importance(vm));
        importance.setId("tab-importance");
        Tab compare = new Tab("Compare", compare(vm, named));
        compare.setId("tab-compare");
        getTabs().addAll(importance, compare);
    }

    // ---- importance -----------------------------------------------------------------------------

    private static javafx.scene.Node importance(AnalysisViewModel vm) {
        Button run = Controls.button("Rank the grid's nodes", "importance-run", vm::runImportance);
        run.disableProperty().bind(vm.busyProperty());
        Button cancel = Controls.button("Cancel", "importance-cancel", vm::cancel);
        cancel.disableProperty().bind(vm.busyProperty().not());
        Label status = new Label();
        status.setId("analysis-status");
        status.textProperty().bind(vm.statusProperty());
        Label caption = new Label();
        caption.setId("importance-caption");
        caption.getStyleClass().add("caption");
        VBox bars = new VBox(2);
        bars.setId("importance-bars");
        bars.setPadding(new Insets(4, 12, 4, 4));
        caption.textProperty().bind(vm.importanceCaptionProperty());
        Runnable draw = () -> drawImportance(bars, vm.importanceResultProperty().get());
        vm.importanceResultProperty().addListener((o, a, b) -> draw.run());
        draw.run();
        ScrollPane scroll = new ScrollPane(bars);
        scroll.setFitToWidth(true);
        scroll.setId("importance-scroll");
        Label hint = new Label("Each bar: how many points the circuit's score falls without the node, largest first. "
                + "The grid shows the same numbers as a colour overlay; hover a cell for the exact values.");
        hint.setWrapText(true);
        hint.getStyleClass().add("caption");
        HBox controls = new HBox(8, run, cancel, status);
        controls.setAlignment(Pos.CENTER_LEFT);
        BorderPane p = new BorderPane(scroll);
        p.setTop(new VBox(6, controls, hint, caption));
        BorderPane.setMargin(scroll, new Insets(6, 0, 0, 0));
        p.setPadding(new Insets(8));
        return p;
    }

    /** One row per node, sorted by drop; the bars span the data's range (zero included), not 0–100. */
    static void drawImportance(VBox bars, Importance.Result r) {
        bars.getChildren().clear();
        if (r == null || r.entries().isEmpty()) {
            bars.getChildren().add(new Label("Rank the grid's nodes to see what each one is worth."));
            return;
        }
        List<Importance.Entry> sorted = r.entries().stream()
                .sorted((a, b) -> Double.compare(b.drop(r.circuitScore()), a.drop(r.circuitScore()))).toList();
        double lo = 0, hi = 0;
        for (Importance.Entry e : sorted) {
            lo = Math.min(lo, e.drop(r.circuitScore()));
            hi = Math.max(hi, e.drop(r.circuitScore()));
        }
        if (hi - lo < 1e-9) hi = lo + 1; // the axis spans zero and the data
        Label node = new Label("node");
        node.setMinWidth(56);
        Label points = new Label("points lost without it");
        Region fill = new Region();
        HBox.setHgrow(fill, Priority.ALWAYS);
        HBox header = new HBox(8, node, fill, points);
        header.getStyleClass().add("bar-header");
        bars.getChildren().add(header);
        for (Importance.Entry e : sorted) bars.getChildren().add(new BarRow(e.node().toString(), e.drop(r.circuitScore()), e.scoreWithout(), lo, hi));
    }

    /** A node's name, its bar from the zero line, and the number. */
    static final class BarRow extends HBox {
        BarRow(String name, double drop, double scoreWithout, double lo, double hi) {
            super(8);
            setAlignment(Pos.CENTER_LEFT);
            getStyleClass().add("bar-row");
            Label n = new Label(name);
            n.getStyleClass().add("bar-name");
            n.setMinWidth(56);
            Pane track = new Pane() {
                @Override
                protected void layoutChildren() {
                    double w = getWidth(), zero = w * (-lo) / (hi - lo);
                    double len = w * Math.abs(drop) / (hi - lo);
                    Region bar = (Region) getChildren().get(0);
                    bar.resizeRelocate(drop >= 0 ? zero : zero - len, 2, Math.max(1, len), getHeight() - 4);
                }
            };
            Region bar = new Region();
            bar.getStyleClass().add(drop >= 0 ? "bar" : "bar-negative");
            track.getChildren().add(bar);
            track.setPrefHeight(18);
            track.setMinWidth(120);
            HBox.setHgrow(track, Priority.ALWAYS);
            Label value = new Label(String.format(Locale.ROOT, "%.2f", drop));
            value.getStyleClass().add("bar-value");
            value.setMinWidth(52);
            getChildren().addAll(n, track, value);
            Tooltip.install(this, new Tooltip(String.format(Locale.ROOT, "%s: score without it %.4f, %.4f points below the circuit",
                    name, scoreWithout, drop)));
        }
    }

    // ---- compare and the matrix -----------------------------------------------------------------

    private static javafx.scene.Node compare(AnalysisViewModel vm, ObservableList<Session.NamedCircuit> named) {
        CheckListView<String> pick = new CheckListView<>();
        pick.setId("compare-pick");
        // JavaFX's own check-box cells: ControlsFX's move the keyboard focus into the list whenever its
        // first cell becomes the focused one (as when circuits arrive), and JavaFX's focus clean-up
        // then threw (VirtualFlow.findOwnerCell; controlsfx#1212)
        pick.setCellFactory(l -> new javafx.scene.control.cell.CheckBoxListCell<>(pick::getItemBooleanProperty));
        pick.setPrefHeight(150);
        pick.setPrefWidth(280);
        boolean[] syncing = {false};
        Runnable sync = () -> {
            syncing[0] = true;
            pick.getCheckModel().clearChecks();
            pick.getItems().setAll(named.stream().map(Session.NamedCircuit::name).toList());
            for (String s : vm.selectedForCompare()) if (pick.getItems().contains(s)) pick.getCheckModel().check(s);
            syncing[0] = false;
        };
        named.addListener((ListChangeListener<Session.NamedCircuit>) c -> sync.run());
        vm.selectedForCompare().addListener((ListChangeListener<String>) c -> {
            if (!syncing[0] && !List.copyOf(pick.getCheckModel().getCheckedItems()).equals(List.copyOf(vm.selectedForCompare()))) sync.run();
        });
        sync.run();
        pick.getCheckModel().getCheckedItems().addListener((ListChangeListener<String>) c -> {
            if (syncing[0]) return;
            syncing[0] = true;
            vm.selectedForCompare().setAll(List.copyOf(pick.getCheckModel().getCheckedItems()));
            syncing[0] = false;
        });
        Button compare = Controls.button("Compare on this task", "compare-run", vm::runComparison);
        compare.setTooltip(new Tooltip("Scores two to " + GridOverlays.MAX_COMPARED + " chosen circuits and their intersection, union and differences on the selected task."));
        compare.disableProperty().bind(vm.busyProperty());
        Button matrix = Controls.button("Cross-task matrix", "compare-matrix", vm::runMatrix);
        matrix.setTooltip(new Tooltip("Scores each chosen circuit (all named ones if none is chosen) on every task of the session."));
        matrix.disableProperty().bind(vm.busyProperty());

        VBox key = new VBox(4);
        key.setId("compare-key");
        vm.letters().addListener((ListChangeListener<AnalysisViewModel.Letter>) c -> {
            key.getChildren().clear();
            for (int i = 0; i < vm.letters().size(); i++) {
                AnalysisViewModel.Letter l = vm.letters().get(i);
                Region swatch = new Region();
                swatch.setMinSize(14, 14);
                swatch.setStyle("-fx-background-color: " + Cells.web(Cells.COMPARE[i]) + ";");
                Label text = new Label(l.letter() + " = " + l.name());
                text.setWrapText(true);
                HBox row = new HBox(6, swatch, text);
                row.setAlignment(Pos.CENTER_LEFT);
                key.getChildren().add(row);
            }
        });

        TableView<Comparison.Row> table = new TableView<>(vm.comparison());
        table.setId("compare-table");
        TableColumn<Comparison.Row, String> set = col("set", Comparison.Row::name, 170);
        set.setCellFactory(c -> new TableCell<>() {
            @Override
            protected void updateItem(String s, boolean empty) {
                super.updateItem(s, empty);
                setText(empty ? null : s);
                setTooltip(empty || s == null ? null : new Tooltip(expand(s, vm.letters())));
            }
        });
        table.getColumns().add(set);
        table.getColumns().add(col("operation", Comparison.Row::operation, 100));
        table.getColumns().add(col("nodes", r -> Integer.toString(r.circuit().size()), 60));
        table.getColumns().add(col("score", r -> String.format(Locale.ROOT, "%.2f", r.score()), 80));
        table.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
        table.setPlaceholder(new Label("Choose two to " + GridOverlays.MAX_COMPARED + " named circuits, then Compare."));
        table.setPrefHeight(230);

        GridPane heat = new GridPane();
        heat.setId("matrix-grid");
        heat.setHgap(2);
        heat.setVgap(2);
        vm.matrixProperty().addListener((o, a, r) -> drawMatrix(heat, r));
        ScrollPane heatScroll = new ScrollPane(heat);
        heatScroll.setFitToWidth(true);

        Label status = new Label();
        status.setId("compare-status");
        status.setWrapText(true);
        status.textProperty().bind(vm.compareStatusProperty());
        VBox left = new VBox(6, new Label("Named circuits"), pick, new FlowPane(6, 6, Controls.fixed(compare), Controls.fixed(matrix)), status, key);
        left.setMinWidth(280);
        left.setPrefWidth(300);
        Label heatTitle = new Label("Circuits × tasks (score %; darker is higher, from the lowest score to the highest)");
        heatTitle.setWrapText(true);
        VBox right = new VBox(6, table, heatTitle, heatScroll);
        VBox.setVgrow(heatScroll, Priority.ALWAYS);
        VBox.setVgrow(table, Priority.SOMETIMES);
        HBox body = new HBox(12, left, right);
        HBox.setHgrow(right, Priority.ALWAYS);
        body.setPadding(new Insets(8));
        return body;
    }

    /** "A − B" with the letters spelt out, for the tooltip. */
    static String expand(String set, List<AnalysisViewModel.Letter> letters) {
        StringBuilder sb = new StringBuilder(set);
        for (AnalysisViewModel.Letter l : letters) sb.append('\n').append(l.letter()).append(" = ").append(l.name());
        return sb.toString();
    }

    private static void drawMatrix(GridPane g, CrossTaskMatrix.Result r) {
        g.getChildren().clear();
        if (r == null) return;
        g.getColumnConstraints().clear();
        g.getColumnConstraints().add(new javafx.scene.layout.ColumnConstraints());
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (double[] row : r.scores()) {
            for (double v : row) {
                if (Double.isNaN(v)) continue;
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
        }
        if (!(hi > lo)) hi = lo + 1;
        for (int j = 0; j < r.tasks().size(); j++) {
            javafx.scene.layout.ColumnConstraints c = new javafx.scene.layout.ColumnConstraints(84);
            c.setHalignment(javafx.geometry.HPos.CENTER);
            g.getColumnConstraints().add(c);
            Label t = new Label(r.tasks().get(j));
            t.setWrapText(true);
            t.setMaxWidth(84);
            t.setAlignment(Pos.CENTER);
            t.setTextAlignment(javafx.scene.text.TextAlignment.CENTER);
            g.add(t, j + 1, 0);
        }
        for (int i = 0; i < r.circuits().size(); i++) {
            Label name = new Label(r.circuits().get(i));
            name.setWrapText(true);
            name.setMaxWidth(260);
            name.setTooltip(new Tooltip(r.circuits().get(i)));
            g.add(name, 0, i + 1);
            for (int j = 0; j < r.tasks().size(); j++) {
                double v = r.scores()[i][j];
                Label cell = new Label(Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.1f", v));
                cell.setMinSize(80, 26);
                cell.setAlignment(Pos.CENTER);
                double t = Double.isNaN(v) ? 0 : (v - lo) / (hi - lo); // the colours span the matrix's own range
                Color bg = Cells.heat(t);
                cell.setStyle(Cells.cellStyle(bg));
                cell.setId("matrix-" + i + "-" + j);
                g.add(cell, j + 1, i + 1);
            }
        }
    }

    private static TableColumn<Comparison.Row, String> col(String title, java.util.function.Function<Comparison.Row, String> f, double w) {
        TableColumn<Comparison.Row, String> c = new TableColumn<>(title);
        c.setCellValueFactory(d -> new javafx.beans.property.ReadOnlyStringWrapper(f.apply(d.getValue())));
        c.setPrefWidth(w);
        return c;
    }
}
