package org.circuitbench.ablation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import org.circuitbench.model.Gpt2Model;
import org.circuitbench.model.HookPoint;
import org.circuitbench.model.Hook;
import org.circuitbench.model.LoadedModel;
import org.circuitbench.task.TaskException;
import org.circuitbench.task.TaskFile;
import org.circuitbench.task.TokenizedTask;

import java.util.ArrayList;
import java.util.List;

/**
 * A task made ready on a model under a {@link Method}: the clean tokens and answer ids as
 * tensors, the kept positions, what a removed node or edge carries (the ablation kind's values,
 * laid out per clean prompt: {@link Means}), and the full model's metric. Scoring a circuit is
 * then one ablated forward pass.
 */
public final class AblationTask implements AutoCloseable {
    private static final long PAD = 50256; // <|endoftext|>; padding is on the right, so causal attention never sees it

    private final LoadedModel loaded;
    private final TokenizedTask task;
    private final NDManager manager;
    private final NDArray tokens;     // [batch, pos] int64
    private final NDArray endPos;     // [batch] int64
    private final NDArray endRows;    // [batch] int64, index into the flattened [batch * pos]
    private final NDArray correct;    // [batch] int64
    private final NDArray incorrect;  // [batch] int64
    private final NDArray keptPos;    // [batch, pos, 1] bool
    private final Method method;
    private final int[] pairs;        // patch: each clean prompt's corrupt prompt
    private final MetricFunction logitDiffFn;
    private final MetricFunction metricFn;
    private Means means;
    private float[] fullPerPrompt;    // the logit difference, whatever the metric
    private double fullLogitDiff;
    private float[] fullMetricPerPrompt;
    private double fullMetric;
    private ScoreScale nodeScale;
    private float[] nodeEmptyPerPrompt;   // faithfulness: the empty node circuit's metric
    private final List<String> warnings = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final List<String> edgeWarnings = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final java.util.Map<Object, ScoreScale> scales = new java.util.concurrent.ConcurrentHashMap<>();

    private AblationTask(LoadedModel loaded, TokenizedTask task, Method method, int[] pairs) {
        this.loaded = loaded;
        this.task = task;
        this.method = method;
        this.pairs = pairs;
        this.manager = loaded.model().manager().newSubManager();
        int b = task.cleanCount(), t = task.maxLength();
        tokens = manager.create(task.padded(true, PAD), new Shape(b, t));
        long[] end = new long[b], rows = new long[b], c = new long[b], ic = new long[b];
        boolean[] kept = new boolean[b * t];
        for (int i = 0; i < b; i++) {
            end[i] = task.end(i);
            rows[i] = (long) i * t + task.end(i);
            c[i] = task.correctId(i);
            ic[i] = task.incorrectId(i);
            for (int p = 0; p < t; p++) kept[i * t + p] = task.kept(i, p);
        }
        endPos = manager.create(end);
        endRows = manager.create(rows);
        correct = manager.create(c);
        incorrect = manager.create(ic);
        keptPos = manager.create(kept, new Shape(b, t, 1));
        logitDiffFn = new MetricFunction(model(), Metric.LOGIT_DIFF, task, manager, correct, incorrect);
        metricFn = method.metric() == Metric.LOGIT_DIFF ? logitDiffFn
                : new MetricFunction(model(), method.metric(), task, manager, correct, incorrect);
    }

    /** The ablation values and the full model's pass; throws when either is not a number. */
    private void init() throws TaskException {
        try {
            means = computeMeans();
        } catch (NonFiniteValues e) {
            throw new TaskException(e.getMessage(), e);
        }
        try (NDScope ignored = new NDScope()) {
            NDArray fullEnd = atEnd(model().forward(tokens, Hook.NONE));          // [batch, d_model]
            fullPerPrompt = logitDiffFn.perPrompt(fullEnd).toFloatArray();
            metricFn.setFull(fullEnd, manager);
            fullMetricPerPrompt = metricFn == logitDiffFn ? fullPerPrompt : metricFn.perPrompt(fullEnd).toFloatArray();
        }
        fullLogitDiff = mean(fullPerPrompt);
        fullMetric = mean(fullMetricPerPrompt);
        if (method.normalisation() == Normalisation.FAITHFULNESS) nodeEmptyPerPrompt = perPromptReference(Circuit.none(
                model().config().nLayer(), model().config().nHead()));
        Baseline.Checked c = Baseline.check(method, fullMetricPerPrompt, nodeEmptyPerPrompt, "node", loaded.name());
        nodeScale = c.scale();
        warnings.addAll(c.warnings());
    }

