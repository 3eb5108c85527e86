package org.circuitbench.ablation;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.List;

/**
 * An immutable set of nodes of a model with {@code layers} × {@code heads} heads. When MLPs are
 * not nodes of the circuit (the seed's setting, and the default) they are never ablated.
 */
public final class Circuit implements CircuitOf<Node, Circuit> {
    private final int layers;
    private final int heads;
    private final BitSet headBits; // bit layer * heads + head
    private final BitSet mlpBits;  // bit layer; null when MLPs are not nodes

    private Circuit(int layers, int heads, BitSet headBits, BitSet mlpBits) {
        this.layers = layers;
        this.heads = heads;
        this.headBits = headBits;
        this.mlpBits = mlpBits;
    }

    public static Circuit all(int layers, int heads) {
        BitSet b = new BitSet();
        b.set(0, layers * heads);
        return new Circuit(layers, heads, b, null);
    }

    public static Circuit none(int layers, int heads) {
        return new Circuit(layers, heads, new BitSet(), null);
    }

    /** Every head and every MLP, with MLPs as nodes that a search may remove. */
    public static Circuit allWithMlps(int layers, int heads) {
        BitSet m = new BitSet();
        m.set(0, layers);
        return new Circuit(layers, heads, all(layers, heads).headBits, m);
    }

    /**
     * Builds a circuit from nodes; if any node is an MLP, MLPs become nodes and those not listed are
     * ablated. Throws with the bounds when a node lies outside the model.
     */
    public static Circuit of(int layers, int heads, Collection<Node> nodes) {
        return of(layers, heads, nodes, false);
    }

    /** As {@link #of(int, int, Collection)}; with {@code mlpNodes} MLPs are nodes even if none is listed. */
    public static Circuit of(int layers, int heads, Collection<Node> nodes, boolean mlpNodes) {
        BitSet h = new BitSet();
        BitSet m = mlpNodes ? new BitSet() : null;
        for (Node n : nodes) {
            checkBounds(n, layers, heads);
            switch (n) {
                case Node.Head x -> h.set(x.layer() * heads + x.head());
                case Node.Mlp x -> {
                    if (m == null) m = new BitSet();
                    m.set(x.layer());
                }
            }
        }
        return new Circuit(layers, heads, h, m);
    }

    private static void checkBounds(Node n, int layers, int heads) {
        boolean inside = n.layer() >= 0 && n.layer() < layers && switch (n) {
            case Node.Head x -> x.head() >= 0 && x.head() < heads;
            case Node.Mlp x -> true;
        };
        if (!inside) {
            throw new IllegalArgumentException("Head " + n + " is outside the model, which has layers 0–" + (layers - 1)
                    + " and heads 0–" + (heads - 1) + ".");
        }
    }

    /**
     * Parses {@code all}, {@code all+mlp}, {@code none}, or a comma-separated list such as
     * {@code 0.1,4.4,9.1} (with {@code L.mlp} for MLPs). A list may be wrapped in brackets and
     * quotes, as JSON output writes it; it is read strictly ({@link SpecNames}). Empty text is
     * refused: the empty circuit is {@code none}.
     */
    public static Circuit parse(String spec, int layers, int heads) {
        String s = spec == null ? "" : spec.trim();
        switch (s.toLowerCase(java.util.Locale.ROOT)) {
            case "all" -> {
                return all(layers, heads);
            }
            case "all+mlp", "all+mlps" -> {
                return allWithMlps(layers, heads);
            }
            case "none" -> {
                return none(layers, heads);
            }
            case "" -> throw new IllegalArgumentException("The circuit is empty; write none for the empty circuit or all for every head.");
            default -> {
                List<Node> nodes = new ArrayList<>();
                for (String name : SpecNames.of(s, "head")) nodes.add(Node.parse(name));
                return of(layers, heads, nodes);
            }
        }
    }

    @Override
    public Level level() {
        return Level.NODES;
    }

    @Override
    public int layers() {
        return layers;
    }

    @Override
    public int heads() {
        return heads;
    }

