package org.circuitbench.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.circuitbench.ablation.AblationTask;
import org.circuitbench.ablation.Circuit;
import org.circuitbench.ablation.Evaluator;
import org.circuitbench.ablation.EvaluatorFactory;
import org.circuitbench.ablation.FastEvaluator;
import org.circuitbench.ablation.Method;
import org.circuitbench.ablation.ScoreDetails;
import org.circuitbench.model.AppPaths;
import org.circuitbench.model.DeviceChoice;
import org.circuitbench.model.Gpt2Config;
import org.circuitbench.model.LoadedModel;
import org.circuitbench.model.ModelResolver;
import org.circuitbench.model.RandomModel;
import org.circuitbench.model.SafeTensors;
import org.circuitbench.model.gpu.CudaBuild;
import org.circuitbench.model.gpu.CudaDownloader;
import org.circuitbench.model.gpu.GpuInfo;
import org.circuitbench.model.gpu.GpuSetup;
import org.circuitbench.model.gpu.GpuSettings;
import org.circuitbench.model.gpu.NativeSelection;
import org.circuitbench.model.hub.HubDownloader;
import org.circuitbench.search.Benchmark;
import org.circuitbench.search.CircuitFormats;
import org.circuitbench.search.CircuitReader;
import org.circuitbench.ablation.Level;
import org.circuitbench.ablation.Node;
import org.circuitbench.search.Comparison;
import org.circuitbench.search.CrossTaskMatrix;
import org.circuitbench.search.Importance;
import org.circuitbench.search.JobContext;
import org.circuitbench.search.JobHandle;
import org.circuitbench.search.JobListener;
import org.circuitbench.search.PruneResult;
import org.circuitbench.search.PruneSettings;
import org.circuitbench.search.Pruner;
import org.circuitbench.search.SearchMethod;
import org.circuitbench.session.SampleSessions;
import org.circuitbench.session.Session;
import org.circuitbench.session.SessionFiles;
import org.circuitbench.task.TaskFile;
import org.circuitbench.task.TaskFiles;
import org.circuitbench.task.TaskProblem;
import org.circuitbench.util.AtomicFiles;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The headless commands of {@code task-format.md}, plus bench, make-model, download and models. */
final class Commands {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final Set<String> FLAGS = Set.of("progress", "reference", "f16", "skip-seed-style", "per-prompt", "library-only");
    private static final Set<String> MULTI = Set.of("circuits", "tasks");
    private static final Set<String> COMMON = Set.of("model", "task", "device", "reference", "ablation", "metric", "normalisation");

    private Commands() {
    }

    /** Runs a command with the evaluators of {@code evaluators} (one factory for the whole program). */
    static int run(String cmd, String[] argv, PrintStream out, PrintStream err, EvaluatorFactory evaluators) throws Exception {
        Args a = new Args(argv, FLAGS, MULTI);
        ObjectNode result = switch (cmd) {
            case "score" -> score(a, err);
            case "prune" -> prune(a, err, evaluators);
            case "importance" -> importance(a, err, evaluators);
            case "attribute" -> attribute(a, err);
            case "explain" -> ExplainCommands.explain(a, err);
            case "reproduce" -> ExplainCommands.reproduce(a, err);
            case "compare" -> compare(a, err, evaluators);
            case "bench" -> bench(a, err, evaluators);
            case "make-model" -> makeModel(a, err);
            case "download" -> download(a, err);
            case "models" -> models(a);
            case "gpu" -> gpu(a, err);
            case "write-samples" -> writeSamples(a, err, evaluators);
            case "task-library" -> LibraryCommands.run(a, err);
            default -> throw new Args.UsageException("Unknown command '" + cmd + "'.");
        };
        out.println(JSON.writeValueAsString(result));
        out.flush();
        return 0;
    }

    private static Set<String> known(String... extra) {
        Set<String> s = new java.util.HashSet<>(COMMON);
        s.addAll(List.of(extra));
        return s;
    }

    // ---- shared set-up --------------------------------------------------------------------------

    static LoadedModel model(Args a, PrintStream err) throws Exception {
        String m = a.required("model", "(a model folder or a cached hub name such as gpt2)");
        String spec = a.get("device", "auto");
        // an empty value is a slip (an unset shell variable), not a wish for auto
        if (spec.isBlank()) throw new Args.UsageException("--device is empty: give auto, cpu, gpu or gpu:N, or leave it out for auto.");
        DeviceChoice device = DeviceChoice.resolve(spec);
        if (!device.note().isEmpty()) err.println(device.note());
        Path folder = ModelResolver.fromEnvironment().resolve(m);
        return LoadedModel.open(Path.of(m).getFileName().toString(), folder, device);
    }

