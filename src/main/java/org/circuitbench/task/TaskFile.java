package org.circuitbench.task;

import java.util.List;

/**
 * The task file of {@code task-format.md}: clean prompts scored, corrupt prompts whose
 * activations give the means, and the position labels kept ({@code null}: every position).
 */
public record TaskFile(String name, List<Prompt> clean, List<Prompt> corrupt, List<String> keep) {
    public TaskFile {
        name = name == null ? "" : name;
        clean = List.copyOf(clean);
        corrupt = List.copyOf(corrupt);
        keep = keep == null ? null : List.copyOf(keep);
    }
}
