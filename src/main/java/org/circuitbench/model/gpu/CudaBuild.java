package org.circuitbench.model.gpu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.UnaryOperator;

/**
 * DJL's CUDA build of libtorch for our PyTorch version, in the folder where DJL itself keeps it:
 * {@code <DJL cache>/pytorch/2.7.1-cu128-linux-x86_64}. DJL 0.36 loads it when
 * {@code PYTORCH_LIBRARY_PATH} names the folder and {@code PYTORCH_VERSION} and {@code PYTORCH_FLAVOR}
 * say what it is (environment variables or system properties); it then takes the matching JNI glue
 * from the {@code pytorch-jni} jar, which holds the {@code cu128} one.
 */
public record CudaBuild(String pytorchVersion, String flavor, String classifier, Path dir) {
    /** DJL 0.36's CUDA flavor for PyTorch 2.7.1 (its pytorch-jni jar has jnilib/linux-x86_64/cu128). */
    public static final String FLAVOR = "cu128";
    /** Written last by the downloader: the files and their sizes, so a damaged copy is recognised. */
    static final String MARKER = "circuitbench-cuda.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    public enum State { ABSENT, COMPLETE, BROKEN }

    /** What is in the folder; {@code detail} says what is wrong (BROKEN) or where it came from. */
    public record Status(State state, Path dir, String detail, long bytes) {
        public boolean complete() {
            return state == State.COMPLETE;
        }
    }

    /** PyTorch's version as the engine jar declares it, e.g. 2.7.1. */
    public static String bundledPytorchVersion() {
        return engineProperties().getProperty("pytorch_version", "2.7.1");
    }

    public static String djlVersion() {
        return engineProperties().getProperty("djl_version", "0.36.0");
    }

    private static Properties engineProperties() {
        Properties p = new Properties();
        try (InputStream in = CudaBuild.class.getClassLoader().getResourceAsStream("pytorch-engine.properties")) {
            if (in != null) p.load(in);
        } catch (IOException ignored) {
            // the defaults above are the pom's versions
        }
        return p;
    }

    /** DJL's classifier for this machine: linux-x86_64, linux-aarch64, win-x86_64, osx-aarch64. */
    public static String classifier(String osName, String osArch) {
        String os = osName.startsWith("Win") ? "win" : osName.startsWith("Mac") ? "osx" : "linux";
        return os + "-" + ("amd64".equals(osArch) ? "x86_64" : osArch);
    }

    /** DJL publishes CUDA builds of PyTorch 2.7.1 for these. */
    public static boolean published(String classifier) {
        return classifier.equals("linux-x86_64") || classifier.equals("win-x86_64");
    }

    /**
     * DJL's engine cache folder for PyTorch, as DJL 0.36's {@code Utils.getEngineCacheDir("pytorch")}
     * finds it: ENGINE_CACHE_DIR, else DJL_CACHE_DIR, else ~/.djl.ai (the temp folder if home is read-only).
     */
    public static Path djlPytorchCache(UnaryOperator<String> setting) {
        String engine = setting.apply("ENGINE_CACHE_DIR");
        if (engine != null && !engine.isEmpty()) return Path.of(engine).resolve("pytorch");
        String djl = setting.apply("DJL_CACHE_DIR");
        if (djl != null && !djl.isEmpty()) return Path.of(djl).resolve("pytorch");
        Path home = Path.of(System.getProperty("user.home"));
        Path base = Files.isWritable(home) ? home : Path.of(System.getProperty("java.io.tmpdir"));
        return base.resolve(".djl.ai").resolve("pytorch");
    }

    public static CudaBuild in(Path pytorchCache, String classifier) {
        String v = bundledPytorchVersion();
        return new CudaBuild(v, FLAVOR, classifier, pytorchCache.resolve(v + "-" + FLAVOR + "-" + classifier));
    }

    /** The system properties that make DJL load this build instead of the bundled CPU one. */
    public Map<String, String> systemProperties() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("PYTORCH_LIBRARY_PATH", dir.toAbsolutePath().toString());
        m.put("PYTORCH_VERSION", pytorchVersion);
        m.put("PYTORCH_FLAVOR", flavor);
        return m;
    }

    /** The libraries DJL must find, by this platform's names. */
    List<String> requiredLibraries() {
        List<String> base = List.of("torch", "torch_cpu", "torch_cuda", "c10", "c10_cuda");
        List<String> out = new ArrayList<>();
        for (String b : base) out.add(classifier.startsWith("win") ? b + ".dll" : "lib" + b + ".so");
        return out;
    }

    /** "PyTorch 2.7.1, CUDA 12.8 build for linux-x86_64". */
    public String label() {
        String cuda = flavor.startsWith("cu") && flavor.length() >= 5
                ? flavor.substring(2, flavor.length() - 1) + "." + flavor.charAt(flavor.length() - 1) : flavor;
        return "PyTorch " + pytorchVersion + ", CUDA " + cuda + " build for " + classifier;
    }

    /** Whether the folder holds a complete build; never throws. */
    public Status inspect() {
        if (!Files.isDirectory(dir)) return new Status(State.ABSENT, dir, "not downloaded", 0);
        Path marker = dir.resolve(MARKER);
        try {
            if (Files.isRegularFile(marker)) {
                JsonNode files = JSON.readTree(marker.toFile()).path("files");
                if (!files.isObject() || files.isEmpty()) {
                    return new Status(State.BROKEN, dir, "its list of files (" + MARKER + ") is damaged", 0);
                }
                long total = 0;
                List<String> problems = new ArrayList<>();
                for (Map.Entry<String, JsonNode> e : files.properties()) {
                    Path f = dir.resolve(e.getKey()).normalize();
                    if (!f.startsWith(dir) || !Files.isRegularFile(f)) {
                        problems.add(e.getKey() + " is missing");
                        continue;
                    }
                    long size = Files.size(f);
                    if (size != e.getValue().asLong()) problems.add(e.getKey() + " has " + size + " bytes, not " + e.getValue().asLong());
                    total += size;
                }
                if (!problems.isEmpty()) return broken(String.join("; ", problems));
                return new Status(State.COMPLETE, dir, "downloaded by Circuit Workbench", total);
            }
            // No marker: DJL's own download (it moves a finished folder into place) or a copy by hand.
            List<String> missing = new ArrayList<>();
            for (String lib : requiredLibraries()) {
                Path f = dir.resolve(lib);
                if (!Files.isRegularFile(f) || Files.size(f) == 0) missing.add(lib);
            }
            long total = 0;
            boolean any = false;
            try (var s = Files.list(dir)) {
                for (Path f : s.toList()) {
                    if (Files.isRegularFile(f)) {
                        total += Files.size(f);
                        any = true;
                    }
                }
            }
            if (!any) return new Status(State.ABSENT, dir, "not downloaded (the folder is empty)", 0);
            if (!missing.isEmpty()) return broken(String.join(", ", missing) + (missing.size() == 1 ? " is" : " are") + " missing");
            return new Status(State.COMPLETE, dir, "found there (not downloaded by Circuit Workbench)", total);
        } catch (IOException | RuntimeException e) {
            return broken("it cannot be read (" + e.getMessage() + ")");
        }
    }

    private Status broken(String why) {
        return new Status(State.BROKEN, dir, why, 0);
    }
}
