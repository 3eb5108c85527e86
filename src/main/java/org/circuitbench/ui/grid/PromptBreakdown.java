package org.circuitbench.ui.grid;

import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import org.circuitbench.ablation.ScoreDetails;
import org.circuitbench.task.Prompt;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The per-prompt breakdown beside the live score: each clean prompt's metric under the full model
 * and the circuit, with the prompts the circuit gets wrong marked (docs/methods.md), as rows a
 * table shows (and sorts), and as CSV, the same table as {@code score --per-prompt --out}.
 */
public final class PromptBreakdown {
    /** One clean prompt. {@code drop}: full − circuit, in the metric's units. */
    public record Row(int prompt, String text, String correct, String incorrect, double full, double circuit, boolean wrong) {
        public double drop() {
            return full - circuit;
        }
    }

    private final ObservableList<Row> rows = FXCollections.observableArrayList();
    private final ReadOnlyStringWrapper summary = new ReadOnlyStringWrapper("");
    private final ReadOnlyStringWrapper metric = new ReadOnlyStringWrapper("metric");
    private ScoreDetails details;
    private List<Prompt> prompts = List.of();

    /** Shows a score's details; {@code clean} is its task's clean prompts. */
    void show(ScoreDetails d, List<Prompt> clean) {
        details = d;
        prompts = List.copyOf(clean);
        List<Row> out = new ArrayList<>();
        for (int i = 0; i < d.prompts(); i++) {
            Prompt p = clean.get(i);
            out.add(new Row(i, p.text(), Prompt.joined(p.correct()), Prompt.joined(p.incorrect()), d.fullPerPrompt()[i],
                    d.circuitPerPrompt()[i], d.wrong()[i]));
        }
        rows.setAll(out);
        metric.set(d.method().metric().label());
        summary.set(String.format(Locale.ROOT, "%d of %d prompts wrong under the circuit (%s)", d.wrongCount(), d.prompts(),
                switch (d.method().metric()) {
                    case LOGIT_DIFF, PROB_DIFF -> "its difference ≤ 0";
                    case PROB, ACCURACY -> "its top token is not a correct answer";
                    case KL -> "its top token differs from the full model's";
                }));
    }

    void clear() {
        details = null;
        prompts = List.of();
        rows.clear();
        summary.set("");
    }

    /** Rows in prompt order; a table's sorting works on its own view of them. */
    public ObservableList<Row> rows() {
        return rows;
    }

    /** "12 of 100 prompts wrong under the circuit (…)", or empty with no score shown. */
    public ReadOnlyStringProperty summaryProperty() {
        return summary.getReadOnlyProperty();
    }

    /** The metric's name, for the columns' headers. */
    public ReadOnlyStringProperty metricProperty() {
        return metric.getReadOnlyProperty();
    }

    /** The table as CSV (prompt,text,correct,incorrect,full,circuit,wrong); null with no score shown. */
    public String csv() {
        return details == null ? null : details.perPromptCsv(prompts);
    }
}
