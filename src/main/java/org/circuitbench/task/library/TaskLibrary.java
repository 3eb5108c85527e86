package org.circuitbench.task.library;

import org.circuitbench.task.TaskException;

import java.util.ArrayList;
import java.util.List;

/**
 * The field's canonical tasks as seeded generators (docs/task-library.md): IOI, greater-than,
 * induction on repeated random tokens, and the seed notebook's tasks. The same id, seed and count
 * always give the same prompts.
 */
public final class TaskLibrary {
    private static final List<LibraryTask> ALL = all();

    private TaskLibrary() {
    }

    private static List<LibraryTask> all() {
        List<LibraryTask> out = new ArrayList<>(List.of(IoiTask.entry(), GreaterThanTask.entry(), InductionTask.entry()));
        out.addAll(SeedTasks.entries());
        return List.copyOf(out);
    }

    /** Every task, in the order lists show them. */
    public static List<LibraryTask> tasks() {
        return ALL;
    }

    /** The task called {@code id}; an unknown id is refused with the known ones. */
    public static LibraryTask get(String id) throws TaskException {
        for (LibraryTask t : ALL) if (t.id().equals(id)) return t;
        throw new TaskException("The task library has no task '" + org.circuitbench.util.Texts.cap(id) + "'; it has "
                + String.join(", ", ALL.stream().map(LibraryTask::id).toList()) + ".");
    }
}
