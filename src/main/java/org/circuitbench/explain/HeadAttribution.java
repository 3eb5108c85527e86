package org.circuitbench.explain;

import org.circuitbench.ablation.EdgeAttribution;
import org.circuitbench.ablation.EdgeCircuit;
import org.circuitbench.ablation.EdgeEvaluator;
import org.circuitbench.ablation.EdgeGraph;
import org.circuitbench.ablation.Node;

import java.util.Arrays;

/**
 * Every node's estimated drop at a scope, from one forward and one backward pass (edge
 * attribution patching, edges.md): removing a node removes all its out-edges, so its estimated
 * score without it is the state's score plus the sum of its kept out-edges' attributions
 * ({@link EdgeAttribution#senders()}), and the drop is minus that sum, in score points.
 * {@code heads[l][h]} and {@code mlp[l]} are NaN for a node that sends nothing in the state (a
 * node outside the circuit). The exact drops are an importance sweep away.
 */
public record HeadAttribution(double score, double[][] heads, double[] mlp) {

    /** The edge circuit a scope's pass is: every edge (full model), the edges a node circuit induces, or the edge circuit itself. */
    public static EdgeCircuit state(EdgeGraph g, Scope scope) {
        return switch (scope) {
            case Scope.Full f -> EdgeCircuit.all(g);
            case Scope.Nodes n -> EdgeCircuit.induced(g, n.circuit());
            case Scope.Edges e -> e.circuit();
        };
    }

    /** The estimate at the scope's state, with {@code ev} (the caller keeps it to one thread). */
    public static HeadAttribution compute(EdgeEvaluator ev, Scope scope) {
        return of(ev.attributor().attribute(state(ev.graph(), scope)));
    }

    /** The senders of an attribution as drops per head and MLP. */
    public static HeadAttribution of(EdgeAttribution a) {
        EdgeGraph g = a.state().graph();
        double[][] heads = new double[g.layers()][g.heads()];
        double[] mlp = new double[g.layers()];
        for (double[] row : heads) Arrays.fill(row, Double.NaN);
        Arrays.fill(mlp, Double.NaN);
        for (EdgeAttribution.SenderValue s : a.senders()) {
            switch (s.sender()) {
                case Node.Head h -> heads[h.layer()][h.head()] = -s.attribution();
                case Node.Mlp m -> mlp[m.layer()] = -s.attribution();
                default -> { } // embed is never removed
            }
        }
        return new HeadAttribution(a.score(), heads, mlp);
    }

    /** The estimated drop of a node, NaN when it sends nothing in the state. */
    public double drop(Node n) {
        return switch (n) {
            case Node.Head h -> heads[h.layer()][h.head()];
            case Node.Mlp m -> mlp[m.layer()];
        };
    }
}
