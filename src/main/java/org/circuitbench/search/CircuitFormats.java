package org.circuitbench.search;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.circuitbench.ablation.Circuit;
import org.circuitbench.ablation.Node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Circuits in and out: our JSON (with method, threshold, score, model and task), the paper's
 * {@code {"heads": [[l, h], ...], "mlps": [...]}}, a Python list literal to paste into a
 * notebook, and CSV of a removal log. Reading accepts all of these and plain specs.
 */
public final class CircuitFormats {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public enum Format { JSON, PAPER, PYTHON, CSV }

    private CircuitFormats() {
    }

    public static Format parseFormat(String s) {
        try {
            return Format.valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Unknown export format '" + s + "'; use json, paper, python or csv.");
        }
    }

    /** {@code [(0, 1), (4, 4)]}; MLPs, if any, follow as a second list {@code mlps = [3, 5]}. */
    public static String python(Circuit c) {
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
        }
        return o;
    }

    public static ArrayNode nodeArray(Circuit c) {
        ArrayNode a = JSON.createArrayNode();
        c.toStrings().forEach(a::add);
        return a;
    }

    /** Our own JSON: the circuit and how it was found. */
    public static ObjectNode json(Circuit c, PruneResult r, String model, String task) {
        ObjectNode o = JSON.createObjectNode();
        o.put("format", "circuitbench-circuit/1");
        if (model != null) o.put("model", model);
        if (task != null) o.put("task", task);
        if (r != null) {
            o.put("method", r.settings().method().id);
            o.put("threshold", r.settings().threshold());
            o.put("score", r.score());
            o.put("evaluations", r.evaluations());
            if (r.cancelled()) o.put("cancelled", true);
        }
        o.put("size", c.size());
        o.set("circuit", nodeArray(c));
        return o;
    }

    /** The removal log: step, node, score after, seconds since start, pass. */
    public static String csv(PruneResult r) {
        StringBuilder sb = new StringBuilder("step,head,score,seconds,pass\n");
        int i = 1;
        for (Removal<Node> x : r.removals()) {
            sb.append(i++).append(',').append(x.element()).append(',').append(x.score()).append(',')
                    .append(String.format(Locale.ROOT, "%.3f", x.elapsedSeconds())).append(',').append(x.pass()).append('\n');
        }
        return sb.toString();
    }

    /** A circuit without a run (the app's grid) in a format; CSV, being a run's removal log, needs a run. */
    public static String export(Format f, Circuit c, String model, String task) {
        try {
            return switch (f) {
                case JSON -> JSON.writeValueAsString(json(c, null, model, task));
                case PAPER -> JSON.writeValueAsString(paper(c));
                case PYTHON -> python(c);
                case CSV -> throw new IllegalArgumentException("A CSV export is a run's removal log; export a run instead.");
            };
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String export(Format f, PruneResult r, String model, String task) {
        try {
            return switch (f) {
                case JSON -> JSON.writeValueAsString(json(r.circuit(), r, model, task));
                case PAPER -> JSON.writeValueAsString(paper(r.circuit()));
                case PYTHON -> python(r.circuit());
                case CSV -> csv(r);
            };
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A circuit from the command line: a spec ({@code all}, {@code 0.1,4.4}) or {@code @file}
     * holding a spec, a Python list, a JSON array of "L.H", our JSON or the paper's JSON.
     */
    public static Circuit read(String arg, int layers, int heads) {
        if (!arg.startsWith("@")) return Circuit.parse(arg, layers, heads);
        Path file = Path.of(arg.substring(1));
        String text;
        try {
            text = Files.readString(file).trim();
        } catch (IOException e) {
            throw new IllegalArgumentException("Cannot read circuit file " + file + ": " + e.getMessage());
        }
        return parseText(text, layers, heads, file.toString());
    }

    public static Circuit parseText(String text, int layers, int heads, String source) {
        String t = text.trim();
        if (t.startsWith("{")) {
            JsonNode root;
            try {
                root = JSON.readTree(t);
            } catch (IOException e) {
                throw new IllegalArgumentException(source + " is not valid JSON: " + e.getMessage());
            }
            if (root.has("circuit")) return fromArray(root.get("circuit"), layers, heads, source);
            if (root.has("heads")) {
                List<Node> nodes = new ArrayList<>();
                for (JsonNode p : root.get("heads")) nodes.add(Node.head(p.get(0).asInt(), p.get(1).asInt()));
                JsonNode mlps = root.get("mlps");
                boolean allMlps = mlps == null || mlps.size() == layers;
                if (!allMlps) for (JsonNode m : mlps) nodes.add(Node.mlp(m.asInt()));
                return Circuit.of(layers, heads, nodes, !allMlps);
            }
            throw new IllegalArgumentException(source + ": expected a 'circuit' list or the paper's 'heads' list.");
        }
        if (t.startsWith("[") && t.contains("\"")) {
            try {
                return fromArray(JSON.readTree(t), layers, heads, source);
            } catch (IOException e) {
                throw new IllegalArgumentException(source + " is not valid JSON: " + e.getMessage());
            }
        }
        // A Python list of tuples, [(0, 1), (4, 4)], or a plain spec
        if (t.contains("(")) {
            List<Node> nodes = new ArrayList<>();
            var m = java.util.regex.Pattern.compile("\\(\\s*(\\d+)\\s*,\\s*(\\d+)\\s*\\)").matcher(t);
            while (m.find()) nodes.add(Node.head(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))));
            return Circuit.of(layers, heads, nodes);
        }
        return Circuit.parse(t, layers, heads);
    }

    private static Circuit fromArray(JsonNode array, int layers, int heads, String source) {
        if (!array.isArray()) throw new IllegalArgumentException(source + ": the circuit must be a list of \"L.H\" strings.");
        List<Node> nodes = new ArrayList<>();
        for (JsonNode n : array) nodes.add(Node.parse(n.asText()));
        return Circuit.of(layers, heads, nodes);
    }
}
