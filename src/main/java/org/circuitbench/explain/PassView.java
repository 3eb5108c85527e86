package org.circuitbench.explain;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import org.circuitbench.ablation.AblationTask;
import org.circuitbench.ablation.Circuit;
import org.circuitbench.ablation.EdgeCircuit;
import org.circuitbench.ablation.EdgeEvaluator;
import org.circuitbench.ablation.Node;
import org.circuitbench.ablation.Receiver;
import org.circuitbench.ablation.Sender;
import org.circuitbench.model.Block;
import org.circuitbench.model.Gpt2Model;
import org.circuitbench.model.Hook;
import org.circuitbench.model.HookPoint;

import java.util.List;

/**
 * One pass over the clean prompts laid open for the measures: what the logits read from each
 * component at each prompt's end, the attention rows from end, and the stream after block 0.
 * Its arrays live in the caller's NDScope.
 *
 * <p>Components, in this order: {@code embed}; then per layer its heads 0..H−1, its attention
 * bias b_O, its MLP. For the full model and a node circuit they are the real outputs of the pass
 * (a head's z after the ablation rule, times its W_O rows); for an edge circuit they are what the
 * logits receiver reads from each sender (its output if the edge to the logits is kept, its mean
 * if not). Either way they sum to what ln_f reads.
 */
abstract sealed class PassView implements AutoCloseable permits PassView.NodePass, PassView.EdgePass {
    final AblationTask task;
    final int layers;
    final int heads;

    PassView(AblationTask task) {
        this.task = task;
        this.layers = task.model().config().nLayer();
        this.heads = task.model().config().nHead();
    }

    static PassView of(AblationTask task, Scope scope) {
        return switch (scope) {
            case Scope.Full f -> new NodePass(task, null);
            case Scope.Nodes n -> new NodePass(task, n.circuit());
            case Scope.Edges e -> new EdgePass(task, e.circuit());
        };
    }

    int componentCount() {
        return 1 + layers * (heads + 2);
    }

    int headIndex(int layer, int head) {
        return 1 + layer * (heads + 2) + head;
    }

    int biasIndex(int layer) {
        return 1 + layer * (heads + 2) + heads;
    }

    int mlpIndex(int layer) {
        return 1 + layer * (heads + 2) + heads + 1;
    }

    /** Every component at each prompt's end, [components, batch, d_model]. */
    abstract NDArray components();

    /** What ln_f reads at each prompt's end, [batch, d_model]. */
    abstract NDArray finalInput();

    /** The pass's logit difference per prompt. */
    abstract float[] perPrompt();

    /** Layer l's attention probabilities on each prompt's end row: [batch, head, key_pos]. */
    abstract NDArray endAttention(int layer);

    /** The residual stream after block 0 (the input of layer 1), [batch, pos, d_model]. */
    abstract NDArray residAfterBlock0();

    @Override
    public void close() {
    }

    /** [batch, head, query, key] -> the rows at each prompt's end, [batch, head, key]. */
    NDArray endRows(NDArray pattern) {
        Shape s = pattern.getShape();
        NDArray byQuery = pattern.transpose(0, 2, 1, 3).reshape(s.get(0), s.get(2), s.get(1) * s.get(3)); // [b, q, h*k]
        return task.atEnd(byQuery).reshape(s.get(0), s.get(1), s.get(3));                              // [b, h*k] -> [b, h, k]
    }

    NDArray bias(int layer) {
        return task.model().blocks().get(layer).attn().cProj().bias();
    }

    /** The full model, or a node circuit under the node ablation rule, as one hooked forward pass. */
    static final class NodePass extends PassView {
        private final NDArray[] residPre;
        private final NDArray[] zEnd;   // per layer [batch, head, d_head], after the ablation rule
        private final NDArray[] mlpEnd; // per layer [batch, d_model]
        private final NDArray resid;
        private NDArray components;