    static AblationTask task(LoadedModel model, String file, PrintStream err) throws Exception {
        return task(model, file, Method.DEFAULT, err);
    }

    /** The task prepared for {@code method}; its warnings (the task's, and a full metric near 0) go to stderr. */
    static AblationTask task(LoadedModel model, String file, Method method, PrintStream err) throws Exception {
        AblationTask t = AblationTask.prepare(model, TaskFiles.read(Path.of(file)), method);
        for (TaskProblem w : t.tokenized().warnings()) err.println("warning: " + w.message());
        for (String w : t.warnings()) err.println("warning: " + w);
        return t;
    }

    /** --ablation, --metric and --normalisation (docs/methods.md); the seed's method when none is given. */
    static Method method(Args a) {
        for (String option : List.of("ablation", "metric", "normalisation")) {
            if (a.has(option) && a.get(option, "").isBlank()) {
                throw new Args.UsageException("--" + option + " is empty; leave it out for the default or name one (see docs/methods.md).");
            }
        }
        try {
            return Method.parse(a.get("ablation", null), a.get("metric", null), a.get("normalisation", null));
        } catch (IllegalArgumentException e) {
            throw new Args.UsageException(e.getMessage());
        }
    }

    /** The three fields that say which method made a result's scores. */
    static ObjectNode putMethod(ObjectNode o, Method m) {
        o.put("ablation", m.ablation().id);
        o.put("metric", m.metric().id);
        o.put("normalisation", m.normalisation().id);
        return o;
    }

    private static Evaluator evaluator(Args a, AblationTask task, EvaluatorFactory evaluators) {
        return evaluators.create(task, a.flag("reference"));
    }

    private static Circuit circuit(String spec, AblationTask task) {
        Gpt2Config c = task.model().config();
        return CircuitReader.read(spec, c.nLayer(), c.nHead());
    }

    // ---- commands -------------------------------------------------------------------------------

    private static ObjectNode score(Args a, PrintStream err) throws Exception {
        a.allowOnly(known("circuit", "edges", "per-prompt", "out"));
        if (a.has("circuit") && a.has("edges")) throw new Args.UsageException("Give --circuit (heads) or --edges, not both.");
        if (a.has("out") && !a.flag("per-prompt")) throw new Args.UsageException("--out writes the per-prompt table; give --per-prompt too.");
        if (a.has("out")) checkOut(Path.of(a.get("out", "")));
        Method method = method(a);
        try (LoadedModel m = model(a, err); AblationTask task = task(m, a.required("task", "(a task file)"), method, err)) {
            ScoreDetails d;
            ObjectNode o;
            if (a.has("edges")) {
                EdgeCommands.Scored s = EdgeCommands.score(task, a.get("edges", "all"), err, a.flag("reference"));
                d = s.details();
                o = s.json();
            } else {
                Circuit c = circuit(a.get("circuit", "all"), task);
                d = task.details(c);
                o = JSON.createObjectNode();
                scoreFields(o, task, d);
                o.set("circuit", CircuitFormats.names(c));
                o.put("heads", c.headCount());
            }
            o.put("prompts", d.prompts());
            o.put("full_accuracy", d.fullAccuracy());
            o.put("circuit_accuracy", d.circuitAccuracy());
            o.put("wrong", d.wrongCount());
            if (a.flag("per-prompt")) {
                PerPromptTable table = new PerPromptTable(task, d);
                o.set("per_prompt", table.json());
                if (a.has("out")) {
                    Path file = Path.of(a.get("out", ""));
                    AtomicFiles.writeString(file, table.csv());
                    err.println("wrote the per-prompt table to " + file);
                }
            }
            return o;
        }
    }

    /**
     * A score's numbers: the method, the full and the circuit's metric (also under the contract's
     * logit-difference names when the metric is the logit difference), the score and a warning.
     */
    static void scoreFields(ObjectNode o, AblationTask task, ScoreDetails d) {
        if (d.method().metric() == org.circuitbench.ablation.Metric.LOGIT_DIFF) {
            o.put("full_logit_diff", d.fullMetric());
            o.put("circuit_logit_diff", d.circuitMetric());
        }
        o.put("full_metric", d.fullMetric());
        o.put("circuit_metric", d.circuitMetric());
        o.put("score", d.score());
        putMethod(o, d.method());
        if (!task.warnings().isEmpty()) o.put("warning", String.join(" ", task.warnings()));
    }

