package org.circuitbench.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.circuitbench.ablation.AblationTask;
import org.circuitbench.ablation.Circuit;
import org.circuitbench.ablation.EdgeAttribution;
import org.circuitbench.ablation.EdgeCircuit;
import org.circuitbench.ablation.EdgeEvaluator;
import org.circuitbench.ablation.EdgeHookReference;
import org.circuitbench.ablation.EvaluatorFactory;
import org.circuitbench.ablation.Node;
import org.circuitbench.ablation.Edge;
import org.circuitbench.ablation.Level;
import org.circuitbench.ablation.ScoreDetails;
import org.circuitbench.search.CircuitFormats;
import org.circuitbench.search.CircuitReader;
import org.circuitbench.search.EdgePruner;
import org.circuitbench.search.Job;
import org.circuitbench.search.JobHandle;
import org.circuitbench.search.MinimalEdgeCircuit;
import org.circuitbench.search.PruneResult;
import org.circuitbench.search.SearchMethod;
import org.circuitbench.util.AtomicFiles;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Comparator;

/** The edge-level commands of edges.md: {@code score --edges}, {@code prune --level edges} and {@code attribute}. */
final class EdgeCommands {
    private static final ObjectMapper JSON = new ObjectMapper();

    private EdgeCommands() {
    }

    /** An edge circuit's score: its details and the JSON fields of edges.md. */
    record Scored(ScoreDetails details, ObjectNode json) {
    }

    /** With {@code reference}, the plain pass written as hooks ({@link EdgeHookReference}) scores instead of the fast one. */
    static Scored score(AblationTask task, String spec, PrintStream err, boolean reference) {
        try (EdgeEvaluator ev = new EdgeEvaluator(task, false)) {
            printNewWarnings(task, err);
            EdgeCircuit c = CircuitReader.readEdges(spec, ev.graph());
            ScoreDetails d = reference ? new EdgeHookReference(task).details(c) : ev.details(c);
            ObjectNode o = JSON.createObjectNode();
            Commands.scoreFields(o, task, d);
            o.put("edge_count", c.size());
            return new Scored(d, o);
        }
    }

    /** The warnings of the edge level's own scale (faithfulness measured from the empty edge circuit). */
    static void printNewWarnings(AblationTask task, PrintStream err) {
        for (String w : task.edgeWarnings()) err.println("warning: " + w);
    }

    /** The edge prune of edges.md ({@code greedy}), or the attribution-guided minimal circuit ({@code attribution}). */
    static ObjectNode prune(Args a, AblationTask task, SearchMethod method, double threshold, PrintStream err, String model,
                            EvaluatorFactory evaluators) throws Exception {
        String spec = a.get("edges", "all");
        CircuitFormats.Format export = a.has("export") ? CircuitFormats.parseFormat(a.get("export", ""), Level.EDGES) : null;
        try (EdgeEvaluator ev = evaluators.edges(task)) {
            printNewWarnings(task, err);
            EdgeCircuit start = CircuitReader.readEdges(spec, ev.graph());
            Job<PruneResult<Edge, EdgeCircuit>> job = method == SearchMethod.ATTRIBUTION ? new MinimalEdgeCircuit(ev, spec, start, threshold)
                    : new EdgePruner(ev, spec, start, threshold, a.integer("speculation", 1, 1, 4096));
            PruneResult<Edge, EdgeCircuit> r = JobHandle.runHere(job, a.flag("progress") ? new ProgressPrinter<>(err) : null);
            EdgeCircuit kept = r.circuit();
            ObjectNode o = JSON.createObjectNode();
            o.put("level", "edges");
            o.put("method", method.id);
            o.put("threshold", threshold);
            o.put("start", spec);
            o.set("kept", CircuitFormats.names(kept));
            o.put("score", r.score());
            if (method == SearchMethod.ATTRIBUTION) {
                o.put("edge_count", kept.size());
                o.put("reached", r.reached());
                o.put("exact_passes", r.evaluations());
                ArrayNode curve = o.putArray("curve");
                r.curve().forEach(p -> curve.addObject().put("edges", p.size()).put("score", p.score()));
                o.put("attribution_seconds", round3(r.attributionSeconds()));
                o.put("seconds", round3(r.seconds()));
                if (!r.reached()) {
                    err.println("warning: even the start circuit does not reach " + (task.method().percent() ? (100 - threshold) + " %"
                            : "a KL of " + threshold) + "; it is reported unchanged");
                }
            } else {
                ArrayNode removed = o.putArray("removed");
                r.removals().forEach(x -> removed.addObject().put("edge", x.element().toString()).put("score", x.score()));
                o.put("evaluations", r.evaluations());
                o.put("edge_count", kept.size());
            }
            o.put("seconds", round3(r.seconds()));
            if (export != null) {
                Path file = Path.of(a.get("out", ""));
                EdgeAttribution attribution = export == CircuitFormats.Format.DOT ? ev.attributor().attribute(kept) : null;
                String how = "prune --level edges --method " + method + " --threshold " + threshold;
                AtomicFiles.writeString(file, CircuitFormats.export(export, kept,
                        new CircuitFormats.About(model, a.get("task", null), how, r.score(), r, attribution)) + "\n");
                err.println("wrote " + export.id() + " to " + file);
            }
            return o;
        }
    }

    /**
     * Attribution at a state: {@code --edges SPEC} (default all), or {@code --circuit SPEC} for the
     * edges induced by a node circuit, which adds each node's estimated score without it.
     */
    static ObjectNode attribute(Args a, AblationTask task, PrintStream err) {
        if (a.has("edges") && a.has("circuit")) throw new Args.UsageException("Give --edges or --circuit, not both.");
        try (EdgeEvaluator ev = new EdgeEvaluator(task, false)) {
            printNewWarnings(task, err);
            Circuit nodes = a.has("circuit") ? CircuitReader.read(a.get("circuit", ""), ev.graph().layers(), ev.graph().heads()) : null;
            EdgeCircuit state = nodes != null ? EdgeCircuit.induced(ev.graph(), nodes) : CircuitReader.readEdges(a.get("edges", "all"), ev.graph());
            EdgeAttribution r = ev.attributor().attribute(state);
            ObjectNode o = JSON.createObjectNode();
            o.put("score", r.score());
            o.put("edge_count", state.size());
            ArrayNode edges = o.putArray("edges");
            r.edges().forEach(e -> edges.addObject().put("edge", e.edge().toString()).put("attribution", e.attribution()));
            ArrayNode senders = o.putArray("senders");
            r.senders().forEach(s -> senders.addObject().put("node", s.sender().toString()).put("attribution", s.attribution()));
            if (nodes != null) {
                o.set("circuit", CircuitFormats.names(nodes));
                ArrayNode est = o.putArray("estimated_importance");
                r.senders().stream().filter(s -> s.sender() instanceof Node n && nodes.contains(n))
                        .sorted(Comparator.comparingDouble(EdgeAttribution.SenderValue::attribution))
                        .forEach(s -> est.addObject().put("node", s.sender().toString())
                                .put("score_without", r.score() + s.attribution()));
            }
            return o;
        }
    }

    private static double round3(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
