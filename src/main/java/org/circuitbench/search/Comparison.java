package org.circuitbench.search;

import org.circuitbench.ablation.Circuit;
import org.circuitbench.ablation.SetOperation;
import org.circuitbench.ablation.Evaluator;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Set operations on named circuits, each scored: every circuit, the intersection and union of
 * all, and each pairwise difference, as the seed compares fb_10 with rand_10.
 */
public final class Comparison implements Job<List<Comparison.Row>> {

    /** A named set and its score. */
    public record Row(String name, String operation, Circuit circuit, double score) {
    }

    private final Evaluator evaluator;
    private final Map<String, Circuit> circuits;

    public Comparison(Evaluator evaluator, Map<String, Circuit> circuits) {
        if (circuits.size() < 2) throw new IllegalArgumentException("Compare needs at least two circuits.");
        this.evaluator = evaluator;
        this.circuits = new LinkedHashMap<>(circuits);
    }

    /** The sets to score, in display order. */
    public List<Row> sets() {
        List<Row> rows = new ArrayList<>();
        List<String> names = new ArrayList<>(circuits.keySet());
        circuits.forEach((n, c) -> rows.add(new Row(n, "circuit", c, Double.NaN)));
        Circuit inter = null, union = null;
        for (Circuit c : circuits.values()) {
            inter = inter == null ? c : inter.combine(SetOperation.INTERSECTION, c);
            union = union == null ? c : union.combine(SetOperation.UNION, c);
        }
        String all = String.join(" ∩ ", names);
        rows.add(new Row(all, "intersection", inter, Double.NaN));
        rows.add(new Row(String.join(" ∪ ", names), "union", union, Double.NaN));
        for (String a : names) {
            for (String b : names) {
                if (!a.equals(b)) rows.add(new Row(a + " − " + b, "difference", circuits.get(a).combine(SetOperation.DIFFERENCE, circuits.get(b)), Double.NaN));
            }
        }
        return rows;
    }

    @Override
    public String title() {
        return "compare " + String.join(", ", circuits.keySet());
    }

    @Override
    public List<Row> run(JobContext ctx) {
        List<Row> sets = sets();
        ctx.started(title(), sets.size());
        List<Row> out = new ArrayList<>();
        for (Row r : sets) {
            if (ctx.isCancelled()) break;
            double s = evaluator.score(r.circuit());
            out.add(new Row(r.name(), r.operation(), r.circuit(), s));
            ctx.progress(new Progress(out.size(), sets.size(), null, s, Double.NaN, r.circuit().size(), r.name()));
        }
        return out;
    }
}
