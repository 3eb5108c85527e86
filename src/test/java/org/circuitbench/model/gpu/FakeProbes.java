package org.circuitbench.model.gpu;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A machine for the tests: what nvidia-smi prints (or that it is missing or fails), which driver
 * files exist, environment settings, and the free disk space.
 */
public final class FakeProbes implements Probes {
    final Map<String, String> commands = new HashMap<>();   // "nvidia-smi --query-gpu…" or "nvidia-smi" → output
    final Map<String, String> failing = new HashMap<>();    // command → why it fails
    final Map<Path, String> files = new HashMap<>();
    final Map<String, String> settings = new HashMap<>();
    final List<String> ran = new ArrayList<>();
    long free = 1L << 40;

    static final String QUERY = "nvidia-smi --query-gpu=index,name,memory.total,driver_version --format=csv,noheader,nounits";

    /** No NVIDIA driver at all. */
    public static FakeProbes noGpu() {
        return new FakeProbes();
    }

    /** One H100 with a CUDA 12.4 driver, as nvidia-smi shows it. */
    public static FakeProbes h100() {
        FakeProbes p = new FakeProbes();
        p.commands.put(QUERY, "0, NVIDIA H100 80GB HBM3, 81559, 550.54.15\n");
        p.commands.put("nvidia-smi", """
                +-----------------------------------------------------------------------------------------+
                | NVIDIA-SMI 550.54.15              Driver Version: 550.54.15      CUDA Version: 12.4     |
                |-----------------------------------------+------------------------+----------------------+
                """);
        p.files.put(Path.of("/usr/lib/x86_64-linux-gnu/libcuda.so.1"), "");
        return p;
    }

    @Override
    public String run(List<String> command) throws IOException {
        String key = String.join(" ", command);
        ran.add(key);
        if (failing.containsKey(key)) throw new IOException(failing.get(key));
        String out = commands.get(key);
        if (out == null) throw new NoSuchFileException(command.get(0), null, "not installed or not on the PATH");
        return out;
    }

    @Override
    public Optional<String> read(Path file) {
        return Optional.ofNullable(files.get(file));
    }

    @Override
    public boolean isFile(Path file) {
        return files.containsKey(file);
    }

    @Override
    public List<Path> list(Path dir) {
        return files.keySet().stream().filter(f -> f.getParent() != null && dir.equals(f.getParent().getParent()))
                .map(Path::getParent).distinct().sorted().toList();
    }

    @Override
    public String setting(String name) {
        return settings.get(name);
    }

    @Override
    public long usableSpace(Path dir) {
        return free;
    }
}
