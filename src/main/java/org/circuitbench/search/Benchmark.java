package org.circuitbench.search;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.circuitbench.ablation.AblationTask;
import org.circuitbench.ablation.Circuit;
import org.circuitbench.ablation.EvaluatorFactory;
import org.circuitbench.ablation.FastEvaluator;
import org.circuitbench.ablation.Node;
import org.circuitbench.ablation.ReferenceEvaluator;
import org.circuitbench.model.Gpt2Config;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * {@code circuitbench bench}: the same prune, importance sweep and live toggle done three ways in
 * one process, seed-style (means pass plus full hooked pass with full logits per candidate),
 * naive (the hooked pass alone) and fast (the default evaluator), with a check that all three make
 * the same decisions. The slow ways may score a sample of the fast run's candidates and
 * extrapolate; the JSON then says so.
 */
public final class Benchmark {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What to run. {@code sample} 0 runs the slow ways in full; −1 chooses by model size. */
    public record Options(SearchMethod method, double threshold, int sample, int speculation, int memoryEvaluations,
                          boolean skipSeedStyle, java.util.Set<String> parts, double edgePruneSeconds) {
        public static final java.util.Set<String> ALL_PARTS = java.util.Set.of("prune", "importance", "toggle", "memory", "startup", "edges", "ablations", "startup-process");

        boolean runs(String part) {
            return parts == null || parts.isEmpty() || parts.contains(part);
        }
    }

    /** One candidate the fast run decided: the circuit scored, its score, and the decision. */
    private record Decision(Circuit candidate, double score, boolean removed) {
    }

    private final AblationTask task;
    private final Options opt;
    private final EvaluatorFactory evaluators;
    private final PrintStream log;

    public Benchmark(AblationTask task, Options options, EvaluatorFactory evaluators, PrintStream log) {
        this.task = task;
        this.opt = options;
        this.evaluators = evaluators;
        this.log = log;
    }

    public ObjectNode run() {
        ObjectNode out = JSON.createObjectNode();
        out.set("machine", machine());
        Gpt2Config cfg = task.model().config();
        ObjectNode model = out.putObject("model");
        model.put("name", task.loaded().name());
        model.put("layers", cfg.nLayer()).put("heads", cfg.nHead()).put("d_model", cfg.nEmbd());
        model.put("parameters", task.model().parameterCount());
        model.put("device", task.loaded().device().label());
        out.putObject("task").put("clean_prompts", task.tokenized().cleanCount())
                .put("corrupt_prompts", task.tokenized().corruptCount()).put("positions", task.tokenized().maxLength());
        int sample = opt.sample() >= 0 ? opt.sample() : (task.model().parameterCount() > 50_000_000 ? 24 : 0);
        out.put("sample", sample);
        log.println("[bench] measuring the GEMM peak");
        double peak = gemmPeak(task.model().manager());
        out.put("gemm_peak_gflops", round(peak, 1));
        if (opt.runs("prune")) out.set("prune", prune(sample, peak));
        if (opt.runs("importance")) out.set("importance", importance(sample, peak));
        if (opt.runs("toggle")) out.set("toggle", toggle());
        if (opt.runs("memory") && opt.memoryEvaluations() > 0) out.set("memory", memory(opt.memoryEvaluations()));
        if (opt.runs("edges")) out.set("edges", new EdgeBenchmark(task, log, opt.memoryEvaluations(), opt.edgePruneSeconds()).run());
        if (opt.runs("startup")) out.set("startup", startup());
        if (opt.runs("ablations")) {
            boolean big = task.model().parameterCount() > 50_000_000;
            out.set("ablations", new AblationBenchmark(task, log, big ? 4 : 8, big ? 1 : 2).run());
        }
        return out;
    }

    // ---- prune ----------------------------------------------------------------------------------

