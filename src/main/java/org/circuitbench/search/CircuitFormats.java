package org.circuitbench.search;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.circuitbench.ablation.Circuit;
import org.circuitbench.ablation.CircuitOf;
import org.circuitbench.ablation.Edge;
import org.circuitbench.ablation.EdgeAttribution;
import org.circuitbench.ablation.EdgeCircuit;
import org.circuitbench.ablation.Level;
import org.circuitbench.ablation.Node;
import org.circuitbench.ablation.Receiver;
import org.circuitbench.ablation.Sender;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Circuits out, at either level: our JSON (with how the circuit was found), a Python list literal
 * to paste into a notebook, a run's removal log as CSV, the paper's {@code {"heads": [[l, h], ...],
 * "mlps": [...]}} (nodes) and the Graphviz DOT of the graph (edges). {@link CircuitReader} reads
 * every one of them back as exactly the circuit written, MLP nodes included.
 */
public final class CircuitFormats {
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Marks a node circuit whose MLPs are nodes, for the cases its lists cannot show (none kept, or all). */
    static final String MLP_NODES = "mlp_nodes";
    /** The first line of a removal log; the second column names the level's element. */
    static final String CSV_HEADER = "step,%s,score,seconds,pass";

    /** Each format and the levels it writes. */
    public enum Format {
        JSON(Level.NODES, Level.EDGES),
        PAPER(Level.NODES),
        PYTHON(Level.NODES, Level.EDGES),
        CSV(Level.NODES, Level.EDGES),
        DOT(Level.NODES, Level.EDGES);

        private final Set<Level> levels;

        Format(Level... levels) {
            this.levels = Set.of(levels);
        }

        public boolean serves(Level level) {
            return levels.contains(level);
        }

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * What goes with an exported circuit: the model and task, how it was found (a run, or words such
     * as "the Graph view"), its score, and for DOT an attribution to colour the edges by. Any part may be null.
     */
    public record About(String model, String task, String foundBy, Double score, PruneResult<?, ?> run, EdgeAttribution attribution) {
        public static About of(String model, String task) {
            return new About(model, task, null, null, null, null);
        }
    }

    private CircuitFormats() {
    }

    /** The formats of a level, as the command line names them. */
    public static List<Format> formats(Level level) {
        return Arrays.stream(Format.values()).filter(f -> f.serves(level)).toList();
    }

    public static Format parseFormat(String s, Level level) {
        String names = formats(level).stream().map(Format::id).collect(Collectors.joining(", "));
        Format f;
        try {
            f = Format.valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Unknown export format '" + org.circuitbench.util.Texts.cap(s) + "'"
                    + (level == Level.EDGES ? " for edges" : "") + "; use " + names + ".");
        }
        if (!f.serves(level)) throw new IllegalArgumentException("The " + f.id() + " format is not written for " + level + "; use " + names + ".");
        return f;
    }

    // ---- writing ----------------------------------------------------------------------------------

    /** A circuit without a run (the grid, the graph) in a format; CSV, being a run's removal log, needs a run. */
    public static String export(Format f, CircuitOf<?, ?> c, String model, String task) {
        return export(f, c, About.of(model, task));
    }

    /** A run's final circuit, or for CSV its removal log. */
    public static String export(Format f, PruneResult<?, ?> r, String model, String task) {
        return export(f, r.circuit(), new About(model, task, null, r.score(), r, null));
    }

