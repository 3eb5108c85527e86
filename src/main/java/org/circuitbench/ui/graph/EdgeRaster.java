package org.circuitbench.ui.graph;

import javafx.scene.image.PixelFormat;
import javafx.scene.image.WritableImage;

/**
 * Lines drawn straight into a pixel buffer, for the tens of thousands of edges of the Graph view:
 * the toolkit's own path rasterizer takes seconds for 32,491 strokes in software, this a few
 * hundred milliseconds at most. Lines are clipped to the buffer, blended over it with their
 * alpha, and as thick as their width in whole pixels (a width under one pixel fades instead,
 * with the square of the width).
 */
final class EdgeRaster {
    private int w, h;
    private int[] argb = new int[0];

    /** An opaque white buffer of this size. */
    void clear(int width, int height) {
        if (width != w || height != h) {
            w = width;
            h = height;
            argb = new int[Math.max(0, w * h)];
        }
        java.util.Arrays.fill(argb, 0xFFFFFFFF);
    }

    /** A line from (x0, y0) to (x1, y1) in colour {@code rgb} (0xRRGGBB) with opacity {@code alpha} and {@code width} pixels. */
    void line(double x0, double y0, double x1, double y1, int rgb, double alpha, double width) {
        int n = Math.max(1, (int) Math.round(width));
        double a = width < 1 ? alpha * Math.max(width * width, 0.03) : alpha; // thin edges fade fast: thousands overlap
        double dx = x1 - x0, dy = y1 - y0, len = Math.hypot(dx, dy);
        double nx = len == 0 ? 0 : -dy / len, ny = len == 0 ? 0 : dx / len;
        for (int i = 0; i < n; i++) {
            double o = i - (n - 1) / 2.0;
            thin(x0 + nx * o, y0 + ny * o, x1 + nx * o, y1 + ny * o, rgb, a);
        }
    }

    /** One pixel wide: clipped to the buffer (Liang–Barsky), then stepped along its longer axis. */
    private void thin(double x0, double y0, double x1, double y1, int rgb, double alpha) {
        double t0 = 0, t1 = 1, dx = x1 - x0, dy = y1 - y0;
        double[] p = {-dx, dx, -dy, dy};
        double[] q = {x0, w - 1 - x0, y0, h - 1 - y0};
        for (int i = 0; i < 4; i++) {
            if (p[i] == 0) {
                if (q[i] < 0) return;
            } else {
                double r = q[i] / p[i];
                if (p[i] < 0) t0 = Math.max(t0, r);
                else t1 = Math.min(t1, r);
                if (t0 > t1) return;
            }
        }
        double ax = x0 + t0 * dx, ay = y0 + t0 * dy, bx = x0 + t1 * dx, by = y0 + t1 * dy;
        int steps = (int) Math.ceil(Math.max(Math.abs(bx - ax), Math.abs(by - ay)));
        int sr = (rgb >> 16) & 0xFF, sg = (rgb >> 8) & 0xFF, sb = rgb & 0xFF;
        int ia = (int) Math.round(Math.max(0, Math.min(1, alpha)) * 256);
        double sx = steps == 0 ? 0 : (bx - ax) / steps, sy = steps == 0 ? 0 : (by - ay) / steps;
        double x = ax, y = ay;
        for (int s = 0; s <= steps; s++, x += sx, y += sy) {
            int px = (int) (x + 0.5), py = (int) (y + 0.5);
            if (px < 0 || py < 0 || px >= w || py >= h) continue;
            int k = py * w + px, d = argb[k];
            int r = ((d >> 16) & 0xFF), g = ((d >> 8) & 0xFF), b = d & 0xFF;
            r += ((sr - r) * ia) >> 8;
            g += ((sg - g) * ia) >> 8;
            b += ((sb - b) * ia) >> 8;
            argb[k] = 0xFF000000 | (r << 16) | (g << 8) | b;
        }
    }

    /** The buffer as an image (reusing {@code into} when it has the size). */
    WritableImage image(WritableImage into) {
        WritableImage img = into != null && (int) into.getWidth() == w && (int) into.getHeight() == h ? into : new WritableImage(Math.max(1, w), Math.max(1, h));
        if (w > 0 && h > 0) img.getPixelWriter().setPixels(0, 0, w, h, PixelFormat.getIntArgbInstance(), argb, 0, w);
        return img;
    }
}