    private static ObjectNode prune(Args a, PrintStream err, EvaluatorFactory evaluators) throws Exception {
        a.allowOnly(known("method", "threshold", "seed", "iterations", "start", "progress", "export", "out", "speculation", "level", "edges"));
        String level = a.get("level", "nodes");
        if (!level.equals("nodes") && !level.equals("edges")) throw new Args.UsageException("--level takes nodes or edges, not '" + level + "'.");
        if (level.equals("edges")) return pruneEdges(a, err, evaluators);
        if (a.has("edges")) throw new Args.UsageException("--edges needs --level edges; a node prune starts from --start.");
        SearchMethod method = SearchMethod.parse(a.required("method", "(forward, backward, forward-backward, backward-forward or random)"), Level.NODES);
        Method scoring = method(a);
        double threshold = threshold(a, scoring);
        int iterations = a.integer("iterations", PruneSettings.DEFAULT_ITERATIONS, 1, Integer.MAX_VALUE);
        CircuitFormats.Format export = a.has("export") ? CircuitFormats.parseFormat(a.get("export", ""), Level.NODES) : null;
        if (export != null && !a.has("out")) throw new Args.UsageException("--export needs --out FILE.");
        if (export != null) checkOut(Path.of(a.get("out", ""))); // before the prune, not after it
        try (LoadedModel m = model(a, err); AblationTask task = task(m, a.required("task", "(a task file)"), scoring, err);
             Evaluator ev = evaluator(a, task, evaluators)) {
            PruneSettings s = new PruneSettings(method, threshold, circuit(a.get("start", "all"), task),
                    a.integer("seed", 0), iterations);
            Pruner pruner = new Pruner(ev, s, a.integer("speculation", evaluators.speculation(task), 1, 4096));
            JobListener<PruneResult<Node, Circuit>> listener = a.flag("progress") ? new ProgressPrinter<>(err) : null;
            PruneResult<Node, Circuit> r = JobHandle.runHere(pruner, listener);
            ObjectNode o = JSON.createObjectNode();
            o.put("method", method.id);
            o.put("threshold", threshold);
            o.set("circuit", CircuitFormats.names(r.circuit()));
            o.put("score", r.score());
            putMethod(o, scoring);
            ArrayNode removed = o.putArray("removed");
            r.removals().forEach(x -> removed.addObject().put("head", x.element().toString()).put("score", x.score())
                    .put("seconds", round3(x.elapsedSeconds())));
            o.put("evaluations", r.evaluations());
            o.put("size", r.circuit().size());
            o.put("passes", r.passes());
            o.put("seconds", round3(r.seconds()));
            if (method == SearchMethod.RANDOM) o.put("seed", s.seed()).put("iterations", s.iterations());
            if (export != null) {
                Path file = Path.of(a.get("out", ""));
                AtomicFiles.writeString(file, CircuitFormats.export(export, r, m.name(), a.get("task", null)) + "\n");
                err.println("wrote " + export.name().toLowerCase() + " to " + file);
            }
            return o;
        }
    }

    private static ObjectNode pruneEdges(Args a, PrintStream err, EvaluatorFactory evaluators) throws Exception {
        for (String nodeOnly : List.of("start", "seed", "iterations")) {
            if (a.has(nodeOnly)) throw new Args.UsageException("--" + nodeOnly + " is for node prunes; an edge prune starts from --edges SPEC.");
        }
        SearchMethod method = SearchMethod.parse(a.get("method", "greedy"), Level.EDGES);
        Method scoring = method(a);
        double threshold = threshold(a, scoring);
        if (a.has("export")) {
            CircuitFormats.parseFormat(a.get("export", ""), Level.EDGES);
            if (!a.has("out")) throw new Args.UsageException("--export needs --out FILE.");
            checkOut(Path.of(a.get("out", ""))); // before the prune, not after it
        }
        try (LoadedModel m = model(a, err); AblationTask task = task(m, a.required("task", "(a task file)"), scoring, err)) {
            return putMethod(EdgeCommands.prune(a, task, method, threshold, err, m.name(), evaluators), scoring);
        }
    }

