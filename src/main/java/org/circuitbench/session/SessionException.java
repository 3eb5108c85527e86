package org.circuitbench.session;

/** A session file that cannot be read; nothing was changed on disk. */
public class SessionException extends Exception {
    public SessionException(String message) {
        super(message);
    }

    public SessionException(String message, Throwable cause) {
        super(message, cause);
    }
}
