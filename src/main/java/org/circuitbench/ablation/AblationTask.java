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
 * A task made ready on a model: the clean tokens and answer ids as tensors, the kept
 * positions, the per-template means of z (and of the MLP outputs) over the corrupt prompts, and
 * the full model's logit difference. Scoring a circuit is then one ablated forward pass.
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
    private final Means means;
    private final float[] fullPerPrompt;
    private final double fullLogitDiff;

    private AblationTask(LoadedModel loaded, TokenizedTask task) {
        this.loaded = loaded;
        this.task = task;
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
        means = computeMeans();
        try (NDScope ignored = new NDScope()) {
            fullPerPrompt = logitDiff(model().forward(tokens, Hook.NONE)).toFloatArray();
        }
        fullLogitDiff = mean(fullPerPrompt);
    }

    /**
     * Tokenizes and checks the task, takes the means and the full model's logit difference. A task
     * too big for the free memory, or whose full logit difference is 0 or not a number (every
     * score divides by it), is refused with the reason.
     */
    public static AblationTask prepare(LoadedModel loaded, TaskFile file) throws TaskException {
        int maxPos = loaded.config().nPositions();
        TokenizedTask task = TokenizedTask.build(file, loaded.tokenizer()::encode, maxPos);
        if (task.maxLength() > maxPos) {
            throw new TaskException("The longest prompt has " + task.maxLength() + " tokens but " + loaded.name()
                    + " reads at most " + maxPos + ". Shorten the prompts.");
        }
        String tooBig = org.circuitbench.model.MemoryBudget.check(loaded.config(), loaded.name(), task.cleanCount(),
                task.corruptCount(), task.maxLength(), loaded.device().device());
        if (tooBig != null) throw new TaskException(tooBig);
        AblationTask t = new AblationTask(loaded, task);
        if (!Double.isFinite(t.fullLogitDiff) || t.fullLogitDiff == 0) {
            t.close();
            throw new TaskException(Double.isFinite(t.fullLogitDiff)
                    ? "The full model's logit difference is 0 on this task, so scores, which divide by it, are undefined. "
                    + "Check that the correct and incorrect answers differ, and that " + loaded.name() + "'s weights are not all zero."
                    : "The full model's logit difference is " + t.fullLogitDiff + " on this task: " + loaded.name()
                    + " computes NaN or infinite values, so its weights are damaged. Download or convert the model again.");
        }
        return t;
    }

    /**
     * One forward pass over the corrupt prompts, capturing the embeddings, hook_z and hook_mlp_out;
     * their mean per template and position is then laid out per clean prompt by its template.
     */
    public Means computeMeans() {
        Gpt2Model model = model();
        int layers = model.config().nLayer();
        int nCorrupt = task.corruptCount(), t = task.maxLength();
        NDArray[] z = new NDArray[layers];
        NDArray[] mlp = new NDArray[layers];
        NDArray embed;
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
            NDArray cleanTemplate = manager.create(cleanTemplates());
            embed = keep(perCleanPrompt(capturedEmbed[0], cleanTemplate));
            for (int l = 0; l < layers; l++) {
                z[l] = keep(perCleanPrompt(capturedZ.get(l), cleanTemplate));
                mlp[l] = keep(perCleanPrompt(capturedMlp.get(l), cleanTemplate));
            }
        }
        return new Means(embed, z, mlp);
    }

    /** Corrupt activations [n_corrupt, ...] -> template means gathered per clean prompt [batch, ...]. */
    private NDArray perCleanPrompt(NDArray corruptAct, NDArray cleanTemplate) {
        int templates = task.templates().size();
        NDArray[] perTemplate = new NDArray[templates];
        for (int tpl = 0; tpl < templates; tpl++) {
            List<Long> rows = new ArrayList<>();
            for (int i = 0; i < task.corruptCount(); i++) if (task.corruptTemplate(i) == tpl) rows.add((long) i);
            if (rows.isEmpty()) { // a template with corrupt prompts only: its mean is never read
                perTemplate[tpl] = corruptAct.get(0).zerosLike();
                continue;
            }
            NDArray idx = manager.create(rows.stream().mapToLong(Long::longValue).toArray());
            perTemplate[tpl] = corruptAct.get(idx).mean(new int[] {0}); // [rows, ...] -> [...]
        }
        NDArray stacked = ai.djl.ndarray.NDArrays.stack(new ai.djl.ndarray.NDList(perTemplate)); // [templates, ...]
        return stacked.get(cleanTemplate);                                                          // [batch, ...]
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

    /** Per-prompt logit difference from the final residual stream [batch, pos, d_model]. */
    public NDArray logitDiff(NDArray resid) {
        return model().logitDiff(atEnd(resid), correct, incorrect);
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

    /** Score from per-prompt logit differences: 100 × mean / full mean. */
    public double score(float[] perPrompt) {
        return 100.0 * mean(perPrompt) / fullLogitDiff;
    }

    static double mean(float[] v) {
        double s = 0;
        for (float x : v) s += x;
        return s / v.length;
    }

    /** A hook that mean-ablates everything outside {@code circuit}, with these means. */
    public Hook ablation(Circuit circuit, Means m) {
        return new AblationHook(this, circuit, m);
    }

    public Hook ablation(Circuit circuit) {
        return ablation(circuit, means);
    }

    /** The score with details; reads full-vocabulary logits at the end rows for top-1 accuracy. */
    public ScoreDetails details(Circuit circuit) {
        checkShape(circuit);
        try (NDScope ignored = new NDScope()) {
            NDArray ablEnd = atEnd(model().forward(tokens, ablation(circuit)));
            float[] per = model().logitDiff(ablEnd, correct, incorrect).toFloatArray();
            double ld = mean(per);
            return new ScoreDetails(circuit, 100.0 * ld / fullLogitDiff, ld, fullLogitDiff, per,
                    fullPerPrompt.clone(), fullCorrect(), countTop1(ablEnd), per.length);
        }
    }

    private volatile int fullCorrect = -1;

    /** How many clean prompts the full model gets right (top-1 is the correct token); computed once. */
    public int fullCorrect() {
        if (fullCorrect < 0) {
            int n = 0;
            for (boolean right : fullTop1Flags()) if (right) n++;
            fullCorrect = n;
        }
        return fullCorrect;
    }

    /** Per clean prompt: does the full model's top-1 token equal the correct answer? */
    public boolean[] fullTop1Flags() {
        try (NDScope ignored = new NDScope()) {
            long[] top = model().logits(atEnd(model().forward(tokens, Hook.NONE))).argMax(1).toLongArray();
            boolean[] out = new boolean[top.length];
            for (int i = 0; i < top.length; i++) out[i] = top[i] == task.correctId(i);
            return out;
        }
    }

    /** Prompts whose top-1 token at the end row is the correct answer; rows [batch, d_model]. */
    int countTop1(NDArray endRows) {
        long[] top = model().logits(endRows).argMax(1).toLongArray();
        long[] want = correct.toLongArray();
        int n = 0;
        for (int i = 0; i < top.length; i++) if (top[i] == want[i]) n++;
        return n;
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

    public double fullLogitDiff() {
        return fullLogitDiff;
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
