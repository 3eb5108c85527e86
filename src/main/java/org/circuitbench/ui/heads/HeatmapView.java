package org.circuitbench.ui.heads;

import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.ContextMenu;
import javafx.scene.control.Label;
import javafx.scene.control.MenuItem;
import javafx.scene.control.Tooltip;
import javafx.scene.input.MouseButton;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import javafx.scene.paint.Color;
import javafx.util.Duration;
import org.circuitbench.ablation.Circuit;
import org.circuitbench.ablation.Node;
import org.circuitbench.ui.common.Cells;

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
    private final HBox legend = new HBox(6);
    private final Label caption = new Label();
    private Consumer<Node.Head> onInspect = h -> { };

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
    }

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
        caption.setText(h.caption());
        Label corner = new Label("L \\ H");
        corner.getStyleClass().add("axis-label");
        corner.setMinWidth(Label.USE_PREF_SIZE);
        grid.add(corner, 0, 0);
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
        c.setMinSize(38, 24);
        c.setPrefSize(40, 26);
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
        Label lo = new Label(h.text(h.lo()));
        Label hi = new Label(h.text(h.hi()));
        lo.setId("heatmap-lo");
        hi.setId("heatmap-hi");
        legend.getChildren().addAll(lo, bar, hi);
        if (h.diverging()) legend.getChildren().add(new Label("(0 is white)"));
        if (h.outline() != null) {
            Region box = new Region();
            box.setMinSize(14, 14);
            box.setStyle("-fx-border-color: #111111; -fx-border-width: 2;");
            Region gap = new Region();
            gap.setMinWidth(10);
            legend.getChildren().addAll(gap, box, new Label("in the circuit"));
        }
    }
}
