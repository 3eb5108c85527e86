package org.circuitbench.explain;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import com.fasterxml.jackson.databind.JsonNode;
import org.circuitbench.TestData;
import org.circuitbench.ablation.AblationTask;
import org.circuitbench.ablation.AttentionPatterns;
import org.circuitbench.ablation.Circuit;
import org.circuitbench.ablation.Circuits;
import org.circuitbench.ablation.EdgeCircuit;
import org.circuitbench.ablation.EdgeEvaluator;
import org.circuitbench.ablation.EdgeGraph;
import org.circuitbench.ablation.Node;
import org.circuitbench.model.Hook;
import org.circuitbench.model.HookPoint;
import org.circuitbench.task.Prompt;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The identities that tie the measures to the pass they explain, on both fixture models, for the
 * full model, node circuits (with and without MLP nodes) and edge circuits (with edges into the
 * logits removed): the DLAs plus ln_f's bias sum to the pass's logit difference; the lens ends on
 * it; the attention from end sums to 1.
 */
class ExplainIdentityTest {
    static final double REL = 1e-4;

    /** The scopes to check on a fixture case, by name. */
    static Map<String, Scope> scopes(Path c, AblationTask task) {
        Map<String, Scope> out = new LinkedHashMap<>();
        var cfg = task.model().config();
        int layers = cfg.nLayer(), heads = cfg.nHead();
        out.put("full", Scope.FULL);
        JsonNode e = TestData.expected(c);
        Circuit half = Circuits.fromJson(task, e.get("scores").get("half").get("circuit"));
        out.put("nodes: half", Scope.nodes(half));
        List<Node> withMlps = new ArrayList<>(half.nodes());
        withMlps.add(Node.mlp(0));
        withMlps.add(Node.mlp(layers - 1));
        out.put("nodes: half + first and last MLP", Scope.nodes(Circuit.of(layers, heads, withMlps)));
        EdgeGraph g = new EdgeGraph(layers, heads);
        out.put("edges: induced by half", Scope.edges(EdgeCircuit.induced(g, half)));
        JsonNode named = TestData.expected(c, "edges-expected.json").orElseThrow().get("scores").get("half");
        List<org.circuitbench.ablation.Edge> kept = new ArrayList<>();
        named.get("edges").forEach(n -> kept.add(g.parse(n.asText())));
        EdgeCircuit randomHalf = EdgeCircuit.of(g, kept);
        assertTrue(EdgeCircuit.all(g).ids().stream().anyMatch(id -> !randomHalf.ids().get(id)
                && g.edge(id).receiver() instanceof org.circuitbench.ablation.Receiver.Logits), "some edges into the logits are removed");
        out.put("edges: the fixture's random half", Scope.edges(randomHalf));
        return out;
    }

    static List<Path> cases() {
        List<Path> cases = TestData.casesWith("edges-expected.json");
        assertTrue(cases.size() >= 2, "both fixture models");
        return cases;
    }

    /** The pass's logit difference, from the evaluators that score circuits (not the explain code). */
    static double passLogitDiff(AblationTask task, Scope s) {
        return switch (s) {
            case Scope.Full f -> task.fullLogitDiff();
            case Scope.Nodes n -> task.details(n.circuit()).circuitMetric();
            case Scope.Edges e -> {
                try (EdgeEvaluator ev = new EdgeEvaluator(task, false)) {
                    float[] per = ev.perPrompt(e.circuit());
                    double sum = 0;
                    for (float x : per) sum += x;
                    yield sum / per.length;
                }
            }
        };
    }

    @Test
    void dlaPlusLnBiasIsTheLogitDifferenceAndTheLensEndsOnIt() {
        for (Path c : cases()) {
            AblationTask task = TestData.task(c);
            Explainer ex = new Explainer(task);
            DirectLogitAttribution full = null;
            for (var s : scopes(c, task).entrySet()) {
                String what = c.getFileName() + ", " + s.getKey();
                Explanation x = ex.explain(s.getValue(), EnumSet.of(Measure.DLA, Measure.LENS));
                if (full == null) {
                    full = x.dla();
                } else { // an ablated pass is explained on its own terms, not the full model's
                    double diff = 0;
                    for (int l = 0; l < full.layers(); l++) {
                        for (int h = 0; h < full.heads()[l].length; h++) diff += Math.abs(x.dla().head(l, h) - full.head(l, h));
                    }
                    assertTrue(diff > 1e-3, what + ": the head DLAs equal the full model's");
                }
                double ld = passLogitDiff(task, s.getValue());
                assertEquals(ld, x.logitDiff(), REL * Math.abs(ld), what + ": the pass's logit difference");
                assertEquals(x.logitDiff(), x.dla().logitDiff());
                assertEquals(ld, x.dla().total(), REL * Math.abs(ld), what + ": Σ DLA + ln_f bias");
                assertEquals(ld, x.lens().last(), REL * Math.abs(ld), what + ": the lens's last point");
                assertEquals(2 * task.model().config().nLayer(), x.lens().points().size());
            }
        }
    }