        NodePass(AblationTask task, Circuit circuit) {
            super(task);
            if (circuit != null && (circuit.layers() != layers || circuit.heads() != heads)) {
                throw new IllegalArgumentException("The circuit is for a " + circuit.layers() + "×" + circuit.heads() + " model but "
                        + task.loaded().name() + " is " + layers + "×" + heads + ".");
            }
            Hook rule = circuit == null ? Hook.NONE : task.ablation(circuit);
            residPre = new NDArray[layers];
            NDArray[] z = new NDArray[layers];
            NDArray[] mlp = new NDArray[layers];
            resid = task.model().forward(task.tokens(), (point, layer, act) -> {
                NDArray out = rule.apply(point, layer, act);
                switch (point) {
                    case RESID_PRE -> residPre[layer] = out;
                    case Z -> z[layer] = out;
                    case MLP_OUT -> mlp[layer] = out;
                    default -> { }
                }
                return out;
            });
            zEnd = new NDArray[layers];
            mlpEnd = new NDArray[layers];
            for (int l = 0; l < layers; l++) {
                Shape s = z[l].getShape();
                zEnd[l] = task.atEnd(z[l].reshape(s.get(0), s.get(1), s.get(2) * s.get(3))).reshape(s.get(0), s.get(2), s.get(3)); // [b, h, dh]
                mlpEnd[l] = task.atEnd(mlp[l]);
            }
        }

        @Override
        NDArray components() {
            if (components != null) return components;
            NDList parts = new NDList(componentCount());
            NDArray embed = task.atEnd(residPre[0]);                                   // hook_embed + hook_pos_embed
            parts.add(embed);
            for (int l = 0; l < layers; l++) {
                Block b = task.model().blocks().get(l);
                NDArray wO = perHeadOut(b, heads);                                     // [head, d_head, d_model]
                NDArray results = zEnd[l].transpose(1, 0, 2).matMul(wO);               // [h, b, dh] @ [h, dh, d] -> [h, b, d]
                for (int h = 0; h < heads; h++) parts.add(results.get(h));
                parts.add(bias(l).broadcast(embed.getShape()));
                parts.add(mlpEnd[l]);
            }
            components = NDArrays.stack(parts);                                        // [components, b, d]
            return components;
        }

        @Override
        NDArray finalInput() {
            return task.atEnd(resid);
        }

        @Override
        float[] perPrompt() {
            return task.logitDiff(resid).toFloatArray();
        }

        @Override
        NDArray endAttention(int layer) {
            Block b = task.model().blocks().get(layer);
            return endRows(b.attn().pattern(b.ln1().forward(residPre[layer])));
        }

        @Override
        NDArray residAfterBlock0() {
            return layers > 1 ? residPre[1] : resid;
        }
    }

    /** W_O split by head: c_proj's weight [d_model, head * d_head] -> [head, d_head, d_model]. */
    static NDArray perHeadOut(Block b, int heads) {
        NDArray w = b.attn().cProj().weight();
        long d = w.getShape().get(0);
        return w.reshape(d, heads, -1).transpose(1, 2, 0);
    }

    /** An edge circuit's edge-ablated pass, through {@link EdgeEvaluator#trace}. */
    static final class EdgePass extends PassView {
        private final EdgeEvaluator evaluator;
        private final org.circuitbench.ablation.EdgeTrace trace;
        private NDArray components;

        EdgePass(AblationTask task, EdgeCircuit circuit) {
            super(task);
            evaluator = new EdgeEvaluator(task, false);
            try {
                trace = evaluator.trace(circuit);
            } catch (RuntimeException e) {
                evaluator.close();
                throw e;
            }
        }

        private NDArray read(Sender s) {
            return task.atEnd(trace.readBy(s, Receiver.LOGITS));
        }

        @Override
        NDArray components() {
            if (components != null) return components;
            NDList parts = new NDList(componentCount());
            NDArray embed = read(Sender.EMBED);
            parts.add(embed);
            for (int l = 0; l < layers; l++) {
                for (int h = 0; h < heads; h++) parts.add(read(Node.head(l, h)));
                parts.add(bias(l).broadcast(embed.getShape()));
                parts.add(read(Node.mlp(l)));
            }
            components = NDArrays.stack(parts);
            return components;
        }

        @Override
        NDArray finalInput() {
            return task.atEnd(trace.input(Receiver.LOGITS));
        }

        @Override
        float[] perPrompt() {
            return trace.perPrompt();
        }

        @Override
        NDArray endAttention(int layer) {
            return endRows(trace.pattern(layer).transpose(1, 0, 2, 3));                 // [h, b, q, k] -> [b, h, q, k]
        }

        @Override
        NDArray residAfterBlock0() {
            return layers > 1 ? trace.residPre(1) : trace.residFinal();
        }

        @Override
        public void close() {
            evaluator.close();
        }
    }

    static List<String> componentNames(int layers, int heads) {
        List<String> out = new java.util.ArrayList<>();
        out.add("embed");
        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < heads; h++) out.add(l + "." + h);
            out.add(l + ".attn_bias");
            out.add(l + ".mlp");
        }
        return out;
    }
}