    /**
     * Tokenizes and checks the task, takes the means and the full model's logit difference. A task
     * too big for the free memory, or whose full logit difference is 0 or not a number (every
     * score divides by it), is refused with the reason.
     */
    public static AblationTask prepare(LoadedModel loaded, TaskFile file) throws TaskException {
        return prepare(loaded, file, Method.DEFAULT);
    }

    /**
     * As {@link #prepare(LoadedModel, TaskFile)}, scored by {@code method}. Patching needs each
     * clean prompt paired with a corrupt prompt of its length, mean-all one length for every
     * prompt; a full metric that makes the method's percentages meaningless is refused, one within
     * noise of 0 gets a warning ({@link #warnings()}); ablation values that are not numbers are
     * refused with the tokens that made them.
     */
    public static AblationTask prepare(LoadedModel loaded, TaskFile file, Method method) throws TaskException {
        int maxPos = loaded.config().nPositions();
        TokenizedTask task = TokenizedTask.build(file, loaded.tokenizer()::encode, maxPos);
        if (task.maxLength() > maxPos) {
            throw new TaskException("The longest prompt has " + task.maxLength() + " tokens but " + loaded.name()
                    + " reads at most " + maxPos + ". Shorten the prompts.");
        }
        String tooBig = org.circuitbench.model.MemoryBudget.check(loaded.config(), loaded.name(), task.cleanCount(),
                task.corruptCount(), task.maxLength(), loaded.device().device());
        if (tooBig != null) throw new TaskException(tooBig);
        int[] pairs = method.ablation() == AblationKind.PATCH ? task.pairs() : null;
        if (method.ablation() == AblationKind.MEAN_ALL) task.checkOneLength("mean-all (one mean over every corrupt prompt per position)");
        AblationTask t = new AblationTask(loaded, task, method, pairs);
        try {
            t.init();
        } catch (TaskException | RuntimeException e) {
            t.close();
            throw e;
        }
        return t;
    }

    /**
     * What a removed node or edge carries, laid out per clean prompt [batch, pos, …] for the
     * embeddings, hook_z and hook_mlp_out (docs/methods.md):
     * <ul>
     * <li>mean: one forward pass over the corrupt prompts, the mean per template and position,
     * gathered per clean prompt by its template (the seed's);</li>
     * <li>mean-all: the mean over every corrupt prompt per position (auto-circuit's
     * TOKENWISE_MEAN_CORRUPT);</li>
     * <li>patch: each clean prompt's paired corrupt prompt's own activations;</li>
     * <li>zero: zeros, with no pass at all.</li>
     * </ul>
     *
     * @throws NonFiniteValues when a value is not a number, naming the tokens or rows that made it
     */
    public Means computeMeans() {
        Gpt2Model model = model();
        int layers = model.config().nLayer();
        int b = task.cleanCount(), nCorrupt = task.corruptCount(), t = task.maxLength();
        NDArray[] z = new NDArray[layers];
        NDArray[] mlp = new NDArray[layers];
        NDArray embed;
        if (method.ablation() == AblationKind.ZERO) {
            long d = model.config().nEmbd(), h = model.config().nHead();
            embed = manager.zeros(new Shape(b, t, d));
            for (int l = 0; l < layers; l++) {
                z[l] = manager.zeros(new Shape(b, t, h, d / h));
                mlp[l] = manager.zeros(new Shape(b, t, d));
            }
            return new Means(embed, z, mlp);
        }
        try (NDScope ignored = new NDScope()) {
            NDArray corruptTokens = manager.create(task.padded(false, PAD), new Shape(nCorrupt, t));
            List<NDArray> capturedZ = new ArrayList<>();
            List<NDArray> capturedMlp = new ArrayList<>();
            NDArray[] capturedEmbed = new NDArray[1];
            model.forward(corruptTokens, (point, layer, act) -> {
                if (point == HookPoint.RESID_PRE && layer == 0) capturedEmbed[0] = act; // hook_embed + hook_pos_embed
                if (point == HookPoint.Z) capturedZ.add(act);
                if (point == HookPoint.MLP_OUT) capturedMlp.add(act);
                return act;
            });
            NonFiniteValues.check(this, capturedEmbed[0], capturedZ, capturedMlp);
            NDArray select = switch (method.ablation()) {
                case MEAN -> manager.create(cleanTemplates());
                case PATCH -> manager.create(java.util.Arrays.stream(pairs).asLongStream().toArray());
                default -> null;
            };
            embed = keep(perCleanPrompt(capturedEmbed[0], select));
            for (int l = 0; l < layers; l++) {
                z[l] = keep(perCleanPrompt(capturedZ.get(l), select));
                mlp[l] = keep(perCleanPrompt(capturedMlp.get(l), select));
            }
        }
        return new Means(embed, z, mlp);
    }

