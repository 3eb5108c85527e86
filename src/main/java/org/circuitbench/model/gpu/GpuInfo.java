package org.circuitbench.model.gpu;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The NVIDIA GPUs and driver on this machine, as {@code nvidia-smi} lists them; without nvidia-smi,
 * as the driver's {@code /proc/driver/nvidia} files and {@code libcuda} say. {@link #problem()} is
 * null when PyTorch's CUDA 12.8 build can use the GPU, else why not, in one sentence.
 */
public record GpuInfo(List<Gpu> gpus, String driverVersion, String cudaVersion, String libcuda, String problem) {

    /** One GPU; memory in MiB, 0 if unknown. */
    public record Gpu(int index, String name, long memoryMiB) {
        String label() {
            return memoryMiB > 0 ? String.format(Locale.ROOT, "%s (%.0f GB)", name, memoryMiB / 1024.0) : name;
        }
    }

    /** The oldest CUDA the driver must support: CUDA 12.x builds run on any CUDA 12 driver (minor-version compatibility). */
    static final int CUDA_MAJOR = 12;

    static final Pattern CUDA_VERSION = Pattern.compile("CUDA Version:\\s*([0-9]+)\\.([0-9]+)");
    static final Pattern PROC_VERSION = Pattern.compile("Kernel Module\\s+([0-9][0-9.]*)");

    public boolean usable() {
        return problem == null;
    }

    /** "NVIDIA GeForce RTX 4090 (24 GB), driver 550.54.15, CUDA 12.4", or why there is no usable GPU. */
    public String summary() {
        if (gpus.isEmpty()) return problem;
        String names = gpus.size() == 1 ? gpus.get(0).label()
                : gpus.size() + " GPUs: " + String.join(", ", gpus.stream().map(Gpu::label).toList());
        String s = names + (driverVersion == null ? "" : ", driver " + driverVersion)
                + (cudaVersion == null ? "" : ", CUDA " + cudaVersion);
        return problem == null ? s : s + ". " + problem;
    }

    /** Looks at the machine; {@code classifier} is DJL's, e.g. linux-x86_64. Never throws. */
    public static GpuInfo detect(Probes probes, String classifier) {
        if (classifier.startsWith("osx")) return new GpuInfo(List.of(), null, null, null, "macOS has no CUDA GPUs");
        List<Gpu> gpus = new ArrayList<>();
        String driver = null, cuda = null, smiProblem;
        try {
            String out = probes.run(List.of("nvidia-smi", "--query-gpu=index,name,memory.total,driver_version",
                    "--format=csv,noheader,nounits"));
            for (String line : out.strip().split("\\R")) {
                Gpu g = parseGpu(line);
                if (g != null) gpus.add(g);
                if (g != null && driver == null) driver = line.substring(line.lastIndexOf(',') + 1).trim();
            }
            smiProblem = gpus.isEmpty() ? "nvidia-smi lists no GPU" : null;
            try { // the header names the newest CUDA the driver supports
                Matcher m = CUDA_VERSION.matcher(probes.run(List.of("nvidia-smi")));
                if (m.find()) cuda = m.group(1) + "." + m.group(2);
            } catch (IOException ignored) {
                // the CUDA version stays unknown; the GPU list above is what counts
            }
        } catch (NoSuchFileException e) {
            smiProblem = null; // no nvidia-smi: look at the driver's files below
        } catch (IOException e) {
            smiProblem = e.getMessage() == null ? e.toString() : e.getMessage();
        }
        String libcuda = findLibcuda(probes, classifier);
        if (gpus.isEmpty() && classifier.startsWith("linux")) { // no nvidia-smi: the driver's own listing
            for (Path dir : probes.list(Path.of("/proc/driver/nvidia/gpus"))) {
                Optional<String> info = probes.read(dir.resolve("information"));
                String model = info.flatMap(GpuInfo::field).orElse(null);
                if (model != null) gpus.add(new Gpu(gpus.size(), model, 0));
            }
        }
        if (driver == null) {
            driver = probes.read(Path.of("/proc/driver/nvidia/version")).map(PROC_VERSION::matcher)
                    .filter(Matcher::find).map(m -> m.group(1)).orElse(null);
        }
        String problem = null;
        if (gpus.isEmpty()) {
            if (smiProblem != null) problem = smiProblem;
            else if (libcuda != null) problem = "an NVIDIA driver is installed (" + libcuda + ") but no GPU is listed";
            else problem = "no NVIDIA GPU or driver was found";
        } else if (cuda != null && Integer.parseInt(cuda.substring(0, cuda.indexOf('.'))) < CUDA_MAJOR) {
            problem = "the NVIDIA driver supports CUDA " + cuda + ", and PyTorch's CUDA 12.8 build needs a driver for CUDA "
                    + CUDA_MAJOR + " (525 or newer); update the driver";
        }
        return new GpuInfo(List.copyOf(gpus), driver, cuda, libcuda, problem);
    }

    /** "0, NVIDIA H100 80GB HBM3, 81559, 550.54.15" (the name may itself hold commas). */
    static Gpu parseGpu(String line) {
        String[] f = line.split(",");
        if (f.length < 4) return null;
        try {
            int index = Integer.parseInt(f[0].trim());
            long mem = parseLongOr(f[f.length - 2].trim());
            StringBuilder name = new StringBuilder();
            for (int i = 1; i < f.length - 2; i++) name.append(i > 1 ? "," : "").append(f[i]);
            return new Gpu(index, name.toString().trim(), mem);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static long parseLongOr(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** "Model: \t NVIDIA GeForce RTX 3090" from /proc/driver/nvidia/gpus/{@literal *}/information. */
    private static Optional<String> field(String information) {
        return information.lines().filter(l -> l.startsWith("Model:")).map(l -> l.substring(6).trim())
                .filter(s -> !s.isEmpty()).findFirst();
    }

    private static String findLibcuda(Probes probes, String classifier) {
        Set<Path> candidates = new LinkedHashSet<>();
        if (classifier.startsWith("win")) {
            candidates.add(Path.of(System.getenv().getOrDefault("SystemRoot", "C:\\Windows"), "System32", "nvcuda.dll"));
        } else {
            String ld = probes.setting("LD_LIBRARY_PATH");
            if (ld != null) {
                for (String d : ld.split(":")) if (!d.isBlank()) candidates.add(Path.of(d, "libcuda.so.1"));
            }
            String arch = classifier.endsWith("aarch64") ? "aarch64" : "x86_64";
            for (String d : List.of("/usr/lib/" + arch + "-linux-gnu", "/usr/lib64", "/usr/lib", "/usr/lib/wsl/lib",
                    "/usr/local/nvidia/lib64")) {
                candidates.add(Path.of(d, "libcuda.so.1"));
            }
        }
        return candidates.stream().filter(probes::isFile).map(Path::toString).findFirst().orElse(null);
    }
}
