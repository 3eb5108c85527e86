package org.circuitbench.ui.common;

import javafx.geometry.Pos;
import javafx.scene.control.Label;
import javafx.scene.layout.Region;
import javafx.scene.paint.Color;

import java.util.Locale;

/**
 * How a cell of a layers × heads picture looks, the same in every view that draws one (the grid,
 * the Heads heatmaps, the cross-task matrix, attention patterns): its colour scales, a text colour
 * that stays readable on them, and the number it shows.
 */
public final class Cells {
    private Cells() {
    }

    /** One colour per compared circuit (Tableau 10: tell-apart hues). */
    public static final Color[] COMPARE = {Color.web("#e15759"), Color.web("#4e79a7"), Color.web("#59a14f"), Color.web("#b07aa1")};

    /** A cell's background and a text colour that stays readable on it. */
    public static String cellStyle(Color background) {
        return "-fx-background-color: " + web(background) + "; -fx-text-fill: " + web(textOn(background)) + ";";
    }

    /**
     * Black on light backgrounds, white on dark ones, split where both contrast alike (relative
     * luminance 0.179, as WCAG measures it): on any background one of them reaches 4.58:1.
     */
    public static Color textOn(Color bg) {
        return luminance(bg) > 0.179 ? Color.BLACK : Color.WHITE;
    }

    public static double luminance(Color c) {
        return 0.2126 * lin(c.getRed()) + 0.7152 * lin(c.getGreen()) + 0.0722 * lin(c.getBlue());
    }

    private static double lin(double v) {
        return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    }

    /** WCAG contrast ratio of two colours (1 to 21); 4.5 is enough for small text. */
    public static double contrast(Color a, Color b) {
        double la = luminance(a), lb = luminance(b);
        return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
    }

    public static Color heat(double t) {
        return Color.web("#f7fbff").interpolate(Color.web("#08306b"), t);
    }

    /** A signed value's colour, t in [−1, 1]: red below 0, near-white at 0, blue above (ColorBrewer RdBu). */
    public static Color diverging(double t) {
        Color mid = Color.web("#f7f7f7");
        return t >= 0 ? mid.interpolate(Color.web("#2166ac"), t) : mid.interpolate(Color.web("#b2182b"), -t);
    }

    public static String web(Color c) {
        return String.format(Locale.ROOT, "#%02x%02x%02x", (int) (c.getRed() * 255), (int) (c.getGreen() * 255), (int) (c.getBlue() * 255));
    }

    /** A number as {@code format} writes it, but never "-0.0": a value that rounds to zero reads as zero. */
    public static String format(String format, double v) {
        String s = String.format(Locale.ROOT, format, v);
        return s.matches("-0(\\.0*)?") ? s.substring(1) : s;
    }

    /** A row's or column's name beside a grid of cells (a layer, a head, MLP). */
    public static Label axis(String text) {
        Label a = new Label(text);
        a.getStyleClass().add("axis-label");
        a.setMinWidth(Region.USE_PREF_SIZE); // "L \\ H" and "MLP" are read whole
        a.setAlignment(Pos.CENTER);
        return a;
    }
}