    /** Corrupt activations [n_corrupt, ...] -> the ablation kind's value per clean prompt [batch, ...]. */
    private NDArray perCleanPrompt(NDArray corruptAct, NDArray select) {
        return switch (method.ablation()) {
            case MEAN -> templateMeans(corruptAct).get(select);                  // [templates, ...] -> [batch, ...]
            case MEAN_ALL -> {
                NDArray mean = corruptAct.mean(new int[] {0}).expandDims(0);   // [n_corrupt, ...] -> [1, ...]
                long[] reps = new long[mean.getShape().dimension()];
                java.util.Arrays.fill(reps, 1);
                reps[0] = task.cleanCount();
                yield mean.tile(reps);                                           // -> [batch, ...]
            }
            case PATCH -> corruptAct.get(select);                                // each clean prompt's pair: [batch, ...]
            case ZERO -> throw new IllegalStateException("zero ablation takes no corrupt pass");
        };
    }

    /** The mean per template: [n_corrupt, ...] -> [templates, ...]. */
    private NDArray templateMeans(NDArray corruptAct) {
        int templates = task.templates().size();
        NDArray[] perTemplate = new NDArray[templates];
        for (int tpl = 0; tpl < templates; tpl++) {
            List<Long> rows = new ArrayList<>();
            for (int i = 0; i < task.corruptCount(); i++) if (task.corruptTemplate(i) == tpl) rows.add((long) i);
            if (rows.isEmpty()) { // a template with clean prompts only is refused; one with corrupt prompts only is never read
                perTemplate[tpl] = corruptAct.get(0).zerosLike();
                continue;
            }
            NDArray idx = manager.create(rows.stream().mapToLong(Long::longValue).toArray());
            perTemplate[tpl] = corruptAct.get(idx).mean(new int[] {0}); // [rows, ...] -> [...]
        }
        return ai.djl.ndarray.NDArrays.stack(new ai.djl.ndarray.NDList(perTemplate));
    }

    private NDArray keep(NDArray a) {
        NDScope.unregister(a);
        a.attach(manager);
        return a;
    }

    private long[] cleanTemplates() {
        long[] out = new long[task.cleanCount()];
        for (int i = 0; i < out.length; i++) out[i] = task.cleanTemplate(i);
        return out;
    }

    /** Per-prompt logit difference from the final residual stream [batch, pos, d_model] (of the answer sets' mean logits when sets). */
    public NDArray logitDiff(NDArray resid) {
        return logitDiffFn.perPrompt(atEnd(resid));
    }

    /**
     * The method's metric per prompt from a final residual stream [k*batch, pos or 1, d_model]
     * (k copies of the prompts, one per candidate circuit) -> [k*batch]. Differentiable for every
     * metric but accuracy.
     */
    public NDArray metric(NDArray resid) {
        return metricFn.perPrompt(atEnd(resid));
    }

    /** The same from end rows already picked: [k*batch, d_model] -> [k*batch]. */
    public NDArray metricOfRows(NDArray rows) {
        return metricFn.perPrompt(rows);
    }

    /** The residual row at each prompt's end position: [batch, pos, d] -> [batch, d]. */
    public NDArray atEnd(NDArray resid) {
        Shape s = resid.getShape();
        if (s.get(1) == 1) return resid.reshape(s.get(0), s.get(2));                       // already one row per prompt
        NDArray flat = resid.reshape(s.get(0) * s.get(1), s.get(2));                        // [b, p, d] -> [b*p, d]
        int rowsPerCopy = Math.toIntExact(s.get(0) / task.cleanCount());
        NDArray rows = rowsPerCopy == 1 ? endRows : batchedEndRows(rowsPerCopy);
        return flat.getNDArrayInternal().embedding(rows, flat, SparseFormat.DENSE).singletonOrThrow();
    }