    private ObjectNode prune(int sample, double peak) {
        ObjectNode o = JSON.createObjectNode();
        o.put("method", opt.method().id).put("threshold", opt.threshold());
        PruneSettings<Circuit> settings = PruneSettings.of(opt.method(), opt.threshold(), task.allHeads());
        log.println("[bench] " + opt.method() + " prune, fast");
        List<Decision> decisions = new ArrayList<>();
        PruneResult<Node, Circuit> fast;
        long fastFlops;
        double fastSec;
        try (FastEvaluator ev = evaluators.fast(task)) {
            long t0 = System.nanoTime();
            fast = new Pruner(ev, settings, opt.speculation()).run(new JobContext(recorder(settings.start(), decisions)));
            fastSec = (System.nanoTime() - t0) / 1e9;
            fastFlops = ev.flops();
        }
        o.put("evaluations", fast.evaluations());
        o.put("removed", fast.removals().size());
        o.put("circuit_size", fast.circuit().size());
        o.put("final_score", fast.score());
        ObjectNode f = way(fastSec, fast.evaluations(), fast.evaluations(), false, fastFlops, peak);
        f.put("speculation", opt.speculation());
        f.put("speculative_waste", fast.speculativeWaste());
        o.set("fast", f);
        boolean identical = true;
        double maxDiff = 0;
        for (String way : opt.skipSeedStyle() ? List.of("naive") : List.of("naive", "seed_style")) {
            Function<AblationTask, ReferenceEvaluator> make = way.equals("naive")
                    ? ReferenceEvaluator::naive : ReferenceEvaluator::seedStyle;
            log.println("[bench] " + opt.method() + " prune, " + way + (sample > 0 ? " (" + sample + " sampled candidates)" : ""));
            ObjectNode w;
            if (sample == 0) {
                try (ReferenceEvaluator ev = make.apply(task)) {
                    long t0 = System.nanoTime();
                    PruneResult<Node, Circuit> r = new Pruner(ev, settings).run(JobContext.silent());
                    double sec = (System.nanoTime() - t0) / 1e9;
                    boolean same = r.circuit().equals(fast.circuit()) && removedNodes(r).equals(removedNodes(fast));
                    identical &= same;
                    for (int i = 0; i < Math.min(r.removals().size(), fast.removals().size()); i++) {
                        maxDiff = Math.max(maxDiff, Math.abs(r.removals().get(i).score() - fast.removals().get(i).score()));
                    }
                    w = way(sec, r.evaluations(), r.evaluations(), false, ev.flops(), peak);
                    w.put("identical_removal_log", same);
                }
            } else {
                double[] res = replay(make, decisions, sample);
                identical &= res[2] == 1;
                maxDiff = Math.max(maxDiff, res[3]);
                w = way(res[0] / res[1] * fast.evaluations(), fast.evaluations(), (long) res[1], true, (long) res[4] / (long) res[1] * fast.evaluations(), peak);
                w.put("identical_sampled_decisions", res[2] == 1);
            }
            o.set(way, w);
        }
        o.put("identical_decisions", identical);
        o.put("max_score_difference", maxDiff);
        ratios(o);
        if (!identical) log.println("[bench] WARNING: the ways disagree on a decision; see identical_* fields");
        return o;
    }

    private static List<Node> removedNodes(PruneResult<Node, Circuit> r) {
        return r.removals().stream().map(Removal::element).toList();
    }

    /** Records every decided candidate of a prune, in order, from its events. */
    private static JobListener<PruneResult<Node, Circuit>> recorder(Circuit start, List<Decision> out) {
        return new JobListener<>() {
            Circuit current = start;
            boolean removed;

            @Override
            public void removal(Removal<?> r) {
                current = current.without((Node) r.element());
                removed = true;
            }

            @Override
            public void progress(Progress p) {
                Circuit before = removed ? current.with((Node) p.candidate()) : current;
                out.add(new Decision(before.without((Node) p.candidate()), p.candidateScore(), removed));
                removed = false;
            }
        };
    }

    /**
     * Scores an evenly spread sample of the fast run's candidates with another evaluator.
     * Returns {seconds, count, allDecisionsSame ? 1 : 0, max score difference, flops}.
     */
    private double[] replay(Function<AblationTask, ReferenceEvaluator> make, List<Decision> decisions, int sample) {
        int n = Math.min(sample, decisions.size());
        double sec = 0, maxDiff = 0;
        boolean same = true;
        long flops;
        try (ReferenceEvaluator ev = make.apply(task)) {
            for (int i = 0; i < n; i++) {
                Decision d = decisions.get((int) ((long) i * decisions.size() / n));
                long t0 = System.nanoTime();
                double s = ev.score(d.candidate());
                sec += (System.nanoTime() - t0) / 1e9;
                maxDiff = Math.max(maxDiff, Math.abs(s - d.score()));
                same &= task.method().removes(s, opt.threshold()) == d.removed();
            }
            flops = ev.flops();
        }
        return new double[] {sec, n, same ? 1 : 0, maxDiff, flops};
    }

