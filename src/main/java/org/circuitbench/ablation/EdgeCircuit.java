package org.circuitbench.ablation;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/** An immutable set of kept edges of an {@link EdgeGraph}; every other edge is removed. */
public final class EdgeCircuit implements CircuitOf<Edge, EdgeCircuit> {
    private final EdgeGraph graph;
    private final BitSet kept; // bit: edge id
    private volatile BitSet senders; // derived: senders with a kept out-edge

    private EdgeCircuit(EdgeGraph graph, BitSet kept) {
        this.graph = graph;
        this.kept = kept;
    }

    public static EdgeCircuit all(EdgeGraph g) {
        BitSet b = new BitSet(g.edgeCount());
        b.set(0, g.edgeCount());
        return new EdgeCircuit(g, b);
    }

    public static EdgeCircuit none(EdgeGraph g) {
        return new EdgeCircuit(g, new BitSet());
    }

    /** The circuit of these edges; each is checked against the graph. */
    public static EdgeCircuit of(EdgeGraph g, Collection<Edge> edges) {
        BitSet b = new BitSet(g.edgeCount());
        for (Edge e : edges) b.set(g.id(g.check(e)));
        return new EdgeCircuit(g, b);
    }

    /** The circuit of these edge ids. */
    public static EdgeCircuit ofIds(EdgeGraph g, BitSet ids) {
        if (ids.length() > g.edgeCount()) throw new IllegalArgumentException("Edge id " + (ids.length() - 1) + " is outside " + g + ".");
        return new EdgeCircuit(g, (BitSet) ids.clone());
    }

    /**
     * The edges induced by a node circuit (edges.md): every edge whose sender is {@code embed} or a
     * node of C and whose receiver is the logits or belongs to a node of C. When C has no MLP
     * nodes, every MLP counts as present.
     */
    public static EdgeCircuit induced(EdgeGraph g, Circuit c) {
        if (c.layers() != g.layers() || c.heads() != g.heads()) {
            throw new IllegalArgumentException("The node circuit is for a " + c.layers() + "×" + c.heads() + " model but the graph is "
                    + g.layers() + "×" + g.heads() + ".");
        }
        BitSet b = new BitSet(g.edgeCount());
        for (int r = 0; r < g.receiverCount(); r++) {
            if (!present(c, g.receiver(r))) continue;
            for (int s = 0; s < g.sendersOf(r); s++) {
                if (present(c, g.sender(s))) b.set(g.id(s, r));
            }
        }
        return new EdgeCircuit(g, b);
    }

    private static boolean present(Circuit c, Sender s) {
        return switch (s) {
            case Sender.Embed e -> true;
            case Node n -> c.keeps(n);
        };
    }

    private static boolean present(Circuit c, Receiver r) {
        return switch (r) {
            case Receiver.HeadInput in -> c.keeps(in.head());
            case Node.Mlp m -> c.keeps(m);
            case Receiver.Logits l -> true;
        };
    }

    /**
     * {@code all}, {@code none}, {@code induced:<node circuit>} such as {@code induced:0.1,4.4,9.1},
     * or edge names separated by commas or spaces (a JSON list's brackets and quotes are allowed),
     * read strictly ({@link SpecNames}).
     */
    public static EdgeCircuit parse(String spec, EdgeGraph g) {
        String s = spec == null ? "" : spec.trim();
        String lower = s.toLowerCase(Locale.ROOT);
        if (lower.equals("all")) return all(g);
        if (lower.equals("none")) return none(g);
        if (lower.startsWith("induced:")) {
            String heads = s.substring("induced:".length()).trim();
            // an empty list is a slip, not the empty circuit (which is induced:none)
            if (heads.isEmpty()) throw new IllegalArgumentException("induced: needs a node circuit, such as induced:0.1,4.4,9.1 (induced:none for no head).");
            return induced(g, Circuit.parse(heads, g.layers(), g.heads()));
        }
        if (s.isEmpty()) throw new IllegalArgumentException("The edge circuit is empty: write all, none, induced:<heads> or edge names such as 4.4->9.1.k.");
        List<Edge> edges = new ArrayList<>();
        for (String name : SpecNames.of(s, "edge")) edges.add(g.parse(name));
        return of(g, edges);
    }

