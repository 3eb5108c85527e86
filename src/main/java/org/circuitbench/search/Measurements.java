package org.circuitbench.search;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.circuitbench.ablation.CircuitOf;
import org.circuitbench.ablation.Element;
import org.circuitbench.ablation.Scorer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Supplier;

/** What the node and the edge benchmarks measure alike: timings, medians, resident memory over many scores. */
final class Measurements {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Measurements() {
    }

    /**
     * Resident memory over {@code evaluations} scores at either level, as a prune or the app scores:
     * each candidate is the base with one random element toggled, and every {@code rebaseEvery}-th
     * candidate becomes the base. The first tenth (at most {@code maxWarm}) warms up unmeasured.
     */
    static <E extends Element, C extends CircuitOf<E, C>> ObjectNode memory(Scorer<C> ev, C start, Supplier<E> randomElement,
                                                                             int evaluations, int rebaseEvery, int maxWarm) {
        ObjectNode o = JSON.createObjectNode();
        C base = start;
        ev.setBase(base);
        int warm = Math.min(maxWarm, evaluations / 10);
        long before = 0;
        ArrayNode trace = o.putArray("rss_mb_trace");
        for (int i = 0; i < evaluations + warm; i++) {
            if (i == warm) {
                System.gc();
                before = rssBytes();
            }
            C candidate = base.toggled(randomElement.get());
            ev.score(candidate);
            if (i % rebaseEvery == 0) { // now and then make the candidate the base, as a prune does
                base = candidate;
                ev.setBase(base);
            }
            if (i >= warm && (i - warm) % Math.max(1, evaluations / 10) == 0) trace.add(round(rssBytes() / 1e6, 1));
        }
        System.gc();
        long after = rssBytes();
        o.put("evaluations", evaluations);
        o.put("rss_mb_before", round(before / 1e6, 1));
        o.put("rss_mb_after", round(after / 1e6, 1));
        o.put("rss_growth_mb", round((after - before) / 1e6, 1));
        return o;
    }

    /** Resident memory of this process (Linux), which covers PyTorch's native allocations. */
    static long rssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("\\D+", "")) * 1024;
            }
        } catch (IOException | NumberFormatException ignored) {
            // not Linux: fall through
        }
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }

    static double time(Runnable r) {
        long t0 = System.nanoTime();
        r.run();
        return (System.nanoTime() - t0) / 1e9;
    }

    static double median(double[] v) {
        double[] t = v.clone();
        Arrays.sort(t);
        return t[t.length / 2];
    }

    /** The median over rounds of a / b, each pair timed in the same round. */
    static double medianRatio(double[] a, double[] b) {
        double[] r = new double[a.length];
        for (int i = 0; i < a.length; i++) r[i] = a[i] / b[i];
        return median(r);
    }

    static double round(double v, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }
}
