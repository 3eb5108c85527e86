package org.circuitbench.ablation;

import java.util.List;

/**
 * A circuit at either level: the set of elements of a model that stay, every other one being
 * mean-ablated. {@link Circuit} keeps nodes (heads, and MLPs when they are nodes); {@link EdgeCircuit}
 * keeps edges of the edge graph. Immutable: every change gives a new circuit. The searches, the
 * prune results, the export formats and the session's records are written once against this.
 *
 * @param <E> what the circuit is made of, {@link Node} or {@link Edge}
 * @param <C> the circuit type itself
 */
public sealed interface CircuitOf<E extends Element, C extends CircuitOf<E, C>> permits Circuit, EdgeCircuit {

    Level level();

    /** The model's layers and heads per layer. */
    int layers();

    int heads();

    boolean contains(E e);

    /** This circuit with {@code e} kept or removed; the other changes below are this one. */
    C with(E e, boolean kept);

    default C with(E e) {
        return with(e, true);
    }

    default C without(E e) {
        return with(e, false);
    }

    default C toggled(E e) {
        return with(e, !contains(e));
    }

    /** This circuit combined with another of the same model and level. */
    C combine(SetOperation op, C other);

    /** The kept elements, in the level's order (nodes by layer; edges by receiver, then sender). */
    List<E> elements();

    int size();

    default boolean isEmpty() {
        return size() == 0;
    }

    /** The elements' names, in order: {@code 0.1}, {@code 4.4->9.1.k}. */
    default List<String> toStrings() {
        return elements().stream().map(Object::toString).toList();
    }

    /** {@code all}, {@code none} or the comma-separated names; {@link Level#parse} reads it back. */
    String toSpec();
}
