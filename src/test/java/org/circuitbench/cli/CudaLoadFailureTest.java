package org.circuitbench.cli;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.LibUtils;
import org.circuitbench.model.gpu.CudaBuild;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A CUDA build that is complete on disk but does not load (here: not libraries at all) on a
 * machine whose nvidia-smi lists a GPU: the command fails with a message that says what happened,
 * the failure is remembered, and the next run uses the bundled CPU build and says why. Runs the
 * real launcher class in fresh JVMs, since PyTorch's natives are picked once per process.
 */
class CudaLoadFailureTest {
    @Test
    void aCudaBuildThatDoesNotLoadIsRememberedAndTheNextRunUsesTheCpu(@TempDir Path tmp) throws Exception {
        String classifier = CudaBuild.classifier(System.getProperty("os.name"), System.getProperty("os.arch"));
        assumeTrue(classifier.equals("linux-x86_64"));
        Engine.getEngine("PyTorch");
        Path bundled = Path.of(LibUtils.getLibtorchPath()); // the CPU natives, already extracted: linked, not copied again
        Path cache = Files.createDirectories(tmp.resolve("engine/pytorch"));
        Files.createSymbolicLink(cache.resolve(bundled.getFileName()), bundled);
        Path cuda = Files.createDirectories(cache.resolve("2.7.1-cu128-linux-x86_64"));
        StringBuilder files = new StringBuilder();
        for (String lib : List.of("libc10.so", "libc10_cuda.so", "libtorch.so", "libtorch_cpu.so", "libtorch_cuda.so")) {
            Files.writeString(cuda.resolve(lib), "not a library");
            files.append(files.isEmpty() ? "" : ",").append('"').append(lib).append("\":13");
        }
        Files.writeString(cuda.resolve("circuitbench-cuda.json"), "{\"files\":{" + files + "}}");
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Files.writeString(bin.resolve("nvidia-smi"), """
                #!/bin/sh
                if [ "$1" = "--query-gpu=index,name,memory.total,driver_version" ]; then echo "0, NVIDIA L4, 23034, 550.54.15"; exit 0; fi
                echo "| NVIDIA-SMI 550.54.15     Driver Version: 550.54.15     CUDA Version: 12.4 |"
                """);
        Files.setPosixFilePermissions(bin.resolve("nvidia-smi"), PosixFilePermissions.fromString("rwxr-xr-x"));

        Run first = run(tmp, bin);
        assertEquals(1, first.code, first.out);
        assertTrue(first.out.contains("error: PyTorch's CUDA build in " + cuda + " failed to load (")
                && first.out.contains("Start again to use the bundled CPU build."), first.out);
        String remembered = Files.readString(tmp.resolve("user/gpu.json"));
        assertTrue(remembered.contains("\"failure\" : \"") && remembered.contains("libc10.so"), remembered);

        Run second = run(tmp, bin);
        assertEquals(0, second.code, second.out);
        assertTrue(second.out.contains("note: GPU found: NVIDIA L4 (22 GB), driver 550.54.15, CUDA 12.4. Using the CPU: "
                + "the CUDA build of PyTorch failed to load last time ("), second.out);
        assertTrue(second.out.contains("\"score\" : 100.0"), second.out);
    }

    record Run(int code, String out) {
    }

    private static Run run(Path tmp, Path bin) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Dcircuitbench.userDir=" + tmp.resolve("user"),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "score", "--model", CommandsTest.MODEL, "--task", CommandsTest.TASK));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        pb.environment().put("ENGINE_CACHE_DIR", tmp.resolve("engine").toString());
        pb.environment().remove("PYTORCH_LIBRARY_PATH");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(180, TimeUnit.SECONDS));
        return new Run(p.exitValue(), out);
    }
}