    /** For the full model and node circuits the stream is there to read: the lens after L.mlp is the logit difference of resid_pre[L + 1]. */
    @Test
    void lensReadsTheStreamAfterEachLayer() {
        for (Path c : cases()) {
            AblationTask task = TestData.task(c);
            Explainer ex = new Explainer(task);
            for (var s : scopes(c, task).entrySet()) {
                Hook rule = switch (s.getValue()) {
                    case Scope.Full f -> Hook.NONE;
                    case Scope.Nodes n -> task.ablation(n.circuit());
                    case Scope.Edges e -> null;
                };
                if (rule == null) continue;
                LogitLens lens = ex.lens(s.getValue());
                try (NDScope ignored = new NDScope()) {
                    List<NDArray> pre = new ArrayList<>();
                    NDArray last = task.model().forward(task.tokens(), (p, l, a) -> {
                        NDArray out = rule.apply(p, l, a);
                        if (p == HookPoint.RESID_PRE) pre.add(out);
                        return out;
                    });
                    pre.add(last);
                    for (int l = 0; l + 1 < pre.size(); l++) {
                        double want = mean(task.logitDiff(pre.get(l + 1)).toFloatArray());
                        assertEquals(want, lens.afterMlp()[l], REL * Math.max(1, Math.abs(want)), c.getFileName() + ", " + s.getKey() + ": after " + l + ".mlp");
                    }
                }
            }
        }
    }

    @Test
    void attentionFromEndSumsToOne() {
        for (Path c : cases()) {
            AblationTask task = TestData.task(c);
            var cfg = task.model().config();
            for (var s : scopes(c, task).entrySet()) {
                String what = c.getFileName() + ", " + s.getKey();
                try (NDScope ignored = new NDScope(); PassView pass = PassView.of(task, s.getValue())) {
                    int keys = task.tokenized().maxLength();
                    for (int l = 0; l < cfg.nLayer(); l++) {
                        float[] rows = pass.endAttention(l).toFloatArray(); // [b, head, key]
                        for (int i = 0; i < task.tokenized().cleanCount(); i++) {
                            int end = task.tokenized().end(i);
                            for (int h = 0; h < cfg.nHead(); h++) {
                                double sum = 0, after = 0;
                                for (int k = 0; k < keys; k++) {
                                    if (k <= end) sum += rows[(i * cfg.nHead() + h) * keys + k];
                                    else after += rows[(i * cfg.nHead() + h) * keys + k];
                                }
                                assertEquals(1.0, sum, 1e-5, what + ": layer " + l + " head " + h + " prompt " + i);
                                assertEquals(0.0, after, 0.0, what + ": weight on keys after end");
                            }
                        }
                    }
                }
                // and the measure's parts: distinct labelled positions, end and the rest
                LabelAttention a = new Explainer(task).attention(s.getValue());
                List<String> distinct = distinctLabels(task, a.labels());
                for (int l = 0; l < cfg.nLayer(); l++) {
                    for (int h = 0; h < cfg.nHead(); h++) {
                        double sum = a.unlabelled()[l][h];
                        for (String label : distinct) sum += a.value(label, l, h);
                        assertEquals(1.0, sum, 1e-5, what + ": labels + end + the rest, head " + l + "." + h);
                    }
                }
            }
        }
    }

    /** The labels that never share a position with another label or end (end included), for the sum check. */
    private static List<String> distinctLabels(AblationTask task, List<String> labels) {
        List<String> out = new ArrayList<>();
        out.add("end");
        List<Prompt> prompts = task.tokenized().task().clean();
        for (String label : labels) {
            if (label.equals("end")) continue;
            boolean clash = false;
            for (int i = 0; i < prompts.size(); i++) {
                Integer p = prompts.get(i).positions().get(label);
                if (p == null) throw new AssertionError("the fixture prompts all carry every label");
                if (p == task.tokenized().end(i)) clash = true;
                for (String o : out) if (!o.equals("end") && p.equals(prompts.get(i).positions().get(o))) clash = true;
            }
            if (!clash) out.add(label);
        }
        return out;
    }

    /** Node level: the mean weights equal those of the existing attention-pattern view, prompt by prompt. */
    @Test
    void labelAttentionIsTheMeanOfThePatternView() {
        Path c = cases().get(0);
        AblationTask task = TestData.task(c);
        Scope.Nodes half = (Scope.Nodes) scopes(c, task).get("nodes: half");
        LabelAttention a = new Explainer(task).attention(half);
        List<Prompt> prompts = task.tokenized().task().clean();
        for (Node.Head head : List.of(Node.head(task.model().config().nLayer() - 1, 1))) {
            Map<String, Double> sums = new LinkedHashMap<>();
            for (int i = 0; i < prompts.size(); i++) {
                float[][] w = AttentionPatterns.compute(task, i, head, half.circuit()).weights();
                int end = w.length - 1;
                sums.merge("end", (double) w[end][end], Double::sum);
                for (var p : prompts.get(i).positions().entrySet()) sums.merge(p.getKey(), (double) w[end][p.getValue()], Double::sum);
            }
            assertFalse(sums.isEmpty());
            for (var e : sums.entrySet()) {
                assertEquals(e.getValue() / prompts.size(), a.value(e.getKey(), head.layer(), head.head()), 1e-5, head + " " + e.getKey());
            }
        }
    }

    static double mean(float[] v) {
        double s = 0;
        for (float x : v) s += x;
        return s / v.length;
    }
}