    public boolean hasMlpNodes() {
        return mlpBits != null;
    }

    public boolean containsHead(int layer, int head) {
        return headBits.get(layer * heads + head);
    }

    /** Whether the MLP of a layer runs unablated (always so when MLPs are not nodes). */
    public boolean keepsMlp(int layer) {
        return mlpBits == null || mlpBits.get(layer);
    }

    @Override
    public boolean contains(Node n) {
        return switch (n) {
            case Node.Head x -> containsHead(x.layer(), x.head());
            case Node.Mlp x -> mlpBits != null && mlpBits.get(x.layer());
        };
    }

    /** Whether the node runs unablated: a head in the circuit, or an MLP kept (always so when MLPs are not nodes). */
    public boolean keeps(Node n) {
        return switch (n) {
            case Node.Head x -> containsHead(x.layer(), x.head());
            case Node.Mlp x -> keepsMlp(x.layer());
        };
    }

    @Override
    public Circuit with(Node n, boolean present) {
        BitSet h = (BitSet) headBits.clone();
        BitSet m = mlpBits == null ? null : (BitSet) mlpBits.clone();
        switch (n) {
            case Node.Head x -> h.set(x.layer() * heads + x.head(), present);
            case Node.Mlp x -> {
                if (m == null) {
                    m = new BitSet();
                    m.set(0, layers);
                }
                m.set(x.layer(), present);
            }
        }
        return new Circuit(layers, heads, h, m);
    }

    /** Heads of one layer in the circuit, in order. */
    public int[] headsInLayer(int layer) {
        return headBits.get(layer * heads, (layer + 1) * heads).stream().toArray();
    }

    public int headCount() {
        return headBits.cardinality();
    }

    /** Number of nodes: heads, plus MLPs when they are nodes. */
    @Override
    public int size() {
        return headCount() + (mlpBits == null ? 0 : mlpBits.cardinality());
    }

    @Override
    public boolean isEmpty() {
        return size() == 0;
    }

    @Override
    public List<Node> elements() {
        return nodes();
    }

    /** The nodes in order: by layer, heads 0..H−1, then the MLP. */
    public List<Node> nodes() {
        List<Node> out = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            for (int h : headsInLayer(l)) out.add(Node.head(l, h));
            if (mlpBits != null && mlpBits.get(l)) out.add(Node.mlp(l));
        }
        return out;
    }

    /** {@code all}, {@code none} or the comma-separated list. */
    @Override
    public String toSpec() {
        if (mlpBits == null && headCount() == layers * heads) return "all";
        if (mlpBits == null && headCount() == 0) return "none";
        return String.join(",", toStrings());
    }

    /**
     * This circuit combined with another of the same model. When either has MLP nodes the result
     * has them too; a circuit without MLP nodes counts every MLP as present, except as the right
     * side of a difference, where it removes none.
     */
    @Override
    public Circuit combine(SetOperation op, Circuit o) {
        if (o.layers != layers || o.heads != heads) {
            throw new IllegalArgumentException("Circuits of different models (" + layers + "×" + heads + " and "
                    + o.layers + "×" + o.heads + ") cannot be combined.");
        }
        BitSet m = null;
        if (mlpBits != null || o.mlpBits != null) {
            BitSet right = op == SetOperation.DIFFERENCE && o.mlpBits == null ? new BitSet() : o.mlpSet();
            m = op.apply(mlpSet(), right);
        }
        return new Circuit(layers, heads, op.apply(headBits, o.headBits), m);
    }

    private BitSet mlpSet() {
        if (mlpBits != null) return mlpBits;
        BitSet all = new BitSet();
        all.set(0, layers);
        return all;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Circuit c && c.layers == layers && c.heads == heads && c.headBits.equals(headBits)
                && java.util.Objects.equals(c.mlpBits, mlpBits);
    }

    @Override
    public int hashCode() {
        return headBits.hashCode() * 31 + (mlpBits == null ? 0 : mlpBits.hashCode());
    }

    @Override
    public String toString() {
        return toSpec();
    }
}