    // ---- importance -----------------------------------------------------------------------------

    private ObjectNode importance(int sample, double peak) {
        ObjectNode o = JSON.createObjectNode();
        Circuit all = task.allHeads();
        o.put("heads", all.size());
        log.println("[bench] importance sweep of " + all.size() + " heads, fast");
        Importance.Result fast;
        double fastSec;
        long fastFlops;
        try (FastEvaluator ev = evaluators.fast(task)) {
            long t0 = System.nanoTime();
            fast = new Importance(ev, all).run(JobContext.silent());
            fastSec = (System.nanoTime() - t0) / 1e9;
            fastFlops = ev.flops();
        }
        o.set("fast", way(fastSec, fast.evaluations() + 1, fast.evaluations() + 1, false, fastFlops, peak));
        List<Decision> decisions = fast.entries().stream()
                .map(e -> new Decision(all.without(e.node()), e.scoreWithout(), task.method().removes(e.scoreWithout(), opt.threshold())))
                .toList();
        double maxDiff = 0;
        boolean sameOrder = true;
        for (String way : opt.skipSeedStyle() ? List.of("naive") : List.of("naive", "seed_style")) {
            Function<AblationTask, ReferenceEvaluator> make = way.equals("naive")
                    ? ReferenceEvaluator::naive : ReferenceEvaluator::seedStyle;
            int n = sample == 0 ? decisions.size() : sample;
            log.println("[bench] importance sweep, " + way + " (" + n + " of " + decisions.size() + " candidates)");
            double[] res = replay(make, decisions, n);
            maxDiff = Math.max(maxDiff, res[3]);
            sameOrder &= res[2] == 1;
            long total = decisions.size() + 1;
            ObjectNode w = way(res[0] / res[1] * total, total, (long) res[1], res[1] < decisions.size(),
                    (long) res[4] / (long) res[1] * total, peak);
            o.set(way, w);
        }
        o.put("max_score_difference", maxDiff);
        o.put("identical_decisions", sameOrder);
        ratios(o);
        return o;
    }

    // ---- live toggle ----------------------------------------------------------------------------

    // ---- start-up --------------------------------------------------------------------------------

    /**
     * Time to a usable grid, as the app gets there after its window shows: load the model, prepare
     * the task (tokens, means, the full model's logit difference), score all heads once. Done
     * twice: the first in this process pays for the first model load's warm-up; the second is warm.
     */
    private ObjectNode startup() {
        ObjectNode o = JSON.createObjectNode();
        ArrayNode runs = o.putArray("runs");
        var loaded = task.loaded();
        for (int i = 0; i < 2; i++) {
            log.println("[bench] start-up, run " + (i + 1));
            long t0 = System.nanoTime();
            try (org.circuitbench.model.LoadedModel m = org.circuitbench.model.LoadedModel.open(loaded.name(), loaded.folder(), loaded.device())) {
                long t1 = System.nanoTime();
                try (AblationTask t = AblationTask.prepare(m, task.tokenized().task()); FastEvaluator ev = evaluators.fast(t)) {
                    long t2 = System.nanoTime();
                    ev.details(t.allHeads());
                    long t3 = System.nanoTime();
                    runs.addObject().put("load_model_s", round((t1 - t0) / 1e9, 3)).put("prepare_task_s", round((t2 - t1) / 1e9, 3))
                            .put("first_score_s", round((t3 - t2) / 1e9, 3)).put("usable_grid_s", round((t3 - t0) / 1e9, 3));
                }
            } catch (Exception e) {
                throw new IllegalStateException("start-up measurement failed: " + e.getMessage(), e);
            }
        }
        o.put("note", "from nothing loaded to the grid's first score; the window itself shows before any of this");
        return o;
    }

