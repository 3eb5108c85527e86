package org.circuitbench.explain;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.circuitbench.ablation.AblationTask;
import org.circuitbench.ablation.AttentionPatterns;
import org.circuitbench.ablation.EdgeEvaluator;
import org.circuitbench.ablation.Node;
import org.circuitbench.model.Attention;
import org.circuitbench.model.Block;
import org.circuitbench.model.Gpt2Model;
import org.circuitbench.model.Gpt2Tokenizer;
import org.circuitbench.model.HookPoint;
import org.circuitbench.model.LayerNorm;
import org.circuitbench.search.Job;
import org.circuitbench.search.JobContext;
import org.circuitbench.search.JobListener;
import org.circuitbench.search.Progress;
import org.circuitbench.task.Prompt;
import org.circuitbench.task.TokenizedTask;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Computes the measures of docs/explain.md on a prepared task, for the full model or a circuit's
 * ablated pass. Each call is synchronous and may take seconds (OV scores read the whole
 * vocabulary for every head); run {@link #job} through the app's background runner, never on the
 * FX thread. One instance per task; it caches the decoded vocabulary.
 */
public final class Explainer {
    /** The head_detector input: this many random sequences, of at most this many tokens repeated twice, from this seed. */
    public static final int HEAD_BATCH = 10;
    public static final int HEAD_HALF_LENGTH = 50;
    public static final long HEAD_SEED = 0;
    /** OV scores look for the labelled token, or its successor, among this many top tokens. */
    public static final int TOP_K = 5;

    private final AblationTask task;
    private final OvDefinition ovDefinition;
    private final int layers;
    private final int heads;
    private volatile Map<String, long[]> idsByText; // decoded token text -> ids; built on first use

    /** OV scores by {@link OvDefinition#DEFAULT}, the paper's notebook as it ran. */
    public Explainer(AblationTask task) {
        this(task, OvDefinition.DEFAULT);
    }

    public Explainer(AblationTask task, OvDefinition ovDefinition) {
        if (task.tokenized().hasAnswerSets()) {
            throw new IllegalArgumentException("The explanations decompose the logit difference of one correct and one incorrect "
                    + "answer, and this task has answer sets; explain a task with single answers.");
        }
        this.task = task;
        this.ovDefinition = ovDefinition;
        this.layers = task.model().config().nLayer();
        this.heads = task.model().config().nHead();
    }

    public AblationTask task() {
        return task;
    }

    /** Which ln_1 this explainer's OV scores and OV tokens use. */
    public OvDefinition ovDefinition() {
        return ovDefinition;
    }

    /** All the given measures on one pass (one forward pass shared by DLA, lens, attention and OV). */
    public Explanation explain(Scope scope, Set<Measure> measures) {
        return run(scope, measures, JobContext.silent());
    }

    /** The same as a background job: progress after each measure, cancel between measures (and between OV's layers). */
    public Job<Explanation> job(Scope scope, Set<Measure> measures) {
        return new Job<>() {
            @Override
            public String title() {
                return "explain " + scope.label();
            }

            @Override
            public Explanation run(JobContext context) {
                return Explainer.this.run(scope, measures, context);
            }
        };
    }

    private Explanation run(Scope scope, Set<Measure> asked, JobContext ctx) {
        long t0 = System.nanoTime();
        Set<Measure> measures = asked.isEmpty() ? EnumSet.allOf(Measure.class) : EnumSet.copyOf(asked);
        JobListener<?> listener = ctx.listener();
        // one step for the pass, one per measure, and OV (the long one) one per layer
        int total = 1 + measures.size() + (measures.contains(Measure.OV) ? layers - 1 : 0);
        listener.started("explain " + scope.label(), total);
        DirectLogitAttribution dla = null;
        LogitLens lens = null;
        LabelAttention attention = null;
        OvScores ov = null;
        HeadTypes types = null;
        double ld;
        int[] done = {0};
        try (NDScope ignored = new NDScope(); PassView pass = PassView.of(task, scope)) {
            ld = mean(pass.perPrompt());
            listener.progress(step(++done[0], total, "pass"));
            for (Measure m : measures) {
                if (ctx.isCancelled()) break;
                switch (m) {
                    case DLA -> dla = dla(pass, ld);
                    case LENS -> lens = lens(pass);
                    case ATTENTION -> attention = attention(pass);
                    case OV -> ov = ov(pass, ctx, which(List.of()),
                            l -> { if (l + 1 < layers) listener.progress(step(++done[0], total, "ov, layer " + l)); });
                    // a cancel inside OV leaves layers unscored: drop it rather than show zeros
                    case HEADS -> types = headTypes();
                }
                if (m == Measure.OV && ctx.isCancelled()) ov = null;
                listener.progress(step(++done[0], total, m.id));
            }
        }
        return new Explanation(scope.label(), ld, task.fullLogitDiff(), dla, lens, attention, ov, types,
                (System.nanoTime() - t0) / 1e9, ctx.isCancelled());
    }

    private static Progress step(int done, int total, String what) {
        return new Progress(done, total, null, Double.NaN, Double.NaN, 0, what);
    }

    public DirectLogitAttribution dla(Scope scope) {
        try (NDScope ignored = new NDScope(); PassView pass = PassView.of(task, scope)) {
            return dla(pass, mean(pass.perPrompt()));
        }
    }

    public LogitLens lens(Scope scope) {
        try (NDScope ignored = new NDScope(); PassView pass = PassView.of(task, scope)) {
            return lens(pass);
        }
    }

    public LabelAttention attention(Scope scope) {
        try (NDScope ignored = new NDScope(); PassView pass = PassView.of(task, scope)) {
            return attention(pass);
        }
    }

    public OvScores ov(Scope scope) {
        return ov(scope, List.of());
    }

    /** OV scores of some heads only (NaN for the others); every head when {@code heads} is empty. */
    public OvScores ov(Scope scope, List<Node.Head> heads) {
        try (NDScope ignored = new NDScope(); PassView pass = PassView.of(task, scope)) {
            return ov(pass, JobContext.silent(), which(heads), l -> { });
        }
    }

    private boolean[][] which(List<Node.Head> only) {
        boolean[][] w = new boolean[layers][heads];
        for (boolean[] row : w) java.util.Arrays.fill(row, only.isEmpty());
        for (Node.Head h : only) {
            if (h.layer() >= layers || h.head() >= heads) {
                throw new IllegalArgumentException("Head " + h + " is outside " + task.loaded().name() + ", which is " + layers + "×" + heads + ".");
            }
            w[h.layer()][h.head()] = true;
        }
        return w;
    }

    // ---- direct logit attribution ------------------------------------------------------------------

    /**
     * Each component c at end, through ln_f with the pass's own scale frozen:
     * ((c − mean c) / σ) · γ · (W_U[correct] − W_U[incorrect]), σ = √(var(x) + ε) of the real final
     * input x; ln_f's β gives its own term. Means over prompts.
     */
    private DirectLogitAttribution dla(PassView pass, double logitDiff) {
        Gpt2Model m = task.model();
        LayerNorm ln = m.lnF();
        NDArray dir = answerDirections().toType(DataType.FLOAT64, false);                     // [b, d]
        NDArray x = pass.finalInput().toType(DataType.FLOAT64, false);                        // [b, d]
        NDArray xc = x.sub(x.mean(new int[] {-1}, true));
        NDArray sigma = xc.square().mean(new int[] {-1}, true).add(ln.eps()).sqrt();          // [b, 1]
        NDArray c = pass.components().toType(DataType.FLOAT64, false);                       // [n, b, d]
        NDArray scaled = c.sub(c.mean(new int[] {-1}, true)).div(sigma)
                .mul(ln.weight().toType(DataType.FLOAT64, false));                            // [n, b, d]
        double[] v = scaled.mul(dir).sum(new int[] {-1}).mean(new int[] {1}).toDoubleArray(); // [n]
        double lnBias = ln.bias().toType(DataType.FLOAT64, false).mul(dir).sum(new int[] {-1}).mean().getDouble();
        double[][] hs = new double[layers][heads];
        double[] bias = new double[layers], mlp = new double[layers];
        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < heads; h++) hs[l][h] = v[pass.headIndex(l, h)];
            bias[l] = v[pass.biasIndex(l)];
            mlp[l] = v[pass.mlpIndex(l)];
        }
        return new DirectLogitAttribution(logitDiff, v[0], hs, bias, mlp, lnBias);
    }

    /** W_U[correct] − W_U[incorrect] per prompt, [batch, d_model]. */
    private NDArray answerDirections() {
        Gpt2Model m = task.model();
        return m.unembedRows(task.correct()).sub(m.unembedRows(task.incorrect()));
    }

    // ---- logit lens ----------------------------------------------------------------------------------

    /** The running sum of the components, read through the whole ln_f (its scale recomputed at each point). */
    private LogitLens lens(PassView pass) {
        NDArray c = pass.components();
        NDArray acc = c.get(0);
        double[] attn = new double[layers], mlp = new double[layers];
        for (int l = 0; l < layers; l++) {
            int first = pass.headIndex(l, 0);
            acc = acc.add(c.get(new NDIndex("{}:{}", first, pass.biasIndex(l) + 1)).sum(new int[] {0})); // heads and b_O
            attn[l] = meanLogitDiff(acc);
            acc = acc.add(c.get(pass.mlpIndex(l)));
            mlp[l] = meanLogitDiff(acc);
        }
        return new LogitLens(attn, mlp);
    }

    private double meanLogitDiff(NDArray endRows) {
        return mean(task.model().logitDiff(endRows, task.correct(), task.incorrect()).toFloatArray());
    }

    // ---- attention to labelled positions -------------------------------------------------------------

    private LabelAttention attention(PassView pass) {
        TokenizedTask tt = task.tokenized();
        List<Prompt> prompts = tt.task().clean();
        List<String> labels = labels(prompts);
        int nl = labels.size(), b = tt.cleanCount(), keys = tt.maxLength();
        double[][][] sum = new double[nl + 1][layers][heads];
        int[] count = new int[nl + 1];
        double[][] rest = new double[layers][heads];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < nl; j++) if (prompts.get(i).positions().containsKey(labels.get(j))) count[j]++;
        }
        count[nl] = b;
        for (int l = 0; l < layers; l++) {
            float[] rows = pass.endAttention(l).toFloatArray();                 // [b, head, key]
            for (int i = 0; i < b; i++) {
                Map<String, Integer> pos = prompts.get(i).positions();
                int end = tt.end(i);
                boolean[] labelled = new boolean[end + 1];
                for (int j = 0; j < nl; j++) {
                    Integer p = pos.get(labels.get(j));
                    if (p == null) continue;
                    labelled[p] = true;
                    for (int h = 0; h < heads; h++) sum[j][l][h] += rows[(i * heads + h) * keys + p];
                }
                for (int h = 0; h < heads; h++) {
                    int row = (i * heads + h) * keys;
                    sum[nl][l][h] += rows[row + end];
                    for (int k = 0; k < end; k++) if (!labelled[k]) rest[l][h] += rows[row + k];
                }
            }
        }
        for (int j = 0; j <= nl; j++) {
            for (int l = 0; l < layers; l++) {
                for (int h = 0; h < heads; h++) sum[j][l][h] = count[j] == 0 ? Double.NaN : sum[j][l][h] / count[j];
            }
        }
        for (double[] r : rest) for (int h = 0; h < heads; h++) r[h] /= b;
        List<String> all = new ArrayList<>(labels);
        all.add(TokenizedTask.END);
        return new LabelAttention(all, sum, rest);
    }

    /** The task's position labels (end excluded), by their mean index and then by name: S1, S2, S3, … */
    static List<String> labels(List<Prompt> prompts) {
        Map<String, double[]> at = new LinkedHashMap<>(); // label -> {sum of indices, count}
        for (Prompt p : prompts) {
            for (var e : p.positions().entrySet()) {
                if (e.getKey().equals(TokenizedTask.END)) continue;
                double[] s = at.computeIfAbsent(e.getKey(), k -> new double[2]);
                s[0] += e.getValue();
                s[1]++;
            }
        }
        List<String> out = new ArrayList<>(at.keySet());
        out.sort(Comparator.<String>comparingDouble(k -> at.get(k)[0] / at.get(k)[1]).thenComparing(Comparator.naturalOrder()));
        return out;
    }

    // ---- OV next and copy scores ----------------------------------------------------------------------

    /** One labelled token of one clean prompt, with the token ids that count as a hit. */
    record LabelledToken(int prompt, String label, int position, String text, long[] copyIds, long[] nextIds) {
    }

    /**
     * seqcont_circuits' get_next_scores and get_copy_scores: x = an ln_1 (the head's own layer's,
     * or layer 1's: {@link OvDefinition}) on the stream after block 0 at each labelled position; per
     * head o = (x W_V + b_V) W_O, logits = unembed(ln_f(o)); a hit is the token ("copy") or its
     * successor ("next"), with or without a leading space, among the top 5.
     */
    private OvScores ov(PassView pass, JobContext ctx, boolean[][] only, java.util.function.IntConsumer layerDone) {
        List<LabelledToken> pairs = ovPairs();
        int pairCount = pairs.size();
        int withNext = (int) pairs.stream().filter(p -> p.nextIds().length > 0).count();
        double[][] next = new double[layers][heads], copy = new double[layers][heads];
        OvInput in = ovInput(pass, pairs);
        for (int l = 0; l < layers && !ctx.isCancelled(); l++) {
            boolean any = false;
            for (boolean b : only[l]) any |= b;
            if (!any) {
                java.util.Arrays.fill(next[l], Double.NaN);
                java.util.Arrays.fill(copy[l], Double.NaN);
                layerDone.accept(l);
                continue;
            }
            try (NDScope ignored = new NDScope(); Attention.HeadWeights w = task.model().blocks().get(l).attn().perHead()) {
                OvLayer layer = ovLayer(in, w, l);
                for (int h = 0; h < heads; h++) {
                    if (!only[l][h]) {
                        next[l][h] = copy[l][h] = Double.NaN;
                        continue;
                    }
                    long[] top = ovTop(in, layer, h);
                    int n = 0, c = 0;
                    for (int i = 0; i < pairCount; i++) {
                        LabelledToken t = pairs.get(i);
                        if (anyIn(top, i, t.nextIds())) n++;
                        if (anyIn(top, i, t.copyIds())) c++;
                    }
                    next[l][h] = 100.0 * n / pairCount;
                    copy[l][h] = 100.0 * c / pairCount;
                }
            }
            layerDone.accept(l);
        }
        return new OvScores(next, copy, pairCount, withNext, ovDefinition);
    }

    /** The (prompt, label) pairs OV scores, refusing a model or task they cannot be computed on. */
    private List<LabelledToken> ovPairs() {
        if (layers < 2) {
            throw new IllegalArgumentException("OV scores read the stream after block 0 as layer 1 does, and " + task.loaded().name()
                    + " has only one layer.");
        }
        List<LabelledToken> pairs = labelledTokens();
        if (pairs.isEmpty()) {
            throw new IllegalArgumentException("OV scores need labelled positions (S1, S2, …) in the task's clean prompts; this task has none.");
        }
        return pairs;
    }

    /** OV's input, the stream after block 0 at each pair's position ([P, d]), with the unembedding and ln_f's β · W_Uᵀ. */
    private record OvInput(NDArray resid, NDArray unembedT, NDArray shift) {
    }

    private OvInput ovInput(PassView pass, List<LabelledToken> pairs) {
        Gpt2Model m = task.model();
        NDArray resid = rowsAt(pass.residAfterBlock0(), pairs);                                      // [P, d]: blocks.1.hook_resid_pre
        NDArray unembedT = m.unembed().transpose();                                                  // [d, vocab]
        return new OvInput(resid, unembedT, m.lnF().bias().matMul(unembedT));                        // shift [vocab]: β · W_Uᵀ
    }

    /** One layer's heads on OV's input: (v / σ with a column of ones) [h, P, dh + 1], and (W_O − row means) · diag γ [h, dh, d]. */
    private record OvLayer(NDArray vs, NDArray wc) {
    }

    private OvLayer ovLayer(OvInput in, Attention.HeadWeights w, int layer) {
        LayerNorm lnF = task.model().lnF();
        // x = an ln_1 of the stream: the head's own layer's as the paper ran, or layer 1's as its code reads
        NDArray x = task.model().blocks().get(ovDefinition.lnLayer(layer)).ln1().forward(in.resid());   // [P, d]
        long pairCount = x.getShape().get(0);
        NDArray vIdx = x.getManager().arange(2, 3 * heads, 3, DataType.INT64);                       // rows 3h+2: W_V of head h
        NDArray v = x.expandDims(0).broadcast(heads, pairCount, x.getShape().get(1))
                .matMul(w.qkv().get(vIdx)).add(w.qkvBias().get(vIdx));                              // [h, P, d] @ [h, d, dh] -> [h, P, dh]
        NDArray o = v.matMul(w.out());                                                               // [h, P, dh] @ [h, dh, d] -> [h, P, d]
        NDArray oc = o.sub(o.mean(new int[] {-1}, true));
        NDArray sigma = oc.square().mean(new int[] {-1}, true).add(lnF.eps()).sqrt();              // [h, P, 1]: ln_f's scale of o
        // ln_f(o) W_Uᵀ = (v / σ) · (W_O − its row means) · diag γ · W_Uᵀ + β W_Uᵀ: the same logits through a
        // [d_head + 1, vocab] map per head (the last row β W_Uᵀ against a column of ones): d_model / d_head
        // times fewer multiplications than unembedding o, and one pass over the [P, vocab] logits
        NDArray wc = w.out().sub(w.out().mean(new int[] {-1}, true)).mul(lnF.weight());            // [h, dh, d]
        NDArray ones = x.getManager().ones(new Shape(heads, pairCount, 1));
        return new OvLayer(v.div(sigma).concat(ones, -1), wc);                                      // vs [h, P, dh + 1]
    }

    /** Head h's top 5 token ids for every pair, [P * 5], pair by pair. */
    private long[] ovTop(OvInput in, OvLayer layer, int h) {
        try (NDScope perHead = new NDScope()) {
            NDArray map = layer.wc().get(h).matMul(in.unembedT()).concat(in.shift().expandDims(0), 0);   // [dh + 1, vocab]
            // in blocks of pairs (Gpt2Model.LOGIT_BLOCK_VALUES): [block, dh + 1] @ map -> [block, vocab] -> [block, 5]
            return task.model().inLogitBlocks(layer.vs().get(h), TOP_K, block -> block.matMul(map).topK(TOP_K, -1).get(1));
        }
    }

    private static boolean anyIn(long[] top, int row, long[] ids) {
        for (int k = 0; k < TOP_K; k++) {
            for (long id : ids) if (top[row * TOP_K + k] == id) return true;
        }
        return false;
    }

    /** stream [batch, pos, d] -> the rows of the labelled positions, [pairs, d]. */
    private NDArray rowsAt(NDArray stream, List<LabelledToken> pairs) {
        Shape s = stream.getShape();
        long[] idx = new long[pairs.size()];
        for (int i = 0; i < idx.length; i++) idx[i] = pairs.get(i).prompt() * s.get(1) + pairs.get(i).position();
        return stream.reshape(s.get(0) * s.get(1), s.get(2)).get(stream.getManager().create(idx));
    }

    /** Every (clean prompt, label) pair, in prompt order and then label order, with its hit ids. */
    List<LabelledToken> labelledTokens() {
        TokenizedTask tt = task.tokenized();
        List<Prompt> prompts = tt.task().clean();
        List<String> labels = labels(prompts);
        Gpt2Tokenizer tok = task.loaded().tokenizer();
        List<LabelledToken> out = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            for (String label : labels) {
                Integer p = prompts.get(i).positions().get(label);
                if (p == null) continue;
                String text = Successors.stripLeadingSpace(tok.decode(new long[] {tt.cleanTokens(i)[p]}));
                String succ = Successors.next(text);
                out.add(new LabelledToken(i, label, p, text, hitIds(text), succ == null ? new long[0] : hitIds(succ)));
            }
        }
        return out;
    }

    /** The ids of the tokens that decode to {@code text} or to " " + text. */
    private long[] hitIds(String text) {
        Map<String, long[]> byText = vocabulary();
        long[] a = byText.getOrDefault(text, new long[0]), b = byText.getOrDefault(" " + text, new long[0]);
        long[] out = new long[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** Every token id by its decoded text, as the paper compares decoded top tokens with strings. */
    private Map<String, long[]> vocabulary() {
        Map<String, long[]> m = idsByText;
        if (m != null) return m;
        synchronized (this) {
            if (idsByText == null) {
                Gpt2Tokenizer tok = task.loaded().tokenizer();
                Map<String, long[]> built = new java.util.HashMap<>();
                int vocab = task.model().config().vocabSize();
                for (long id = 0; id < vocab; id++) {
                    String t = tok.decode(new long[] {id});
                    long[] prev = built.get(t);
                    if (prev == null) {
                        built.put(t, new long[] {id});
                    } else {
                        long[] grown = java.util.Arrays.copyOf(prev, prev.length + 1);
                        grown[prev.length] = id;
                        built.put(t, grown);
                    }
                }
                idsByText = built;
            }
            return idsByText;
        }
    }

    // ---- one head, for the app's head inspector ------------------------------------------------------

    /** The attention measure's labels for this task: its position labels in order (S1, S2, …), then end. */
    public List<String> attentionLabels() {
        List<String> out = new ArrayList<>(labels(task.tokenized().task().clean()));
        out.add(TokenizedTask.END);
        return out;
    }

    /** One head's OV top 5 tokens for every labelled token of every clean prompt, on the scope's pass. */
    public OvTokens ovTokens(Scope scope, Node.Head head) {
        which(List.of(head)); // in range
        List<LabelledToken> pairs = ovPairs();
        Gpt2Tokenizer tok = task.loaded().tokenizer();
        long[] top;
        try (NDScope ignored = new NDScope(); PassView pass = PassView.of(task, scope);
             Attention.HeadWeights w = task.model().blocks().get(head.layer()).attn().perHead()) {
            OvInput in = ovInput(pass, pairs);
            top = ovTop(in, ovLayer(in, w, head.layer()), head.head());
        }
        List<OvTokens.Entry> out = new ArrayList<>(pairs.size());
        for (int i = 0; i < pairs.size(); i++) {
            LabelledToken t = pairs.get(i);
            List<String> words = new ArrayList<>(TOP_K);
            for (int k = 0; k < TOP_K; k++) words.add(tok.decode(new long[] {top[i * TOP_K + k]}));
            out.add(new OvTokens.Entry(t.prompt(), t.label(), t.text(), words, anyIn(top, i, t.nextIds()), anyIn(top, i, t.copyIds())));
        }
        return new OvTokens(head, scope.label(), out);
    }

    /**
     * One head's attention pattern on clean prompt {@code prompt} in the scope's pass: the full
     * model's, a node circuit's (the layers below mean-ablated, as {@link AttentionPatterns}), or an
     * edge circuit's (each head from its own q and k inputs, {@link org.circuitbench.ablation.EdgeTrace#pattern}).
     */
    public AttentionPatterns.Pattern pattern(Scope scope, int prompt, Node.Head head) {
        which(List.of(head));
        if (prompt < 0 || prompt >= task.tokenized().cleanCount()) {
            throw new IllegalArgumentException("There is no clean prompt " + prompt + "; the task has " + task.tokenized().cleanCount() + ".");
        }
        return switch (scope) {
            case Scope.Full f -> AttentionPatterns.compute(task, prompt, head, null);
            case Scope.Nodes n -> AttentionPatterns.compute(task, prompt, head, n.circuit());
            case Scope.Edges e -> {
                int len = task.tokenized().cleanTokens(prompt).length;
                float[] flat;
                try (NDScope ignored = new NDScope(); EdgeEvaluator ev = new EdgeEvaluator(task, false)) {
                    flat = ev.trace(e.circuit()).pattern(head.layer())                                  // [head, batch, q, k]
                            .get(new NDIndex("{}, {}, :{}, :{}", head.head(), prompt, len, len)).toFloatArray();
                }
                float[][] w = new float[len][len];
                for (int q = 0; q < len; q++) System.arraycopy(flat, q * len, w[q], 0, len);
                String[] tokens = task.loaded().tokenizer().tokenTexts(task.tokenized().task().clean().get(prompt).text());
                yield new AttentionPatterns.Pattern(head, prompt, tokens, w, true);
            }
        };
    }

    // ---- head types (TransformerLens head_detector) ---------------------------------------------------

    /**
     * previous-token, duplicate-token and induction scores ("mul" measure, no exclusions): for each
     * sequence, Σ pattern · detection / Σ pattern, then the mean over sequences. On the full model.
     */
    public HeadTypes headTypes() {
        var cfg = task.model().config();
        long bos = bosId();
        int prefix = bos >= 0 ? 1 : 0;
        int half = Math.min(HEAD_HALF_LENGTH, (cfg.nPositions() - prefix) / 2);
        if (half < 2) throw new IllegalArgumentException(task.loaded().name() + " reads too few positions for the head-type scores.");
        int t = prefix + 2 * half, batch = HEAD_BATCH;
        long[] tokens = repeatedRandomTokens(cfg.vocabSize(), bos, half, batch, HEAD_SEED);
        double[][] prev = new double[cfg.nLayer()][cfg.nHead()], dup = new double[cfg.nLayer()][cfg.nHead()],
                ind = new double[cfg.nLayer()][cfg.nHead()];
        try (NDScope ignored = new NDScope()) {
            NDManager mgr = task.manager();
            NDArray ids = mgr.create(tokens, new Shape(batch, t));
            NDArray[] detection = {
                    mgr.create(previousTokenPattern(batch, t), new Shape(batch, 1, t, t)),
                    mgr.create(duplicateTokenPattern(tokens, batch, t), new Shape(batch, 1, t, t)),
                    mgr.create(inductionPattern(tokens, batch, t), new Shape(batch, 1, t, t))};
            double[][][] out = {prev, dup, ind};
            List<NDArray> residPre = new ArrayList<>();
            task.model().forward(ids, (point, layer, act) -> {
                if (point == HookPoint.RESID_PRE) residPre.add(act);
                return act;
            });
            for (int l = 0; l < cfg.nLayer(); l++) {
                Block b = task.model().blocks().get(l);
                NDArray pattern = b.attn().pattern(b.ln1().forward(residPre.get(l)));           // [batch, head, t, t]
                NDArray mass = pattern.sum(new int[] {2, 3});                                    // [batch, head]
                for (int d = 0; d < 3; d++) {
                    float[] s = pattern.mul(detection[d]).sum(new int[] {2, 3}).div(mass).mean(new int[] {0}).toFloatArray(); // [head]
                    for (int h = 0; h < cfg.nHead(); h++) out[d][l][h] = s[h];
                }
            }
        }
        return new HeadTypes(prev, dup, ind, HEAD_SEED, half, batch, bos);
    }

    /** &lt;|endoftext|&gt;, as TransformerLens prepends it; −1 when the tokenizer has no such single token. */
    private long bosId() {
        long[] ids = task.loaded().tokenizer().encode("<|endoftext|>");
        return ids.length == 1 && ids[0] < task.model().config().vocabSize() ? ids[0] : -1;
    }

    /** batch rows of [bos] + r + r, r drawn uniformly from the vocabulary by a seeded generator: [batch * t]. */
    static long[] repeatedRandomTokens(int vocab, long bos, int half, int batch, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int prefix = bos >= 0 ? 1 : 0, t = prefix + 2 * half;
        long[] out = new long[batch * t];
        for (int b = 0; b < batch; b++) {
            if (prefix == 1) out[b * t] = bos;
            for (int i = 0; i < half; i++) {
                long tok = rnd.nextInt(vocab);
                out[b * t + prefix + i] = tok;
                out[b * t + prefix + half + i] = tok;
            }
        }
        return out;
    }

    /** 1 at (q, q − 1). */
    static float[] previousTokenPattern(int batch, int t) {
        float[] p = new float[batch * t * t];
        for (int b = 0; b < batch; b++) for (int q = 1; q < t; q++) p[(b * t + q) * t + q - 1] = 1;
        return p;
    }

    /** 1 at (q, k) for k < q holding the same token as q. */
    static float[] duplicateTokenPattern(long[] tokens, int batch, int t) {
        float[] p = new float[batch * t * t];
        for (int b = 0; b < batch; b++) {
            for (int q = 0; q < t; q++) {
                for (int k = 0; k < q; k++) if (tokens[b * t + k] == tokens[b * t + q]) p[(b * t + q) * t + k] = 1;
            }
        }
        return p;
    }

    /** The duplicate pattern shifted one key to the right (k − 1 holds q's token), kept at k ≤ q. */
    static float[] inductionPattern(long[] tokens, int batch, int t) {
        float[] p = new float[batch * t * t];
        for (int b = 0; b < batch; b++) {
            for (int q = 0; q < t; q++) {
                for (int k = 1; k <= q; k++) {
                    int src = k - 1;
                    if (src < q && tokens[b * t + src] == tokens[b * t + q]) p[(b * t + q) * t + k] = 1;
                }
            }
        }
        return p;
    }

    private static double mean(float[] v) {
        double s = 0;
        for (float x : v) s += x;
        return s / v.length;
    }
}
