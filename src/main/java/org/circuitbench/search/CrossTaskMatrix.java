package org.circuitbench.search;

import org.circuitbench.ablation.Circuit;
import org.circuitbench.ablation.Evaluator;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The seed's "try other tasks circs": the score of each named circuit on each task. Each task
 * scores all circuits in one call, so an evaluator may batch them.
 */
public final class CrossTaskMatrix implements Job<CrossTaskMatrix.Result> {

    /** {@code scores[i][j]}: circuit i on task j. */
    public record Result(List<String> circuits, List<String> tasks, double[][] scores, boolean cancelled) {
    }

    private final Map<String, Circuit> circuits;
    private final Map<String, Evaluator> tasks;

    public CrossTaskMatrix(Map<String, Circuit> circuits, Map<String, Evaluator> tasks) {
        if (circuits.isEmpty() || tasks.isEmpty()) throw new IllegalArgumentException("The matrix needs at least one circuit and one task.");
        this.circuits = new LinkedHashMap<>(circuits);
        this.tasks = new LinkedHashMap<>(tasks);
    }

    @Override
    public String title() {
        return circuits.size() + " circuits × " + tasks.size() + " tasks";
    }

    @Override
    public Result run(JobContext ctx) {
        List<String> cNames = new ArrayList<>(circuits.keySet());
        List<String> tNames = new ArrayList<>(tasks.keySet());
        double[][] m = new double[cNames.size()][tNames.size()];
        for (double[] row : m) java.util.Arrays.fill(row, Double.NaN);
        long total = (long) cNames.size() * tNames.size();
        ctx.started(title(), total);
        long done = 0;
        for (int j = 0; j < tNames.size() && !ctx.isCancelled(); j++) {
            double[] s = tasks.get(tNames.get(j)).scores(new ArrayList<>(circuits.values()));
            for (int i = 0; i < s.length; i++) {
                m[i][j] = s[i];
                ctx.progress(new Progress(++done, total, null, s[i], Double.NaN, 0, cNames.get(i) + " on " + tNames.get(j)));
            }
        }
        return new Result(cNames, tNames, m, ctx.isCancelled());
    }
}
