package org.circuitbench.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.circuitbench.ablation.AblationTask;
import org.circuitbench.ablation.EdgeCircuit;
import org.circuitbench.ablation.EdgeGraph;
import org.circuitbench.explain.Explainer;
import org.circuitbench.explain.Explanation;
import org.circuitbench.explain.HeadTypes;
import org.circuitbench.explain.Measure;
import org.circuitbench.explain.OvDefinition;
import org.circuitbench.explain.OvScores;
import org.circuitbench.explain.Reproduce;
import org.circuitbench.explain.Scope;
import org.circuitbench.model.Gpt2Config;
import org.circuitbench.model.LoadedModel;
import org.circuitbench.model.ModelResolver;
import org.circuitbench.search.CircuitFormats;
import org.circuitbench.search.CircuitReader;
import org.circuitbench.search.JobHandle;
import org.circuitbench.session.SampleSessions;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/** {@code explain} and {@code reproduce} (docs/explain.md). */
final class ExplainCommands {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ExplainCommands() {
    }

    /** explain --model M --task T [--circuit SPEC | --edges SPEC] [--measures dla,lens,attention,ov,heads] [--progress] */
    static ObjectNode explain(Args a, PrintStream err) throws Exception {
        a.allowOnly(Set.of("model", "task", "device", "circuit", "edges", "measures", "ov", "progress", "ablation", "metric", "normalisation"));
        org.circuitbench.ablation.Method method = Commands.method(a);
        if (method.metric() != org.circuitbench.ablation.Metric.LOGIT_DIFF) {
            throw new Args.UsageException("explain's measures (DLA, the logit lens) decompose the logit difference; "
                    + "--metric takes only logit-diff here.");
        }
        if (a.has("circuit") && a.has("edges")) throw new Args.UsageException("Give --circuit (heads) or --edges, not both.");
        Set<Measure> measures;
        if (a.has("measures") && a.get("measures", "").isBlank()) {
            // an empty list would otherwise mean all, OV included (half a minute on the demo model)
            throw new Args.UsageException("--measures is empty: name some of dla, lens, attention, ov and heads, or leave it out for all.");
        }
        OvDefinition ov;
        try {
            measures = Measure.parseList(a.get("measures", "all"));
            ov = a.has("ov") ? OvDefinition.parse(a.get("ov", "")) : OvDefinition.DEFAULT;
        } catch (IllegalArgumentException e) {
            throw new Args.UsageException(e.getMessage());
        }
        try (LoadedModel m = Commands.model(a, err); AblationTask task = Commands.task(m, a.required("task", "(a task file)"), method, err)) {
            Gpt2Config cfg = m.config();
            Scope scope = a.has("circuit") ? Scope.nodes(CircuitReader.read(a.get("circuit", ""), cfg.nLayer(), cfg.nHead()))
                    : a.has("edges") ? Scope.edges(CircuitReader.readEdges(a.get("edges", ""), new EdgeGraph(cfg.nLayer(), cfg.nHead())))
                    : Scope.FULL;
            Explanation x = JobHandle.runHere(new Explainer(task, ov).job(scope, measures),
                    a.flag("progress") ? new ProgressPrinter<>(err) : null);
            ObjectNode o = json(x, scope);
            if (method.normalisation() != org.circuitbench.ablation.Normalisation.RATIO) o.put("score", score(task, scope, x));
            return Commands.putMethod(o, method);
        }
    }

    /** The scoped pass's score on the method's scale (faithfulness: from the empty circuit of the scope's level). */
    private static double score(AblationTask task, Scope scope, Explanation x) {
        return switch (scope) {
            case Scope.Full f -> task.method().fullScore();
            case Scope.Nodes n -> task.nodeScale().score(x.logitDiff());
            case Scope.Edges e -> {
                try (org.circuitbench.ablation.EdgeEvaluator ev = new org.circuitbench.ablation.EdgeEvaluator(task, false)) {
                    yield ev.scale().score(x.logitDiff());
                }
            }
        };
    }