    private ObjectNode toggle() {
        ObjectNode o = JSON.createObjectNode();
        int layer = task.model().config().nLayer() / 2;
        o.put("layer", layer);
        log.println("[bench] live toggle at layer " + layer);
        Circuit all = task.allHeads();
        try (FastEvaluator ev = evaluators.fast(task)) {
            long t0 = System.nanoTime();
            ev.setBase(all);
            ev.details(all);
            o.put("first_full_seconds", round((System.nanoTime() - t0) / 1e9, 4));
            int heads = task.model().config().nHead();
            double[] times = new double[2 * heads];
            Circuit grid = all;
            for (int i = 0; i < times.length; i++) {
                grid = grid.toggled(Node.head(layer, i % heads)); // click a head off, then on again
                long s = System.nanoTime();
                ev.setBase(grid);
                ev.details(grid); // what the app's grid computes: score, logit differences, top-1 counts
                times[i] = (System.nanoTime() - s) / 1e9;
            }
            Arrays.sort(times);
            o.put("toggles", times.length);
            o.put("toggle_seconds_median", round(times[times.length / 2], 4));
            o.put("toggle_seconds_max", round(times[times.length - 1], 4));
        }
        return o;
    }

    // ---- memory ---------------------------------------------------------------------------------

    private ObjectNode memory(int evaluations) {
        log.println("[bench] memory over " + evaluations + " evaluations");
        SplittableRandom rng = new SplittableRandom(7);
        var cfg = task.model().config();
        try (FastEvaluator ev = evaluators.fast(task)) {
            return Measurements.memory(ev, task.allHeads(), () -> Node.head(rng.nextInt(cfg.nLayer()), rng.nextInt(cfg.nHead())),
                    evaluations, 50, 200);
        }
    }

    // ---- helpers --------------------------------------------------------------------------------

    private ObjectNode way(double seconds, long evaluations, long measured, boolean sampled, long flops, double peak) {
        ObjectNode w = JSON.createObjectNode();
        w.put("seconds", round(seconds, 3));
        w.put("evaluations", evaluations);
        w.put("evaluations_per_second", round(evaluations / seconds, 2));
        w.put("sampled", sampled);
        if (sampled) {
            w.put("measured_evaluations", measured);
            w.put("note", "timed " + measured + " of " + evaluations + " candidates and extrapolated");
        }
        double gflops = flops / seconds / 1e9;
        w.put("gflop", round(flops / 1e9, 1));
        w.put("gflops", round(gflops, 1));
        w.put("fraction_of_gemm_peak", round(gflops / peak, 3));
        return w;
    }

    private static void ratios(ObjectNode o) {
        double fast = o.get("fast").get("seconds").asDouble();
        if (o.has("seed_style")) o.put("speedup_vs_seed_style", round(o.get("seed_style").get("seconds").asDouble() / fast, 2));
        if (o.has("naive")) o.put("speedup_vs_naive", round(o.get("naive").get("seconds").asDouble() / fast, 2));
    }

    /** Best of a few square float32 matrix products: the machine's practical GEMM rate. */
    static double gemmPeak(NDManager manager) {
        int n = 2048;
        double best = 0;
        try (NDScope ignored = new NDScope()) {
            NDArray a = manager.randomNormal(new Shape(n, n));
            NDArray b = manager.randomNormal(new Shape(n, n));
            for (int r = 0; r < 5; r++) {
                try (NDScope inner = new NDScope()) {
                    long t0 = System.nanoTime();
                    NDArray c = a.matMul(b);
                    c.getFloat(0, 0); // forces completion on asynchronous devices
                    double sec = (System.nanoTime() - t0) / 1e9;
                    best = Math.max(best, 2.0 * n * n * n / sec / 1e9);
                }
            }
        }
        return best;
    }

    public static ObjectNode machine() {
        ObjectNode m = JSON.createObjectNode();
        String cpu = "unknown";
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    cpu = line.substring(line.indexOf(':') + 1).trim();
                    break;
                }
            }
        } catch (IOException ignored) {
            // not Linux
        }
        m.put("cpu", cpu);
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        m.put("java", System.getProperty("java.version"));
        return m;
    }

    static double round(double v, int digits) {
        return Measurements.round(v, digits);
    }
}
