package org.circuitbench.ui.graph;

import javafx.scene.canvas.Canvas;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.control.Tooltip;
import javafx.scene.input.MouseButton;
import javafx.scene.layout.Region;
import javafx.scene.paint.Color;
import javafx.scene.text.Font;
import javafx.scene.text.TextAlignment;
import org.circuitbench.ablation.EdgeGraph;
import org.circuitbench.ablation.Node;
import org.circuitbench.ablation.Receiver;
import org.circuitbench.ablation.Sender;

import java.util.BitSet;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * Draws an edge graph on a canvas, fast enough for GPT-2's 32,491 edges: edges are culled to the
 * viewport and stroked in a few batched paths (by sign and width), edges thinner than a pixel
 * fade out and those under a tenth of one are skipped. Scroll zooms at the pointer, drag pans.
 * Kept edges are coloured by the sign of their attribution (red: removing hurts, blue: removing
 * helps; grey without attribution) and weighted by its size; a head's inputs enter at three
 * ports, q left, k middle, v right. It only draws what it is given; the view model decides.
 */
public final class GraphCanvas extends Region {
    private static final Color HURTS = Color.web("#c0392b");
    private static final Color HELPS = Color.web("#2e86c1");
    private static final Color PLAIN = Color.web("#5f6b7a");
    private static final Color[] CHANNEL = {Color.web("#8e44ad"), Color.web("#16a085"), Color.web("#d35400")}; // q, k, v
    private static final int WIDTHS = 6;
    private static final int HURTS_RGB = 0xc0392b, HELPS_RGB = 0x2e86c1, PLAIN_RGB = 0x5f6b7a;
    private final EdgeRaster raster = new EdgeRaster();
    private javafx.scene.image.WritableImage edges;

    private final Canvas canvas = new Canvas();
    private final Tooltip tip = new Tooltip();
    private GraphLayout layout;
    private BitSet kept = new BitSet();
    private BitSet aliveSenders = new BitSet();
    private float[] attribution;           // by edge id, NaN where unknown; null: none
    private double maxAttribution = 1;
    private double scale = 1, tx, ty;      // screen = world * scale + t
    private boolean fitted;                // the whole graph shows as fit() placed it: a resize fits it again
    private double dragX, dragY;
    private boolean dragged;
    private int drawn;
    private double lastFrameMillis;
    private javafx.scene.image.WritableImage cached; // the last full frame, moved and scaled while the user pans or zooms
    private double cachedScale, cachedTx, cachedTy;
    private final javafx.animation.PauseTransition settle = new javafx.animation.PauseTransition(javafx.util.Duration.millis(150));
    private Consumer<Integer> onEdge = id -> { };
    private Consumer<Object> onNode = n -> { };
    private IntFunction<String> edgeInfo = id -> "";
    private Consumer<Integer> onDrawn = n -> { };
    private Consumer<Node.Head> onInspect;
    private Consumer<Object> onTakeBack = n -> { };
    private final javafx.animation.PauseTransition pendingToggle = new javafx.animation.PauseTransition(javafx.util.Duration.millis(300));

