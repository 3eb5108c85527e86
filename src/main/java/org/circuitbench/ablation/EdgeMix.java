package org.circuitbench.ablation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The rule of {@link EdgeAblation} for the fast pass, planned once per receiver group and applied
 * to one chunk of prompts at a time. Only senders that write something other than their mean
 * ("live" senders, whose delta is not zero) matter, and a receiver's input can be written two ways:
 * <pre>
 *   in_r = resid_r + Σ over live removed senders s of δ_s     (the stream form)
 *   in_r = T_r     − Σ over live kept senders s of δ_s        (the all-means form)
 * </pre>
 * where δ_s = μ_s − a_s and T_r, the stream when every sender writes its mean, is the same for
 * every circuit. Each receiver takes the form with fewer terms, and receivers with the same form
 * and the same terms share one input (one product row, one ln_1). A receiver with no live removed
 * edge reads the stream itself.
 */
final class EdgeMix {
    /** One distinct input: its form and the senders it sums. */
    private record Key(boolean allMeans, BitSet terms) {
    }

    /** Groups of one form, summed by one product over the same rows. */
    private record Part(boolean allMeans, int groups, NDArray mask, NDArray gathered, int width) {
    }

    private final int[] groupOf;            // receiver (by position in the list) -> its input
    private final int[][] members;          // input -> receivers (positions), in list order
    private final List<Part> parts;

    private EdgeMix(int[] groupOf, int[][] members, List<Part> parts) {
        this.groupOf = groupOf;
        this.members = members;
        this.parts = parts;
    }

    /**
     * Plans the inputs of {@code receivers} (indices of c's graph, all reading the same point of
     * the stream) in circuit {@code c}, where {@code live} are the senders whose delta is not zero
     * and {@code rows} [senders, N] holds the deltas. With {@code gather}, the rows a narrow plan
     * reads are gathered now, once for every chunk (they must all be computed already); otherwise
     * a prefix of the rows is read in place.
     */
    static EdgeMix plan(EdgeCircuit c, int[] receivers, BitSet live, NDArray rows, NDManager m, boolean gather) {
        EdgeGraph g = c.graph();
        Map<Key, List<Integer>> stream = new LinkedHashMap<>();   // every input in the stream form
        Map<Key, List<Integer>> cheaper = new LinkedHashMap<>();  // each in the form with fewer terms
        for (int i = 0; i < receivers.length; i++) {
            int r = receivers[i];
            BitSet alive = live.get(0, g.sendersOf(r));
            BitSet kept = c.keptSenders(r);
            kept.and(alive);
            BitSet removed = (BitSet) alive.clone();
            removed.andNot(kept);
            boolean allMeans = kept.cardinality() < removed.cardinality();
            stream.computeIfAbsent(new Key(false, removed), k -> new ArrayList<>()).add(i);
            cheaper.computeIfAbsent(new Key(allMeans, allMeans ? kept : removed), k -> new ArrayList<>()).add(i);
        }
        // The forms pay only when a narrow set of rows can be gathered; read in place, a row of the
        // mask costs the same either way, and the stream form keeps the inputs in receiver order
        // (no weights to reorder): the forms are taken when they save a quarter at least.
        Map<Key, List<Integer>> chosen = 4 * cost(cheaper, gather) < 3 * cost(stream, gather) ? cheaper : stream;
        // the stream form first, then the all-means form: inputs are numbered in that order
        List<Map.Entry<Key, List<Integer>>> ordered = new ArrayList<>();
        for (boolean form : new boolean[] {false, true}) {
            for (var e : chosen.entrySet()) if (e.getKey().allMeans() == form) ordered.add(e);
        }
        int[] groupOf = new int[receivers.length];
        int[][] members = new int[ordered.size()][];
        List<Part> parts = new ArrayList<>();
        int next = 0;
        for (boolean form : new boolean[] {false, true}) {
            List<BitSet> terms = new ArrayList<>();
            for (var e : ordered) {
                if (e.getKey().allMeans() != form) continue;
                int id = next++;
                members[id] = e.getValue().stream().mapToInt(Integer::intValue).toArray();
                for (int i : members[id]) groupOf[i] = id;
                terms.add(e.getKey().terms());
            }
            if (!terms.isEmpty()) parts.add(part(form, terms, rows, m, gather));
        }
        return new EdgeMix(groupOf, members, parts);
    }

