package org.circuitbench.explain;

import org.circuitbench.ablation.Circuit;
import org.circuitbench.ablation.EdgeCircuit;

/**
 * Which forward pass the measures read: the full model, a node circuit's mean-ablated pass
 * (task-format.md), or an edge circuit's edge-ablated pass (edges.md). All run on the task's
 * clean prompts.
 */
public sealed interface Scope permits Scope.Full, Scope.Nodes, Scope.Edges {

    Full FULL = new Full();

    /** "full", the node circuit's spec, or "edges:" and the kept edge count; for labels and session keys. */
    String label();

    static Scope nodes(Circuit c) {
        return new Nodes(c);
    }

    static Scope edges(EdgeCircuit c) {
        return new Edges(c);
    }

    /** The unablated model. */
    record Full() implements Scope {
        @Override
        public String label() {
            return "full";
        }
    }

    /** Every node outside {@code circuit} mean-ablated, by the node rule. */
    record Nodes(Circuit circuit) implements Scope {
        @Override
        public String label() {
            return circuit.toSpec();
        }
    }

    /** Every edge outside {@code circuit} carrying its sender's mean, by the edge rule. */
    record Edges(EdgeCircuit circuit) implements Scope {
        @Override
        public String label() {
            return "edges:" + circuit.size();
        }
    }
}
