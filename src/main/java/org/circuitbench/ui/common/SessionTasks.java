package org.circuitbench.ui.common;

import org.circuitbench.ablation.AblationTask;
import org.circuitbench.task.TaskException;

import java.util.List;
import java.util.Optional;

/**
 * The open session's tasks as a feature view model reaches them ({@link MainViewModel} provides
 * this). Tasks are prepared on the session's own model only, and found by their content.
 */
public interface SessionTasks {
    /** The selected task's name; null when the session has none. */
    String selectedName();

    /** The selected task prepared on the session's model; empty while it is not ready. */
    Optional<AblationTask> selected();

    /** The selected task's key in the workspace (for its evaluators); empty while it is not ready. */
    Optional<Workspace.TaskKey> selectedKey();

    /** The session's task names, in order. */
    List<String> names();

    /** A task of the session prepared on the session's model, preparing it if need be (blocking: call it from a job). */
    AblationTask prepare(String name) throws TaskException;

    /** The session's model reference (what runs and saved circuits are stamped with); null when it has none. */
    default String modelName() {
        return null;
    }

    /**
     * Whether a result stamped with {@code model} belongs to the session's model now; an unstamped
     * one (a file from before results named their model) belongs to it.
     */
    default boolean ofThisModel(String model) {
        return model == null || model.equals(modelName());
    }

    /** A model reference as the window names it. */
    static String describeModel(String ref) {
        return ref == null ? "no model" : ref.equals(org.circuitbench.model.AppPaths.DEMO_REF) ? "the demo model" : ref;
    }
}