    public GraphCanvas() {
        getChildren().add(canvas);
        settle.setOnFinished(e -> redraw());
        setMinSize(200, 200);
        getStyleClass().add("graph-canvas");
        Tooltip.install(canvas, tip);
        canvas.setOnScroll(e -> {
            double f = Math.pow(1.0015, e.getDeltaY());
            moveTo(e.getX(), e.getY(), f, 0, 0);
        });
        canvas.setOnMousePressed(e -> {
            dragX = e.getX();
            dragY = e.getY();
            dragged = false;
        });
        canvas.setOnMouseDragged(e -> {
            if (Math.abs(e.getX() - dragX) + Math.abs(e.getY() - dragY) > 2) dragged = true;
            moveTo(e.getX(), e.getY(), 1, e.getX() - dragX, e.getY() - dragY);
            dragX = e.getX();
            dragY = e.getY();
        });
        canvas.setOnMouseReleased(e -> {
            if (dragged) redraw();
        });
        canvas.setOnMouseClicked(e -> {
            if (dragged || e.getButton() != MouseButton.PRIMARY || layout == null) return;
            Object node = layout.nodeAt(worldX(e.getX()), worldY(e.getY()));
            if (node instanceof Node.Head h && onInspect != null) {
                // a head's click waits for a possible second one: a double-click inspects and toggles nothing
                if (e.getClickCount() >= 2) {
                    // a slow double-click: its first click may have been taken as a click already; it is taken back
                    if (pendingToggle.getStatus() != javafx.animation.Animation.Status.RUNNING) onTakeBack.accept(h);
                    pendingToggle.stop();
                    onInspect.accept(h);
                } else {
                    pendingToggle.stop();
                    pendingToggle.setOnFinished(x -> onNode.accept(h));
                    pendingToggle.playFromStart();
                }
                return;
            }
            click(e.getX(), e.getY());
        });
        canvas.setOnMouseMoved(e -> {
            if (layout == null) return;
            int id = edgeAtScreen(e.getX(), e.getY());
            Object node = layout.nodeAt(worldX(e.getX()), worldY(e.getY()));
            String text = node != null ? node.toString() : id >= 0 ? edgeInfo.apply(id) : null;
            tip.setText(text == null ? "" : text);
            if (text == null) tip.hide();
        });
    }

    /** A new graph: fits it to the view. */
    public void setLayout(GraphLayout layout) {
        this.layout = layout;
        fit();
    }

    /** What to draw: the kept edges, the senders that still write (others are drawn as ablated), attributions by id (or null). */
    public void show(BitSet kept, BitSet aliveSenders, float[] attribution) {
        this.kept = kept;
        this.aliveSenders = aliveSenders;
        this.attribution = attribution;
        maxAttribution = 0;
        if (attribution != null) {
            for (int i = kept.nextSetBit(0); i >= 0; i = kept.nextSetBit(i + 1)) {
                if (!Float.isNaN(attribution[i])) maxAttribution = Math.max(maxAttribution, Math.abs(attribution[i]));
            }
        }
        if (maxAttribution == 0) maxAttribution = 1;
        redraw();
    }

    public void setOnEdgeClicked(Consumer<Integer> c) {
        onEdge = c;
    }

    public void setOnNodeClicked(Consumer<Object> c) {
        onNode = c;
    }

    /** Told of a double-click on a head (then its clicks toggle nothing); without it a head's click toggles at once. */
    public void setOnInspect(Consumer<Node.Head> c) {
        onInspect = c;
    }

    /** Told to take back a node's click that a second click made a double-click after it had been taken as a click. */
    public void setOnTakeBack(Consumer<Object> c) {
        onTakeBack = c;
    }

    public void setEdgeInfo(IntFunction<String> f) {
        edgeInfo = f;
    }

    /** Told the number of edges drawn after each frame. */
    public void setOnDrawn(Consumer<Integer> c) {
        onDrawn = c;
    }

    public int drawnEdges() {
        return drawn;
    }

    public double lastFrameMillis() {
        return lastFrameMillis;
    }

    public void fit() {
        if (layout == null || getWidth() <= 0 || getHeight() <= 0) return;
        scale = Math.min(getWidth() / layout.width(), getHeight() / layout.height());
        tx = (getWidth() - layout.width() * scale) / 2;
        ty = (getHeight() - layout.height() * scale) / 2;
        fitted = true;
        redraw();
    }

    public void zoomAt(double x, double y, double factor) {
        moveTo(x, y, factor, 0, 0);
    }

    public void pan(double dx, double dy) {
        moveTo(0, 0, 1, dx, dy);
    }

