package org.circuitbench.search;

import org.circuitbench.ablation.AttributionMethod;
import org.circuitbench.ablation.Circuit;
import org.circuitbench.ablation.CircuitOf;
import org.circuitbench.ablation.Edge;
import org.circuitbench.ablation.EdgeAttribution;
import org.circuitbench.ablation.EdgeCircuit;
import org.circuitbench.ablation.EdgeEvaluator;
import org.circuitbench.ablation.EdgeGraph;
import org.circuitbench.ablation.Evaluator;
import org.circuitbench.ablation.Level;
import org.circuitbench.ablation.Method;
import org.circuitbench.ablation.Node;
import org.circuitbench.ablation.Receiver;
import org.circuitbench.ablation.Sender;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The faithfulness curve of the MIB benchmark's circuit localization track (Mueller et al. 2025;
 * docs/methods.md): rank every edge (or node) once, then score exactly the circuit of the
 * top k for k = ⌊p · n⌋ at p = 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50 and 100 % of all n, and read
 * each score as the normalised faithfulness f = (s(C) − s(∅)) / (s(full) − s(∅)), reported in
 * percent (100 f: 0 at the empty circuit, 100 at the full one, as the {@code faithfulness}
 * normalisation) while the areas take f as MIB does, a fraction. Two orders:
 * {@link Order#SIGNED} (the items that help most first) gives CPR, the area under f;
 * {@link Order#ABSOLUTE} (the largest effect either way first) gives CMD, the area of |1 − f|;
 * both areas by the trapezoid rule over the fractions p. At the edge level a top-k set is first
 * made connected as MIB's {@code Graph.prune} does (a node without a kept in-edge or out-edge
 * loses its edges, until nothing changes).
 */
public final class FaithfulnessCurve implements Job<FaithfulnessCurve.Result> {
    /** MIB's circuit sizes as fractions of all edges or nodes (its {@code percentages}). */
    private static final double[] FRACTIONS = {.001, .002, .005, .01, .02, .05, .1, .2, .5, 1};

    public static double[] fractions() {
        return FRACTIONS.clone();
    }

    /** What ranks the items: an attribution method's estimate, or each item's exact effect. */
    public record Ranking(AttributionMethod attribution) {
        public static final Ranking EXACT = new Ranking(null);

        public boolean exact() {
            return attribution == null;
        }

        /** {@code eap}, {@code eap-ig-inputs}, {@code eap-ig-activations} or {@code exact}. */
        public String id() {
            return exact() ? "exact" : attribution.kind().id;
        }

        public String describe() {
            return exact() ? "exact" : attribution.describe();
        }

        /** {@code exact}, or an attribution method's name ({@link AttributionMethod#parse}). */
        public static Ranking parse(String name, int steps, AttributionMethod.Rule rule) {
            if (name != null && name.trim().equalsIgnoreCase("exact")) return EXACT;
            try {
                return new Ranking(AttributionMethod.parse(name, steps, rule));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--ranking takes eap, eap-ig (= eap-ig-inputs), eap-ig-activations or exact, not '"
                        + org.circuitbench.util.Texts.cap(name) + "'.");
            }
        }

        @Override
        public String toString() {
            return describe();
        }
    }

    /** How the ranking orders items: by their signed help (MIB's CPR) or by its size (MIB's CMD). */
    public enum Order {
        SIGNED("signed"),
        ABSOLUTE("absolute");

        public final String id;

        Order(String id) {
            this.id = id;
        }

        /** {@code signed}, {@code absolute} or {@code both}. */
        public static Set<Order> parse(String s) {
            return switch (s.trim().toLowerCase(Locale.ROOT)) {
                case "signed" -> EnumSet.of(SIGNED);
                case "absolute" -> EnumSet.of(ABSOLUTE);
                case "both" -> EnumSet.allOf(Order.class);
                default -> throw new IllegalArgumentException("--order takes signed (for CPR), absolute (for CMD) or both, not '"
                        + org.circuitbench.util.Texts.cap(s) + "'.");
            };
        }
    }

    /**
     * One point: the fraction p, the k = ⌊p · n⌋ items taken, how many edges (or nodes) the circuit
     * keeps after MIB's pruning, its exact score on the method's scale, and 100 f (percent).
     */
    public record Point(double fraction, int k, int kept, double score, double faithfulness, CircuitOf<?, ?> circuit) {
        /** The fraction in percent, rounded to 0.001 so that 0.05 reads 5, not 5.000000000000001. */
        public double percent() {
            return Math.round(fraction * 100 * 1000) / 1000.0;
        }
    }

    /** One order's curve, with its two areas: area_under (CPR for the signed order) and area_from_1 (CMD for the absolute one). */
    public record Curve(Order order, List<Point> points, double areaUnder, double areaFrom1) {
        public Curve {
            points = List.copyOf(points);
        }
    }

    /**
     * The curves, the scores that normalise them, and what they cost: the ranking's seconds, the
     * exact scores (distinct circuits) and their seconds.
     */
    public record Result(Level level, Ranking ranking, Method method, int items, double fullScore, double emptyScore,
                         List<Curve> curves, double rankingSeconds, int exactScores, double scoreSeconds, double seconds,
                         boolean cancelled) {
        public Result {
            curves = List.copyOf(curves);
        }

        /** CPR: the area under f of the signed order's curve; NaN without it. */
        public double cpr() {
            return curves.stream().filter(c -> c.order() == Order.SIGNED).mapToDouble(Curve::areaUnder).findFirst().orElse(Double.NaN);
        }

        /** CMD: the area of |1 − f| of the absolute order's curve; NaN without it. */
        public double cmd() {
            return curves.stream().filter(c -> c.order() == Order.ABSOLUTE).mapToDouble(Curve::areaFrom1).findFirst().orElse(Double.NaN);
        }
    }

    private final Level level;
    private final Ranking ranking;
    private final Set<Order> orders;
    private final EdgeEvaluator edges;     // scores edge circuits; attributes at either level
    private final Evaluator nodes;         // scores node circuits (the node level)
    private long total;                    // progress steps: the ranking's, the empty circuit, the points

    private FaithfulnessCurve(Level level, Ranking ranking, Set<Order> orders, EdgeEvaluator edges, Evaluator nodes) {
        if (orders.isEmpty()) throw new IllegalArgumentException("No order to draw a curve for.");
        if (!ranking.exact() && !edges.method().metric().differentiable()) {
            throw new IllegalArgumentException("Ranking by " + ranking.id() + " takes the gradient of the metric, and "
                    + edges.method().metric().id + " has none; rank by exact, or score with logit-diff, prob, prob-diff or kl.");
        }
        this.level = level;
        this.ranking = ranking;
        this.orders = EnumSet.copyOf(orders);
        this.edges = edges;
        this.nodes = nodes;
    }

    /** The curve over all edges, scored and attributed by {@code edges} (its fast path pays off: a point differs from the last). */
    public static FaithfulnessCurve ofEdges(EdgeEvaluator edges, Ranking ranking, Set<Order> orders) {
        return new FaithfulnessCurve(Level.EDGES, ranking, orders, edges, null);
    }

    /**
     * The curve over all nodes (every head and every MLP; the embedding and the logits always
     * stay), scored by {@code nodes}; {@code edges} attributes (a node's estimate is the sum over
     * its out-edges), and may be null when the ranking is exact.
     */
    public static FaithfulnessCurve ofNodes(Evaluator nodes, EdgeEvaluator edges, Ranking ranking, Set<Order> orders) {
        if (edges == null && !ranking.exact()) throw new IllegalArgumentException("Ranking nodes by attribution needs an edge evaluator.");
        return new FaithfulnessCurve(Level.NODES, ranking, orders, edges, nodes);
    }

    @Override
    public String title() {
        return "faithfulness curve of " + (level == Level.EDGES ? "edges" : "nodes") + " by " + ranking.describe();
    }

    private Method method() {
        return level == Level.EDGES ? edges.method() : nodes.method();
    }

    @Override
    public Result run(JobContext ctx) {
        long t0 = System.nanoTime();
        Items items = level == Level.EDGES ? new EdgeItems() : new NodeItems();
        int n = items.count();
        total = (ranking.exact() ? n : 1) + 1 + (long) orders.size() * FRACTIONS.length;
        ctx.started(title(), total);
        Method m = method();
        double full = items.fullScore();
        double[] importance = ranking.exact() ? items.exactImportance(ctx) : items.estimatedImportance();
        double rankingSeconds = (System.nanoTime() - t0) / 1e9;
        if (importance == null) { // cancelled while ranking
            return new Result(level, ranking, m, n, full, Double.NaN, List.of(), rankingSeconds, 0, 0, rankingSeconds, true);
        }
        long t1 = System.nanoTime();
        long done = ranking.exact() ? n : 1;
        Map<CircuitOf<?, ?>, Double> scored = new HashMap<>();
        double empty = scored.computeIfAbsent(items.circuit(new int[0], 0), items::score);
        ctx.progress(new Progress(++done, total, null, empty, full, 0, String.format(Locale.ROOT, "the empty circuit: %.2f%s", empty, m.unit())));
        if (!(Math.abs(full - empty) > 0)) {
            throw new IllegalStateException(String.format(Locale.ROOT, "The empty circuit scores %.4f%s, as the full model does, so "
                    + "faithfulness (s(C) − s(∅)) / (s(full) − s(∅)) is undefined for this task and method.", empty, m.unit()));
        }
        List<Curve> curves = new ArrayList<>();
        for (Order order : orders) {
            if (ctx.isCancelled()) break;
            int[] ranked = order(importance, order);
            List<Point> points = new ArrayList<>();
            for (double p : FRACTIONS) {
                if (ctx.isCancelled()) break;
                int k = (int) (p * n); // ⌊p · n⌋ as MIB's int(pct * n), in the same double arithmetic
                CircuitOf<?, ?> c = items.circuit(ranked, k);
                double s = scored.computeIfAbsent(c, items::score);
                double f = 100 * (s - empty) / (full - empty);
                points.add(new Point(p, k, items.size(c), s, f, c));
                ctx.progress(new Progress(++done, total, null, s, full, items.size(c), String.format(Locale.ROOT,
                        "%s, top %s %%: %,d %s, %.2f%s (f = %.2f %%)", order.id, percent(p), items.size(c), items.unit(), s, m.unit(), f)));
            }
            if (points.size() == FRACTIONS.length) curves.add(new Curve(order, points, areaUnder(points), areaFrom1(points)));
        }
        return new Result(level, ranking, m, n, full, empty, curves, rankingSeconds, scored.size(), (System.nanoTime() - t1) / 1e9,
                (System.nanoTime() - t0) / 1e9, ctx.isCancelled());
    }

    /** 0.1, 2, 100: a percentage as MIB writes it. */
    static String percent(double fraction) {
        double v = fraction * 100;
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(Math.round(v * 1000) / 1000.0);
    }

    /**
     * Item ids from first to last: by importance (the items that help most first) or by its size,
     * larger first; equal keys in id order.
     */
    static int[] order(double[] importance, Order order) {
        List<Integer> ids = new ArrayList<>(importance.length);
        for (int i = 0; i < importance.length; i++) ids.add(i);
        Comparator<Integer> byKey = Comparator.comparingDouble(i -> order == Order.SIGNED ? -importance[i] : -Math.abs(importance[i]));
        ids.sort(byKey); // stable: ties keep id order
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * MIB's area_under: Σ over neighbouring points of (p₂ − p₁)(f₁ + f₂)/2, on the fractions p
     * (not log p: MIB's default {@code log_scale=False}) and f as a fraction (a point's percent / 100).
     */
    static double areaUnder(List<Point> points) {
        double a = 0;
        for (int i = 0; i + 1 < points.size(); i++) {
            Point x = points.get(i), y = points.get(i + 1);
            a += (y.fraction() - x.fraction()) * ((x.faithfulness() / 100 + y.faithfulness() / 100) / 2);
        }
        return a;
    }

    /** MIB's area_from_1: the same for |1 − f|. */
    static double areaFrom1(List<Point> points) {
        double a = 0;
        for (int i = 0; i + 1 < points.size(); i++) {
            Point x = points.get(i), y = points.get(i + 1);
            a += (y.fraction() - x.fraction()) * ((Math.abs(1 - x.faithfulness() / 100) + Math.abs(1 - y.faithfulness() / 100)) / 2);
        }
        return a;
    }

    /** How an item's score change becomes its help: positive when removing it makes the circuit worse. */
    private double help(double change) {
        return method().higherIsBetter() ? -change : change;
    }

    /** A level's items (edge ids, or node indices) and its circuits. */
    private interface Items {
        int count();

        /** Each item's help by its exact effect: one exact score without it, from the full circuit; null when cancelled. */
        double[] exactImportance(JobContext ctx);

        /** Each item's help by the ranking's attribution at the full circuit. */
        double[] estimatedImportance();

        /** The circuit of the first k items of {@code ranked}. */
        CircuitOf<?, ?> circuit(int[] ranked, int k);

        double score(CircuitOf<?, ?> c);

        double fullScore();

        int size(CircuitOf<?, ?> c);

        String unit();
    }

    private final class EdgeItems implements Items {
        private final EdgeGraph g = edges.graph();

        @Override
        public int count() {
            return g.edgeCount();
        }

        @Override
        public double[] exactImportance(JobContext ctx) {
            EdgeCircuit all = EdgeCircuit.all(g);
            edges.setBase(all);
            double base = edges.score(all);
            double[] out = new double[g.edgeCount()];
            for (int id = 0; id < out.length; id++) {
                if (ctx.isCancelled()) return null;
                Edge e = g.edge(id);
                double s = edges.score(all.without(e));
                out[id] = help(s - base);
                if (id % 64 == 63 || id + 1 == out.length) {
                    ctx.progress(new Progress(id + 1, total, e, s, base, out.length,
                            String.format(Locale.ROOT, "exact effect of %,d of %,d edges", id + 1, out.length)));
                }
            }
            return out;
        }

        @Override
        public double[] estimatedImportance() {
            EdgeAttribution a = edges.attributor().attribute(EdgeCircuit.all(g), ranking.attribution());
            double[] out = new double[g.edgeCount()];
            for (int id = 0; id < out.length; id++) out[id] = help(a.of(g.edge(id)));
            return out;
        }

        @Override
        public CircuitOf<?, ?> circuit(int[] ranked, int k) {
            BitSet ids = new BitSet(g.edgeCount());
            for (int i = 0; i < k; i++) ids.set(ranked[i]);
            return connected(EdgeCircuit.ofIds(g, ids));
        }

        @Override
        public double score(CircuitOf<?, ?> c) {
            return edges.score((EdgeCircuit) c);
        }

        @Override
        public double fullScore() {
            return edges.scale().score(edges.task().fullMetric());
        }

        @Override
        public int size(CircuitOf<?, ?> c) {
            return c.size();
        }

        @Override
        public String unit() {
            return "edges";
        }
    }

    private final class NodeItems implements Items {
        private final int layers = nodes.task().model().config().nLayer();
        private final int heads = nodes.task().model().config().nHead();
        private final List<Node> all = Circuit.allWithMlps(layers, heads).nodes(); // by layer: heads, then the MLP

        @Override
        public int count() {
            return all.size();
        }

        @Override
        public double[] exactImportance(JobContext ctx) {
            Circuit full = Circuit.allWithMlps(layers, heads);
            nodes.setBase(full);
            double base = nodes.score(full);
            double[] out = new double[all.size()];
            for (int l = 0, done = 0; l < layers; l++) {
                if (ctx.isCancelled()) return null;
                List<Integer> inLayer = new ArrayList<>();
                for (int i = 0; i < all.size(); i++) if (all.get(i).layer() == l) inLayer.add(i);
                double[] s = nodes.scores(inLayer.stream().map(i -> full.without(all.get(i))).toList());
                for (int j = 0; j < s.length; j++) out[inLayer.get(j)] = help(s[j] - base);
                done += s.length;
                ctx.progress(new Progress(done, total, null, s[0], base, all.size(),
                        String.format(Locale.ROOT, "exact effect of %,d of %,d nodes", done, all.size())));
            }
            return out;
        }

        @Override
        public double[] estimatedImportance() {
            EdgeGraph g = edges.graph();
            EdgeAttribution a = edges.attributor().attribute(EdgeCircuit.all(g), ranking.attribution());
            Map<Sender, Double> sums = new HashMap<>();
            a.senders().forEach(s -> sums.put(s.sender(), s.attribution()));
            double[] out = new double[all.size()];
            for (int i = 0; i < out.length; i++) out[i] = help(sums.getOrDefault(all.get(i), 0.0));
            return out;
        }

        @Override
        public CircuitOf<?, ?> circuit(int[] ranked, int k) {
            List<Node> kept = new ArrayList<>();
            for (int i = 0; i < k; i++) kept.add(all.get(ranked[i]));
            return Circuit.of(layers, heads, kept, true);
        }

        @Override
        public double score(CircuitOf<?, ?> c) {
            return nodes.score((Circuit) c);
        }

        @Override
        public double fullScore() {
            return nodes.task().nodeScale().score(nodes.task().fullMetric());
        }

        @Override
        public int size(CircuitOf<?, ?> c) {
            return c.size();
        }

        @Override
        public String unit() {
            return "nodes";
        }
    }

    /**
     * MIB's {@code Graph.prune}: a node (the embedding, a head, an MLP) stays when it has a kept
     * out-edge and a kept in-edge (into any of a head's q, k, v; the embedding always counts as
     * fed), the logits always stay, and an edge stays when both its ends do; repeated until no node
     * changes. What it removes cannot reach the logits, or reads only ablated values.
     */
    public static EdgeCircuit connected(EdgeCircuit c) {
        EdgeGraph g = c.graph();
        BitSet kept = c.ids();
        int senders = g.senderCount();
        int[] nodeOf = new int[g.receiverCount()]; // receiver -> its node's sender index; −1 for the logits
        for (int r = 0; r < nodeOf.length; r++) {
            nodeOf[r] = switch (g.receiver(r)) {
                case Receiver.HeadInput in -> g.senderIndex(in.head());
                case Node.Mlp m -> g.senderIndex(m);
                case Receiver.Logits l -> -1;
            };
        }
        boolean[] in = new boolean[senders];
        while (true) {
            boolean[] out = new boolean[senders];
            boolean[] fed = new boolean[senders];
            fed[0] = true;
            for (int id = kept.nextSetBit(0); id >= 0; id = kept.nextSetBit(id + 1)) {
                Edge e = g.edge(id);
                out[g.senderIndex(e.sender())] = true;
                int node = nodeOf[g.receiverIndex(e.receiver())];
                if (node >= 0) fed[node] = true;
            }
            boolean[] now = new boolean[senders];
            boolean same = true;
            for (int s = 0; s < senders; s++) {
                now[s] = out[s] && fed[s];
                same &= now[s] == in[s];
            }
            in = now;
            BitSet next = new BitSet(g.edgeCount());
            for (int id = kept.nextSetBit(0); id >= 0; id = kept.nextSetBit(id + 1)) {
                Edge e = g.edge(id);
                int node = nodeOf[g.receiverIndex(e.receiver())];
                if (in[g.senderIndex(e.sender())] && (node < 0 || in[node])) next.set(id);
            }
            if (same && next.equals(kept)) return EdgeCircuit.ofIds(g, kept);
            kept = next;
        }
    }
}
