package org.circuitbench.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.util.cuda.CudaUtils;

import java.util.Locale;

/**
 * Where the model runs. {@code auto} prefers a GPU; a GPU that cannot be used falls back to
 * the CPU, and {@link #note()} says why.
 */
public record DeviceChoice(String requested, Device device, String note) {

    public static DeviceChoice resolve(String spec) {
        String s = spec == null || spec.isBlank() ? "auto" : spec.trim().toLowerCase(Locale.ROOT);
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
        int gpus = Engine.getEngine("PyTorch").getGpuCount();
        if (index < gpus) {
            return new DeviceChoice(s, Device.gpu(index), "");
        }
        String why;
        if (gpus > 0) {
            why = "GPU " + index + " does not exist (this machine has " + gpus + ")";
        } else if (!CudaUtils.hasCuda() || CudaUtils.getGpuCount() == 0) {
            why = "no CUDA GPU or driver was found";
        } else {
            why = "the PyTorch natives in use are the CPU build; run with PYTORCH_FLAVOR=cu128 (see README, GPU)";
        }
        return new DeviceChoice(s, Device.cpu(), s.equals("auto") ? "" : "Using the CPU: " + why + ".");
    }

    /** "CPU" or "GPU 0", for status lines. */
    public String label() {
        return device.isGpu() ? "GPU " + device.getDeviceId() : "CPU";
    }
}