    /**
     * Zooms by {@code factor} at (x, y) and pans by (dx, dy). While the user keeps moving, the last
     * full frame is moved and scaled (one image draw); the full frame follows once they pause.
     */
    private void moveTo(double x, double y, double factor, double dx, double dy) {
        double wx = worldX(x), wy = worldY(y);
        fitted = false; // the user's zoom and pan stay as they are when the window changes size
        scale = Math.max(0.05, Math.min(40, scale * factor));
        tx = x - wx * scale + dx;
        ty = y - wy * scale + dy;
        if (cached == null) {
            redraw();
            return;
        }
        long t0 = System.nanoTime();
        GraphicsContext g = canvas.getGraphicsContext2D();
        g.setFill(Color.WHITE);
        g.fillRect(0, 0, canvas.getWidth(), canvas.getHeight());
        double k = scale / cachedScale;                                  // screen = k * cachedScreen + shift
        g.drawImage(cached, tx - k * cachedTx, ty - k * cachedTy, cached.getWidth() * k, cached.getHeight() * k);
        lastFrameMillis = (System.nanoTime() - t0) / 1e6;
        settle.playFromStart();
    }

    /** Clicks at a screen point, as a user would: an edge there, else a node there. */
    public void click(double x, double y) {
        Object node = layout.nodeAt(worldX(x), worldY(y));
        if (node != null) {
            onNode.accept(node);
            return;
        }
        int id = edgeAtScreen(x, y);
        if (id >= 0) onEdge.accept(id);
    }

    /** Where a node's centre is on screen, for tests and scripted clicks. */
    public double[] screenCentre(Object node) {
        double[] c = layout.centre(node);
        return new double[] {screenX(c[0]), screenY(c[1])};
    }

    /** Where an edge's middle is on screen, for tests and scripted clicks. */
    public double[] screenMiddle(int id) {
        double[] m = layout.middle(id);
        return new double[] {screenX(m[0]), screenY(m[1])};
    }

    private int edgeAtScreen(double x, double y) {
        return layout.edgeAt(worldX(x), worldY(y), 4 / scale, kept::get);
    }

    private double worldX(double x) {
        return (x - tx) / scale;
    }

    private double worldY(double y) {
        return (y - ty) / scale;
    }

    private double screenX(double x) {
        return x * scale + tx;
    }

    private double screenY(double y) {
        return y * scale + ty;
    }

    @Override
    protected void layoutChildren() {
        boolean first = canvas.getWidth() == 0;
        boolean resized = canvas.getWidth() != getWidth() || canvas.getHeight() != getHeight();
        canvas.setWidth(getWidth());
        canvas.setHeight(getHeight());
        if (first || resized && fitted) fit();
        else redraw();
    }

    /** Draws the frame; batched by sign and width so that 32,491 edges stay smooth. */
    public void redraw() {
        long t0 = System.nanoTime();
        GraphicsContext g = canvas.getGraphicsContext2D();
        double w = canvas.getWidth(), h = canvas.getHeight();
        g.setFill(Color.WHITE);
        g.fillRect(0, 0, w, h);
        drawn = 0;
        if (layout == null) return;
        double minX = worldX(0), maxX = worldX(w), minY = worldY(0), maxY = worldY(h);
        // thin edges first, so the strong ones lie on top; sign by colour, size by width
        raster.clear((int) w, (int) h);
        for (int level = 0; level < WIDTHS; level++) {
            double px = 0.25 * Math.pow(2, level); // 0.25 .. 8 px
            double alpha = px < 1 ? 1 : px < 2 ? 0.6 : 0.85; // under a pixel the raster fades by width
            for (int id = kept.nextSetBit(0); id >= 0; id = kept.nextSetBit(id + 1)) {
                if (widthLevel(id) != level || !layout.visible(id, minX, minY, maxX, maxY)) continue;
                int sign = bucketSign(id);
                double[] p = layout.path(id);
                int rgb = sign == 0 ? HURTS_RGB : sign == 1 ? HELPS_RGB : PLAIN_RGB;
                for (int k = 0; k + 3 < p.length; k += 2) {
                    raster.line(screenX(p[k]), screenY(p[k + 1]), screenX(p[k + 2]), screenY(p[k + 3]), rgb, alpha, Math.min(px, 8));
                }
                drawn++;
            }
        }
        edges = raster.image(edges);
        g.drawImage(edges, 0, 0);
        drawNodes(g);
        settle.stop();
        if (w > 0 && h > 0) {
            cached = canvas.snapshot(null, cached != null && cached.getWidth() == w && cached.getHeight() == h ? cached : null);
            cachedScale = scale;
            cachedTx = tx;
            cachedTy = ty;
        }
        lastFrameMillis = (System.nanoTime() - t0) / 1e6; // the snapshot included: it is part of every full frame
        onDrawn.accept(drawn);
    }

