package org.circuitbench.model.hub;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DiskSpaceTest {
    @Test
    void notEnoughSpaceSaysHowMuchAndWhere(@TempDir Path dir) {
        var gpt2 = new HubDownloader.FileInfo("a".repeat(64), 548_000_000L, "c", null);
        IOException e = assertThrows(IOException.class, () -> HubDownloader.checkSpace(dir, List.of(gpt2), 100_000_000L));
        assertTrue(e.getMessage().contains("Not enough disk space") && e.getMessage().contains("0.55 GB")
                && e.getMessage().contains("HF_HUB_CACHE"), e.getMessage());
        assertDoesNotThrow(() -> HubDownloader.checkSpace(dir, List.of(gpt2), 10_000_000_000L));
    }
}
