package org.circuitbench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.circuitbench.ablation.AblationTask;
import org.circuitbench.model.Gpt2Config;
import org.circuitbench.model.Gpt2Model;
import org.circuitbench.model.Gpt2Tokenizer;
import org.circuitbench.model.Hook;
import org.circuitbench.model.ModelLoadException;
import org.circuitbench.model.RandomModel;
import org.circuitbench.model.SafeTensors;
import org.circuitbench.session.Session;
import org.circuitbench.session.SessionException;
import org.circuitbench.session.SessionFiles;
import org.circuitbench.task.TaskDefinition;
import org.circuitbench.task.TaskException;
import org.circuitbench.task.TaskFile;
import org.circuitbench.task.TaskFiles;
import org.circuitbench.task.TokenizedTask;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Hundreds of generated bad task, session and model files through the loaders. Each must give
 * a clear error (the loader's own exception, one line, no Java internals) or a correct result (it
 * round-trips, or computes finite numbers of the shape its config says); never another
 * throwable, and never a changed file. The generator is seeded: a failure names its case, which
 * {@code case(kind, seed)} rebuilds.
 */
class HardInputsFuzzTest {
    static final int TASKS = 150, SESSIONS = 150, MODELS = 100;
    static final ObjectMapper JSON = new ObjectMapper();
    static final JsonNodeFactory F = JsonNodeFactory.instance;
    static final long[] TOKENS = {16, 362, 513, 604, 642};

    @TempDir
    static Path dir;
    static Path baseModel;
    static Gpt2Tokenizer tokenizer;

    @BeforeAll
    static void setUp() throws Exception {
        baseModel = dir.resolve("base-model");
        RandomModel.write(baseModel, Gpt2Config.of(2, 2, 16, 32, 50257), 21, SafeTensors.DType.F32);
        tokenizer = Gpt2Tokenizer.bundled();
    }

    @AfterAll
    static void tearDown() {
        tokenizer.close();
    }

    // ---- the checks ----------------------------------------------------------------------------

    /** What is wrong with an error: null when its message is one clear line. */
    static String unclear(Throwable e) {
        String m = e.getMessage();
        if (m == null || m.isBlank()) return "no message";
        if (m.contains("\n")) return "more than one line";
        if (m.length() > 1500) return "a " + m.length() + "-character message";
        for (String internal : new String[] {"Exception", "For input string", "\tat ", "java.", "null pointer", "Input length ="}) {
            if (m.contains(internal)) return "Java internals ('" + internal + "')";
        }
        return null;
    }

