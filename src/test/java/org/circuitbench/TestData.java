package org.circuitbench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.circuitbench.ablation.AblationTask;
import org.circuitbench.model.DeviceChoice;
import org.circuitbench.model.LoadedModel;
import org.circuitbench.model.Gpt2Tokenizer;
import org.circuitbench.task.TaskFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Where tests find their data. The project carries copies of the shared fixtures and models
 * (src/test/data, samples/models) so that a clone passes on its own; when ../shared is there
 * (or $CIRCUITBENCH_SHARED), its fixture cases are used too, so new cases are picked up.
 */
public final class TestData {
    public static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<Path, LoadedModel> MODELS = new ConcurrentHashMap<>();
    private static final Map<Path, AblationTask> TASKS = new ConcurrentHashMap<>();

    private TestData() {
    }

    public static Optional<Path> shared() {
        String env = System.getenv("CIRCUITBENCH_SHARED");
        for (String c : new String[] {env, "../shared"}) {
            if (c != null && Files.isDirectory(Path.of(c, "fixtures"))) return Optional.of(Path.of(c));
        }
        return Optional.empty();
    }

    public static Path demoModel() {
        return Path.of("samples/models/seqcont-tiny");
    }

    public static Path model4x4() {
        return Path.of("src/test/data/models/seqcont-4x4");
    }

    /** Fixture case folders by name; the shared copy wins where both exist. */
    public static List<Path> fixtureCases() {
        Map<String, Path> cases = new LinkedHashMap<>();
        List<Path> roots = new ArrayList<>(List.of(Path.of("src/test/data/fixtures")));
        shared().ifPresent(s -> roots.add(s.resolve("fixtures")));
        for (Path root : roots) {
            try (Stream<Path> st = Files.list(root)) {
                st.filter(p -> Files.isRegularFile(p.resolve("expected.json")) && Files.isRegularFile(p.resolve("task.json")))
                        .sorted()
                        .forEach(p -> cases.put(p.getFileName().toString(), p));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return new ArrayList<>(cases.values());
    }

    public static JsonNode expected(Path caseDir) {
        try {
            return JSON.readTree(caseDir.resolve("expected.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A case's {@code edges-expected.json} or {@code explain-expected.json}, if it has one. */
    public static Optional<JsonNode> expected(Path caseDir, String file) {
        Path f = caseDir.resolve(file);
        if (!Files.isRegularFile(f)) return Optional.empty();
        try {
            return Optional.of(JSON.readTree(f.toFile()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The fixture cases that have {@code file} (such as edges-expected.json). */
    public static List<Path> casesWith(String file) {
        return fixtureCases().stream().filter(c -> Files.isRegularFile(c.resolve(file))).toList();
    }

    /** The model a case names, relative to the case; falls back to the project's copy of that model. */
    public static Path modelOf(Path caseDir) {
        String rel = expected(caseDir).path("model").asText();
        Path p = caseDir.resolve(rel).normalize();
        if (Files.isDirectory(p)) return p;
        String name = Path.of(rel).getFileName().toString();
        for (Path c : List.of(Path.of("samples/models", name), Path.of("src/test/data/models", name))) {
            if (Files.isDirectory(c)) return c;
        }
        throw new IllegalStateException("No model folder for " + caseDir + " (" + rel + ")");
    }

    private static Gpt2Tokenizer tokenizer;

    /** The bundled GPT-2 tokenizer, one for the whole test run. */
    public static synchronized Gpt2Tokenizer tokenizer() {
        if (tokenizer == null) {
            try {
                tokenizer = Gpt2Tokenizer.bundled();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return tokenizer;
    }

    /** One loaded model per folder for the whole test run. */
    public static LoadedModel model(Path folder) {
        return MODELS.computeIfAbsent(folder.toAbsolutePath().normalize(), f -> {
            try {
                return LoadedModel.open(f.getFileName().toString(), f, DeviceChoice.resolve("cpu"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** The prepared task of a fixture case, shared by the tests. */
    public static AblationTask task(Path caseDir) {
        return TASKS.computeIfAbsent(caseDir.toAbsolutePath().normalize(), c -> {
            try {
                return AblationTask.prepare(model(modelOf(c)), TaskFiles.read(c.resolve("task.json")));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    public static Path fixture(String name) {
        return fixtureCases().stream().filter(p -> p.getFileName().toString().equals(name)).findFirst().orElseThrow();
    }
}
