package org.circuitbench.ui.common;

import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import org.circuitbench.search.Job;

import java.util.Locale;

/**
 * The lines of a live score as a panel shows them (the grid's, the graph's): the score ("…" while it
 * is computed, "–" when there is nothing to score), a line of detail, and the error of a score that
 * failed.
 */
public final class ScoreText {
    private final ReadOnlyStringWrapper score = new ReadOnlyStringWrapper("–");
    private final ReadOnlyStringWrapper detail = new ReadOnlyStringWrapper("");
    private final ReadOnlyStringWrapper error = new ReadOnlyStringWrapper("");

    /** A score is being computed. */
    public void computing() {
        score.set("…");
    }

    /** Nothing to score; {@code why}, when given, is the detail line. */
    public void none(String why) {
        score.set("–");
        if (why != null) detail.set(why);
    }

    /** No task is shown: the panel says only why. */
    public void clear(String why) {
        error.set("");
        none(why);
    }

    public void failed(Throwable cause) {
        error.set(Job.message(cause));
        score.set("error");
    }

    /** A score in percent and its line of detail. */
    public void show(double percent, String detailLine) {
        error.set("");
        score.set(String.format(Locale.ROOT, "%.2f %%", percent));
        detail.set(detailLine);
    }

    /** A score on its method's scale (a percentage, or a KL in nats) and its line of detail. */
    public void show(double value, org.circuitbench.ablation.Method method, String detailLine) {
        error.set("");
        score.set(method.percent() ? String.format(Locale.ROOT, "%.2f %%", value) : String.format(Locale.ROOT, "%.4f nats", value));
        detail.set(detailLine);
    }

    /** The detail line alone (what the panel says while there is no score). */
    public void setDetail(String line) {
        detail.set(line);
    }

    /** The error line alone (a problem found before any score). */
    public void setError(String line) {
        error.set(line);
    }

    public ReadOnlyStringProperty scoreProperty() {
        return score.getReadOnlyProperty();
    }

    public ReadOnlyStringProperty detailProperty() {
        return detail.getReadOnlyProperty();
    }

    public ReadOnlyStringProperty errorProperty() {
        return error.getReadOnlyProperty();
    }
}