    /** Size, time and hash of every file under a folder, to show nothing was written. */
    static Map<String, String> fingerprint(Path folder) throws Exception {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(folder)) {
            for (Path p : s.toList()) {
                if (!Files.isRegularFile(p)) {
                    out.put(folder.relativize(p) + "/", "dir");
                    continue;
                }
                byte[] b = Files.readAllBytes(p);
                out.put(folder.relativize(p).toString(), b.length + " " + Files.getLastModifiedTime(p).toMillis() + " "
                        + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b)));
            }
        }
        return out;
    }

    interface Load {
        void run() throws Exception;
    }

    /** Runs one case; returns null if it behaved, else what went wrong. */
    static String check(String name, Path folder, Class<? extends Exception> clear, Load load) throws Exception {
        Map<String, String> before = fingerprint(folder);
        String problem = null;
        try {
            load.run();
        } catch (Throwable e) {
            if (!clear.isInstance(e)) {
                problem = "threw " + e.getClass().getName() + ": " + String.valueOf(e.getMessage()).lines().findFirst().orElse("");
            } else if (unclear(e) != null) {
                problem = unclear(e) + ": " + e.getMessage().substring(0, Math.min(300, e.getMessage().length()));
            }
        }
        if (!before.equals(fingerprint(folder))) problem = (problem == null ? "" : problem + "; ") + "a file changed";
        return problem == null ? null : name + ": " + problem;
    }

    static void report(List<String> failures, int cases) {
        assertTrue(failures.isEmpty(), failures.size() + " of " + cases + " cases misbehaved:\n" + String.join("\n", failures));
    }

    // ---- mutations -----------------------------------------------------------------------------

    static final String DEEP_JSON = "[".repeat(5_000) + "]".repeat(5_000);

    /** Values that loaders trip over: wrong types, extremes, huge and hostile text. */
    static JsonNode weird(SplittableRandom r) {
        return switch (r.nextInt(22)) {
            case 0 -> F.nullNode();
            case 1 -> F.textNode("");
            case 2 -> F.numberNode(0);
            case 3 -> F.numberNode(-1);
            case 4 -> F.numberNode(2.7);
            case 5 -> F.numberNode(1e308);
            case 6 -> F.numberNode(new BigInteger("9".repeat(30)));
            case 7 -> F.textNode("x".repeat(200_000));
            case 8 -> F.arrayNode();
            case 9 -> F.objectNode();
            case 10 -> F.booleanNode(true);
            case 11 -> F.textNode("__DEEP__");
            case 12 -> F.textNode("{" + "(".repeat(5_000) + "a" + ")".repeat(5_000) + "}");
            case 13 -> F.textNode("{" + "-".repeat(5_000) + "1}");
            case 14 -> F.textNode("{99999999999999999999999} {a*9223372036854775807*9}");
            case 15 -> F.textNode("{a} } {");
            case 16 -> F.textNode("../../etc/passwd");
            case 17 -> F.textNode("tpu");
            case 18 -> F.textNode("gpu:-1");
            case 19 -> F.textNode("\u0000\uFFFF\uD800");
            case 20 -> F.numberNode(Long.MIN_VALUE);
            default -> {
                ArrayNode a = F.arrayNode();
                for (int i = 0; i < 3; i++) a.addNull();
                yield a;
            }
        };
    }

    /** Every container and slot of a tree: (parent, field or index). */
    static void slots(JsonNode n, List<Object[]> out) {
        if (n.isObject()) {
            for (var it = n.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                out.add(new Object[] {n, k});
                slots(n.get(k), out);
            }
        } else if (n.isArray()) {
            for (int i = 0; i < n.size(); i++) {
                out.add(new Object[] {n, i});
                slots(n.get(i), out);
            }
        }
    }

    /** One to three edits of a JSON tree: replace a value with a weird one, remove it, or copy another over it. */
    static String mutateTree(String json, SplittableRandom r) throws Exception {
        JsonNode root = JSON.readTree(json);
        int edits = 1 + r.nextInt(3);
        for (int e = 0; e < edits; e++) {
            List<Object[]> slots = new ArrayList<>();
            slots(root, slots);
            if (slots.isEmpty()) break;
            Object[] s = slots.get(r.nextInt(slots.size()));
            Object[] other = slots.get(r.nextInt(slots.size()));
            JsonNode otherValue = other[1] instanceof String k ? other[0] instanceof ObjectNode o ? o.get(k) : null
                    : ((ArrayNode) other[0]).get((Integer) other[1]);
            int op = r.nextInt(10);
            if (s[0] instanceof ObjectNode o) {
                String k = (String) s[1];
                if (op < 6) o.set(k, weird(r));
                else if (op < 8) o.remove(k);
                else if (otherValue != null) o.set(k, otherValue.deepCopy());
            } else {
                ArrayNode a = (ArrayNode) s[0];
                int i = (Integer) s[1];
                if (op < 6) a.set(i, weird(r));
                else if (op < 8) a.remove(i);
                else if (otherValue != null) a.add(otherValue.deepCopy());
            }
        }
        return JSON.writeValueAsString(root).replace("\"__DEEP__\"", DEEP_JSON);
    }

    /** Byte damage: truncation, flipped bytes, bytes that are not UTF-8, a NUL. */
    static byte[] mutateBytes(byte[] b, SplittableRandom r, int from, int to) {
        byte[] out = b.clone();
        switch (r.nextInt(4)) {
            case 0 -> {
                return java.util.Arrays.copyOf(out, from + r.nextInt(Math.max(1, to - from)));
            }
            case 1 -> {
                for (int i = 0; i < 1 + r.nextInt(8); i++) out[from + r.nextInt(to - from)] ^= (byte) (1 << r.nextInt(8));
            }
            case 2 -> {
                int at = from + r.nextInt(to - from);
                out[at] = (byte) (0x80 | r.nextInt(0x40)); // a continuation byte with no lead: not UTF-8
            }
            default -> out[from + r.nextInt(to - from)] = 0;
        }
        return out;
    }

    static byte[] mutateJsonFile(String text, SplittableRandom r) throws Exception {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        return r.nextInt(4) == 0 ? mutateBytes(b, r, 0, b.length) : mutateTree(text, r).getBytes(StandardCharsets.UTF_8);
    }

    // ---- tasks ---------------------------------------------------------------------------------

    @Test
    void badTaskFiles() throws Exception {
        List<String> bases = List.of(Files.readString(TestData.fixture("words-months-seqcont-4x4").resolve("task.json")),
                Files.readString(TestData.fixture("digits-seqcont-tiny").resolve("task.json")));
        var model = TestData.model(TestData.model4x4());
        List<String> failures = new ArrayList<>();
        int loaded = 0;
        for (int seed = 0; seed < TASKS; seed++) {
            SplittableRandom r = new SplittableRandom(1000 + seed);
            Path folder = Files.createDirectories(dir.resolve("task-" + seed));
            Path file = folder.resolve("task.json");
            Files.write(file, mutateJsonFile(bases.get(seed % 2), r));
            int[] ok = {0};
            String p = check("task case " + seed, folder, TaskException.class, () -> {
                TaskFile t = TaskFiles.read(file);
                assertEquals(t, TaskFiles.parse(TaskFiles.toJson(t), "again"), "a task read is written back as it was");
                try (AblationTask prepared = AblationTask.prepare(model, t)) {
                    double full = prepared.fullLogitDiff();
                    double score = prepared.details(prepared.allHeads()).score();
                    assertTrue(Double.isFinite(full) && full != 0 && Double.isFinite(score), full + " " + score);
                    ok[0]++;
                }
            });
            loaded += ok[0];
            if (p != null) failures.add(p);
        }
        report(failures, TASKS);
        assertTrue(loaded > 5 && loaded < TASKS - 20, "both outcomes occur: " + loaded + " of " + TASKS + " prepared");
    }

    // ---- sessions ------------------------------------------------------------------------------

    @Test
    void badSessionFiles() throws Exception {
        List<String> bases = new ArrayList<>();
        for (String s : List.of("digits-seqcont-tiny", "cross-task-seqcont-tiny", "months-gpt2")) {
            bases.add(Files.readString(Path.of("samples/sessions", s + SessionFiles.EXTENSION)));
        }
        List<String> failures = new ArrayList<>();
        int loaded = 0;
        for (int seed = 0; seed < SESSIONS; seed++) {
            SplittableRandom r = new SplittableRandom(2000 + seed);
            Path folder = Files.createDirectories(dir.resolve("session-" + seed));
            Path file = folder.resolve("s" + SessionFiles.EXTENSION);
            Files.write(file, mutateJsonFile(bases.get(seed % bases.size()), r));
            int[] ok = {0};
            String p = check("session case " + seed, folder, SessionException.class, () -> {
                Session s = SessionFiles.read(file);
                assertEquals(s, SessionFiles.parse(SessionFiles.toJson(s), "again"), "a session read is written back as it was");
                // what the app does next with each task: generate it, or check its prompts, in the editor
                for (Session.SessionTask t : s.tasks()) {
                    try {
                        TaskFile f = t.definition() != null ? t.definition().generate(tokenizer::encode) : t.prompts();
                        TokenizedTask.check(f, tokenizer::encode, 1024);
                        if (t.definition() != null) {
                            for (var problem : t.definition().check(tokenizer::encode)) {
                                String u = unclear(new Exception(problem.message()));
                                if (u != null) throw new AssertionError("task '" + t.name() + "': " + u + ": " + problem.message());
                            }
                        }
                    } catch (TaskException e) {
                        String u = unclear(e);
                        if (u != null) throw new AssertionError("task '" + t.name() + "': " + u + ": " + e.getMessage());
                    }
                }
                ok[0]++;
            });
            loaded += ok[0];
            if (p != null) failures.add(p);
        }
        report(failures, SESSIONS);
        assertTrue(loaded > 5 && loaded < SESSIONS - 20, "both outcomes occur: " + loaded + " of " + SESSIONS + " opened");
    }

    // ---- models --------------------------------------------------------------------------------

    /** The base model's safetensors: header JSON and where the data begins. */
    static Object[] header(byte[] file) throws Exception {
        long len = ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return new Object[] {new String(file, 8, (int) len, StandardCharsets.UTF_8), 8 + (int) len};
    }

    static byte[] withHeader(String header, byte[] file, int dataStart) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(8 + h.length + file.length - dataStart).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(h.length).put(h).put(file, dataStart, file.length - dataStart);
        return out.array();
    }

    /** Damage to a header entry: its dtype, shape or offsets, or a twin under the prefixed name. */
    static String mutateHeader(String header, SplittableRandom r) throws Exception {
        ObjectNode root = (ObjectNode) JSON.readTree(header);
        List<String> names = new ArrayList<>();
        root.fieldNames().forEachRemaining(names::add);
        for (int e = 0; e < 1 + r.nextInt(2); e++) {
            String n = names.get(r.nextInt(names.size()));
            if (!(root.get(n) instanceof ObjectNode t)) continue;
            String other = names.get(r.nextInt(names.size()));
            switch (r.nextInt(9)) {
                case 0 -> t.put("dtype", new String[] {"F16", "BF16", "I64", "U8", "BOOL", "F64", "FOO", ""}[r.nextInt(8)]);
                case 1 -> t.set("dtype", weird(r));
                case 2 -> t.set("shape", weird(r));
                case 3 -> ((ArrayNode) t.get("shape")).add(r.nextInt(3) == 0 ? -1 : 1 + r.nextInt(4));
                case 4 -> t.set("data_offsets", weird(r));
                case 5 -> {
                    ArrayNode o = (ArrayNode) t.get("data_offsets");
                    long shift = (r.nextBoolean() ? -1 : 1) * (4L << r.nextInt(20));
                    t.putArray("data_offsets").add(o.get(0).asLong() + shift).add(o.get(1).asLong() + shift);
                }
                case 6 -> {
                    if (root.get(other) instanceof ObjectNode o) t.set("data_offsets", o.get("data_offsets").deepCopy());
                }
                case 7 -> root.set(n.startsWith("transformer.") ? n.substring(12) : "transformer." + n, t.deepCopy());
                default -> root.remove(n);
            }
        }
        return JSON.writeValueAsString(root);
    }

    @Test
    void badModelFolders() throws Exception {
        byte[] weights = Files.readAllBytes(baseModel.resolve("model.safetensors"));
        Object[] h = header(weights);
        String header = (String) h[0];
        int dataStart = (Integer) h[1];
        String config = Files.readString(baseModel.resolve("config.json"));
        List<String> failures = new ArrayList<>();
        int loaded = 0;
        for (int seed = 0; seed < MODELS; seed++) {
            SplittableRandom r = new SplittableRandom(3000 + seed);
            Path folder = Files.createDirectories(dir.resolve("model-" + seed));
            Files.copy(baseModel.resolve("tokenizer.json"), folder.resolve("tokenizer.json"));
            byte[] w = weights;
            byte[] c = config.getBytes(StandardCharsets.UTF_8);
            switch (r.nextInt(6)) {
                case 0, 1 -> w = withHeader(mutateHeader(header, r), weights, dataStart);
                case 2 -> w = mutateBytes(weights, r, 0, dataStart); // the length field and the header's bytes
                case 3 -> c = mutateJsonFile(config, r);
                case 4 -> {
                    w = mutateBytes(weights, r, 0, dataStart);
                    c = mutateTree(config, r).getBytes(StandardCharsets.UTF_8);
                }
                default -> { // sharded, with an index that may point anywhere
                    ObjectNode index = JSON.createObjectNode();
                    ObjectNode map = index.putObject("weight_map");
                    JSON.readTree(header).fieldNames().forEachRemaining(k -> map.put(k, "model-00001-of-00001.safetensors"));
                    Files.write(folder.resolve("model-00001-of-00001.safetensors"), weights);
                    Files.write(folder.resolve("model.safetensors.index.json"), mutateJsonFile(index.toString(), r));
                    w = null;
                }
            }
            if (w != null) Files.write(folder.resolve("model.safetensors"), w);
            Files.write(folder.resolve("config.json"), c);
            int[] ok = {0};
            String p = check("model case " + seed, folder, ModelLoadException.class, () -> {
                Gpt2Config cfg = Gpt2Config.read(folder.resolve("config.json"));
                try (Gpt2Model m = Gpt2Model.load(folder, ai.djl.Device.cpu()); NDScope ignored = new NDScope()) {
                    assertEquals(cfg, m.config(), "the model is what its config says");
                    NDArray tok = m.manager().create(TOKENS).reshape(1, TOKENS.length);
                    float[] logits = m.logits(m.forward(tok, Hook.NONE)).toFloatArray();
                    assertEquals(TOKENS.length * (long) cfg.vocabSize(), logits.length);
                    for (float x : logits) if (!Float.isFinite(x)) throw new AssertionError("a logit is " + x);
                    ok[0]++;
                }
            });
            loaded += ok[0];
            if (p != null) failures.add(p);
        }
        report(failures, MODELS);
        assertTrue(loaded > 3 && loaded < MODELS - 20, "both outcomes occur: " + loaded + " of " + MODELS + " loaded");
    }

    // ---- circuit files -------------------------------------------------------------------------

    /** What a circuit file's corruption does: each gives a different text that is no longer any format's. */
    static final List<java.util.function.UnaryOperator<String>> CORRUPT = List.of(
            t -> t + " GARBAGE",                                                  // junk after the value
            t -> t.replaceFirst(",", ", GARBAGE "),                               // junk between two elements
            t -> t + "\n" + t,                                                    // a second value after the first
            t -> t.lastIndexOf('"') < 0 ? null : t.substring(0, t.lastIndexOf('"')) + "'" + t.substring(t.lastIndexOf('"') + 1), // a quote closed by the other kind
            t -> "[" + t + "]",                                                   // wrapped in one more bracket
            t -> t.strip().substring(0, t.strip().length() - 1),                 // the last character (a closing bracket, a pass) cut
            t -> t.replaceFirst(",", ",,"));                                      // an empty entry between commas

    /** What changes nothing: the same circuit must come back. */
    static final List<java.util.function.UnaryOperator<String>> SAME = List.of(
            t -> "\n  " + t + "\n\n",
            t -> t.replace("\n", "\r\n"),
            t -> "\uFEFF" + t);

    /**
     * Issue 18 §3: every export format of both levels, corrupted in each of the ways above, is
     * refused with one clear line (never read as the part of it that parses), and read as the
     * other level it says which level it is; changed in ways that mean nothing, it reads back the
     * same. The circuits are random; the case names its seed.
     */
    @Test
    void circuitFilesAreReadWhollyOrRefused() throws Exception {
        int layers = 4, heads = 4;
        org.circuitbench.ablation.EdgeGraph g = new org.circuitbench.ablation.EdgeGraph(layers, heads);
        List<String> failures = new ArrayList<>();
        int cases = 0;
        for (int seed = 0; seed < 24; seed++) {
            SplittableRandom r = new SplittableRandom(7000 + seed);
            java.util.BitSet ids = new java.util.BitSet();
            for (int i = 0; i < g.edgeCount(); i++) if (r.nextInt(3) == 0) ids.set(i);
            org.circuitbench.ablation.EdgeCircuit edges = org.circuitbench.ablation.EdgeCircuit.ofIds(g, ids);
            List<org.circuitbench.ablation.Node> nodes = new ArrayList<>();
            for (int l = 0; l < layers; l++) {
                for (int h = 0; h < heads; h++) if (r.nextBoolean()) nodes.add(org.circuitbench.ablation.Node.head(l, h));
                if (seed % 2 == 1 && r.nextBoolean()) nodes.add(org.circuitbench.ablation.Node.mlp(l));
            }
            org.circuitbench.ablation.Circuit circuit = org.circuitbench.ablation.Circuit.of(layers, heads, nodes, seed % 2 == 1);
            for (org.circuitbench.ablation.CircuitOf<?, ?> c : List.of(circuit, edges)) {
                for (org.circuitbench.search.CircuitFormats.Format f : org.circuitbench.search.CircuitFormats.formats(c.level())) {
                    String text = f == org.circuitbench.search.CircuitFormats.Format.CSV ? csv(c) : org.circuitbench.search.CircuitFormats.export(f, c, "m", "t");
                    String name = "seed " + seed + ", " + c.level() + " " + f.id();
                    Path folder = Files.createDirectories(dir.resolve("circuits-" + seed));
                    Path file = folder.resolve(c.level() + "." + f.id());
                    for (int m = 0; m < SAME.size(); m++) {
                        cases++;
                        Files.writeString(file, SAME.get(m).apply(text));
                        try {
                            Object back = org.circuitbench.search.CircuitReader.read("@" + file, c.level(), layers, heads);
                            if (!back.equals(c)) failures.add(name + ", harmless change " + m + ": read as another circuit");
                        } catch (IllegalArgumentException e) {
                            failures.add(name + ", harmless change " + m + ": refused: " + e.getMessage());
                        }
                    }
                    for (int m = 0; m < CORRUPT.size(); m++) {
                        String bad = CORRUPT.get(m).apply(text);
                        if (bad == null || bad.equals(text)) continue;
                        cases++;
                        Files.writeString(file, bad);
                        String p = check(name + ", corruption " + m, folder, IllegalArgumentException.class,
                                () -> fail("read as " + org.circuitbench.search.CircuitReader.read("@" + file, c.level(), layers, heads)));
                        if (p != null) failures.add(p);
                    }
                    org.circuitbench.ablation.Level other = c.level() == org.circuitbench.ablation.Level.NODES
                            ? org.circuitbench.ablation.Level.EDGES : org.circuitbench.ablation.Level.NODES;
                    if (f == org.circuitbench.search.CircuitFormats.Format.DOT && other == org.circuitbench.ablation.Level.EDGES) continue; // a node circuit's graph is its edges
                    cases++;
                    Files.writeString(file, text);
                    try {
                        org.circuitbench.search.CircuitReader.read("@" + file, other, layers, heads);
                        failures.add(name + ": read as " + other);
                    } catch (IllegalArgumentException e) {
                        if (!e.getMessage().contains(c.level().circuitNoun()) || unclear(e) != null) failures.add(name + " as " + other + ": " + e.getMessage());
                    }
                }
            }
        }
        report(failures, cases);
    }

    /** A removal log that ends at {@code c}: from every element, each one not in {@code c} removed. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    static String csv(org.circuitbench.ablation.CircuitOf<?, ?> c) {
        org.circuitbench.ablation.CircuitOf start = c.level().all(c.layers(), c.heads());
        if (c instanceof org.circuitbench.ablation.Circuit n && n.hasMlpNodes()) start = org.circuitbench.ablation.Circuit.allWithMlps(c.layers(), c.heads());
        List<org.circuitbench.search.Removal> removals = new ArrayList<>();
        int i = 0;
        for (Object e : start.elements()) {
            if (!((org.circuitbench.ablation.CircuitOf) c).contains((org.circuitbench.ablation.Element) e)) {
                removals.add(new org.circuitbench.search.Removal((org.circuitbench.ablation.Element) e, 90.0 - i, 0.5 * ++i, 1));
            }
        }
        org.circuitbench.search.SearchMethod method = c.level() == org.circuitbench.ablation.Level.NODES
                ? org.circuitbench.search.SearchMethod.BACKWARD : org.circuitbench.search.SearchMethod.GREEDY;
        var r = new org.circuitbench.search.PruneResult(org.circuitbench.search.PruneSettings.of(method, 3, start, null), c, 80.0, removals,
                removals.size(), 1, 1.0, false, 0, org.circuitbench.ablation.Method.DEFAULT);
        return org.circuitbench.search.CircuitFormats.csv(r);
    }

    // ---- numbers that must not pass silently (issue 18 §2) ----------------------------------------

    /** The base model with the wte rows of {@code ids} set to {@code value}. */
    static Path withWteRows(Path folder, long[] ids, float value) throws Exception {
        Map<String, SafeTensors.Tensor> w = new java.util.LinkedHashMap<>();
        try (SafeTensors st = SafeTensors.open(baseModel.resolve("model.safetensors"))) {
            for (var i : st.tensors().values()) w.put(i.name(), new SafeTensors.Tensor(i.shape(), st.floats(i)));
        }
        SafeTensors.Tensor wte = w.get("wte.weight");
        int d = (int) wte.shape()[1];
        for (long id : ids) java.util.Arrays.fill(wte.values(), (int) id * d, (int) id * d + d, value);
        Files.createDirectories(folder);
        for (String f : new String[] {"config.json", "tokenizer.json"}) Files.copy(baseModel.resolve(f), folder.resolve(f));
        SafeTensors.write(folder.resolve("model.safetensors"), w, SafeTensors.DType.F32, Map.of());
        return folder;
    }

    /**
     * Damaged rows that only corrupt prompts read (NaN, ±Inf), under every ablation kind that reads
     * them: refused with one line naming a damaged token's wte row, never a NaN score; and random
     * answers on a random model, whose full logit difference has either sign: refused when it is
     * not above 0 (ratio), and never accepted within noise of 0 without a warning.
     */
    @Test
    void numbersThatMustNotPassSilently() throws Exception {
        List<String> failures = new ArrayList<>();
        int cases = 0;
        float[] damage = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
        String[] kinds = {"mean", "mean-all", "patch"};
        String[] words = {" dog", " cat", " tree", " house", " river"};
        for (int seed = 0; seed < 9; seed++) {
            SplittableRandom r = new SplittableRandom(5000 + seed);
            String word = words[r.nextInt(words.length)];
            long id = tokenizer.encode(word)[0];
            Path folder = withWteRows(dir.resolve("wte-" + seed), new long[] {id}, damage[seed % 3]);
            TaskFile t = new TaskFile("damaged", List.of(new org.circuitbench.task.Prompt("1 2 3 4", "5", "1", "", Map.of()),
                    new org.circuitbench.task.Prompt("2 3 4 5", "6", "2", "", Map.of())),
                    List.of(org.circuitbench.task.Prompt.corrupt("7 8 9 1", ""), org.circuitbench.task.Prompt.corrupt("7" + word + " 9 1", "")),
                    null);
            var method = org.circuitbench.ablation.Method.parse(kinds[seed / 3], null, "faithfulness");
            boolean[] named = {false};
            String p = check("damaged wte case " + seed, folder, TaskException.class, () -> {
                try (var m = org.circuitbench.model.LoadedModel.open("damaged", folder, org.circuitbench.model.DeviceChoice.resolve("cpu"))) {
                    try (AblationTask prepared = AblationTask.prepare(m, t, method)) {
                        throw new AssertionError("prepared, full metric " + prepared.fullMetric());
                    } catch (TaskException e) {
                        named[0] = e.getMessage().contains("wte row " + id);
                        throw e;
                    }
                }
            });
            cases++;
            if (p != null) failures.add(p);
            else if (!named[0]) failures.add("damaged wte case " + seed + ": the message does not name wte row " + id);
        }
        var model = TestData.model(baseModel);
        Path quiet = Files.createDirectories(dir.resolve("baseline"));
        int refused = 0, accepted = 0;
        for (int seed = 0; seed < 40; seed++) {
            SplittableRandom r = new SplittableRandom(6000 + seed);
            List<org.circuitbench.task.Prompt> clean = new ArrayList<>();
            for (int i = 0; i < 2 + r.nextInt(6); i++) {
                int a = 1 + r.nextInt(50);
                clean.add(new org.circuitbench.task.Prompt(a + " " + (a + 1), String.valueOf(r.nextInt(99)), String.valueOf(100 + r.nextInt(99)), "", Map.of()));
            }
            TaskFile t = new TaskFile("random answers", clean, List.of(org.circuitbench.task.Prompt.corrupt("7 8", "")), null);
            int[] outcome = {0};
            String p = check("baseline case " + seed, quiet, TaskException.class, () -> {
                try (AblationTask prepared = AblationTask.prepare(model, t)) {
                    float[] per = prepared.fullMetricPerPrompt();
                    double mean = prepared.fullMetric(), ss = 0;
                    for (float v : per) ss += (v - mean) * (v - mean);
                    boolean noisy = per.length > 1 && Math.abs(mean) < 2 * Math.sqrt(ss / (per.length - 1) / per.length);
                    if (!(mean > 0)) throw new AssertionError("accepted a full logit difference of " + mean + " for ratio scores");
                    if (noisy && prepared.warnings().isEmpty()) throw new AssertionError("no warning for a full logit difference of " + mean + " within noise of 0");
                    if (!Double.isFinite(prepared.score(prepared.fullMetricPerPrompt()))) throw new AssertionError("a score that is no number");
                    outcome[0] = 1;
                }
            });
            cases++;
            if (p != null) failures.add(p);
            if (outcome[0] == 1) accepted++;
            else refused++;
        }
        report(failures, cases);
        assertTrue(refused > 3 && accepted > 3, "both outcomes occur: " + accepted + " accepted, " + refused + " refused");
    }

    // ---- hostile hub answers -------------------------------------------------------------------

    static final int HUB_ANSWERS = 60;

    /**
     * A stand-in hub on 127.0.0.1 whose answer for one case is hostile in one way: a file whose
     * bytes do not match its ETag (git blob id or SHA-256), a body longer than the file, a resume
     * answered with the wrong part, a redirect to another kind of address, a header that is not
     * what a hub sends, HF_ENDPOINT that is not an address, or a link planted in the cache. The
     * download must end with one clear line or with the served files byte for byte; it never
     * writes outside the cache and never leaves a ref to a model it did not finish.
     */
    @Test
    void badHubAnswers() throws Exception {
        byte[] config = "{\"model_type\": \"gpt2\", \"n_layer\": 2}".getBytes(StandardCharsets.UTF_8);
        byte[] weights = new byte[300_000];
        new java.util.Random(5).nextBytes(weights);
        String commit = "0123456789abcdef0123456789abcdef01234567";
        Map<String, String> reply = new java.util.concurrent.ConcurrentHashMap<>(); // what this case's hub does differently
        com.sun.net.httpserver.HttpServer hub = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        hub.createContext("/", ex -> {
            String path = ex.getRequestURI().getPath();
            String name = path.substring(path.lastIndexOf('/') + 1);
            byte[] real = name.equals("config.json") ? config : name.equals("model.safetensors") ? weights : null;
            if (real == null) {
                ex.sendResponseHeaders(404, -1);
                ex.close();
                return;
            }
            boolean lfs = real == weights;
            var h = ex.getResponseHeaders();
            h.add("X-Repo-Commit", reply.getOrDefault("commit", commit));
            h.add("ETag", "\"" + reply.getOrDefault("etag:" + name, lfs ? sha256(real) : gitSha1(real)) + "\"");
            if (lfs) h.add("X-Linked-Size", reply.getOrDefault("size", Integer.toString(real.length)));
            if (ex.getRequestMethod().equals("HEAD")) {
                h.add("Content-Length", Integer.toString(real.length));
                ex.sendResponseHeaders(200, -1);
                ex.close();
                return;
            }
            byte[] body = reply.containsKey("bytes:" + name) ? HexFormat.of().parseHex(reply.get("bytes:" + name)) : real;
            if (reply.containsKey("location:" + name)) {
                h.add("Location", reply.get("location:" + name));
                ex.sendResponseHeaders(302, -1);
                ex.close();
                return;
            }
            String range = ex.getRequestHeaders().getFirst("Range");
            int from = range == null ? 0 : Integer.parseInt(range.replaceAll("bytes=(\\d+)-.*", "$1"));
            if (from > 0 && reply.containsKey("range")) {
                h.add("Content-Range", reply.get("range"));
                from = 0;
            } else if (from > 0) {
                h.add("Content-Range", "bytes " + from + "-" + (body.length - 1) + "/" + body.length);
            }
            int extra = Integer.parseInt(reply.getOrDefault("extra", "0"));
            byte[] sent = java.util.Arrays.copyOfRange(body, from, body.length + extra);
            ex.sendResponseHeaders(range == null ? 200 : 206, reply.containsKey("chunked") ? 0 : sent.length);
            try (var out = ex.getResponseBody()) {
                out.write(sent);
            } catch (java.io.IOException gone) {
                // the downloader stopped reading
            }
        });
        hub.start();
        String base = "http://127.0.0.1:" + hub.getAddress().getPort();
        List<String> failures = new ArrayList<>();
        int done = 0;
        try {
            for (int seed = 0; seed < HUB_ANSWERS; seed++) {
                SplittableRandom r = new SplittableRandom(4000 + seed);
                reply.clear();
                Path home = Files.createDirectories(dir.resolve("hub-" + seed));
                Path cache = home.resolve("cache"), outside = Files.createDirectories(home.resolve("outside"));
                Files.writeString(outside.resolve("mine.txt"), "a file of the user's");
                String endpoint = base;
                String what = switch (r.nextInt(9)) {
                    case 0 -> {
                        byte[] b = config.clone();
                        int i = r.nextInt(b.length - 1);
                        byte t = b[i];
                        b[i] = b[i + 1];
                        b[i + 1] = t;
                        reply.put("bytes:config.json", HexFormat.of().formatHex(b));
                        yield "config.json with two bytes swapped at " + i;
                    }
                    case 1 -> {
                        byte[] b = weights.clone();
                        b[r.nextInt(b.length)] ^= (byte) (1 + r.nextInt(255));
                        reply.put("bytes:model.safetensors", HexFormat.of().formatHex(b));
                        yield "weights with a byte changed";
                    }
                    case 2 -> {
                        reply.put("extra", Integer.toString(1 + r.nextInt(100_000)));
                        if (r.nextBoolean()) reply.put("chunked", "");
                        yield "a body longer than the file (" + reply + ")";
                    }
                    case 3 -> {
                        String[] to = {"file:///etc/passwd", "ftp://127.0.0.1/x", "http://[::1", "", " ", "mailto:a@b", "http:///x",
                                "jar:file:/x!/y", "//", "\u0000", "http://127.0.0.1:1/closed", "../../../../x"};
                        reply.put("location:model.safetensors", to[r.nextInt(to.length)]);
                        yield "a redirect to '" + reply.get("location:model.safetensors") + "'";
                    }
                    case 4 -> {
                        Path blobs = Files.createDirectories(cache.resolve("models--openai-community--gpt2/blobs"));
                        Files.write(blobs.resolve(sha256(weights) + ".incomplete"), java.util.Arrays.copyOf(weights, 1 + r.nextInt(weights.length - 1)));
                        String[] ranges = {"bytes 0-299999/300000", "bytes 5-9/300000", "bytes */300000", "garbage", "bytes 1-2/3", ""};
                        reply.put("range", ranges[r.nextInt(ranges.length)]);
                        yield "a resume answered with Content-Range '" + reply.get("range") + "'";
                    }
                    case 5 -> {
                        String[] e = {"", " ", "ftp://hub", "not a url", "huggingface.co", "http://", "https://x/?q", "http://[",
                                "\u0000", "file:///tmp", "https://hub.example#f", "javascript:alert(1)"};
                        endpoint = e[r.nextInt(e.length)];
                        yield "HF_ENDPOINT '" + endpoint + "'";
                    }
                    case 6 -> {
                        String[] bad = {"", "-5", "abc", "99999999999999999999", " 1 "};
                        String[] key = {"size", "commit", "etag:config.json", "etag:model.safetensors"};
                        String k = key[r.nextInt(key.length)];
                        reply.put(k, k.equals("size") ? bad[r.nextInt(bad.length)] : r.nextBoolean() ? "../../x" : "g".repeat(40));
                        yield "header " + k + " = '" + reply.get(k) + "'";
                    }
                    case 7 -> {
                        String[] places = {"models--openai-community--gpt2/blobs", "models--openai-community--gpt2/snapshots",
                                "models--openai-community--gpt2/refs", ".locks", "models--openai-community--gpt2"};
                        Path link = cache.resolve(places[r.nextInt(places.length)]);
                        Files.createDirectories(link.getParent());
                        Files.createSymbolicLink(link, outside);
                        yield "a link planted at " + cache.relativize(link);
                    }
                    default -> "an honest hub";
                };
                String hubAt = endpoint;
                boolean[] ok = {false};
                String p = check("hub case " + seed + " (" + what + ")", outside, java.io.IOException.class, () -> {
                    Path snap = new org.circuitbench.model.hub.HubDownloader(hubAt, null, new org.circuitbench.model.ModelResolver(cache))
                            .download("gpt2", "main", (f, d, t) -> { }, () -> false);
                    assertEquals(HexFormat.of().formatHex(config), HexFormat.of().formatHex(Files.readAllBytes(snap.resolve("config.json"))));
                    assertTrue(java.util.Arrays.equals(weights, Files.readAllBytes(snap.resolve("model.safetensors"))), "the weights as served");
                    ok[0] = true;
                });
                Path ref = cache.resolve("models--openai-community--gpt2/refs/main");
                if (!ok[0] && Files.exists(ref) && p == null) p = "hub case " + seed + " (" + what + "): a ref to an unfinished model";
                if (p != null) failures.add(p);
                if (ok[0]) done++;
            }
        } finally {
            hub.stop(0);
        }
        report(failures, HUB_ANSWERS);
        assertTrue(done > 3 && done < HUB_ANSWERS - 20, "both outcomes occur: " + done + " of " + HUB_ANSWERS + " downloaded");
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String gitSha1(byte[] b) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-1");
            md.update(("blob " + b.length + "\0").getBytes(StandardCharsets.US_ASCII));
            return HexFormat.of().formatHex(md.digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
