package org.circuitbench.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import org.circuitbench.ablation.AblationTask;
import org.circuitbench.ablation.ScoreDetails;
import org.circuitbench.task.Prompt;

import java.util.List;

/**
 * {@code score --per-prompt}: each clean prompt's metric under the circuit and the full model,
 * and whether the circuit gets it wrong ({@link ScoreDetails}), as JSON rows and as CSV.
 */
final class PerPromptTable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final AblationTask task;
    private final ScoreDetails d;

    PerPromptTable(AblationTask task, ScoreDetails d) {
        this.task = task;
        this.d = d;
    }

    ArrayNode json() {
        ArrayNode rows = JSON.createArrayNode();
        List<Prompt> clean = task.tokenized().task().clean();
        for (int i = 0; i < d.prompts(); i++) {
            rows.addObject().put("prompt", i).put("text", clean.get(i).text())
                    .put("correct", Prompt.joined(clean.get(i).correct())).put("incorrect", Prompt.joined(clean.get(i).incorrect()))
                    .put("full", d.fullPerPrompt()[i]).put("circuit", d.circuitPerPrompt()[i]).put("wrong", d.wrong()[i]);
        }
        return rows;
    }

    String csv() {
        return d.perPromptCsv(task.tokenized().task().clean());
    }

}