    /** The JSON names (scripts depend on them), plus the scope and timing. */
    static ObjectNode json(Explanation x, Scope scope) {
        ObjectNode o = JSON.createObjectNode();
        o.put("logit_diff", x.logitDiff());
        switch (scope) {
            case Scope.Full f -> o.put("scope", "full");
            case Scope.Nodes n -> {
                o.put("scope", "nodes");
                o.set("circuit", CircuitFormats.names(n.circuit()));
            }
            case Scope.Edges e -> {
                o.put("scope", "edges");
                o.put("edge_count", e.circuit().size());
            }
        }
        o.put("full_logit_diff", x.fullLogitDiff());
        o.put("score", x.score());
        if (x.dla() != null) {
            ArrayNode dla = o.putArray("dla");
            x.dla().entries().forEach(e -> dla.addObject().put("node", e.node()).put("value", e.value()));
        }
        if (x.lens() != null) {
            ArrayNode lens = o.putArray("lens");
            x.lens().points().forEach(p -> lens.addObject().put("after", p.after()).put("logit_diff", p.logitDiff()));
        }
        if (x.attention() != null) {
            ArrayNode att = o.putArray("attention");
            x.attention().entries().forEach(e -> att.addObject().put("head", e.head()).put("label", e.label()).put("value", e.value()));
        }
        if (x.ov() != null) {
            OvScores s = x.ov();
            ArrayNode ov = o.putArray("ov");
            for (int l = 0; l < s.next().length; l++) {
                for (int h = 0; h < s.next()[l].length; h++) ov.addObject().put("head", l + "." + h).put("next", s.next(l, h)).put("copy", s.copy(l, h));
            }
            o.put("ov_pairs", s.pairs());
            o.put("ov_definition", s.definition().id);
        }
        if (x.heads() != null) {
            HeadTypes t = x.heads();
            ArrayNode heads = o.putArray("heads");
            for (int l = 0; l < t.previousToken().length; l++) {
                for (int h = 0; h < t.previousToken()[l].length; h++) {
                    heads.addObject().put("head", l + "." + h).put("previous_token", t.previousToken()[l][h])
                            .put("duplicate_token", t.duplicateToken()[l][h]).put("induction", t.induction()[l][h]);
                }
            }
            o.putObject("heads_input").put("model", "full").put("seed", t.seed()).put("half_length", t.halfLength())
                    .put("batch", t.batch()).put("bos", t.bos());
        }
        o.put("seconds", Math.round(x.seconds() * 1000) / 1000.0);
        if (x.cancelled()) o.put("cancelled", true);
        return o;
    }

    /** reproduce --model gpt2: the published checks; refuses any model that is not GPT-2 small's shape. */
    static ObjectNode reproduce(Args a, PrintStream err) throws Exception {
        a.allowOnly(Set.of("model", "device", "progress"));
        String name = a.required("model", "(GPT-2 small: gpt2, or its folder)");
        Path folder = ModelResolver.fromEnvironment().resolve(name);
        Gpt2Config cfg = Gpt2Config.read(folder.resolve("config.json"));
        if (!Reproduce.isGpt2Small(cfg)) {
            throw new IllegalArgumentException("reproduce checks numbers published for GPT-2 small (12 layers, 12 heads, d_model 768, "
                    + "vocabulary 50257, 1024 positions), but " + Path.of(name).getFileName() + " has " + cfg.nLayer() + " layers, "
                    + cfg.nHead() + " heads, d_model " + cfg.nEmbd() + ", vocabulary " + cfg.vocabSize() + ", " + cfg.nPositions()
                    + " positions; give --model gpt2 (./circuitbench download gpt2 fetches it).");
        }
        long t0 = System.nanoTime();
        try (LoadedModel m = Commands.model(a, err)) {
            var seedTask = SampleSessions.digits().generate(m.tokenizer()::encode);
            List<Reproduce.Check> checks = JobHandle.runHere(new Reproduce(m, Reproduce.GPT2_SMALL, seedTask),
                    a.flag("progress") ? new ProgressPrinter<>(err) : null);
            ObjectNode o = JSON.createObjectNode();
            o.put("model", m.name());
            ArrayNode list = o.putArray("checks");
            int passed = 0, counted = 0;
            for (Reproduce.Check c : checks) {
                list.addObject().put("check", c.name()).put("published", c.published()).put("ours", c.ours())
                        .put("tolerance", c.tolerance()).put("tolerance_rule", c.toleranceNote()).put("pass", c.pass())
                        .put("counted", c.counted()).put("source", c.source());
                if (!c.counted()) continue; // shown for comparison only
                counted++;
                if (c.pass()) passed++;
            }
            o.put("passed", passed);
            o.put("failed", counted - passed);
            o.put("all_passed", passed == counted);
            o.put("seconds", Math.round((System.nanoTime() - t0) / 1e6) / 1000.0);
            if (passed < counted) err.println("warning: " + (counted - passed) + " of " + counted + " checks failed; see \"checks\".");
            return o;
        }
    }
}
