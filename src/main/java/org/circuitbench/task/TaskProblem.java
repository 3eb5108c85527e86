package org.circuitbench.task;

/** A problem found when checking a task against a tokenizer. Warnings do not stop scoring. */
public record TaskProblem(Severity severity, String message) {
    public enum Severity { ERROR, WARNING }

    public static TaskProblem error(String message) {
        return new TaskProblem(Severity.ERROR, message);
    }

    public static TaskProblem warning(String message) {
        return new TaskProblem(Severity.WARNING, message);
    }

    public boolean isError() {
        return severity == Severity.ERROR;
    }
}
