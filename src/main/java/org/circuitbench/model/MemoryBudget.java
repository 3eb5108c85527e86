package org.circuitbench.model;

import ai.djl.Device;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The memory a task will take on a model, estimated from its size before anything is allocated,
 * and the memory free for it, so that a task too big is refused with the numbers instead of
 * growing until the machine swaps or the process dies.
 *
 * <p>The estimate counts float32 values per clean prompt and position of d_model each: the
 * template means of z and of the MLP outputs (2·L), the evaluator's cached residual streams and
 * raw z (2·L + 1), and its cache of per-head-set constants (up to 48 entries, about 1.5 each);
 * plus the working set of one forward pass over all prompts (q, k, v, attention scores, MLP
 * hidden), the corrupt pass's captured activations (2·L per corrupt prompt and position) and the
 * full-vocabulary logits at the end rows. It is deliberately on the high side.
 *
 * <p>{@code -Dcircuitbench.memory.available=16g} overrides what is taken as free (bytes, or with
 * k, m, g), for a machine where the free memory cannot be read or is known better.
 */
public final class MemoryBudget {
    public static final String AVAILABLE_PROPERTY = "circuitbench.memory.available";

    private MemoryBudget() {
    }

    /** Bytes a task of {@code clean} and {@code corrupt} prompts of up to {@code length} tokens needs, about. */
    public static long estimate(Gpt2Config c, long clean, long corrupt, long length) {
        double d = c.nEmbd(), layers = c.nLayer(), t = length;
        double perPosition = d * (2 * layers + (2 * layers + 1) + 48 * 1.5);
        double kept = clean * t * perPosition;
        double forward = Math.max(clean, corrupt) * t * (6 * d + 2.0 * c.nHead() * t + 2.0 * c.nInner());
        double captured = corrupt * t * d * 2 * layers;
        double logits = clean * (double) c.vocabSize();
        double floats = kept + forward + captured + logits;
        return (long) Math.min(Long.MAX_VALUE, 4 * floats);
    }

    /** Bytes free for the task on {@code device} now, or -1 when that cannot be told. */
    public static long available(Device device) {
        String override = System.getProperty(AVAILABLE_PROPERTY);
        if (override != null && !override.isBlank()) return parseBytes(override.trim());
        if (device != null && device.isGpu()) {
            try {
                var usage = ai.djl.util.cuda.CudaUtils.getGpuMemory(device);
                return usage.getMax() - usage.getCommitted();
            } catch (RuntimeException | LinkageError e) {
                return -1;
            }
        }
        long free = memAvailable();
        long cgroup = cgroupHeadroom();
        if (free < 0) return cgroup;
        return cgroup < 0 ? free : Math.min(free, cgroup);
    }

    /**
     * A message if the task will not fit in the free memory, naming both and what to do; null if
     * it fits or the free memory is unknown.
     */
    public static String check(Gpt2Config c, String model, long clean, long corrupt, long length, Device device) {
        long need = estimate(c, clean, corrupt, length);
        long free = available(device);
        if (free < 0 || need <= free) return null;
        long fits = Math.max(1, (long) (clean * (free / (double) need)));
        return String.format(Locale.ROOT, "The task needs about %s of memory on %s (%,d clean and %,d corrupt prompts of up to %d tokens "
                        + "on %s) but about %s is free. Use fewer prompts (about %,d clean prompts would fit), shorter ones, or a smaller "
                        + "model; or free memory. (-D%s=… overrides what is taken as free.)",
                human(need), device == null || !device.isGpu() ? "the CPU" : "GPU " + device.getDeviceId(), clean, corrupt, length,
                model, human(free), fits, AVAILABLE_PROPERTY);
    }

    static String human(long bytes) {
        if (bytes >= 1L << 30) return String.format(Locale.ROOT, "%.1f GB", bytes / (double) (1L << 30));
        return String.format(Locale.ROOT, "%.0f MB", Math.ceil(bytes / (double) (1L << 20)));
    }

    static long parseBytes(String s) {
        String t = s.toLowerCase(Locale.ROOT).replaceAll("b$", "");
        long unit = switch (t.isEmpty() ? ' ' : t.charAt(t.length() - 1)) {
            case 'k' -> 1L << 10;
            case 'm' -> 1L << 20;
            case 'g' -> 1L << 30;
            case 't' -> 1L << 40;
            default -> 1;
        };
        if (unit > 1) t = t.substring(0, t.length() - 1);
        try {
            return (long) (Double.parseDouble(t) * unit);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-D" + AVAILABLE_PROPERTY + "=" + s + " is not a size such as 16g or 512m.");
        }
    }

    /** Linux's MemAvailable: free memory plus what the kernel can reclaim at once. */
    private static long memAvailable() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemAvailable:")) return Long.parseLong(line.replaceAll("\\D+", "")) * 1024;
            }
        } catch (IOException | RuntimeException ignored) {
            // not Linux
        }
        try {
            var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
            return os.getFreeMemorySize();
        } catch (RuntimeException | LinkageError e) {
            return -1;
        }
    }

    /** A container's memory limit less its use, page cache it can drop not counted (cgroup v2, then v1); -1 without one. */
    private static long cgroupHeadroom() {
        String[][] files = {{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current", "/sys/fs/cgroup/memory.stat", "inactive_file "},
                {"/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes",
                        "/sys/fs/cgroup/memory/memory.stat", "total_inactive_file "}};
        for (String[] f : files) {
            try {
                String max = Files.readString(Path.of(f[0])).trim();
                if (max.equals("max")) return -1;
                long limit = Long.parseLong(max), used = Long.parseLong(Files.readString(Path.of(f[1])).trim());
                if (limit > 1L << 60) return -1; // v1's "no limit"
                long cache = 0;
                for (String line : Files.readAllLines(Path.of(f[2]))) {
                    if (line.startsWith(f[3])) cache = Long.parseLong(line.substring(f[3].length()).trim());
                }
                return Math.max(0, limit - used + cache);
            } catch (IOException | RuntimeException ignored) {
                // no such controller here
            }
        }
        return -1;
    }
}
