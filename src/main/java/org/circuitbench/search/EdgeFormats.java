package org.circuitbench.search;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.circuitbench.ablation.Edge;
import org.circuitbench.ablation.EdgeAttribution;
import org.circuitbench.ablation.EdgeCircuit;
import org.circuitbench.ablation.EdgeGraph;
import org.circuitbench.ablation.Node;
import org.circuitbench.ablation.Receiver;
import org.circuitbench.ablation.Sender;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Edge circuits in and out: our JSON ({@code {"edges": [...]}} with how it was found), the
 * Graphviz DOT of the graph, and a Python list of {@code (sender, receiver)} tuples. Reading takes
 * every one of these back, plus the specs of edges.md.
 */
public final class EdgeFormats {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final Pattern TUPLE = Pattern.compile("\\(\\s*['\"]([^'\"]+)['\"]\\s*,\\s*['\"]([^'\"]+)['\"]\\s*\\)");

    public enum Format { JSON, DOT, PYTHON }

    private EdgeFormats() {
    }

    public static Format parseFormat(String s) {
        try {
            return Format.valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Unknown export format '" + s + "' for edges; use json, dot or python.");
        }
    }

    /**
     * An edge circuit from the command line: {@code all}, {@code none}, {@code induced:<heads>},
     * edge names, or {@code @file} with a JSON list of names, {@code {"edges": [...]}}, or a
     * Python list of tuples.
     */
    public static EdgeCircuit read(String arg, EdgeGraph g) {
        if (!arg.startsWith("@")) return EdgeCircuit.parse(arg, g);
        Path file = Path.of(arg.substring(1));
        String text;
        try {
            text = org.circuitbench.util.JsonErrors.readText(file, "Edge file");
        } catch (IOException e) {
            throw new IllegalArgumentException(e.getMessage()); // one line: missing, a folder, not UTF-8
        }
        return parseText(text, g, file.toString());
    }

    public static EdgeCircuit parseText(String text, EdgeGraph g, String source) {
        String t = text.trim();
        if (t.isEmpty()) throw new IllegalArgumentException(source + " is empty; write a JSON list of edge names such as [\"4.4->9.1.k\"].");
        char first = t.charAt(0), second = t.length() > 1 ? t.substring(1).trim().concat(" ").charAt(0) : ' ';
        if (first == '{' || (first == '[' && (second == '"' || second == ']'))) {
            JsonNode root;
            try {
                root = JSON.readTree(t);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalArgumentException(source + " is not valid JSON: " + e.getOriginalMessage().replace('\n', ' '));
            }
            JsonNode list = root.isObject() ? root.get("edges") : root;
            if (list == null || !list.isArray()) throw new IllegalArgumentException(source + ": expected a list of edge names or {\"edges\": [...]}.");
            List<Edge> edges = new ArrayList<>();
            for (JsonNode n : list) edges.add(g.parse(n.asText()));
            return EdgeCircuit.of(g, edges);
        }
        if (first == '[' && second == '(') {
            List<Edge> edges = new ArrayList<>();
            Matcher m = TUPLE.matcher(t);
            while (m.find()) edges.add(g.parse(m.group(1) + "->" + m.group(2)));
            return EdgeCircuit.of(g, edges);
        }
        return EdgeCircuit.parse(t, g);
    }

    public static ArrayNode names(EdgeCircuit c) {
        ArrayNode a = JSON.createArrayNode();
        c.toStrings().forEach(a::add);
        return a;
    }

    /** Our JSON: the kept edges, their count and, when given, the score and how they were found. */
    public static ObjectNode json(EdgeCircuit c, Double score, String how, String model, String task) {
        ObjectNode o = JSON.createObjectNode();
        o.put("format", "circuitbench-edges/1");
        if (model != null) o.put("model", model);
        if (task != null) o.put("task", task);
        if (how != null) o.put("found_by", how);
        if (score != null) o.put("score", score);
        o.put("edge_count", c.size());
        o.set("edges", names(c));
        return o;
    }

    /** {@code [("embed", "0.3.q"), ("4.4", "9.1.k")]}: paste into a notebook. */
    public static String python(EdgeCircuit c) {
        StringBuilder sb = new StringBuilder("[");
        for (Edge e : c.edges()) {
            if (sb.length() > 1) sb.append(", ");
            sb.append("(\"").append(e.sender()).append("\", \"").append(e.receiver()).append("\")");
        }
        return sb.append("]").toString();
    }

    /**
     * The graph in Graphviz DOT, embed at the bottom and the logits at the top. An edge into a
     * head is labelled q, k or v; with an attribution, edges are coloured by sign (red: removing
     * hurts) and weighted by size.
     */
    public static String dot(EdgeCircuit c, EdgeAttribution attribution) {
        StringBuilder sb = new StringBuilder("digraph circuit {\n  rankdir=BT;\n  node [shape=box, fontname=\"Helvetica\"];\n");
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

    public static String export(Format f, EdgeCircuit c, Double score, String how, String model, String task, EdgeAttribution attribution) {
        try {
            return switch (f) {
                case JSON -> JSON.writeValueAsString(json(c, score, how, model, task));
                case DOT -> dot(c, attribution);
                case PYTHON -> python(c);
            };
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
