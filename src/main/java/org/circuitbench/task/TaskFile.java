package org.circuitbench.task;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;

/**
 * The task file of {@code task-format.md}: clean prompts scored, corrupt prompts whose
 * activations give the means, and the position labels kept ({@code null}: every position).
 * {@code answerSpace} false says that the answers follow the prompt's last token directly (the
 * greater-than task's "17" → "32"), so an answer's token is the first token of the answer itself;
 * absent (null), the seed's rule holds: the first token of {@code " " + answer}.
 */
public record TaskFile(String name, List<Prompt> clean, List<Prompt> corrupt, List<String> keep,
                       @JsonInclude(JsonInclude.Include.NON_NULL) Boolean answerSpace) {
    public TaskFile {
        name = name == null ? "" : name;
        clean = List.copyOf(clean);
        corrupt = List.copyOf(corrupt);
        keep = keep == null ? null : List.copyOf(keep);
        answerSpace = Boolean.TRUE.equals(answerSpace) ? null : answerSpace; // the default is stored as absent
    }

    /** A task whose answers follow a space, as the seed's. */
    public TaskFile(String name, List<Prompt> clean, List<Prompt> corrupt, List<String> keep) {
        this(name, clean, corrupt, keep, null);
    }

    /** The text put before an answer to find its token: a space, or nothing when {@code answerSpace} is false. */
    @JsonIgnore
    public String answerPrefix() {
        return answerSpace == null ? " " : "";
    }
}
