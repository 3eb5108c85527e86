package org.circuitbench.model.gpu;

import java.util.Locale;
import java.util.Map;

/**
 * Which PyTorch natives this process loads, decided once at start before DJL touches them: the
 * bundled CPU build, DJL's CUDA build from the cache, or whatever the user set up through DJL's
 * own variables. It also says what to tell the user, and whether to offer Enable GPU.
 */
public final class NativeSelection {
    /** How a user enables the GPU, in the app or on the command line. */
    public static final String ENABLE_HOW = "Enable GPU in Model → Device, or run `circuitbench gpu enable`";

    public enum Want {
        AUTO, CPU, GPU;

        /** From a device spec: auto, cpu, gpu or gpu:N (anything else is DeviceChoice's error to report). */
        public static Want of(String deviceSpec) {
            String s = deviceSpec == null ? "" : deviceSpec.trim().toLowerCase(Locale.ROOT);
            if (s.equals("cpu")) return CPU;
            if (s.equals("gpu") || s.startsWith("gpu:")) return GPU;
            return AUTO;
        }
    }

    public enum Natives { BUNDLED_CPU, CUDA, USER }

    /**
     * The decision. {@code properties} are set before DJL loads (only for CUDA); {@code message} is
     * for the status bar and the {@code gpu} command ("" when there is nothing to say); {@code cpuReason}
     * completes "Using the CPU: …" when a GPU was asked for, null when nobody has looked for a GPU yet.
     */
    public record Selection(Natives natives, Map<String, String> properties, String message, String cpuReason,
                            boolean offerEnable, GpuInfo gpu, CudaBuild.Status build) {
        public boolean cuda() {
            return natives == Natives.CUDA;
        }
    }

    private NativeSelection() {
    }

    /**
     * @param userOverride "PYTORCH_LIBRARY_PATH=…" when the user points DJL at natives themselves, else null
     * @param cuda where the CUDA build belongs, and {@code build}, what is there now
     * @param gpu what detection found, or null when it was not run (no CUDA build here and no GPU asked for)
     */
    public static Selection select(Want want, String userOverride, GpuSettings settings, CudaBuild cuda,
                                   CudaBuild.Status build, GpuInfo gpu) {
        if (userOverride != null) {
            return new Selection(Natives.USER, Map.of(), "PyTorch natives from " + userOverride + " (set by you, so the app leaves them alone)",
                    "the PyTorch natives set by " + userOverride + " see no usable GPU", false, gpu, build);
        }
        if (want == Want.CPU) return cpu("", "the CPU was asked for", false, gpu, build);
        boolean offer = gpu != null && gpu.usable() && !(build.complete() && "gpu".equals(settings.choice()) && settings.failure() == null);
        if (want == Want.AUTO && "cpu".equals(settings.choice())) {
            return cpu("Using PyTorch's bundled CPU build, as chosen" + (gpu != null && gpu.usable() ? "; the GPU (" + gpu.summary()
                            + ") is not used. " + ENABLE_HOW + " to use it." : "."),
                    "the bundled CPU build of PyTorch was chosen; " + ENABLE_HOW, offer, gpu, build);
        }
        if (gpu == null) return cpu("", null, false, null, build);
        if (!gpu.usable()) {
            String unused = build.complete() ? " The CUDA build in " + build.dir() + " is not used." : "";
            return cpu(want == Want.GPU || build.complete() ? "Using the CPU: " + gpu.problem() + "." + unused : "",
                    gpu.problem(), false, gpu, build);
        }
        String found = "GPU found: " + gpu.summary() + ". ";
        return switch (build.state()) {
            case COMPLETE -> {
                if (settings.failure() != null && want == Want.AUTO) {
                    String why = "the CUDA build of PyTorch failed to load last time (" + settings.failure() + "); "
                            + ENABLE_HOW + " to try it again";
                    yield cpu(found + "Using the CPU: " + why + ".", why, true, gpu, build);
                }
                yield new Selection(Natives.CUDA, cuda.systemProperties(), "GPU: " + gpu.summary()
                        + ", with PyTorch's CUDA build from " + build.dir(), null, false, gpu, build);
            }
            case ABSENT -> cpu(found + "PyTorch's CUDA build is not installed: " + ENABLE_HOW + " (a download of a few GB).",
                    "PyTorch's CUDA build is not installed on this machine; " + ENABLE_HOW, true, gpu, build);
            case BROKEN -> cpu(found + "PyTorch's CUDA build in " + build.dir() + " is damaged (" + build.detail() + "), so the CPU is used; "
                            + ENABLE_HOW + " to download what is missing.",
                    "PyTorch's CUDA build in " + build.dir() + " is damaged (" + build.detail() + "); " + ENABLE_HOW + " to repair it",
                    true, gpu, build);
        };
    }

    private static Selection cpu(String message, String cpuReason, boolean offer, GpuInfo gpu, CudaBuild.Status build) {
        return new Selection(Natives.BUNDLED_CPU, Map.of(), message, cpuReason, offer, gpu, build);
    }
}
