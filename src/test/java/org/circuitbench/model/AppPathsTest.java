package org.circuitbench.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The bundled demo model: found from the checkout; a missing or damaged copy is named. */
class AppPathsTest {
    @Test
    void theDemoModelIsFound() throws Exception {
        assertTrue(Files.isRegularFile(AppPaths.demoModel().resolve("model.safetensors")));
    }

    @Test
    void aDamagedDemoModelSaysWhichFileAndThatOtherModelsStillOpen(@TempDir Path home) throws Exception {
        Path demo = home.resolve("samples/models/seqcont-tiny");
        Files.createDirectories(demo);
        Files.writeString(demo.resolve("config.json"), "{}");
        String old = System.getProperty("circuitbench.home");
        System.setProperty("circuitbench.home", home.toString());
        try {
            ModelLoadException e = assertThrows(ModelLoadException.class, AppPaths::demoModel);
            assertTrue(e.getMessage().contains("model.safetensors") && e.getMessage().contains("other model"), e.getMessage());
        } finally {
            if (old == null) System.clearProperty("circuitbench.home"); else System.setProperty("circuitbench.home", old);
        }
    }
}
