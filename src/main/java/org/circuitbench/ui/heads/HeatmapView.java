package org.circuitbench.ui.heads;

import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.ContextMenu;
import javafx.scene.control.Label;
import javafx.scene.control.MenuItem;
import javafx.scene.control.Tooltip;
import javafx.scene.input.MouseButton;
import javafx.scene.layout.FlowPane;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import javafx.scene.paint.Color;
import javafx.util.Duration;
import org.circuitbench.ablation.Circuit;
import org.circuitbench.ablation.Node;
import org.circuitbench.ui.common.Cells;
import org.circuitbench.ui.common.Controls;

import java.util.Locale;
import java.util.function.Consumer;

/**
 * One measure on the layers × heads grid (and the MLP column where it has one): each cell's
 * colour on the legend's scale, its value as text, the exact value on hover, the circuit's nodes
 * outlined. Double-click (or the context menu) opens the head inspector.
 */
final class HeatmapView extends VBox {
    private final Label title = new Label();
    private final GridPane grid = new GridPane();
    private final FlowPane legend = new FlowPane(6, 4); // wraps in a narrow window rather than cut its words
    private final Label caption = new Label();
    private Consumer<Node.Head> onInspect = h -> { };
    private final javafx.beans.property.DoubleProperty cellWidth = new javafx.beans.property.SimpleDoubleProperty(40);
    private int columns = 13; // of the heatmap shown: the heads and the MLP column

    HeatmapView() {
        setSpacing(6);
        getStyleClass().add("heatmap-view");
        setId("heatmap");
        title.getStyleClass().add("section");
        title.setId("heatmap-title");
        grid.setHgap(2);
        grid.setVgap(2);
        grid.setId("heatmap-grid");
        legend.setAlignment(Pos.CENTER_LEFT);
        legend.setId("heatmap-legend");
        caption.setWrapText(true);
        caption.getStyleClass().add("caption");
        caption.setId("heatmap-caption");
        caption.setMaxWidth(560);
        setPadding(new Insets(4, 8, 4, 4));
        getChildren().addAll(title, grid, legend, caption);
        widthProperty().addListener((o, a, w) -> fitCells());
    }

    /**
     * The cells share the width there is: from {@link #MIN_CELL} to 44 pixels wide; the view asks
     * for the width its narrowest cells need, so a 12 × 12 heatmap with its MLP column shows whole
     * beside the lens at 1024 × 700.
     */
    private void fitCells() {
        double free = getWidth() - getPadding().getLeft() - getPadding().getRight() - 34 - columns * grid.getHgap();
        cellWidth.set(Math.max(MIN_CELL, Math.min(44, free / Math.max(1, columns))));
    }

    @Override
    protected double computeMinWidth(double height) {
        return getPadding().getLeft() + getPadding().getRight() + 34 + columns * (MIN_CELL + grid.getHgap());
    }

    /** The narrowest a cell gets: its text is written to fit it (see {@link Heatmap#text}). */
    static final double MIN_CELL = 34;

    void setOnInspect(Consumer<Node.Head> c) {
        onInspect = c;
    }

    /** Draws {@code h}; null shows nothing. */
    void show(Heatmap h) {
        grid.getChildren().clear();
        legend.getChildren().clear();
        if (h == null) {
            title.setText("");
            caption.setText("");
            return;
        }
        title.setText(h.measure().name() + " · " + h.scope());
        columns = h.heads() + (h.mlp() == null ? 0 : 1);
        fitCells();
        requestLayout();
        caption.setText(h.caption());
        grid.add(Cells.axis("L \\ H"), 0, 0);
        for (int k = 0; k < h.heads(); k++) grid.add(Cells.axis(Integer.toString(k)), k + 1, 0);
        if (h.mlp() != null) grid.add(Cells.axis("MLP"), h.heads() + 1, 0);
        for (int l = 0; l < h.layers(); l++) {
            grid.add(Cells.axis(Integer.toString(l)), 0, l + 1);
            for (int k = 0; k < h.heads(); k++) grid.add(cell(h, Node.head(l, k)), k + 1, l + 1);
            if (h.mlp() != null) grid.add(cell(h, Node.mlp(l)), h.heads() + 1, l + 1);
        }
        legend(h);
    }


