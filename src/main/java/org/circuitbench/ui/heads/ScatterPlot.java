package org.circuitbench.ui.heads;

import javafx.geometry.VPos;
import javafx.scene.canvas.Canvas;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.Pane;
import javafx.scene.paint.Color;
import javafx.scene.text.Font;
import javafx.scene.text.TextAlignment;
import javafx.util.Duration;
import org.circuitbench.ablation.Node;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Estimate against exact: each node a dot (heads blue, MLPs orange), the line where they agree,
 * both axes on one range that includes 0. Hover a dot for its node and values.
 */
final class ScatterPlot extends Pane {
    private static final double PAD_LEFT = 52, PAD_BOTTOM = 38, PAD = 12;
    private final Canvas canvas = new Canvas();
    private final Tooltip tip = new Tooltip();
    private List<HeadsViewModel.ScatterPoint> points = List.of();
    private double lo, hi;

    ScatterPlot() {
        getChildren().add(canvas);
        setMinSize(220, 200);
        setPrefSize(420, 300);
        setId("scatter");
        tip.setShowDelay(Duration.millis(100));
        canvas.setOnMouseMoved(e -> {
            HeadsViewModel.ScatterPoint p = nearest(e.getX(), e.getY());
            if (p == null) {
                tip.hide();
                Tooltip.uninstall(canvas, tip);
                return;
            }
            tip.setText(String.format(Locale.ROOT, "%s: estimate %.3f, exact %.3f points", name(p.node()), p.estimate(), p.exact()));
            Tooltip.install(canvas, tip);
        });
    }

    void setPoints(List<HeadsViewModel.ScatterPoint> ps) {
        points = new ArrayList<>(ps);
        lo = 0;
        hi = 0;
        for (HeadsViewModel.ScatterPoint p : points) {
            lo = Math.min(lo, Math.min(p.estimate(), p.exact()));
            hi = Math.max(hi, Math.max(p.estimate(), p.exact()));
        }
        if (hi - lo < 1e-9) hi = lo + 1;
        double pad = (hi - lo) * 0.05;
        lo -= pad;
        hi += pad;
        draw();
    }

    List<HeadsViewModel.ScatterPoint> points() {
        return points;
    }

    @Override
    protected void layoutChildren() {
        canvas.setWidth(getWidth());
        canvas.setHeight(getHeight());
        draw();
    }

    private double x(double v) {
        return PAD_LEFT + (v - lo) / (hi - lo) * (canvas.getWidth() - PAD_LEFT - PAD);
    }

    private double y(double v) {
        return canvas.getHeight() - PAD_BOTTOM - (v - lo) / (hi - lo) * (canvas.getHeight() - PAD_BOTTOM - PAD);
    }

    private void draw() {
        GraphicsContext g = canvas.getGraphicsContext2D();
        double w = canvas.getWidth(), h = canvas.getHeight();
        g.setFill(Color.WHITE);
        g.fillRect(0, 0, w, h);
        if (w < 50 || h < 50) return;
        g.setFont(Font.font(11));
        g.setStroke(Color.web("#cccccc"));
        g.setLineWidth(1);
        g.strokeRect(PAD_LEFT, PAD, w - PAD_LEFT - PAD, h - PAD_BOTTOM - PAD);
        if (points.isEmpty()) {
            g.setFill(Color.web("#666666"));
            g.setTextAlign(TextAlignment.CENTER);
            g.setTextBaseline(VPos.CENTER);
            g.fillText("Estimate and exact sweep of the same circuit appear here.", (PAD_LEFT + w - PAD) / 2, (PAD + h - PAD_BOTTOM) / 2);
            return;
        }
        // zero lines and the line where estimate = exact
        g.setStroke(Color.web("#dddddd"));
        g.strokeLine(x(0), PAD, x(0), h - PAD_BOTTOM);
        g.strokeLine(PAD_LEFT, y(0), w - PAD, y(0));
        g.setStroke(Color.web("#888888"));
        g.setLineDashes(4, 4);
        g.strokeLine(x(lo), y(lo), x(hi), y(hi));
        g.setLineDashes();
        // ticks
        g.setFill(Color.web("#444444"));
        for (int i = 0; i <= 4; i++) {
            double v = lo + (hi - lo) * i / 4;
            g.setTextAlign(TextAlignment.CENTER);
            g.setTextBaseline(VPos.TOP);
            g.fillText(String.format(Locale.ROOT, "%.1f", v), x(v), h - PAD_BOTTOM + 3);
            g.setTextAlign(TextAlignment.RIGHT);
            g.setTextBaseline(VPos.CENTER);
            g.fillText(String.format(Locale.ROOT, "%.1f", v), PAD_LEFT - 4, y(v));
        }
        g.setTextAlign(TextAlignment.CENTER);
        g.setTextBaseline(VPos.BOTTOM);
        g.fillText("exact drop (points)", (PAD_LEFT + w - PAD) / 2, h - 2);
        g.save();
        g.translate(12, (PAD + h - PAD_BOTTOM) / 2);
        g.rotate(-90);
        g.setTextBaseline(VPos.CENTER);
        g.fillText("estimated drop", 0, 0);
        g.restore();
        for (HeadsViewModel.ScatterPoint p : points) {
            g.setFill(p.node() instanceof Node.Mlp ? Color.web("#f28e2b") : Color.web("#2166ac"));
            g.fillOval(x(p.exact()) - 3.5, y(p.estimate()) - 3.5, 7, 7);
        }
    }

    private HeadsViewModel.ScatterPoint nearest(double mx, double my) {
        HeadsViewModel.ScatterPoint best = null;
        double bd = 8 * 8;
        for (HeadsViewModel.ScatterPoint p : points) {
            double dx = x(p.exact()) - mx, dy = y(p.estimate()) - my, d = dx * dx + dy * dy;
            if (d <= bd) {
                bd = d;
                best = p;
            }
        }
        return best;
    }

    private static String name(Node n) {
        return n instanceof Node.Mlp ? "MLP " + n.layer() : "head " + n;
    }
}
