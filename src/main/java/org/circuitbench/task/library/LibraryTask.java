package org.circuitbench.task.library;

import org.circuitbench.task.TaskDefinition;
import org.circuitbench.task.TaskException;

/**
 * One task of the library: a seeded generator of the task's definition, so that the same id,
 * seed and count always give the same prompts (docs/task-library.md).
 *
 * @param id           the name on the command line, e.g. {@code ioi}
 * @param title        a line for lists and choosers
 * @param source       the paper and code whose clean and corrupt design it follows
 * @param countMeans   what {@code count} counts for this task (clean prompts, or the corrupt prompts
 *                     of a task whose clean prompts are enumerated)
 * @param defaultCount the count when none is given
 * @param metric       the metric its papers score it with
 */
public record LibraryTask(String id, String title, String source, String countMeans, int defaultCount, String metric,
                          Generator generator) {

    /** Builds the definition for a seed and a count (already checked to be at least 1). */
    @FunctionalInterface
    public interface Generator {
        TaskDefinition definition(long seed, int count);
    }

    /** The task's definition for {@code seed} and {@code count}; a count below 1 or above the limit is refused. */
    public TaskDefinition definition(long seed, int count) throws TaskException {
        if (count < 1) throw new TaskException("The count is " + count + "; give at least 1 (" + countMeans + ").");
        if (count > TaskDefinition.MAX_PROMPTS) {
            throw new TaskException("The count is " + count + "; the limit is " + TaskDefinition.MAX_PROMPTS + " (" + countMeans + ").");
        }
        return generator.definition(seed, count);
    }
}