    private Label cell(Heatmap h, Node n) {
        double v = h.value(n);
        Label c = new Label(h.text(v));
        c.setId(switch (n) {
            case Node.Head x -> "heat-" + x.layer() + "-" + x.head();
            case Node.Mlp m -> "heat-mlp-" + m.layer();
        });
        c.getStyleClass().add("heat-cell");
        c.setMinHeight(24);
        c.setPrefHeight(26);
        c.minWidthProperty().bind(cellWidth);
        c.prefWidthProperty().bind(cellWidth);
        // below 40 pixels "-12.3" needs the smaller font (at the narrowest, 34, the usual one cuts "-0.01")
        cellWidth.addListener((o, a, w) -> c.pseudoClassStateChanged(NARROW, w.doubleValue() < 40));
        c.pseudoClassStateChanged(NARROW, cellWidth.get() < 40);
        c.setAlignment(Pos.CENTER);
        Circuit outline = h.outline();
        boolean in = outline != null && outline.keeps(n) && (n instanceof Node.Head || outline.hasMlpNodes());
        Color bg = Double.isNaN(v) ? Color.web("#f2f2f2") : colour(h, v);
        c.setStyle(Cells.cellStyle(bg) + (in ? " -fx-border-color: #111111; -fx-border-width: 2;" : ""));
        if (in) c.getStyleClass().add("outlined");
        String name = n instanceof Node.Mlp ? "MLP " + n.layer() : "Head " + n;
        Tooltip tip = new Tooltip(name + " · " + h.measure().name() + ": "
                + (Double.isNaN(v) ? "none" : String.format(Locale.ROOT, "%.6f", v))
                + (outline == null ? "" : in ? "\nin the circuit" : "\nnot in the circuit")
                + (n instanceof Node.Head ? "\ndouble-click: inspect the head" : ""));
        tip.setShowDelay(Duration.millis(200));
        c.setTooltip(tip);
        if (n instanceof Node.Head head) {
            c.setOnMouseClicked(e -> {
                if (e.getButton() == MouseButton.PRIMARY && e.getClickCount() == 2) onInspect.accept(head);
            });
            MenuItem inspect = new MenuItem("Inspect head " + head + "…");
            inspect.setOnAction(e -> onInspect.accept(head));
            c.setContextMenu(new ContextMenu(inspect));
        }
        return c;
    }

    private static final javafx.css.PseudoClass NARROW = javafx.css.PseudoClass.getPseudoClass("narrow");

    /** The value's colour: white to dark blue from lo to hi; signed measures red below 0, blue above. */
    static Color colour(Heatmap h, double v) {
        if (h.diverging()) return Cells.diverging(Math.max(-1, Math.min(1, v / h.hi())));
        double t = (v - h.lo()) / (h.hi() - h.lo());
        return Cells.heat(Math.max(0, Math.min(1, t)));
    }

    private void legend(Heatmap h) {
        Region bar = new Region();
        bar.setPrefSize(180, 14);
        bar.setMinSize(120, 14);
        String stops = h.diverging()
                ? Cells.web(Cells.diverging(-1)) + ", " + Cells.web(Cells.diverging(0)) + ", "
                  + Cells.web(Cells.diverging(1))
                : Cells.web(Cells.heat(0)) + ", " + Cells.web(Cells.heat(1));
        bar.setStyle("-fx-background-color: linear-gradient(to right, " + stops + "); -fx-border-color: #999999;");
        Label lo = Controls.fixed(new Label(h.text(h.lo())));
        Label hi = Controls.fixed(new Label(h.text(h.hi())));
        lo.setId("heatmap-lo");
        hi.setId("heatmap-hi");
        HBox scale = new HBox(6, lo, bar, hi);
        scale.setAlignment(Pos.CENTER_LEFT);
        legend.getChildren().add(scale);
        if (h.diverging()) legend.getChildren().add(Controls.fixed(new Label("(0 is white)")));
        if (h.outline() != null) {
            Region box = new Region();
            box.setMinSize(14, 14);
            box.setStyle("-fx-border-color: #111111; -fx-border-width: 2;");
            HBox outlined = new HBox(6, box, Controls.fixed(new Label("in the circuit")));
            outlined.setAlignment(Pos.CENTER_LEFT);
            legend.getChildren().add(outlined);
        }
    }
}
