package org.circuitbench.ablation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import org.circuitbench.model.Attention;
import org.circuitbench.model.Hook;
import org.circuitbench.model.HookPoint;

/**
 * The plain edge-ablated pass of edges.md, written as hooks on the model's own forward pass, the
 * way auto-circuit or TransformerLens code does it (with {@code use_split_qkv_input},
 * {@code use_attn_result} and {@code use_hook_mlp_in} on): capture every sender's output as the
 * pass computes it ({@code hook_embed + hook_pos_embed}, {@code attn.hook_result},
 * {@code hook_mlp_out}), and replace every receiver's input ({@code hook_q_input},
 * {@code hook_k_input}, {@code hook_v_input} per head, {@code hook_mlp_in}, and the last
 * {@code hook_resid_post} for the logits) by
 * <pre>in_r = resid_r + Σ over removed edges s->r of (μ_s − a_s)</pre>
 * At a position outside {@code keep} every head's z is its mean ({@code hook_z}). One full pass
 * per circuit, every head of every layer computed: it shares no code with the fast pass
 * ({@link EdgeForward}), which it checks.
 */
public final class EdgeHookReference implements Scorer<EdgeCircuit> {
    private final AblationTask task;
    private final EdgeGraph graph;

    public EdgeHookReference(AblationTask task) {
        this.task = task;
        var cfg = task.model().config();
        this.graph = new EdgeGraph(cfg.nLayer(), cfg.nHead());
    }

    public EdgeGraph graph() {
        return graph;
    }

    @Override
    public double score(EdgeCircuit c) {
        return task.score(perPrompt(c), scale());
    }

    @Override
    public Method method() {
        return task.method();
    }

    /** Per-prompt metric values of the edge-ablated pass, [batch]. */
    public float[] perPrompt(EdgeCircuit c) {
        try (NDScope ignored = new NDScope()) {
            return task.metric(logitsInput(c)).toFloatArray();
        }
    }

    /** The score with per-prompt details. */
    public ScoreDetails details(EdgeCircuit c) {
        try (NDScope ignored = new NDScope()) {
            return task.details(null, task.atEnd(logitsInput(c)), scale());
        }
    }

    /** The logits' input, [batch, pos, d_model]: the last hook_resid_post with the removed edges into the logits. */
    private NDArray logitsInput(EdgeCircuit c) {
        if (!c.graph().equals(graph)) throw new IllegalArgumentException("The edge circuit is for another model's graph (" + c.graph() + ").");
        return task.model().forward(task.tokens(), new Pass(c));
    }

    /** The edge level's scale (faithfulness: from the empty edge circuit), as the task keeps it once. */
    private ScoreScale scale() {
        try {
            return task.edgeScale(() -> perPrompt(EdgeCircuit.none(graph)));
        } catch (org.circuitbench.task.TaskException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** The hooks of one pass: what each sender wrote, as μ_s − a_s, and each receiver's corrected input. */
    private final class Pass implements Hook {
        private final EdgeCircuit c;
        private final NDArray[] delta = new NDArray[graph.senderCount()]; // μ_s − a_s, [batch, pos, d_model]
        private NDArray tokenEmbed;

        Pass(EdgeCircuit c) {
            this.c = c;
        }

        @Override
        public boolean uses(HookPoint point) {
            return point.optional(); // q/k/v inputs per head, hook_result, hook_mlp_in
        }

        @Override
        public NDArray apply(HookPoint point, int layer, NDArray act) {
            return switch (point) {
                case EMBED -> tokenEmbed = act;
                case POS_EMBED -> {
                    delta[0] = task.means().embed().sub(tokenEmbed.add(act));                        // [b, pos, d]
                    yield act;
                }
                case Z -> {                                                                           // [b, pos, head, d_head]
                    NDArray kept = task.keptPos().expandDims(3).broadcast(act.getShape());            // [b, pos, 1] -> [b, pos, head, d_head]
                    yield NDArrays.where(kept, act, task.means().z()[layer]);
                }
                case RESULT -> {                                                                      // [b, pos, head, d_model]
                    NDArray mu = attention(layer).result(task.means().z()[layer]);                  // the mean z through W_O, per head
                    NDArray d = mu.sub(act);
                    for (int h = 0; h < graph.heads(); h++) delta[graph.senderIndex(Node.head(layer, h))] = d.get(new NDIndex(":, :, {}, :", h));
                    yield act;
                }
                case MLP_OUT -> {
                    delta[graph.senderIndex(Node.mlp(layer))] = task.means().mlp()[layer].sub(act);
                    yield act;
                }
                case Q_INPUT, K_INPUT, V_INPUT -> {                                                   // [b, pos, head, d_model]
                    Receiver.Channel ch = Receiver.Channel.values()[point.ordinal() - HookPoint.Q_INPUT.ordinal()];
                    NDList perHead = new NDList(graph.heads());
                    for (int h = 0; h < graph.heads(); h++) {
                        perHead.add(corrected(act.get(new NDIndex(":, :, {}, :", h)), Node.head(layer, h).input(ch)));
                    }
                    yield NDArrays.stack(perHead, 2);                                                  // h x [b, pos, d] -> [b, pos, head, d]
                }
                case MLP_IN -> corrected(act, Node.mlp(layer));
                case RESID_POST -> layer == graph.layers() - 1 ? corrected(act, Receiver.LOGITS) : act;
                default -> act;
            };
        }

        /** Receiver r's input: the stream plus μ_s − a_s of every sender whose edge into r is removed. */
        private NDArray corrected(NDArray stream, Receiver r) {
            int ri = graph.receiverIndex(r);
            // summed in place into one array (no autograd runs through this pass): stacking every removed
            // delta first ([senders, b, pos, d]) made one large fresh array per receiver, and faulting its
            // pages in took most of this pass's time
            NDArray removed = null;
            for (int s = 0; s < graph.sendersOf(ri); s++) {
                if (c.contains(s, ri)) continue;
                if (removed == null) removed = delta[s].duplicate();
                else removed.addi(delta[s]);
            }
            return removed == null ? stream : removed.addi(stream);
        }
    }

    private Attention attention(int layer) {
        return task.model().blocks().get(layer).attn();
    }
}
