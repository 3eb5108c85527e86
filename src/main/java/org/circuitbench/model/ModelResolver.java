package org.circuitbench.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Turns what a user typed into a model folder: a path, or a hub name such as {@code gpt2} or
 * {@code openai-community/gpt2}, looked up in the local Hugging Face cache
 * ({@code $HF_HUB_CACHE}, else {@code $HF_HOME/hub}, else {@code ~/.cache/huggingface/hub}).
 */
public final class ModelResolver {
    /** Short names the hub redirects to their organisation. */
    public static final Map<String, String> ALIASES = Map.of(
            "gpt2", "openai-community/gpt2",
            "gpt2-small", "openai-community/gpt2",
            "gpt2-medium", "openai-community/gpt2-medium",
            "gpt2-large", "openai-community/gpt2-large",
            "gpt2-xl", "openai-community/gpt2-xl",
            "distilgpt2", "distilbert/distilgpt2");

    private final Path hubCache;

    public ModelResolver(Path hubCache) {
        this.hubCache = hubCache;
    }

    public static ModelResolver fromEnvironment() {
        return new ModelResolver(hubCache(System.getenv()));
    }

    public static Path hubCache(Map<String, String> env) {
        String cache = env.get("HF_HUB_CACHE");
        if (cache != null && !cache.isBlank()) return Path.of(cache);
        String home = env.get("HF_HOME");
        if (home != null && !home.isBlank()) return Path.of(home, "hub");
        String xdg = env.get("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("huggingface").resolve("hub");
    }

    public Path hubCache() {
        return hubCache;
    }

    /** The canonical repo id of a name ({@code gpt2} → {@code openai-community/gpt2}). */
    public static String repoId(String name) {
        return ALIASES.getOrDefault(name, name);
    }

    /** Cache folder of a repo: {@code models--openai-community--gpt2}. */
    public Path repoFolder(String repoId) {
        return hubCache.resolve("models--" + repoId.replace("/", "--"));
    }

    public Path resolve(String nameOrPath) throws ModelLoadException {
        Path p = Path.of(nameOrPath);
        if (Files.isDirectory(p)) return p;
        if (looksLikePath(nameOrPath)) {
            ModelFolder.check(p); // throws with the folder named
        }
        Optional<Path> snap = snapshot(nameOrPath);
        if (snap.isPresent()) return snap.get();
        throw new ModelLoadException("Model '" + nameOrPath + "' is neither a folder nor in the Hugging Face cache ("
                + repoFolder(repoId(nameOrPath)) + "). Download it with `./circuitbench download " + nameOrPath
                + "` or, in the app, Model → Download from the hub.");
    }

    private static boolean looksLikePath(String s) {
        return s.startsWith(".") || s.startsWith("/") || s.startsWith("~") || s.contains("\\") || s.split("/").length > 2;
    }

    /** The snapshot folder of a cached model: refs/main, else the newest complete snapshot. */
    public Optional<Path> snapshot(String name) {
        List<String> candidates = new ArrayList<>(List.of(repoId(name)));
        if (!candidates.contains(name)) candidates.add(name); // older caches used models--gpt2
        for (String repo : candidates) {
            Path folder = repoFolder(repo);
            Path ref = folder.resolve("refs").resolve("main");
            try {
                if (Files.isRegularFile(ref)) {
                    // the ref names a snapshot folder; anything but a plain name (a path, "..") is ignored
                    String commit = Files.readString(ref).trim();
                    Path s = folder.resolve("snapshots").resolve(commit);
                    if (commit.matches("[A-Za-z0-9_-][A-Za-z0-9_.-]*") && isComplete(s)) return Optional.of(s);
                }
                Path snaps = folder.resolve("snapshots");
                if (Files.isDirectory(snaps)) {
                    try (Stream<Path> st = Files.list(snaps)) {
                        Optional<Path> newest = st.filter(ModelResolver::isComplete)
                                .max(Comparator.comparing(ModelResolver::modified));
                        if (newest.isPresent()) return newest;
                    }
                }
            } catch (IOException ignored) {
                // an unreadable cache entry is the same as a missing one
            }
        }
        return Optional.empty();
    }

    private static boolean isComplete(Path snapshot) {
        return Files.isRegularFile(snapshot.resolve("config.json"))
                && (Files.isRegularFile(snapshot.resolve("model.safetensors"))
                    || Files.isRegularFile(snapshot.resolve("model.safetensors.index.json")));
    }

    private static long modified(Path p) {
        try {
            return Files.getLastModifiedTime(p).toMillis();
        } catch (IOException e) {
            return 0;
        }
    }

    /** GPT-2-family models present in the cache, by repo id. */
    public List<String> cachedModels() {
        List<String> out = new ArrayList<>();
        if (!Files.isDirectory(hubCache)) return out;
        try (Stream<Path> st = Files.list(hubCache)) {
            st.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith("models--"))
                    .map(n -> n.substring(8).replace("--", "/"))
                    .filter(repo -> snapshot(repo).isPresent())
                    .sorted()
                    .forEach(out::add);
        } catch (IOException ignored) {
            // an unreadable cache lists nothing
        }
        return out;
    }
}