    public static String export(Format f, CircuitOf<?, ?> c, About about) {
        if (!f.serves(c.level())) throw new IllegalArgumentException("The " + f.id() + " format is not written for " + c.level() + ".");
        try {
            return switch (f) {
                case JSON -> JSON.writeValueAsString(json(c, about));
                case PAPER -> JSON.writeValueAsString(paper((Circuit) c));
                case PYTHON -> python(c);
                case CSV -> {
                    if (about.run() == null) throw new IllegalArgumentException("A CSV export is a run's removal log; export a run instead.");
                    yield csv(about.run());
                }
                case DOT -> dot(c, about.attribution());
            };
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The elements' names as a JSON array: {@code ["0.1", "4.4"]}, {@code ["4.4->9.1.k"]}. */
    public static ArrayNode names(CircuitOf<?, ?> c) {
        ArrayNode a = JSON.createArrayNode();
        c.toStrings().forEach(a::add);
        return a;
    }

    /**
     * Our own JSON: the circuit and how it was found. Nodes are {@code circuitbench-circuit/1}
     * ({@code circuit}, {@code size}), edges {@code circuitbench-edges/1} ({@code edges}, {@code edge_count}).
     */
    public static ObjectNode json(CircuitOf<?, ?> c, About about) {
        boolean nodes = c.level() == Level.NODES;
        ObjectNode o = JSON.createObjectNode();
        o.put("format", nodes ? "circuitbench-circuit/1" : "circuitbench-edges/1");
        if (about.model() != null) o.put("model", about.model());
        if (about.task() != null) o.put("task", about.task());
        if (about.foundBy() != null) o.put("found_by", about.foundBy());
        PruneResult<?, ?> r = about.run();
        if (r != null) {
            o.put("method", r.settings().method().id);
            o.put("threshold", r.settings().threshold());
            o.put("score", r.score());
            o.put("evaluations", r.evaluations());
            o.put("ablation", r.scoring().ablation().id).put("metric", r.scoring().metric().id)
                    .put("normalisation", r.scoring().normalisation().id);
            if (r.cancelled()) o.put("cancelled", true);
        } else if (about.score() != null) {
            o.put("score", about.score());
        }
        o.put(nodes ? "size" : "edge_count", c.size());
        o.set(nodes ? "circuit" : "edges", names(c));
        if (c instanceof Circuit n && n.hasMlpNodes()) o.put(MLP_NODES, true);
        return o;
    }

    /**
     * A Python list: nodes as {@code [(0, 1), (4, 4)]}, with MLPs, if they are nodes, as a second
     * list {@code mlps = [3, 5]}; edges as {@code [("embed", "0.3.q"), ("4.4", "9.1.k")]}.
     */
    public static String python(CircuitOf<?, ?> c) {
        return switch (c) {
            case Circuit n -> python(n);
            case EdgeCircuit e -> e.edges().stream().map(x -> "(\"" + x.sender() + "\", \"" + x.receiver() + "\")")
                    .collect(Collectors.joining(", ", "[", "]"));
        };
    }

    private static String python(Circuit c) {
        String heads = c.nodes().stream().filter(n -> n instanceof Node.Head).map(n -> (Node.Head) n)
                .map(n -> "(" + n.layer() + ", " + n.head() + ")").collect(Collectors.joining(", ", "[", "]"));
        if (!c.hasMlpNodes()) return heads;
        String mlps = c.nodes().stream().filter(n -> n instanceof Node.Mlp).map(n -> Integer.toString(n.layer()))
                .collect(Collectors.joining(", ", "[", "]"));
        return "heads = " + heads + "\nmlps = " + mlps;
    }

    /** The paper's format: heads as [layer, head] pairs and MLPs as layers. */
    public static ObjectNode paper(Circuit c) {
        ObjectNode o = JSON.createObjectNode();
        ArrayNode heads = o.putArray("heads");
        ArrayNode mlps = o.putArray("mlps");
        for (Node n : c.nodes()) {
            switch (n) {
                case Node.Head h -> heads.addArray().add(h.layer()).add(h.head());
                case Node.Mlp m -> mlps.add(m.layer());
            }
        }
        if (!c.hasMlpNodes()) {
            for (int l = 0; l < c.layers(); l++) mlps.add(l);
        } else {
            o.put(MLP_NODES, true); // with every MLP kept, the lists alone would read back as MLPs that are not nodes
        }
        return o;
    }

    /**
     * A run's removal log: step, element, score after, seconds since start, pass, and the method
     * that made the scores (ablation, metric, normalisation; logs from before methods lack these
     * columns and still read). Step 0 holds the start circuit, so that the log reads back as the
     * circuit it ends with. A search by attribution removes nothing one at a time, so it has no log.
     */
    public static String csv(PruneResult<?, ?> r) {
        if (r.settings().method() == SearchMethod.ATTRIBUTION) {
            throw new IllegalArgumentException("A search by attribution has no removal log; export its circuit as JSON instead.");
        }
        CircuitOf<?, ?> start = r.start();
        StringBuilder sb = new StringBuilder(csvHeader(start.level()) + ",ablation,metric,normalisation\n");
        String method = "," + r.scoring().ablation().id + "," + r.scoring().metric().id + "," + r.scoring().normalisation().id + "\n";
        sb.append("0,").append(csvField(exactSpec(start))).append(',').append(isAll(start) ? String.valueOf(r.scoring().fullScore()) : "")
                .append(",0.000,0").append(method);
        int i = 1;
        for (Removal<?> x : r.removals()) {
            sb.append(i++).append(',').append(x.element()).append(',').append(x.score()).append(',')
                    .append(String.format(Locale.ROOT, "%.3f", x.elapsedSeconds())).append(',').append(x.pass()).append(method);
        }
        return sb.toString();
    }

    /** {@code step,head,score,seconds,pass} or {@code step,edge,…}. */
    static String csvHeader(Level level) {
        return String.format(CSV_HEADER, level == Level.NODES ? "head" : "edge");
    }

    private static boolean isAll(CircuitOf<?, ?> c) {
        return c.equals(c.level().all(c.layers(), c.heads()));
    }

    /** A spec that reads back as exactly {@code c}; for nodes, the paper's JSON where a spec cannot say it. */
    private static String exactSpec(CircuitOf<?, ?> c) {
        if (!(c instanceof Circuit n)) return c.toSpec();
        if (n.equals(Circuit.allWithMlps(n.layers(), n.heads()))) return "all+mlp";
        String spec = n.toSpec();
        if (Circuit.parse(spec, n.layers(), n.heads()).equals(n)) return spec;
        return paper(n).toString();
    }

    private static String csvField(String s) {
        return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }

    /** Marks a DOT file's level ({@code circuitbench="nodes"} or {@code "edges"}), with {@link #MLP_NODES} for a node circuit whose MLPs are nodes. */
    static final String DOT_LEVEL = "circuitbench";

    /**
     * The graph in Graphviz DOT, embed at the bottom and the logits at the top. An edge into a
     * head is labelled q, k or v; with an attribution, edges are coloured by sign (red: removing
     * hurts) and weighted by size. A node circuit is drawn as the edges it induces (edges.md: they
     * score what it scores), and marked as a node circuit so that it reads back as one.
     */
    public static String dot(CircuitOf<?, ?> c, EdgeAttribution attribution) {
        return switch (c) {
            case EdgeCircuit e -> dot(e, attribution, "edges", false);
            case Circuit n -> dot(EdgeCircuit.induced(new org.circuitbench.ablation.EdgeGraph(n.layers(), n.heads()), n), null, "nodes",
                    n.hasMlpNodes());
        };
    }

    private static String dot(EdgeCircuit c, EdgeAttribution attribution, String level, boolean mlpNodes) {
        StringBuilder sb = new StringBuilder("digraph circuit {\n  rankdir=BT;\n  node [shape=box, fontname=\"Helvetica\"];\n");
        sb.append("  graph [").append(DOT_LEVEL).append("=\"").append(level).append('"')
                .append(mlpNodes ? ", " + MLP_NODES + "=\"true\"" : "").append("];\n");
        Set<String> nodes = new LinkedHashSet<>();
        for (Edge e : c.edges()) {
            nodes.add(nodeName(e.sender()));
            nodes.add(nodeName(e.receiver()));
        }
        for (String n : nodes) sb.append("  \"").append(n).append("\"").append(n.equals("logits") || n.equals("embed") ? " [shape=ellipse]" : "").append(";\n");
        double max = 0;
        if (attribution != null) for (Edge e : c.edges()) max = Math.max(max, Math.abs(attribution.of(e)));
        for (Edge e : c.edges()) {
            sb.append("  \"").append(nodeName(e.sender())).append("\" -> \"").append(nodeName(e.receiver())).append("\"");
            List<String> attrs = new ArrayList<>();
            if (e.receiver() instanceof Receiver.HeadInput in) attrs.add("label=\"" + in.channel().id() + "\"");
            if (attribution != null && max > 0) {
                double a = attribution.of(e);
                attrs.add("color=\"" + (a < 0 ? "#c0392b" : "#2e86c1") + "\"");
                attrs.add(String.format(Locale.ROOT, "penwidth=%.2f", 0.5 + 4.5 * Math.abs(a) / max));
                attrs.add(String.format(Locale.ROOT, "tooltip=\"%s: %.4f\"", e, a));
            }
            if (!attrs.isEmpty()) sb.append(" [").append(String.join(", ", attrs)).append("]");
            sb.append(";\n");
        }
        return sb.append("}\n").toString();
    }

    private static String nodeName(Sender s) {
        return s.toString();
    }

    private static String nodeName(Receiver r) {
        return switch (r) {
            case Receiver.HeadInput in -> in.head().toString();
            case Node.Mlp m -> m.toString();
            case Receiver.Logits l -> "logits";
        };
    }
}
