package org.circuitbench.model.gpu;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.LibUtils;
import ai.djl.util.Utils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The contract with DJL 0.36 that the GPU switch rests on, checked against the jars we ship: the
 * cache folder, the cu128 JNI glue, the variable names, and that system properties set in main()
 * before PyTorch loads make DJL load natives from PYTORCH_LIBRARY_PATH (shown with the CPU build,
 * the only one here).
 */
class CudaBuildDjlTest {
    @Test
    void theCacheFolderIsDjls() {
        assertEquals(Utils.getEngineCacheDir("pytorch"), CudaBuild.djlPytorchCache(Probes.system()::setting));
    }

    @Test
    void theVersionsAreTheEnginesAndTheJniJarHasTheCu128Glue() throws IOException {
        assertEquals("2.7.1", CudaBuild.bundledPytorchVersion());
        assertEquals("0.36.0", CudaBuild.djlVersion());
        ClassLoader cl = getClass().getClassLoader();
        assertNotNull(cl.getResource("jnilib/linux-x86_64/" + CudaBuild.FLAVOR + "/libdjl_torch.so"));
        assertNotNull(cl.getResource("jnilib/win-x86_64/" + CudaBuild.FLAVOR + "/djl_torch.dll"));
        Properties p = new Properties();
        try (InputStream in = cl.getResourceAsStream("jnilib/pytorch.properties")) {
            p.load(in);
        }
        assertTrue(p.getProperty("jni_version").startsWith(CudaBuild.bundledPytorchVersion() + "-" + CudaBuild.djlVersion()),
                p.getProperty("jni_version"));
    }

    @Test
    void djlReadsTheVariablesTheSwitchSets() throws IOException {
        String libUtils = classText("ai/djl/pytorch/jni/LibUtils.class") + classText("ai/djl/pytorch/jni/LibUtils$LibTorch.class");
        for (String name : new CudaBuild("2.7.1", "cu128", "linux-x86_64", Path.of("/x")).systemProperties().keySet()) {
            assertTrue(libUtils.contains(name), "DJL's LibUtils reads " + name);
        }
        assertTrue(classText("ai/djl/util/Utils.class").contains("getEnvOrSystemProperty"), "as an environment variable or a system property");
    }

    private String classText(String resource) throws IOException {
        try (InputStream in = getClass().getClassLoader().getResourceAsStream(resource)) {
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void systemPropertiesSetInMainPickTheNatives(@TempDir Path tmp) throws Exception {
        assumeTrue(CudaBuild.classifier(System.getProperty("os.name"), System.getProperty("os.arch")).equals("linux-x86_64"));
        Engine.getEngine("PyTorch"); // the bundled CPU natives, extracted to DJL's cache
        Path bundled = Path.of(LibUtils.getLibtorchPath());
        Path natives = Files.createDirectories(tmp.resolve("natives"));
        try (var s = Files.list(bundled)) {
            for (Path f : s.toList()) {
                String n = f.getFileName().toString();
                if (!n.contains("djl_torch")) Files.createSymbolicLink(natives.resolve(n), f);
            }
        }
        Path cache = tmp.resolve("engine-cache");
        Process p = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                DjlNativesChild.class.getName(), natives.toString(), "cpu", cache.toString()))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("libtorch=" + natives.toAbsolutePath()), out);
        assertTrue(out.contains("version=2.7.1"), out);
        assertTrue(Files.isRegularFile(cache.resolve("pytorch/2.7.1-cpu-linux-x86_64/0.36.0-libdjl_torch.so")),
                "DJL took the JNI glue for PYTORCH_FLAVOR=cpu from the jar");
    }
}