    private int bucketSign(int id) {
        if (attribution == null || Float.isNaN(attribution[id])) return 2;
        return attribution[id] < 0 ? 0 : 1;
    }

    /** Width level 0..5 by |attribution| relative to the largest: log scale. */
    private int widthLevel(int id) {
        if (attribution == null || Float.isNaN(attribution[id])) return 1;
        double rel = Math.abs(attribution[id]) / maxAttribution;             // (0, 1]
        int level = (int) Math.floor(WIDTHS - 1 + Math.log(Math.max(rel, 1e-9)) / Math.log(4));
        return Math.max(0, Math.min(WIDTHS - 1, level));
    }

    private void drawNodes(GraphicsContext g) {
        EdgeGraph eg = layout.graph();
        g.setTextAlign(TextAlignment.CENTER);
        g.setFont(Font.font(Math.max(6, Math.min(13, 10 * scale))));
        boolean labels = scale > 0.35;
        for (int s = 0; s < eg.senderCount(); s++) {
            Sender sender = eg.sender(s);
            double bw = sender instanceof Sender.Embed ? layout.width() * 0.6 : GraphLayout.NODE_W;
            box(g, layout.centre(sender), bw, aliveSenders.get(s), labels ? sender.toString() : null);
        }
        box(g, layout.centre(Receiver.LOGITS), layout.width() * 0.6, true, "logits");
        if (scale > 0.6) { // q, k, v ports
            for (int r = 0; r < eg.receiverCount(); r++) {
                if (eg.receiver(r) instanceof Receiver.HeadInput in) {
                    double[] c = layout.centre(in.head());
                    double x = c[0] + (in.channel().ordinal() - 1) * GraphLayout.NODE_W / 3, y = c[1] + GraphLayout.NODE_H / 2;
                    g.setFill(CHANNEL[in.channel().ordinal()]);
                    g.fillOval(screenX(x) - 2.5, screenY(y) - 2.5, 5, 5);
                }
            }
        }
    }

    private void box(GraphicsContext g, double[] c, double bw, boolean alive, String label) {
        double x = screenX(c[0] - bw / 2), y = screenY(c[1] - GraphLayout.NODE_H / 2);
        double w = bw * scale, h = GraphLayout.NODE_H * scale;
        g.setFill(alive ? Color.web("#2b6cb0") : Color.web("#e8ecf1"));
        g.fillRoundRect(x, y, w, h, 4, 4);
        g.setStroke(Color.web("#8896a6"));
        g.setLineWidth(0.5);
        g.strokeRoundRect(x, y, w, h, 4, 4);
        if (label != null) {
            g.setFill(alive ? Color.WHITE : Color.web("#333"));
            g.fillText(label, x + w / 2, y + h / 2 + 4 * Math.min(1.3, scale));
        }
    }

    /** A short name for a node the canvas reports, e.g. for a status line. */
    static String name(Object node) {
        return node instanceof Node n ? n.toString() : String.valueOf(node);
    }
}