    /** End rows when the batch holds k copies of the prompts, one per candidate circuit. */
    private NDArray batchedEndRows(int k) {
        int b = task.cleanCount();
        long t = task.maxLength();
        long[] rows = new long[k * b];
        for (int c = 0; c < k; c++) {
            for (int i = 0; i < b; i++) rows[c * b + i] = (c * (long) b + i) * t + task.end(i);
        }
        return manager.create(rows);
    }

    /** The node-level score of per-prompt metric values (the mean over the prompts, on the method's scale). */
    public double score(float[] perPrompt) {
        return score(perPrompt, nodeScale);
    }

    /**
     * The score of per-prompt metric values on {@code scale}. A value that is not a number is
     * refused with the prompts it came from: a search that compared it would decide nothing.
     */
    public double score(float[] perPrompt, ScoreScale scale) {
        double m = mean(perPrompt);
        if (!Double.isFinite(m)) throw notANumber(perPrompt);
        return scale.score(m);
    }

    private IllegalStateException notANumber(float[] perPrompt) {
        List<String> bad = new ArrayList<>();
        int count = 0;
        for (int i = 0; i < perPrompt.length; i++) {
            if (Float.isFinite(perPrompt[i])) continue;
            count++;
            if (bad.size() < 3) bad.add("clean[" + i + "] " + org.circuitbench.util.Texts.quote(task.task().clean().get(i).text()));
        }
        return new IllegalStateException("The circuit's " + method.metric().label() + " is not a number (NaN or infinite) for "
                + String.join(", ", bad) + (count > bad.size() ? " (" + count + " prompts in all)" : "")
                + ", so it cannot be scored or compared; the model computes NaN or infinite values there.");
    }

    static double mean(float[] v) {
        double s = 0;
        for (float x : v) s += x;
        return s / v.length;
    }

    /** How node-level metrics become scores (the empty circuit: no heads, MLPs as the node rule leaves them). */
    public ScoreScale nodeScale() {
        return nodeScale;
    }

    /**
     * How edge-level metrics become scores; for faithfulness {@code emptyEdges} gives the empty
     * edge circuit's per-prompt metric, once per task. Refuses a scale that is undefined and
     * adds its warnings to {@link #warnings()} and {@link #edgeWarnings()}.
     */
    public ScoreScale edgeScale(java.util.function.Supplier<float[]> emptyEdges) throws TaskException {
        ScoreScale s = scales.get("edges");
        if (s != null) return s;
        synchronized (scales) {
            s = scales.get("edges");
            if (s != null) return s;
            if (method.normalisation() != Normalisation.FAITHFULNESS) {
                s = nodeScale;                                      // ratio and none do not depend on the level
            } else {
                Baseline.Checked c = Baseline.check(method, fullMetricPerPrompt, emptyEdges.get(), "edge", loaded.name());
                edgeWarnings.addAll(c.warnings());
                s = c.scale();
            }
            scales.put("edges", s);
            return s;
        }
    }

    /** A hook that mean-ablates everything outside {@code circuit}, with these means. */
    public Hook ablation(Circuit circuit, Means m) {
        return new AblationHook(this, circuit, m);
    }

    public Hook ablation(Circuit circuit) {
        return ablation(circuit, means);
    }

    /** The score with per-prompt details, from one reference (hooked) pass. */
    public ScoreDetails details(Circuit circuit) {
        checkShape(circuit);
        try (NDScope ignored = new NDScope()) {
            return details(circuit, atEnd(model().forward(tokens, ablation(circuit))), nodeScale);
        }
    }

    /** The per-prompt metric of a node circuit by the reference pass (the node rule as hooks). */
    float[] perPromptReference(Circuit circuit) {
        try (NDScope ignored = new NDScope()) {
            return metric(model().forward(tokens, ablation(circuit))).toFloatArray();
        }
    }

