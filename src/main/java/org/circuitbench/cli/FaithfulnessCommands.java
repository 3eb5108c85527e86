package org.circuitbench.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.circuitbench.ablation.AblationTask;
import org.circuitbench.ablation.AttributionMethod;
import org.circuitbench.ablation.EdgeEvaluator;
import org.circuitbench.ablation.Evaluator;
import org.circuitbench.ablation.EvaluatorFactory;
import org.circuitbench.ablation.Method;
import org.circuitbench.model.LoadedModel;
import org.circuitbench.search.FaithfulnessCurve;
import org.circuitbench.search.JobHandle;

import java.io.PrintStream;
import java.util.Set;

/**
 * {@code faithfulness --ranking eap|eap-ig|eap-ig-activations|exact [--level edges|nodes]
 * [--order signed|absolute|both] [--steps m] [--riemann right|left]}: MIB's faithfulness curve,
 * CPR and CMD (docs/methods.md, "Faithfulness curves").
 */
final class FaithfulnessCommands {
    private static final ObjectMapper JSON = new ObjectMapper();

    private FaithfulnessCommands() {
    }

    static ObjectNode faithfulness(Args a, PrintStream err, EvaluatorFactory evaluators, Set<String> known) throws Exception {
        a.allowOnly(known);
        String level = a.get("level", "edges");
        if (!level.equals("nodes") && !level.equals("edges")) throw new Args.UsageException("--level takes edges or nodes, not '" + level + "'.");
        Set<FaithfulnessCurve.Order> orders;
        FaithfulnessCurve.Ranking ranking;
        try {
            orders = FaithfulnessCurve.Order.parse(a.get("order", "both"));
            ranking = ranking(a);
        } catch (IllegalArgumentException e) {
            throw new Args.UsageException(e.getMessage());
        }
        Method scoring = Commands.method(a);
        if (!ranking.exact() && !scoring.metric().differentiable()) {
            throw new Args.UsageException("Ranking by " + ranking.id() + " takes the gradient of the metric, and " + scoring.metric().id
                    + " has none; use --ranking exact, or logit-diff, prob, prob-diff or kl.");
        }
        try (LoadedModel m = Commands.model(a, err);
             AblationTask task = Commands.task(m, a.required("task", "(a task file)"), scoring, err);
             EdgeEvaluator edges = level.equals("edges") ? evaluators.edges(task) : ranking.exact() ? null : new EdgeEvaluator(task, false);
             Evaluator nodes = level.equals("nodes") ? evaluators.create(task, a.flag("reference")) : null) {
            FaithfulnessCurve job = level.equals("edges") ? FaithfulnessCurve.ofEdges(edges, ranking, orders)
                    : FaithfulnessCurve.ofNodes(nodes, edges, ranking, orders);
            FaithfulnessCurve.Result r = JobHandle.runHere(job, a.flag("progress") ? new ProgressPrinter<>(err) : null);
            return Commands.putMethod(json(r), scoring);
        }
    }

    /** --ranking (default eap) with --steps and --riemann for the integrated ones. */
    static FaithfulnessCurve.Ranking ranking(Args a) {
        String name = a.get("ranking", "eap");
        if (name.isBlank()) throw new Args.UsageException("--ranking is empty; give eap, eap-ig, eap-ig-activations or exact.");
        boolean exact = name.trim().equalsIgnoreCase("exact");
        if (exact || name.trim().equalsIgnoreCase("eap")) {
            if (a.has("steps") || a.has("riemann")) {
                throw new Args.UsageException("--steps and --riemann are for --ranking eap-ig (integrated gradients).");
            }
        }
        if (exact) return FaithfulnessCurve.Ranking.EXACT;
        AttributionMethod.Rule rule = a.has("riemann") ? AttributionMethod.Rule.parse(a.get("riemann", "")) : AttributionMethod.Rule.RIGHT;
        return FaithfulnessCurve.Ranking.parse(name, a.integer("steps", AttributionMethod.DEFAULT_STEPS, 1, AttributionMethod.MAX_STEPS), rule);
    }

    /** The result as the README's "Faithfulness curves" documents it. */
    static ObjectNode json(FaithfulnessCurve.Result r) {
        ObjectNode o = JSON.createObjectNode();
        o.put("level", r.level() == org.circuitbench.ablation.Level.EDGES ? "edges" : "nodes");
        o.put("ranking", r.ranking().id());
        if (!r.ranking().exact()) EdgeCommands.putAttribution(o, r.ranking().attribution());
        o.put("items", r.items());
        o.put("full_score", r.fullScore());
        o.put("empty_score", r.emptyScore());
        if (!Double.isNaN(r.cpr())) o.put("cpr", r.cpr());
        if (!Double.isNaN(r.cmd())) o.put("cmd", r.cmd());
        ArrayNode curves = o.putArray("curves");
        for (FaithfulnessCurve.Curve c : r.curves()) {
            ObjectNode co = curves.addObject();
            co.put("order", c.order().id);
            co.put("area_under", c.areaUnder());
            co.put("area_from_1", c.areaFrom1());
            ArrayNode pts = co.putArray("points");
            for (FaithfulnessCurve.Point p : c.points()) {
                pts.addObject().put("percent", p.percent()).put("k", p.k()).put("kept", p.kept())
                        .put("score", p.score()).put("faithfulness", p.faithfulness());
            }
        }
        o.put("ranking_seconds", round3(r.rankingSeconds()));
        o.put("exact_scores", r.exactScores());
        o.put("score_seconds", round3(r.scoreSeconds()));
        o.put("seconds", round3(r.seconds()));
        return o;
    }

    private static double round3(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