    public EdgeGraph graph() {
        return graph;
    }

    @Override
    public Level level() {
        return Level.EDGES;
    }

    @Override
    public int layers() {
        return graph.layers();
    }

    @Override
    public int heads() {
        return graph.heads();
    }

    @Override
    public List<Edge> elements() {
        return edges();
    }

    @Override
    public boolean contains(Edge e) {
        return graph.contains(e) && kept.get(graph.id(e));
    }

    /** Whether the edge from sender {@code s} to receiver {@code r} (indices) is kept. */
    public boolean contains(int s, int r) {
        return kept.get(graph.id(s, r));
    }

    @Override
    public EdgeCircuit with(Edge e, boolean present) {
        BitSet b = (BitSet) kept.clone();
        b.set(graph.id(graph.check(e)), present);
        return new EdgeCircuit(graph, b);
    }

    @Override
    public EdgeCircuit combine(SetOperation op, EdgeCircuit o) {
        if (!o.graph.equals(graph)) throw new IllegalArgumentException("Edge circuits of different models (" + graph + ", " + o.graph + ") cannot be combined.");
        return new EdgeCircuit(graph, op.apply(kept, o.kept));
    }

    @Override
    public int size() {
        return kept.cardinality();
    }

    @Override
    public boolean isEmpty() {
        return kept.isEmpty();
    }

    /** The kept edge ids (a copy). */
    public BitSet ids() {
        return (BitSet) kept.clone();
    }

    /** Whether the two circuits keep the same edges into receiver {@code r} (index). */
    public boolean sameInputs(EdgeCircuit o, int r) {
        int from = graph.id(0, r), to = from + graph.sendersOf(r);
        return kept.get(from, to).equals(o.kept.get(from, to));
    }

    /** The kept edges in id order: by receiver in forward order, then by sender. */
    public List<Edge> edges() {
        List<Edge> out = new ArrayList<>(size());
        kept.stream().forEach(i -> out.add(graph.edge(i)));
        return out;
    }

    /** {@code all}, {@code none} or the comma-separated edge names. */
    @Override
    public String toSpec() {
        if (size() == graph.edgeCount()) return "all";
        if (isEmpty()) return "none";
        return String.join(",", toStrings());
    }

    /**
     * The node circuit this edge circuit leaves intact: a head is in it unless every edge out of
     * it is removed, and likewise an MLP (with MLPs as nodes when some MLP lost all its out-edges).
     */
    public Circuit nodes() {
        List<Node> in = new ArrayList<>();
        boolean mlpOut = false;
        for (int s = 1; s < graph.senderCount(); s++) {
            Node n = (Node) graph.sender(s);
            if (hasOutEdge(s)) in.add(n);
            else if (n instanceof Node.Mlp) mlpOut = true;
        }
        return Circuit.of(graph.layers(), graph.heads(), mlpOut ? in : in.stream().filter(n -> n instanceof Node.Head).toList(), mlpOut);
    }

    /** Whether sender {@code s} (index) keeps at least one out-edge. */
    public boolean hasOutEdge(int s) {
        return senders().get(s);
    }

    /** The senders (by index) that keep at least one out-edge; computed once. */
    BitSet senders() {
        BitSet b = senders;
        if (b == null) {
            b = new BitSet(graph.senderCount());
            for (int r = 0; r < graph.receiverCount(); r++) {
                int from = graph.id(0, r);
                for (int i = kept.nextSetBit(from); i >= 0 && i < from + graph.sendersOf(r); i = kept.nextSetBit(i + 1)) b.set(i - from);
            }
            senders = b;
        }
        return b;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EdgeCircuit c && c.graph.equals(graph) && c.kept.equals(kept);
    }

    @Override
    public int hashCode() {
        return kept.hashCode();
    }

    @Override
    public String toString() {
        return size() == graph.edgeCount() ? "all edges" : size() + " edges";
    }
}
