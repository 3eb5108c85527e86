package org.circuitbench.model;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Where the shipped data lies: {@code samples/} next to the launcher in a checkout, or in the
 * packaged app's {@code lib/app/samples}. The demo model is {@code samples/models/seqcont-tiny}.
 */
public final class AppPaths {
    public static final String DEMO_REF = "demo:seqcont-tiny";

    private AppPaths() {
    }

    /** Candidate folders that may hold {@code samples/}, most specific first. */
    static List<Path> homes() {
        List<Path> out = new ArrayList<>();
        String home = System.getProperty("circuitbench.home");
        if (home != null) out.add(Path.of(home));
        String appPath = System.getProperty("jpackage.app-path"); // the packaged launcher
        if (appPath != null) {
            Path bin = Path.of(appPath).toAbsolutePath().getParent();
            if (bin != null && bin.getParent() != null) out.add(bin.getParent().resolve("lib").resolve("app"));
        }
        try {
            Path jar = Path.of(AppPaths.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            for (Path p = jar.getParent(); p != null; p = p.getParent()) {
                out.add(p);
                if (out.size() > 8) break;
            }
        } catch (URISyntaxException | SecurityException | NullPointerException ignored) {
            // no code source: fall back to the working directory
        }
        out.add(Path.of("").toAbsolutePath());
        return out;
    }

    public static Optional<Path> samples() {
        return homes().stream().map(h -> h.resolve("samples")).filter(Files::isDirectory).findFirst();
    }

    /** The demo model's folder, or a clear error naming where it was looked for. */
    public static Path demoModel() throws ModelLoadException {
        Optional<Path> s = samples();
        Path folder = s.map(p -> p.resolve("models").resolve("seqcont-tiny")).orElse(null);
        if (folder == null || !Files.isDirectory(folder)) {
            throw new ModelLoadException("The demo model (samples/models/seqcont-tiny) is missing"
                    + (folder == null ? "" : " from " + folder) + ". The app can still open other models: Model → Open folder… or Download.");
        }
        for (String f : new String[] {"config.json", "model.safetensors", "tokenizer.json"}) {
            if (!Files.isRegularFile(folder.resolve(f))) {
                throw new ModelLoadException("The demo model is damaged: " + folder.resolve(f) + " is missing. "
                        + "Reinstall the app, or open another model: Model → Open folder… or Download.");
            }
        }
        return folder;
    }

    /** A model reference as sessions store it: the demo, a hub name, or a folder. */
    public static Path resolve(String ref) throws ModelLoadException {
        if (ref == null || ref.equals(DEMO_REF)) return demoModel();
        return ModelResolver.fromEnvironment().resolve(ref);
    }

    /**
     * Recent files, recovery copies and the GPU choice: {@code ~/.circuitbench}, or
     * {@code -Dcircuitbench.userDir}, or {@code CIRCUITBENCH_USER_DIR} (which reaches the packaged
     * launcher too: the start-up bench gives each start a fresh one).
     */
    public static Path userDir() {
        String override = System.getProperty("circuitbench.userDir");
        if (override == null || override.isBlank()) override = System.getenv("CIRCUITBENCH_USER_DIR");
        return override != null && !override.isBlank() ? Path.of(override) : Path.of(System.getProperty("user.home"), ".circuitbench");
    }
}
