package org.circuitbench.ablation;

import java.util.ArrayList;
import java.util.List;

/**
 * The edge graph of a model with {@code layers} × {@code heads} heads (edges.md). Senders have a
 * topological index ({@code embed, 0.0, …, 0.(H−1), 0.mlp, 1.0, …}); receivers have an index in
 * forward order (layer by layer: each head's q, k, v, then the MLP; the logits last). A receiver
 * is fed by a prefix of the senders, so an edge's id is the receiver's offset plus the sender's
 * index, and an edge circuit is a bit set over these ids.
 */
public final class EdgeGraph {
    private final int layers;
    private final int heads;
    private final int[] senderCount; // per receiver: how many senders feed it (a prefix of the topological order)
    private final int[] offset;      // per receiver: the id of its edge from embed
    private final int edgeCount;

    public EdgeGraph(int layers, int heads) {
        if (layers < 1 || heads < 1) throw new IllegalArgumentException("A model needs at least one layer and one head.");
        this.layers = layers;
        this.heads = heads;
        int receivers = receiverCount();
        senderCount = new int[receivers];
        offset = new int[receivers];
        int id = 0;
        for (int r = 0; r < receivers; r++) {
            offset[r] = id;
            senderCount[r] = firstSenderAfter(receiver(r));
            id += senderCount[r];
        }
        edgeCount = id;
    }

    public int layers() {
        return layers;
    }

    public int heads() {
        return heads;
    }

    public int edgeCount() {
        return edgeCount;
    }

    public int senderCount() {
        return 1 + layers * (heads + 1);
    }

    public int receiverCount() {
        return layers * (3 * heads + 1) + 1;
    }

    // ---- senders --------------------------------------------------------------------------------

    /** The topological index of a sender. */
    public int senderIndex(Sender s) {
        return switch (s) {
            case Sender.Embed e -> 0;
            case Node.Head h -> 1 + h.layer() * (heads + 1) + h.head();
            case Node.Mlp m -> 1 + m.layer() * (heads + 1) + heads;
        };
    }

    public Sender sender(int index) {
        if (index == 0) return Sender.EMBED;
        int layer = (index - 1) / (heads + 1), within = (index - 1) % (heads + 1);
        return within == heads ? Node.mlp(layer) : Node.head(layer, within);
    }

    /** The first sender index that does not feed {@code r}: senders before it are exactly r's senders. */
    private int firstSenderAfter(Receiver r) {
        return switch (r) {
            case Receiver.HeadInput in -> 1 + in.layer() * (heads + 1);          // embed and every node of lower layers
            case Node.Mlp m -> 1 + m.layer() * (heads + 1) + heads;              // ... and the heads of its own layer
            case Receiver.Logits l -> senderCount();
        };
    }

    // ---- receivers ------------------------------------------------------------------------------

    public int receiverIndex(Receiver r) {
        return switch (r) {
            case Receiver.HeadInput in -> in.layer() * (3 * heads + 1) + 3 * in.head().head() + in.channel().ordinal();
            case Node.Mlp m -> m.layer() * (3 * heads + 1) + 3 * heads;
            case Receiver.Logits l -> layers * (3 * heads + 1);
        };
    }

    public Receiver receiver(int index) {
        if (index == layers * (3 * heads + 1)) return Receiver.LOGITS;
        int layer = index / (3 * heads + 1), within = index % (3 * heads + 1);
        if (within == 3 * heads) return Node.mlp(layer);
        return Node.head(layer, within / 3).input(Receiver.Channel.values()[within % 3]);
    }

    /** How many senders feed receiver {@code r} (by index). */
    public int sendersOf(int receiver) {
        return senderCount[receiver];
    }

    // ---- edges ----------------------------------------------------------------------------------

    /** Whether {@code e} is an edge of this graph; {@link #check} says why not. */
    public boolean contains(Edge e) {
        return inside(e.sender()) && inside(e.receiver()) && senderIndex(e.sender()) < senderCount[receiverIndex(e.receiver())];
    }

    /** The edge, or a one-line message naming what is wrong with it. */
    public Edge check(Edge e) {
        if (!inside(e.sender()) || !inside(e.receiver())) {
            throw new IllegalArgumentException("Edge " + e + " names a node outside the model, which has layers 0–"
                    + (layers - 1) + " and heads 0–" + (heads - 1) + ".");
        }
        if (!contains(e)) {
            throw new IllegalArgumentException("Edge " + e + " does not exist: a sender feeds only later receivers "
                    + "(a head of layer L feeds heads above L, MLPs of layer L and above, and the logits).");
        }
        return e;
    }

    /** Parses and checks an edge name such as {@code 4.4->9.1.k}. */
    public Edge parse(String s) {
        return check(Edge.parse(s));
    }

    public int id(Edge e) {
        int r = receiverIndex(e.receiver());
        return offset[r] + senderIndex(e.sender());
    }

    public Edge edge(int id) {
        int r = java.util.Arrays.binarySearch(offset, id);
        if (r < 0) r = -r - 2;
        while (r + 1 < offset.length && offset[r + 1] == id) r++; // receivers without senders never occur, but be safe
        return new Edge(sender(id - offset[r]), receiver(r));
    }

    /** The id of the edge from sender {@code s} (topological index) to receiver {@code r} (index). */
    public int id(int s, int r) {
        return offset[r] + s;
    }

    /**
     * Every edge in the pruning order of edges.md: receivers from the logits down, a layer's MLP
     * before its heads, each head's q, k, v; a receiver's senders from the latest to the earliest.
     */
    public List<Edge> pruningOrder() {
        List<Edge> out = new ArrayList<>(edgeCount);
        for (int r : receiversInPruningOrder()) {
            for (int s = senderCount[r] - 1; s >= 0; s--) out.add(new Edge(sender(s), receiver(r)));
        }
        return out;
    }

    /** Receiver indices: the logits, then each layer from the top: its MLP, then heads 0..H−1 with q, k, v. */
    public int[] receiversInPruningOrder() {
        int[] out = new int[receiverCount()];
        int i = 0;
        out[i++] = receiverIndex(Receiver.LOGITS);
        for (int l = layers - 1; l >= 0; l--) {
            out[i++] = receiverIndex(Node.mlp(l));
            for (int h = 0; h < heads; h++) {
                for (Receiver.Channel c : Receiver.Channel.values()) out[i++] = receiverIndex(Node.head(l, h).input(c));
            }
        }
        return out;
    }

    private boolean inside(Sender s) {
        return switch (s) {
            case Sender.Embed e -> true;
            case Node.Head h -> h.layer() >= 0 && h.layer() < layers && h.head() >= 0 && h.head() < heads;
            case Node.Mlp m -> m.layer() >= 0 && m.layer() < layers;
        };
    }

    private boolean inside(Receiver r) {
        return switch (r) {
            case Receiver.HeadInput in -> inside((Sender) in.head());
            case Node.Mlp m -> inside((Sender) m);
            case Receiver.Logits l -> true;
        };
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EdgeGraph g && g.layers == layers && g.heads == heads;
    }

    @Override
    public int hashCode() {
        return layers * 1000 + heads;
    }

    @Override
    public String toString() {
        return layers + "×" + heads + " edge graph (" + edgeCount + " edges)";
    }
}
