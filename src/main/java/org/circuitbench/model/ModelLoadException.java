package org.circuitbench.model;

import java.io.IOException;

/** A model folder or file that cannot be loaded; the message names the file and what to do. */
public class ModelLoadException extends IOException {
    public ModelLoadException(String message) {
        super(message);
    }

    public ModelLoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
