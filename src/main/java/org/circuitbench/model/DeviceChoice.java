package org.circuitbench.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import org.circuitbench.model.gpu.GpuSetup;

import java.util.Locale;

/**
 * Where the model runs. {@code auto} prefers a GPU; a GPU that cannot be used falls back to
 * the CPU, and {@link #note()} says why. Which PyTorch build is loaded (CPU or CUDA) was decided
 * at start ({@link GpuSetup#applyAtStartup}).
 */
public record DeviceChoice(String requested, Device device, String note) {

    public static DeviceChoice resolve(String spec) {
        String s = spec == null || spec.isBlank() ? "auto" : spec.trim().toLowerCase(Locale.ROOT);
        Engine engine = engine();
        if (s.equals("cpu")) {
            return new DeviceChoice(s, Device.cpu(), "");
        }
        int index = 0;
        if (s.startsWith("gpu:")) {
            try {
                index = Integer.parseInt(s.substring(4));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("Device '" + spec + "': expected auto, cpu, gpu or gpu:N");
            }
            if (index < 0) throw new IllegalArgumentException("Device '" + spec + "': GPUs are counted from 0 (gpu:0, gpu:1, …).");
        } else if (!s.equals("gpu") && !s.equals("auto")) {
            throw new IllegalArgumentException("Device '" + spec + "': expected auto, cpu, gpu or gpu:N");
        }
        int gpus = engine.getGpuCount();
        if (index < gpus) {
            return new DeviceChoice(s, Device.gpu(index), "");
        }
        if (s.equals("auto")) return new DeviceChoice(s, Device.cpu(), "");
        String why = gpus > 0 ? "GPU " + index + " does not exist (this machine has " + gpus + ")" : GpuSetup.cpuReason();
        return new DeviceChoice(s, Device.cpu(), "Using the CPU: " + why + ".");
    }

    /** The PyTorch engine; loading it the first time may fail, e.g. a CUDA build the driver cannot run. */
    static Engine engine() {
        try {
            return Engine.getEngine("PyTorch");
        } catch (RuntimeException | LinkageError e) {
            throw GpuSetup.engineFailed(e);
        }
    }

    /** "CPU" or "GPU 0", for status lines. */
    public String label() {
        return device.isGpu() ? "GPU " + device.getDeviceId() : "CPU";
    }
}