    /**
     * The details of a circuit's pass from its end rows [batch, d_model]: per-prompt metric values
     * beside the full model's, the prompts it gets wrong, top-1 counts. {@code circuit} is null
     * for an edge circuit.
     */
    public ScoreDetails details(Circuit circuit, NDArray endRows, ScoreScale scale) {
        float[] per = metricFn.perPrompt(endRows).toFloatArray();
        double score = score(per, scale);
        long[] top = model().top1(endRows);
        boolean[] right = metricFn.correctTop1(top);
        int circuitCorrect = 0;
        for (boolean r : right) if (r) circuitCorrect++;
        boolean[] wrong = new boolean[per.length];
        long[] fullTop = method.metric() == Metric.KL ? fullTop1() : null;
        for (int i = 0; i < per.length; i++) {
            wrong[i] = switch (method.metric()) {
                case LOGIT_DIFF, PROB_DIFF -> !(per[i] > 0);  // the circuit prefers an incorrect answer
                case PROB, ACCURACY -> !right[i];             // its top-1 token is not a correct answer
                case KL -> top[i] != fullTop[i];              // its top-1 token is not the full model's
            };
        }
        return new ScoreDetails(circuit, method, score, mean(per), fullMetric, per, fullMetricPerPrompt.clone(), wrong,
                fullCorrect(), circuitCorrect, per.length);
    }

    private volatile long[] fullTop1;

    /** The full model's top-1 token at each clean prompt's end; computed once. */
    public long[] fullTop1() {
        long[] t = fullTop1;
        if (t == null) {
            try (NDScope ignored = new NDScope()) {
                t = model().top1(atEnd(model().forward(tokens, Hook.NONE)));
            }
            fullTop1 = t;
        }
        return t.clone();
    }

    /** How many clean prompts the full model gets right (top-1 is a correct answer); computed once. */
    public int fullCorrect() {
        int n = 0;
        for (boolean right : fullTop1Flags()) if (right) n++;
        return n;
    }

    /** Per clean prompt: is the full model's top-1 token a correct answer? */
    public boolean[] fullTop1Flags() {
        return metricFn.correctTop1(fullTop1());
    }

    void checkShape(Circuit c) {
        var cfg = model().config();
        if (c.layers() != cfg.nLayer() || c.heads() != cfg.nHead()) {
            throw new IllegalArgumentException("The circuit is for a " + c.layers() + "×" + c.heads() + " model but "
                    + loaded.name() + " is " + cfg.nLayer() + "×" + cfg.nHead() + ".");
        }
    }

    public Gpt2Model model() {
        return loaded.model();
    }

    public LoadedModel loaded() {
        return loaded;
    }

    public TokenizedTask tokenized() {
        return task;
    }

    public NDManager manager() {
        return manager;
    }

    public NDArray tokens() {
        return tokens;
    }

    public NDArray endPos() {
        return endPos;
    }

    public NDArray correct() {
        return correct;
    }

    public NDArray incorrect() {
        return incorrect;
    }

    /** [batch, pos, 1] bool: positions named in keep. */
    public NDArray keptPos() {
        return keptPos;
    }

    public Means means() {
        return means;
    }

    /** The full model's logit difference (whatever the method's metric; the default metric's value). */
    public double fullLogitDiff() {
        return fullLogitDiff;
    }

    /** The method this task was prepared for: ablation kind, metric and normalisation. */
    public Method method() {
        return method;
    }

    /** The full model's value of the method's metric (the mean over the clean prompts). */
    public double fullMetric() {
        return fullMetric;
    }

    public float[] fullMetricPerPrompt() {
        return fullMetricPerPrompt.clone();
    }

    /**
     * Why this task's percentages may mislead (a full metric within noise of 0, a faithfulness
     * baseline that runs backwards), for stderr and the app; empty when nothing is amiss.
     */
    public List<String> warnings() {
        List<String> all = new ArrayList<>(warnings);
        all.addAll(edgeWarnings);
        return List.copyOf(all);
    }

    /** The warnings of the edge level's own scale only (faithfulness from the empty edge circuit). */
    public List<String> edgeWarnings() {
        return List.copyOf(edgeWarnings);
    }

    public float[] fullPerPrompt() {
        return fullPerPrompt.clone();
    }

    public Circuit allHeads() {
        return Circuit.all(model().config().nLayer(), model().config().nHead());
    }

    public Circuit parseCircuit(String spec) {
        return Circuit.parse(spec, model().config().nLayer(), model().config().nHead());
    }

    @Override
    public void close() {
        manager.close();
    }
}
