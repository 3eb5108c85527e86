package org.circuitbench.ablation;

/** What a circuit is made of and a search removes: a node (head or MLP) or an edge between two. */
public sealed interface Element permits Node, Edge {
}
