package org.circuitbench.ablation;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * What one forward and one backward pass estimate at an edge circuit {@code state}: for every
 * kept edge, the change in score if it alone were removed (score points; negative: removing it
 * hurts), and per sender the sum over its kept out-edges. An estimate; the exact score of any
 * circuit chosen from it is one ablated pass away.
 */
public final class EdgeAttribution {
    private final EdgeCircuit state;
    private final double score;
    private final float[] byId; // NaN for edges not kept
    private final AttributionMethod method;

    EdgeAttribution(EdgeCircuit state, double score, float[] byId) {
        this(state, score, byId, AttributionMethod.EAP);
    }

    EdgeAttribution(EdgeCircuit state, double score, float[] byId, AttributionMethod method) {
        this.state = state;
        this.score = score;
        this.byId = byId;
        this.method = method;
    }

    /** How it was estimated: EAP, or EAP-IG with its steps. */
    public AttributionMethod method() {
        return method;
    }

    public EdgeCircuit state() {
        return state;
    }

    /** The state's exact score, from the forward pass. */
    public double score() {
        return score;
    }

    /** The attribution of a kept edge, NaN for an edge the state does not keep. */
    public double of(Edge e) {
        return byId[state.graph().id(e)];
    }

    public record EdgeValue(Edge edge, double attribution) {
    }

    public record SenderValue(Sender sender, double attribution) {
    }

    /** Every kept edge with its attribution, in id order. */
    public List<EdgeValue> edges() {
        List<EdgeValue> out = new ArrayList<>(state.size());
        state.ids().stream().forEach(i -> out.add(new EdgeValue(state.graph().edge(i), byId[i])));
        return out;
    }

    /** Every sender with its sum over kept out-edges, in topological order. */
    public List<SenderValue> senders() {
        EdgeGraph g = state.graph();
        double[] sum = new double[g.senderCount()];
        boolean[] any = new boolean[g.senderCount()];
        state.ids().stream().forEach(i -> {
            int s = g.senderIndex(g.edge(i).sender());
            sum[s] += byId[i];
            any[s] = true;
        });
        List<SenderValue> out = new ArrayList<>();
        for (int s = 0; s < sum.length; s++) if (any[s]) out.add(new SenderValue(g.sender(s), sum[s]));
        return out;
    }

    /**
     * The kept edges ordered by the size of their attribution, largest first, as EAP ranks them:
     * an edge whose removal is estimated to change the score most, either way, comes first.
     */
    public List<Edge> ranking() {
        return edges().stream().sorted(Comparator.comparingDouble((EdgeValue e) -> -Math.abs(e.attribution()))).map(EdgeValue::edge).toList();
    }
}
