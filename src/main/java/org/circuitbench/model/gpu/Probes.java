package org.circuitbench.model.gpu;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * What GPU detection and native selection read from the machine: commands (nvidia-smi), files,
 * environment variables and free disk space. Tests pass their own to play each kind of machine.
 */
public interface Probes {
    /**
     * A command's output (stdout and stderr). A {@link java.nio.file.NoSuchFileException} when the
     * program is not there; another IOException, saying why, when it fails.
     */
    String run(List<String> command) throws IOException;

    Optional<String> read(Path file);

    boolean isFile(Path file);

    List<Path> list(Path dir);

    /** An environment variable, else a system property of the same name (as DJL reads its settings); null if neither. */
    String setting(String name);

    /** Free bytes on the disk that holds {@code dir} (or its nearest existing parent). */
    long usableSpace(Path dir) throws IOException;

    static Probes system() {
        return new Probes() {
            @Override
            public String run(List<String> command) throws IOException {
                Process p;
                try {
                    p = new ProcessBuilder(command).redirectErrorStream(true).start();
                } catch (IOException e) {
                    throw new NoSuchFileException(command.get(0), null, "not installed or not on the PATH");
                }
                p.getOutputStream().close();
                String out;
                try (InputStream in = p.getInputStream()) {
                    out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
                try {
                    if (!p.waitFor(15, TimeUnit.SECONDS)) {
                        p.destroyForcibly();
                        throw new IOException(command.get(0) + " did not answer within 15 s");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    p.destroyForcibly();
                    throw new IOException(command.get(0) + " was interrupted", e);
                }
                if (p.exitValue() != 0) {
                    String first = out.strip().lines().findFirst().orElse("");
                    throw new IOException(command.get(0) + " failed (exit " + p.exitValue() + ")" + (first.isEmpty() ? "" : ": " + first));
                }
                return out;
            }

            @Override
            public Optional<String> read(Path file) {
                try {
                    return Optional.of(Files.readString(file));
                } catch (IOException | RuntimeException e) {
                    return Optional.empty();
                }
            }

            @Override
            public boolean isFile(Path file) {
                return Files.isRegularFile(file);
            }

            @Override
            public List<Path> list(Path dir) {
                try (Stream<Path> s = Files.list(dir)) {
                    return s.sorted().toList();
                } catch (IOException | RuntimeException e) {
                    return List.of();
                }
            }

            @Override
            public String setting(String name) {
                String v = System.getenv(name);
                return v != null ? v : System.getProperty(name);
            }

            @Override
            public long usableSpace(Path dir) throws IOException {
                Path d = dir.toAbsolutePath();
                while (d != null && !Files.exists(d)) d = d.getParent();
                if (d == null) throw new IOException("No existing folder above " + dir);
                return Files.getFileStore(d).getUsableSpace();
            }
        };
    }
}
