package org.circuitbench.model.download;

import java.time.Duration;
import java.util.Locale;

/**
 * How long a download waits before it gives up, so that neither a silent server nor a slow drip
 * holds it forever: {@code timeout} for an answer and for the next byte of a body (the stall
 * rule), and at least {@code minBytesPerSecond} on average over every {@code window} of a body
 * (the rate rule). A file that arrives within one window is never judged by its rate.
 */
public record Patience(Duration timeout, long minBytesPerSecond, Duration window) {
    /** 30 s without a byte, or under 1 KB/s over a minute: a drip of 1 byte every 2 s ends after a minute. */
    public static final Patience DEFAULT = new Patience(Duration.ofSeconds(30), 1_000, Duration.ofSeconds(60));

    public Patience {
        if (timeout.isNegative() || timeout.isZero() || window.isNegative() || window.isZero() || minBytesPerSecond < 0) {
            throw new IllegalArgumentException("timeout and window must be positive, the rate not negative");
        }
    }

    /** The bytes a window must bring. */
    long bytesPerWindow() {
        return Math.max(1, minBytesPerSecond * window.toMillis() / 1000);
    }

    /** "1.0 KB/s over 60 s". */
    String rateRule() {
        return String.format(Locale.ROOT, "%.1f KB/s over %s", minBytesPerSecond / 1e3, seconds(window));
    }

    static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1e3);
    }
}
