package org.circuitbench.ui.heads;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** §2.8: a heatmap cell's text fits the cell: a large value drops decimals rather than read "15…". */
class HeatmapTextTest {
    static Heatmap of(String format) {
        return new Heatmap(HeadMeasure.of(HeadMeasure.Kind.EXACT), "full", new double[1][1], null, null, -1, 1, true, format, "");
    }

    @Test
    void aCellsTextIsAtMostFourDigitsWide() {
        assertEquals("150", of("%.1f").text(150.27));
        assertEquals("-150", of("%.1f").text(-150.27));
        assertEquals("12.3", of("%.2f").text(12.345));
        assertEquals("-12.3", of("%.2f").text(-12.345));
        assertEquals("1234", of("%.0f").text(1234.4));
        assertEquals("0.02", of("%.2f").text(0.02));
        assertEquals("9.5", of("%.1f").text(9.49));
        assertEquals("0.00", of("%.2f").text(-0.001), "never -0.00");
        assertEquals("–", of("%.2f").text(Double.NaN));
    }
}