    private static ObjectNode attribute(Args a, PrintStream err) throws Exception {
        a.allowOnly(known("edges", "circuit"));
        Method scoring = method(a);
        if (!scoring.metric().differentiable()) {
            throw new Args.UsageException("Attribution takes the gradient of the metric, and " + scoring.metric().id
                    + " (a count of right prompts) has none; use logit-diff, prob, prob-diff or kl.");
        }
        try (LoadedModel m = model(a, err); AblationTask task = task(m, a.required("task", "(a task file)"), scoring, err)) {
            return putMethod(EdgeCommands.attribute(a, task, err), scoring);
        }
    }

    /** --threshold T: required; a percentage in [0, 100], or for kl (on its own scale) a number of nats ≥ 0. */
    private static double threshold(Args a, Method scoring) {
        if (!a.has("threshold")) {
            throw new Args.UsageException("Missing --threshold T (" + (scoring.percent() ? "a percentage, e.g. 3" : "a KL in nats, e.g. 0.1") + ").");
        }
        double threshold = a.number("threshold", Double.NaN);
        scoring.checkThreshold(threshold);
        return threshold;
    }

    /** Fails before any work if the export cannot be written there. */
    static void checkOut(Path out) {
        try {
            AtomicFiles.checkWritable(out);
        } catch (java.io.IOException e) {
            String why = e.getMessage();
            // a reason that is a sentence of its own already says what to do (a folder: give a file name)
            throw new IllegalArgumentException("Cannot write --out " + out + ": " + why
                    + (why.endsWith(".") ? "" : ". Give a file in a folder you can write to."));
        }
    }