    /** Rows read (and copied) for every column: an input per mask row times the rows it spans. */
    private static long cost(Map<Key, List<Integer>> groups, boolean mayGather) {
        long total = 0;
        for (boolean form : new boolean[] {false, true}) {
            BitSet union = new BitSet();
            int inputs = 0;
            for (Key k : groups.keySet()) {
                if (k.allMeans() != form) continue;
                union.or(k.terms());
                inputs++;
            }
            int width = union.length(), used = union.cardinality();
            total += mayGather && gathers(used, width) ? (long) inputs * used + 2L * used : (long) inputs * width;
        }
        return total;
    }

    private static boolean gathers(int used, int width) {
        return used * 4 < width;
    }

    /**
     * The mask of one form's inputs over the rows they read: a prefix of the rows in place when
     * many are read, else the rows read, gathered (a copy of |rows| × N, made once for every chunk).
     */
    private static Part part(boolean allMeans, List<BitSet> terms, NDArray rows, NDManager m, boolean mayGather) {
        BitSet union = new BitSet();
        for (BitSet t : terms) union.or(t);
        int width = union.length();
        if (width == 0) return new Part(allMeans, terms.size(), null, null, 0);
        boolean gather = mayGather && gathers(union.cardinality(), width);
        int[] column = new int[width];                          // sender -> column of the mask
        int cols = 0;
        for (int s = 0; s < width; s++) column[s] = gather ? (union.get(s) ? cols++ : -1) : cols++;
        float sign = allMeans ? -1f : 1f;
        float[] mask = new float[terms.size() * cols];         // [inputs, cols]
        for (int i = 0; i < terms.size(); i++) {
            BitSet t = terms.get(i);
            for (int s = t.nextSetBit(0); s >= 0; s = t.nextSetBit(s + 1)) mask[i * cols + column[s]] = sign;
        }
        NDArray maskArray = m.create(mask, new Shape(terms.size(), cols));
        NDArray gathered = null;
        if (gather) {
            long[] idx = union.stream().asLongStream().toArray();
            gathered = rows.get(m.create(idx));                  // [cols, N]
        }
        return new Part(allMeans, terms.size(), maskArray, gathered, cols);
    }

    /** How many distinct inputs. */
    int inputs() {
        return members.length;
    }

    /** The receivers (positions in the planned list) that read input g. */
    int[] members(int g) {
        return members[g];
    }

    /** Whether input g is written in the all-means form (T minus its kept senders). */
    boolean allMeans(int g) {
        int at = 0;
        for (Part p : parts) {
            if (g < at + p.groups()) return p.allMeans();
            at += p.groups();
        }
        throw new IndexOutOfBoundsException(g);
    }

    /** The input receiver i reads. */
    int inputOf(int i) {
        return groupOf[i];
    }

    /**
     * The distinct inputs on columns [c0, c1) of a row: [inputs, c1 − c0].
     *
     * @param rows   [senders, N], the deltas (read in place unless the plan gathered them)
     * @param stream the stream at the receivers' point, [c1 − c0]
     * @param means  T, the stream when every sender writes its mean, [c1 − c0]
     */
    NDArray apply(NDArray rows, long c0, long c1, NDArray stream, NDArray means) {
        NDList out = new NDList(parts.size());
        for (Part p : parts) {
            NDArray bias = p.allMeans() ? means : stream;
            if (p.width() == 0) {                                  // one input with no terms: the stream (or T) itself
                out.add(bias.reshape(1, -1));
                continue;
            }
            NDArray src = p.gathered() != null
                    ? p.gathered().get(new NDIndex(":, {}:{}", c0, c1))
                    : rows.get(new NDIndex(":{}, {}:{}", p.width(), c0, c1)); // [cols, c1 − c0], in place
            // bias + mask @ src in one product: linear(x, w, b) = x wᵀ + b with w = srcᵀ
            out.add(p.mask().getNDArrayInternal().linear(p.mask(), src.transpose(), bias).singletonOrThrow()); // [inputs, c1 − c0]
        }
        return out.size() == 1 ? out.get(0) : NDArrays.concat(out, 0);
    }
}
