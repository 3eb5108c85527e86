package org.circuitbench.ablation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

import java.util.BitSet;

/**
 * Where the fast edge pass keeps every sender's delta μ_s − a_s as a row of N = batch·pos·d_model
 * values: one array for the base circuit and one per slot (a candidate scored in the same pass as
 * others). They are allocated once and zeroed once, so a pass never asks the system for fresh
 * pages; a row that no receiver reads (a sender that writes its mean) keeps an older, finite value
 * and is multiplied by 0.
 *
 * <p>A slot starts as a copy of the base in the rows it does not compute. Instead of copying all
 * rows for every candidate, each slot remembers which rows may differ from the base's, and a pass
 * copies only the base rows it reads and did not compute itself ({@link #sync}). Making a slot's
 * circuit the base copies back only the rows its pass computed ({@link #promote}).
 */
final class DeltaRows implements AutoCloseable {
    private final NDManager manager;
    private final int senders;
    private final long n;
    private NDArray base;                 // [senders, N], allocated with the first base
    private final NDArray slots;          // [k, senders, N]
    private final BitSet[] differs;       // per slot: rows that may differ from the base's
    private final BitSet[] computed;      // per slot: rows its last pass computed

    /** {@code embedDelta} [N]: the one delta that never changes (μ_embed − embed), written once. */
    DeltaRows(NDManager parent, int senders, long n, int slotCount, NDArray embedDelta) {
        this.manager = parent.newSubManager();
        this.senders = senders;
        this.n = n;
        this.slots = own(manager.zeros(new Shape(slotCount, senders, n)));
        this.embedDelta = own(embedDelta.duplicate());
        this.differs = new BitSet[slotCount];
        this.computed = new BitSet[slotCount];
        for (int s = 0; s < slotCount; s++) {
            differs[s] = new BitSet();
            computed[s] = new BitSet();
            slots.set(new NDIndex("{}, 0", s), embedDelta);
        }
    }

    private final NDArray embedDelta;   // [N]

    /** Out of any caller's NDScope: these arrays live as long as the evaluator. */
    private NDArray own(NDArray a) {
        NDScope.unregister(a);
        a.attach(manager);
        return a;
    }

    int slotCount() {
        return differs.length;
    }

    /** Slot s's rows [senders, N], a view that passes write into. */
    NDArray slot(int s) {
        return slots.get(s);
    }

    /** The first {@code k} slots [k, senders, N] as one view, for a batched product. */
    NDArray slots(int k) {
        return k == slots.getShape().get(0) ? slots : slots.get(new NDIndex(":{}", k));
    }

    /** A pass starts on slots 0..k−1. */
    void begin(int k) {
        for (int s = 0; s < k; s++) computed[s].clear();
    }

    /** Slot s computed this row itself: it may differ from the base's now. */
    void written(int s, int row) {
        differs[s].set(row);
        computed[s].set(row);
    }

    /** Makes the base's rows in {@code needed} current in slot s (those slot s did not compute). */
    void sync(int s, BitSet needed) {
        if (base == null) return;
        BitSet copy = (BitSet) needed.clone();
        copy.and(differs[s]);
        try (NDScope ignored = new NDScope()) {
            copyRanges(copy, base, slot(s));
        }
        differs[s].andNot(copy);
    }

    /**
     * The circuit of slot s's last pass becomes the base: the rows that pass computed are copied
     * over (it read the base's in every other row). Every other slot may now differ from the base
     * in those rows too; slot s still differs in the rows an older pass computed.
     */
    void promote(int s) {
        if (base == null) {
            base = own(manager.zeros(new Shape(senders, n)));
            base.set(new NDIndex("0"), embedDelta);
        }
        // only the rows its last pass computed: a row that slot s differs in from an older pass and
        // did not compute holds that older candidate's delta, while this circuit's equals the base's
        BitSet moved = (BitSet) computed[s].clone();
        try (NDScope ignored = new NDScope()) {
            copyRanges(moved, slot(s), base);
        }
        for (int t = 0; t < differs.length; t++) {
            if (t != s) differs[t].or(moved);
        }
        differs[s].andNot(moved);
    }

    /** Copies the rows in {@code rows} from one [senders, N] array to another, a run of rows per call. */
    private static void copyRanges(BitSet rows, NDArray from, NDArray to) {
        try (NDScope ignored = new NDScope()) { // the views
            for (int a = rows.nextSetBit(0); a >= 0; ) {
                int b = rows.nextClearBit(a);
                to.set(new NDIndex("{}:{}", a, b), from.get(new NDIndex("{}:{}", a, b)));
                a = rows.nextSetBit(b);
            }
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
