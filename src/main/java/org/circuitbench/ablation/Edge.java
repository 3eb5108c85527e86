package org.circuitbench.ablation;

import org.circuitbench.util.Texts;

import java.util.Locale;

/**
 * A connection of the edge graph (edges.md): {@code sender} writes what {@code receiver} reads,
 * written {@code 4.4->9.1.k}. Whether it exists in a model is checked by {@link EdgeGraph}.
 */
public record Edge(Sender sender, Receiver receiver) implements Element {

    /** Parses {@code embed->0.3.q}, {@code 4.4->9.1.k}, {@code 2.mlp->logits} or {@code 5.7->5.mlp}. */
    public static Edge parse(String s) {
        String t = s == null ? "" : s.trim();
        int arrow = t.indexOf("->");
        if (arrow < 0) {
            throw new IllegalArgumentException("Cannot read " + Texts.quoted(s) + " as an edge: write SENDER->RECEIVER, such as 4.4->9.1.k, "
                    + "embed->0.3.q or 2.mlp->logits.");
        }
        return new Edge(parseSender(t.substring(0, arrow).trim(), s), parseReceiver(t.substring(arrow + 2).trim(), s));
    }

    static Sender parseSender(String t, String whole) {
        if (t.equalsIgnoreCase("embed")) return Sender.EMBED;
        try {
            return (Sender) Node.parse(t);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Unknown sender " + Texts.quoted(t) + " in edge " + Texts.quoted(whole) + ": a sender is embed, L.H or L.mlp.");
        }
    }

    static Receiver parseReceiver(String t, String whole) {
        if (t.equalsIgnoreCase("logits")) return Receiver.LOGITS;
        String lower = t.toLowerCase(Locale.ROOT);
        if (lower.endsWith(".mlp")) {
            try {
                return (Node.Mlp) Node.parse(t);
            } catch (IllegalArgumentException e) {
                // fall through to the message below
            }
        } else {
            int dot = t.lastIndexOf('.');
            if (dot > 0) {
                String ch = lower.substring(dot + 1);
                for (Receiver.Channel c : Receiver.Channel.values()) {
                    if (c.id().equals(ch)) {
                        try {
                            if (Node.parse(t.substring(0, dot)) instanceof Node.Head h) return h.input(c);
                        } catch (IllegalArgumentException e) {
                            // fall through to the message below
                        }
                    }
                }
                try {
                    if (Node.parse(t) instanceof Node.Head) {
                        throw new IllegalArgumentException("The receiver " + Texts.quoted(t) + " in edge " + Texts.quoted(whole)
                                + " needs q, k or v: a head reads three inputs, such as " + t + ".q.");
                    }
                } catch (IllegalArgumentException e) {
                    if (e.getMessage().startsWith("The receiver")) throw e;
                }
            }
        }
        throw new IllegalArgumentException("Unknown receiver " + Texts.quoted(t) + " in edge " + Texts.quoted(whole)
                + ": a receiver is L.H.q, L.H.k, L.H.v, L.mlp or logits.");
    }

    @Override
    public String toString() {
        return sender + "->" + receiver;
    }
}
