package org.circuitbench.ablation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The stream of one fast edge pass ({@link FastEdgeForward}) for k circuits, one per slot. Below layer
 * {@link #stackFrom} every slot's stream is the base's, and the arrays are the base's own; from
 * there on each array holds the k slots one after another on the batch axis, [k·batch, pos, d_model].
 * The senders' deltas are not here: they are rows of {@link DeltaRows}, slot by slot.
 */
final class FastEdgePass implements AutoCloseable {
    final List<EdgeCircuit> circuits;
    final NDArray[] residPre;   // per layer: the stream entering it
    final NDArray[] residMid;   // per layer: the stream after its attention
    final NDArray[] mlps;       // per layer: what its MLP adds to the stream (its mean when it writes nothing read)
    NDArray residFinal;
    float[][] perPrompt;        // per slot
    int stackFrom;
    private final NDManager manager;

    FastEdgePass(List<EdgeCircuit> circuits, int layers, NDManager manager) {
        this.circuits = List.copyOf(circuits);
        this.residPre = new NDArray[layers];
        this.residMid = new NDArray[layers];
        this.mlps = new NDArray[layers];
        this.perPrompt = new float[circuits.size()][];
        this.stackFrom = layers;
        this.manager = manager;
    }

    int size() {
        return circuits.size();
    }

    /** The circuit of a one-slot pass (a base). */
    EdgeCircuit circuit() {
        return circuits.get(0);
    }

    private List<NDArray> arrays() {
        List<NDArray> all = new ArrayList<>(List.of(residPre));
        all.addAll(List.of(residMid));
        all.addAll(List.of(mlps));
        all.add(residFinal);
        all.removeIf(a -> a == null);
        return all;
    }

    /** Takes the arrays it computed out of the caller's NDScope: all but the constants and the base's. */
    void adopt(Set<NDArray> notMine) {
        for (NDArray a : arrays()) {
            if (!notMine.contains(a) && a.getManager() != manager) {
                NDScope.unregister(a);
                a.attach(manager);
            }
        }
    }

    /** Takes every array it uses (also those it shares with an older base), constants aside. */
    void claim(Set<NDArray> constants) {
        for (NDArray a : arrays()) if (!constants.contains(a)) a.attach(manager);
    }

    /** Every array this pass holds, to tell its own from a derived pass's. */
    Set<NDArray> held() {
        return EdgePass.identitySet(arrays());
    }

    /** Slot i as a one-slot pass of its own, with copies of its part of the stacked arrays. */
    FastEdgePass slot(int i, long batch, NDManager owner) {
        FastEdgePass p = new FastEdgePass(List.of(circuits.get(i)), residPre.length, owner);
        p.stackFrom = stackFrom;
        p.perPrompt[0] = perPrompt[i];
        boolean single = size() == 1;
        for (int l = 0; l < residPre.length; l++) {
            p.residPre[l] = l < stackFrom || single ? residPre[l] : part(residPre[l], i, batch, owner);
            p.residMid[l] = l < stackFrom || single ? residMid[l] : part(residMid[l], i, batch, owner);
            p.mlps[l] = l < stackFrom || single ? mlps[l] : part(mlps[l], i, batch, owner);
        }
        p.residFinal = stackFrom == residPre.length || single ? residFinal : part(residFinal, i, batch, owner);
        return p;
    }

    private static NDArray part(NDArray stacked, int i, long batch, NDManager owner) {
        try (NDScope ignored = new NDScope()) {
            NDArray a = stacked.get(new NDIndex("{}:{}", i * batch, (i + 1) * batch)).duplicate();
            NDScope.unregister(a);
            a.attach(owner);
            return a;
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
