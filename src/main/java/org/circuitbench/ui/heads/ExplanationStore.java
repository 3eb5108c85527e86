package org.circuitbench.ui.heads;

import org.circuitbench.explain.Explanation;
import org.circuitbench.explain.HeadAttribution;
import org.circuitbench.explain.HeadTypes;
import org.circuitbench.explain.Measure;
import org.circuitbench.session.Session;
import org.circuitbench.session.SessionMapper;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What the Heads view has computed, kept per task, model and scope (a node circuit's scope is its
 * spec, so editing the grid never shows the old circuit's numbers): each key's measures, merged as
 * runs add to them, and its one-pass estimate. It reads and writes the session's records; records
 * of a session whose model is not loaded wait until a task shows the model's shape, and damaged
 * ones are saved back as they were.
 */
final class ExplanationStore {
    /** What is kept for one task, model and scope. */
    record Key(String task, String model, String scope) {
    }

    private record Stored(Explanation explanation, HeadAttribution estimate) {
        Stored withExplanation(Explanation x) {
            return new Stored(x, estimate);
        }

        Stored withEstimate(HeadAttribution a) {
            return new Stored(explanation, a);
        }
    }

    /** Estimates of grid circuits nobody asked to explain are kept for this many recent circuits per task. */
    static final int KEPT_ESTIMATES = 8;

    private final Map<Key, Stored> store = new LinkedHashMap<>();
    private final Set<Key> failedEstimates = new HashSet<>();
    private final List<Session.ExplanationRecord> pendingRecords = new ArrayList<>(); // restored, read once a task shows the model's shape
    private final List<Session.ExplanationRecord> unreadable = new ArrayList<>();     // damaged: not shown, saved back as they were

    /** Another session: nothing of the old one stays. */
    void clear() {
        store.clear();
        pendingRecords.clear();
        unreadable.clear();
        failedEstimates.clear();
    }

    /** The task called {@code name} was edited (or replaced): what was computed on its old prompts goes. */
    void forgetTask(String name) {
        store.keySet().removeIf(k -> name.equals(k.task()));
        pendingRecords.removeIf(r -> name.equals(r.task()));
        unreadable.removeIf(r -> name.equals(r.task()));
        failedEstimates.removeIf(k -> name.equals(k.task()));
    }

    /** The stored results, for the session file. */
    List<Session.ExplanationRecord> records() {
        List<Session.ExplanationRecord> out = new ArrayList<>();
        store.forEach((k, v) -> out.add(SessionMapper.record(k.task(), k.model(), k.scope(), v.explanation(), v.estimate())));
        out.addAll(pendingRecords); // not read yet (the session's model is not loaded): kept as they were
        out.addAll(unreadable);     // nothing the user saved is lost by opening and saving a session
        return out;
    }

    /** The records a session was saved with (after {@link #clear()}), read at {@link #adoptPending}. */
    void restore(List<Session.ExplanationRecord> records) {
        pendingRecords.clear();
        pendingRecords.addAll(records);
    }

    /** Records of the session are read once the model's shape is known; what cannot be read is said (empty: all read). */
    List<String> adoptPending(int layers, int heads) {
        if (pendingRecords.isEmpty()) return List.of();
        List<String> bad = new ArrayList<>();
        for (Session.ExplanationRecord r : pendingRecords) {
            if (r == null || r.task() == null || r.scope() == null) continue;
            try {
                Explanation x = SessionMapper.explanation(r, layers, heads);
                HeadAttribution a = SessionMapper.estimate(r, layers, heads);
                if (x != null || a != null) store.put(new Key(r.task(), r.model(), r.scope()), new Stored(x, a));
            } catch (IllegalArgumentException e) {
                bad.add(e.getMessage());
                unreadable.add(r);
            }
        }
        pendingRecords.clear();
        return bad;
    }

    /** The measures of {@code want} that {@code k} lacks; head types, the same for every scope and task of a model, are copied from any. */
    Set<Measure> missing(Key k, Set<Measure> want) {
        Explanation x = explanation(k);
        Set<Measure> out = EnumSet.noneOf(Measure.class);
        for (Measure m : want) {
            boolean have = x != null && switch (m) {
                case DLA -> x.dla() != null;
                case LENS -> x.lens() != null;
                case ATTENTION -> x.attention() != null;
                case OV -> x.ov() != null;
                case HEADS -> x.heads() != null;
            };
            if (m == Measure.HEADS && !have) {
                HeadTypes types = headTypes(k.model());
                if (types != null && x != null) {
                    put(k, stored(k).withExplanation(with(x, types)));
                    have = true;
                }
            }
            if (!have) out.add(m);
        }
        return out;
    }

    private HeadTypes headTypes(String modelRef) {
        for (var e : store.entrySet()) {
            if (Objects.equals(e.getKey().model(), modelRef) && e.getValue().explanation() != null
                    && e.getValue().explanation().heads() != null) return e.getValue().explanation().heads();
        }
        return null;
    }

    private static Explanation with(Explanation x, HeadTypes t) {
        return new Explanation(x.scope(), x.logitDiff(), x.fullLogitDiff(), x.dla(), x.lens(), x.attention(), x.ov(), t, x.seconds(), x.cancelled());
    }

    /** A new run's measures join what the key had (a later run never loses an earlier measure). */
    void merge(Key k, Explanation x) {
        if (x.dla() == null && x.lens() == null && x.attention() == null && x.ov() == null && x.heads() == null) return; // cancelled at once
        Explanation old = explanation(k);
        Explanation m = old == null ? x : new Explanation(x.scope(), x.logitDiff(), x.fullLogitDiff(),
                x.dla() != null ? x.dla() : old.dla(), x.lens() != null ? x.lens() : old.lens(),
                x.attention() != null ? x.attention() : old.attention(), x.ov() != null ? x.ov() : old.ov(),
                x.heads() != null ? x.heads() : old.heads(), old.seconds() + x.seconds(), x.cancelled());
        put(k, stored(k).withExplanation(m));
    }

    private Stored stored(Key k) {
        Stored s = store.get(k);
        return s == null ? new Stored(null, null) : s;
    }

    private void put(Key k, Stored s) {
        store.put(k, s);
    }

    Explanation explanation(Key k) {
        Stored s = store.get(k);
        return s == null ? null : s.explanation();
    }

    HeadAttribution estimate(Key k) {
        Stored s = store.get(k);
        return s == null ? null : s.estimate();
    }

    /** A new estimate of {@code k}; estimates of grid circuits nobody asked to explain are kept for the few newest. */
    void putEstimate(Key k, HeadAttribution a) {
        failedEstimates.remove(k);
        put(k, stored(k).withEstimate(a));
        forgetOldEstimates(k);
    }

    /** Whether an estimate of {@code k} is wanted: none is kept, and none failed since it was last asked for. */
    boolean lacksEstimate(Key k) {
        return estimate(k) == null && !failedEstimates.contains(k);
    }

    void estimateFailed(Key k) {
        failedEstimates.add(k);
    }

    /** The estimate of {@code k} is asked for again, even if it failed before. */
    void retryEstimate(Key k) {
        failedEstimates.remove(k);
    }

    /** Estimate-only entries of grid circuits pile up as the user clicks: the oldest beyond {@link #KEPT_ESTIMATES} go. */
    private void forgetOldEstimates(Key newest) {
        List<Key> only = store.entrySet().stream()
                .filter(x -> Objects.equals(x.getKey().task(), newest.task()) && x.getValue().explanation() == null && !x.getKey().equals(newest))
                .map(Map.Entry::getKey).toList();
        for (int i = 0; i < only.size() - (KEPT_ESTIMATES - 1); i++) store.remove(only.get(i));
    }

    /** How many results are kept (for tests: nothing of a previous session). */
    int size() {
        return store.size() + pendingRecords.size();
    }
}
