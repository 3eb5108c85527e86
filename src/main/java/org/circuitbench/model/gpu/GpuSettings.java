package org.circuitbench.model.gpu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.circuitbench.util.AtomicFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The remembered choice, in {@code ~/.circuitbench/gpu.json}: {@code "gpu"} after Enable GPU,
 * {@code "cpu"} after the user chose the bundled CPU build, null before either. {@code dir} is the
 * CUDA build's folder when it is not DJL's default; {@code failure} is why the CUDA build failed to
 * load last time (the next start then uses the CPU until GPU is enabled again).
 */
public record GpuSettings(String choice, String dir, String failure) {
    public static final GpuSettings NONE = new GpuSettings(null, null, null);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The file's settings; none if it is missing. A damaged file counts as none, and the warning says so. */
    public static GpuSettings read(Path file, java.util.function.Consumer<String> warn) {
        if (!Files.isRegularFile(file)) return NONE;
        try {
            JsonNode n = JSON.readTree(file.toFile());
            String choice = text(n, "choice");
            if (choice != null && !choice.equals("gpu") && !choice.equals("cpu")) choice = null;
            return new GpuSettings(choice, text(n, "dir"), text(n, "failure"));
        } catch (IOException | RuntimeException e) {
            warn.accept("warning: " + file + " is damaged (" + e.getMessage().lines().findFirst().orElse("")
                    + "); the GPU choice is reset. Enable the GPU again if you want it.");
            return NONE;
        }
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() || v.asText().isEmpty() ? null : v.asText();
    }

    public void write(Path file) throws IOException {
        ObjectNode n = JSON.createObjectNode();
        n.put("choice", choice);
        n.put("dir", dir);
        n.put("failure", failure);
        AtomicFiles.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(n) + "\n");
    }

    public GpuSettings withChoice(String c) {
        return new GpuSettings(c, dir, null);
    }

    public GpuSettings withDir(String d) {
        return new GpuSettings(choice, d, failure);
    }

    public GpuSettings withFailure(String f) {
        return new GpuSettings(choice, dir, f);
    }
}
