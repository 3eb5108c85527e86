package org.circuitbench.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelResolverTest {

    static Path snapshot(Path cache, String repoDir, String commit) throws Exception {
        Path s = cache.resolve(repoDir).resolve("snapshots").resolve(commit);
        Files.createDirectories(s);
        Files.writeString(s.resolve("config.json"), "{}");
        Files.writeString(s.resolve("model.safetensors"), "x");
        Files.createDirectories(cache.resolve(repoDir).resolve("refs"));
        Files.writeString(cache.resolve(repoDir).resolve("refs/main"), commit);
        return s;
    }

    @Test
    void cacheLocationFollowsHfHubCacheThenHfHome() {
        assertEquals(Path.of("/a/hub-cache"), ModelResolver.hubCache(Map.of("HF_HUB_CACHE", "/a/hub-cache", "HF_HOME", "/b")));
        assertEquals(Path.of("/b/hub"), ModelResolver.hubCache(Map.of("HF_HOME", "/b")));
        assertTrue(ModelResolver.hubCache(Map.of()).toString().endsWith(".cache/huggingface/hub"));
    }

    @Test
    void namesResolveToTheirSnapshot(@TempDir Path cache) throws Exception {
        Path s = snapshot(cache, "models--openai-community--gpt2", "abc123");
        ModelResolver r = new ModelResolver(cache);
        assertEquals(s, r.resolve("gpt2"));
        assertEquals(s, r.resolve("openai-community/gpt2"));
        Path med = snapshot(cache, "models--openai-community--gpt2-medium", "def");
        assertEquals(med, r.resolve("gpt2-medium"));
        Path distil = snapshot(cache, "models--distilbert--distilgpt2", "d1");
        assertEquals(distil, r.resolve("distilgpt2"));
        assertEquals(3, r.cachedModels().size());
    }

    @Test
    void legacyCacheFolderIsFound(@TempDir Path cache) throws Exception {
        Path s = snapshot(cache, "models--gpt2", "old");
        assertEquals(s, new ModelResolver(cache).resolve("gpt2"));
    }

    @Test
    void unknownNameSaysHowToDownload(@TempDir Path cache) {
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> new ModelResolver(cache).resolve("gpt2-xl"));
        assertTrue(e.getMessage().contains("download gpt2-xl"), e.getMessage());
    }
}
