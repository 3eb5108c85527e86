package org.circuitbench.ablation;

import java.util.Locale;

/**
 * A node of the edge graph that reads the residual stream (edges.md): one of a head's query, key
 * and value inputs, an MLP's input, or the logits. {@link #inputHook()} names the
 * TransformerLens hook.
 */
public sealed interface Receiver permits Receiver.HeadInput, Node.Mlp, Receiver.Logits {

    /** The layer of the receiver; the logits come after the last layer. */
    int layer();

    String inputHook();

    Logits LOGITS = new Logits();

    /** Which of a head's three inputs. */
    enum Channel {
        Q, K, V;

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The stream a head's query, key or value reads, before its own ln_1. */
    record HeadInput(Node.Head head, Channel channel) implements Receiver {
        @Override
        public int layer() {
            return head.layer();
        }

        @Override
        public String inputHook() {
            return "blocks." + head.layer() + ".hook_" + channel.id() + "_input";
        }

        @Override
        public String toString() {
            return head + "." + channel.id();
        }
    }

    /** The residual stream after the last block, before ln_f. */
    record Logits() implements Receiver {
        @Override
        public int layer() {
            return Integer.MAX_VALUE;
        }

        @Override
        public String inputHook() {
            return "blocks.<last>.hook_resid_post (the input of ln_final)";
        }

        @Override
        public String toString() {
            return "logits";
        }
    }
}
