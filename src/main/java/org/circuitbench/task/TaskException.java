package org.circuitbench.task;

/** A task file or definition that cannot be used; the message says where and what to fix. */
public class TaskException extends Exception {
    public TaskException(String message) {
        super(message);
    }

    public TaskException(String message, Throwable cause) {
        super(message, cause);
    }
}