    private static double round3(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    private static ObjectNode importance(Args a, PrintStream err, EvaluatorFactory evaluators) throws Exception {
        a.allowOnly(known("circuit", "progress"));
        Method scoring = method(a);
        try (LoadedModel m = model(a, err); AblationTask task = task(m, a.required("task", "(a task file)"), scoring, err);
             Evaluator ev = evaluator(a, task, evaluators)) {
            Circuit c = circuit(a.required("circuit", "(the circuit whose heads to rank, e.g. all)"), task);
            JobListener<Importance.Result> listener = a.flag("progress") ? new ProgressPrinter<>(err) : null;
            Importance.Result r = JobHandle.runHere(new Importance(ev, c), listener);
            ObjectNode o = JSON.createObjectNode();
            o.set("circuit", CircuitFormats.names(c));
            o.put("circuit_score", r.circuitScore());
            putMethod(o, scoring);
            ArrayNode heads = o.putArray("heads");
            r.entries().forEach(e -> heads.addObject().put("head", e.node().toString()).put("score_without", e.scoreWithout()));
            return o;
        }
    }

    private static ObjectNode compare(Args a, PrintStream err, EvaluatorFactory evaluators) throws Exception {
        a.allowOnly(known("circuits", "names", "tasks", "progress"));
        List<String> specs = a.all("circuits");
        if (specs.isEmpty()) throw new Args.UsageException("Missing --circuits A B ... (specs or @files).");
        List<String> names = a.has("names") ? List.of(a.get("names", "").split(",", -1)) : List.of();
        if (names.size() > specs.size()) {
            throw new Args.UsageException("--names gives " + names.size() + " names for " + specs.size() + " circuits; give one name per circuit.");
        }
        Method scoring = method(a);
        try (LoadedModel m = model(a, err); AblationTask task = task(m, a.required("task", "(a task file)"), scoring, err);
             Evaluator ev = evaluator(a, task, evaluators)) {
            Map<String, Circuit> circuits = new LinkedHashMap<>();
            for (int i = 0; i < specs.size(); i++) {
                String name = i < names.size() ? names.get(i).trim()
                        : specs.get(i).startsWith("@") ? Path.of(specs.get(i).substring(1)).getFileName().toString()
                        : String.valueOf((char) ('A' + i));
                if (name.isEmpty()) throw new Args.UsageException("--names has an empty name; give each circuit a name.");
                if (circuits.put(name, circuit(specs.get(i), task)) != null) {
                    throw new Args.UsageException("Two circuits are named '" + name + "'; give each its own name with --names a,b,….");
                }
            }
            ObjectNode o = putMethod(JSON.createObjectNode(), scoring);
            if (circuits.size() >= 2) {
                List<Comparison.Row> rows = JobHandle.runHere(new Comparison(ev, circuits),
                        a.flag("progress") ? new ProgressPrinter<>(err) : null);
                ArrayNode sets = o.putArray("sets");
                for (Comparison.Row r : rows) {
                    sets.addObject().put("name", r.name()).put("operation", r.operation()).put("size", r.circuit().size())
                            .put("score", r.score()).set("circuit", CircuitFormats.names(r.circuit()));
                }
            } else {
                o.put("score", ev.score(circuits.values().iterator().next()));
            }
            List<String> taskFiles = a.all("tasks");
            if (!taskFiles.isEmpty()) {
                Map<String, Evaluator> tasks = new LinkedHashMap<>();
                List<AutoCloseable> open = new ArrayList<>();
                try {
                    for (String f : taskFiles) {
                        AblationTask t = task(m, f, scoring, err);
                        open.add(t);
                        Evaluator e = evaluators.fast(t);
                        open.add(0, e);
                        if (tasks.put(Path.of(f).getFileName().toString(), e) != null) {
                            throw new Args.UsageException("Two --tasks files are named " + Path.of(f).getFileName()
                                    + "; the matrix names tasks by file name, so give them different names.");
                        }
                    }
                    CrossTaskMatrix.Result r = new CrossTaskMatrix(circuits, tasks).run(JobContext.silent());
                    ObjectNode mx = o.putObject("matrix");
                    ArrayNode tn = mx.putArray("tasks");
                    r.tasks().forEach(tn::add);
                    ObjectNode rows = mx.putObject("scores");
                    for (int i = 0; i < r.circuits().size(); i++) {
                        ArrayNode row = rows.putArray(r.circuits().get(i));
                        for (double v : r.scores()[i]) row.add(v);
                    }
                } finally {
                    for (AutoCloseable c : open) c.close();
                }
            }
            return o;
        }
    }

    private static ObjectNode bench(Args a, PrintStream err, EvaluatorFactory evaluators) throws Exception {
        a.allowOnly(known("method", "threshold", "sample", "speculation", "memory-evals", "skip-seed-style", "parts", "edge-prune-seconds",
                "launchers", "app-image", "rounds", "start-timeout", "session", "kinds"));
        java.util.Set<String> parts = a.has("parts") ? new java.util.HashSet<>(List.of(a.get("parts", "").split(","))) : Set.of();
        for (String p : parts) {
            if (!Benchmark.Options.ALL_PARTS.contains(p)) {
                throw new Args.UsageException("--parts takes prune, importance, toggle, memory, startup, startup-process, edges and ablations, not '" + p + "'.");
            }
        }
        ObjectNode startup = parts.contains("startup-process") ? startupProcess(a, err) : null; // before this process loads a model
        if (startup != null && parts.size() == 1) {
            ObjectNode out = JSON.createObjectNode();
            out.set("machine", Benchmark.machine());
            out.set("startup_process", startup);
            return out;
        }
        try (LoadedModel m = model(a, err); AblationTask task = task(m, a.required("task", "(a task file)"), method(a), err)) {
            Benchmark.Options opt = new Benchmark.Options(SearchMethod.parse(a.get("method", "backward")),
                    a.number("threshold", 3), a.integer("sample", -1, -1, Integer.MAX_VALUE),
                    a.integer("speculation", evaluators.speculation(task), 1, 4096),
                    a.integer("memory-evals", 1000, 0, Integer.MAX_VALUE), a.has("skip-seed-style"), parts, a.number("edge-prune-seconds", 0));
            ObjectNode out = new Benchmark(task, opt, evaluators, err).run();
            if (startup != null) out.set("startup_process", startup);
            return out;
        }
    }

    /**
     * {@code bench --parts startup-process}: the real launchers, each start a process. Without
     * --model (or --session) the plain start, which opens the demo session; with --model and
     * --task, a session of that model and task, written for the run.
     */
    private static ObjectNode startupProcess(Args a, PrintStream err) throws Exception {
        Path home = Path.of(System.getProperty("circuitbench.home", "")).toAbsolutePath();
        Path image = Path.of(a.get("app-image", home.resolve("target/dist/circuitbench/bin/circuitbench").toString()));
        List<String> names = List.of(a.get("launchers", "launcher,app-image").split(","));
        Path tmp = null;
        Path session = a.has("session") ? Path.of(a.get("session", "")).toAbsolutePath() : null;
        if (session == null && a.has("model")) {
            String m = a.get("model", "");
            String ref = Files.exists(Path.of(m)) ? Path.of(m).toAbsolutePath().toString() : m;
            TaskFile tf = TaskFiles.read(Path.of(a.required("task", "(a task file, with --model)")));
            Session s = new Session(Session.SCHEMA_VERSION, new Session.ModelRef(ref, a.get("device", "auto")),
                    List.of(new Session.SessionTask(tf.name() == null ? "task" : tf.name(), null, tf, null)), List.of(), List.of(), Session.UiState.EMPTY);
            tmp = Files.createTempDirectory("circuitbench-startup");
            session = tmp.resolve("startup" + SessionFiles.EXTENSION);
            SessionFiles.write(session, s);
        }
        try {
            var opt = new StartupProcessBench.Options(StartupProcessBench.launchers(home, image, names), session, session == null,
                    a.integer("rounds", 5, 1, 1000), a.number("start-timeout", 180), coldToo(a.get("kinds", "cold,warm")));
            return new StartupProcessBench(opt, err).run();
        } finally {
            if (tmp != null) {
                Files.deleteIfExists(session);
                Files.deleteIfExists(tmp);
            }
        }
    }

    private static boolean coldToo(String kinds) {
        return switch (kinds) {
            case "cold,warm", "warm,cold" -> true;
            case "warm" -> false;
            default -> throw new Args.UsageException("--kinds takes cold,warm or warm, not '" + kinds + "'.");
        };
    }

    private static ObjectNode makeModel(Args a, PrintStream err) throws Exception {
        a.allowOnly(Set.of("layers", "heads", "d-model", "seed", "positions", "vocab", "f16"));
        if (a.positional().size() != 1) throw new Args.UsageException("make-model needs one output folder, e.g. make-model --seed 1 /tmp/gpt2-random.");
        Path out = Path.of(a.positional().get(0));
        int max = Integer.MAX_VALUE;
        int layers = a.integer("layers", 12, 1, max), heads = a.integer("heads", 12, 1, max), d = a.integer("d-model", 768, 1, max);
        Gpt2Config cfg;
        try {
            cfg = Gpt2Config.of(layers, heads, d, a.integer("positions", 1024, 1, max), a.integer("vocab", 50257, 1, max));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Cannot make that model: " + e.getMessage() + ".");
        }
        long t0 = System.nanoTime();
        SafeTensors.DType dtype = a.flag("f16") ? SafeTensors.DType.F16 : SafeTensors.DType.F32;
        try {
            RandomModel.write(out, cfg, a.integer("seed", 0), dtype);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Cannot make that model: " + e.getMessage() + ".");
        }
        ObjectNode o = JSON.createObjectNode();
        o.put("folder", out.toString());
        o.put("layers", layers).put("heads", heads).put("d_model", d).put("dtype", dtype.name());
        o.put("seconds", round3((System.nanoTime() - t0) / 1e9));
        err.println("wrote a random GPT-2 to " + out);
        return o;
    }

    private static ObjectNode download(Args a, PrintStream err) throws Exception {
        a.allowOnly(Set.of("revision"));
        if (a.positional().size() != 1) throw new Args.UsageException("download needs a model name, e.g. download gpt2.");
        String name = a.positional().get(0);
        HubDownloader hub = HubDownloader.fromEnvironment();
        Path folder = hub.download(name, a.get("revision", "main"), new ByteProgress(err, false), () -> false);
        ObjectNode o = JSON.createObjectNode();
        o.put("model", name);
        o.put("folder", folder.toString());
        return o;
    }

    /** Download progress on stderr, at most once a second: "model.safetensors: 12.3 / 548.1 MB". */
    private static final class ByteProgress implements HubDownloader.Listener, CudaDownloader.Listener {
        private final PrintStream err;
        private final boolean gb;
        private long last;

        ByteProgress(PrintStream err, boolean gb) {
            this.err = err;
            this.gb = gb;
        }

        @Override
        public void progress(String file, long done, long total) {
            long now = System.nanoTime();
            if (now - last > 1_000_000_000L || done == total) {
                last = now;
                if (gb) err.printf("%s: %.2f / %.2f GB%n", file, done / 1e9, total / 1e9);
                else err.printf("%s: %.1f / %.1f MB%n", file, done / 1e6, total / 1e6);
            }
        }
    }

    /**
     * Developer command: rebuilds samples/sessions, finding the demo model's circuits with
     * backward-forward at T = 3, and the task library's samples (task files in samples/tasks and
     * their sessions); {@code --library-only} writes just the library's.
     */
    private static ObjectNode writeSamples(Args a, PrintStream err, EvaluatorFactory evaluators) throws Exception {
        a.allowOnly(Set.of("out", "tasks", "library-only"));
        Path out = Path.of(a.get("out", "samples/sessions"));
        Files.createDirectories(out);
        ObjectNode o = JSON.createObjectNode();
        ArrayNode written = o.putArray("written");
        writeLibrarySamples(Path.of(a.get("tasks", "samples/tasks")), out, written, o.putArray("skipped"), err);
        if (a.flag("library-only")) return o;
        List<Session.NamedCircuit> tinyCircuits = new ArrayList<>();
        List<Session.NamedCircuit> seed = SampleSessions.seedCircuits();
        try (LoadedModel m = LoadedModel.open("seqcont-tiny", AppPaths.demoModel(), DeviceChoice.resolve("cpu"))) {
            for (var def : SampleSessions.all()) {
                var problems = def.check(m.tokenizer()::encode);
                for (TaskProblem p : problems) err.println((p.isError() ? "error: " : "warning: ") + def.name() + ": " + p.message());
                if (problems.stream().anyMatch(TaskProblem::isError)) throw new IllegalStateException("sample task " + def.name() + " is invalid");
                try (AblationTask t = AblationTask.prepare(m, def.generate(m.tokenizer()::encode)); FastEvaluator ev = evaluators.fast(t)) {
                    PruneResult<Node, Circuit> r = new Pruner(ev, PruneSettings.of(SearchMethod.BACKWARD_FORWARD, 3, t.allHeads())).run(JobContext.silent());
                    err.printf("%s on seqcont-tiny: full logit diff %.3f, accuracy %d/%d; bf 3 keeps %d heads at %.2f%%%n", def.name(),
                            t.fullLogitDiff(), t.fullCorrect(), t.tokenized().cleanCount(), r.circuit().size(), r.score());
                    var named = new Session.NamedCircuit("bf 3, " + def.name() + " (seqcont-tiny)",
                            r.circuit().toSpec(), def.name(), r.score(), "backward-forward at T = 3 on the demo model");
                    tinyCircuits.add(named);
                    String stem = SampleSessions.stem(def);
                    var tiny = SampleSessions.single(def, SampleSessions.DEMO, List.of(named));
                    List<Session.NamedCircuit> mine = seed.stream().filter(c -> def.name().equals(c.task())).toList();
                    var gpt2 = SampleSessions.single(def, SampleSessions.GPT2, mine);
                    for (var e : Map.of(stem + "-seqcont-tiny", tiny, stem + "-gpt2", gpt2).entrySet()) {
                        Path f = out.resolve(e.getKey() + SessionFiles.EXTENSION);
                        SessionFiles.write(f, e.getValue());
                        written.add(f.toString());
                    }
                }
            }
        }
        for (var e : Map.of("cross-task-seqcont-tiny", SampleSessions.crossTask(
                SampleSessions.DEMO, tinyCircuits), "cross-task-gpt2",
                SampleSessions.crossTask(SampleSessions.GPT2, seed)).entrySet()) {
            Path f = out.resolve(e.getKey() + SessionFiles.EXTENSION);
            SessionFiles.write(f, e.getValue());
            written.add(f.toString());
        }
        return o;
    }

    /**
     * The task library's samples: every task as a task file (seed 1, its usual count, GPT-2's
     * tokenizer), and sessions of the library's own tasks. A task this build cannot make yet is
     * listed under "skipped" with the reason, and said on stderr.
     */
    private static void writeLibrarySamples(Path tasks, Path sessions, ArrayNode written, ArrayNode skipped, PrintStream err) throws Exception {
        Files.createDirectories(tasks);
        List<String> made = new ArrayList<>();
        try (org.circuitbench.model.Gpt2Tokenizer tok = org.circuitbench.model.Gpt2Tokenizer.bundled()) {
            for (var t : org.circuitbench.task.library.TaskLibrary.tasks()) {
                org.circuitbench.task.TaskFile file;
                try {
                    file = t.definition(1, t.defaultCount()).generate(tok::encode);
                    org.circuitbench.task.TokenizedTask.build(file, tok::encode);
                } catch (org.circuitbench.task.TaskException e) {
                    err.println("warning: the library's " + t.id() + " is not written: " + e.getMessage());
                    skipped.addObject().put("task", t.id()).put("why", e.getMessage());
                    continue;
                }
                Path f = tasks.resolve(t.id() + ".json");
                TaskFiles.write(f, file);
                written.add(f.toString());
                made.add(t.id());
            }
        }
        List<String> own = SampleSessions.LIBRARY.stream().filter(made::contains).toList();
        for (String id : own) {
            Path f = sessions.resolve(id + "-gpt2" + SessionFiles.EXTENSION);
            SessionFiles.write(f, SampleSessions.libraryGpt2(id));
            written.add(f.toString());
        }
        if (!own.isEmpty()) {
            Path f = sessions.resolve("library-seqcont-tiny" + SessionFiles.EXTENSION);
            SessionFiles.write(f, SampleSessions.librarySession(SampleSessions.DEMO, own));
            written.add(f.toString());
        }
    }

    /** gpu [status|enable|disable|remove]: what GPU there is, and PyTorch's CUDA build (see README, GPU). */
    private static ObjectNode gpu(Args a, PrintStream err) throws Exception {
        a.allowOnly(Set.of());
        if (a.positional().size() > 1) throw new Args.UsageException("gpu takes one of status, enable, disable, remove.");
        String action = a.positional().isEmpty() ? "status" : a.positional().get(0);
        GpuSetup setup = GpuSetup.current();
        ObjectNode o = JSON.createObjectNode();
        o.put("action", action);
        switch (action) {
            case "status" -> { }
            case "enable" -> {
                GpuInfo g = setup.detect();
                if (!g.usable()) err.println("note: " + g.summary() + "; the CUDA build is downloaded anyway (to copy to a GPU machine, see README, GPU).");
                if (!setup.cuda().inspect().complete()) {
                    CudaDownloader.Plan plan = setup.downloader().plan();
                    err.println(plan.describe());
                    setup.enable(plan, new ByteProgress(err, true), () -> false);
                } else {
                    setup.rememberGpu();
                }
                o.put("next", g.usable() ? "The next command (and the next start of the app) uses the GPU."
                        : "Ready; this machine has no usable GPU, so the CPU is still used here.");
            }
            case "disable" -> {
                setup.rememberCpu();
                o.put("next", "The next start of the app uses PyTorch's bundled CPU build; --device gpu still uses the CUDA build.");
            }
            case "remove" -> {
                ArrayNode removed = o.putArray("removed");
                setup.remove().forEach(p -> removed.add(p.toString()));
            }
            default -> throw new Args.UsageException("gpu takes one of status, enable, disable, remove, not '" + action + "'.");
        }
        GpuInfo g = setup.detect();
        ObjectNode gpu = o.putObject("gpu");
        gpu.put("usable", g.usable());
        gpu.put("summary", g.summary());
        ArrayNode list = gpu.putArray("gpus");
        g.gpus().forEach(x -> list.addObject().put("index", x.index()).put("name", x.name()).put("memory_mib", x.memoryMiB()));
        gpu.put("driver", g.driverVersion());
        gpu.put("cuda", g.cudaVersion());
        CudaBuild cuda = setup.cuda();
        CudaBuild.Status st = cuda.inspect();
        ObjectNode build = o.putObject("cuda_build");
        build.put("what", cuda.label());
        build.put("state", st.state().name().toLowerCase());
        build.put("dir", st.dir().toString());
        build.put("detail", st.detail());
        build.put("bytes", st.bytes());
        GpuSettings s = setup.settings();
        o.put("choice", s.choice());
        o.put("last_failure", s.failure());
        NativeSelection.Selection next = setup.select(NativeSelection.Want.AUTO, true);
        o.put("app_uses", next.cuda() ? "the CUDA build" : next.natives() == NativeSelection.Natives.USER ? "your PYTORCH_* settings" : "the bundled CPU build");
        o.put("message", next.message());
        return o;
    }

    private static ObjectNode models(Args a) {
        a.allowOnly(Set.of());
        ModelResolver r = ModelResolver.fromEnvironment();
        ObjectNode o = JSON.createObjectNode();
        o.put("cache", r.hubCache().toString());
        ArrayNode list = o.putArray("models");
        for (String repo : r.cachedModels()) {
            list.addObject().put("name", repo).put("folder", r.snapshot(repo).map(Path::toString).orElse(""));
        }
        return o;
    }
}
