package org.circuitbench.search;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.circuitbench.ablation.Circuit;
import org.circuitbench.ablation.Node;
import org.circuitbench.util.Texts;

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
 * notebook, and CSV of a removal log. Reading accepts all of these and plain specs, and each
 * export reads back as exactly the circuit written, MLP nodes included.
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
        } else {
            o.put(MLP_NODES, true); // with every MLP kept, the lists alone would read back as MLPs that are not nodes
        }
        return o;
    }

    /** Marks a circuit whose MLPs are nodes, for the cases its lists cannot show (none kept, or all). */
    private static final String MLP_NODES = "mlp_nodes";

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
            o.put("ablation", r.scoring().ablation().id).put("metric", r.scoring().metric().id)
                    .put("normalisation", r.scoring().normalisation().id);
            if (r.cancelled()) o.put("cancelled", true);
        }
        o.put("size", c.size());
        o.set("circuit", nodeArray(c));
        if (c.hasMlpNodes()) o.put(MLP_NODES, true);
        return o;
    }

    /**
     * The removal log: step, node, score after, seconds since start, pass, and the method that made
     * the scores (ablation, metric, normalisation). Step 0 holds the start circuit, so that the log
     * reads back as the circuit it ends with.
     */
    public static String csv(PruneResult r) {
        StringBuilder sb = new StringBuilder(CSV_HEADER + ",ablation,metric,normalisation\n");
        String method = "," + r.scoring().ablation().id + "," + r.scoring().metric().id + "," + r.scoring().normalisation().id + "\n";
        Circuit start = r.settings().start();
        sb.append("0,").append(csvField(exactSpec(start))).append(',')
                .append(start.equals(Circuit.all(start.layers(), start.heads())) ? String.valueOf(r.scoring().fullScore()) : "")
                .append(",0.000,0").append(method);
        int i = 1;
        for (Removal<Node> x : r.removals()) {
            sb.append(i++).append(',').append(x.element()).append(',').append(x.score()).append(',')
                    .append(String.format(Locale.ROOT, "%.3f", x.elapsedSeconds())).append(',').append(x.pass()).append(method);
        }
        return sb.toString();
    }

    private static final String CSV_HEADER = "step,head,score,seconds,pass"; // logs before methods end here; they still read

    /** A spec that reads back as exactly {@code c}; the paper's JSON where a spec cannot say it. */
    private static String exactSpec(Circuit c) {
        if (c.equals(Circuit.allWithMlps(c.layers(), c.heads()))) return "all+mlp";
        String spec = c.toSpec();
        if (Circuit.parse(spec, c.layers(), c.heads()).equals(c)) return spec;
        return paper(c).toString();
    }

    private static String csvField(String s) {
        return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }

    /** One CSV line's fields (RFC 4180 quoting). */
    private static List<String> csvFields(String line, String source) {
        List<String> out = new ArrayList<>();
        StringBuilder f = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char ch = line.charAt(i);
            if (quoted) {
                if (ch == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    f.append('"');
                    i++;
                } else if (ch == '"') {
                    quoted = false;
                } else {
                    f.append(ch);
                }
            } else if (ch == '"') {
                quoted = true;
            } else if (ch == ',') {
                out.add(f.toString());
                f.setLength(0);
            } else {
                f.append(ch);
            }
        }
        if (quoted) throw new IllegalArgumentException(source + ": a quote in '" + Texts.cap(line) + "' is not closed.");
        out.add(f.toString());
        return out;
    }

    /** A removal log: its start circuit (step 0; all heads if absent) less every head it removed. */
    private static Circuit fromCsv(String text, int layers, int heads, String source) {
        List<String> lines = text.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        Circuit c = null;
        for (int i = 1; i < lines.size(); i++) {
            List<String> f = csvFields(lines.get(i), source);
            if (f.size() < 2) throw new IllegalArgumentException(source + ", line " + (i + 1) + ": expected step,head,…, found '" + Texts.cap(lines.get(i)) + "'.");
            String step = f.get(0).strip();
            if (step.equals("0")) {
                if (c != null) throw new IllegalArgumentException(source + ", line " + (i + 1) + ": step 0 (the start circuit) must come first.");
                c = parseText(f.get(1), layers, heads, source + ", line " + (i + 1));
                continue;
            }
            if (!step.matches("\\d{1,9}")) throw new IllegalArgumentException(source + ", line " + (i + 1) + ": step '" + Texts.cap(step) + "' is not a number.");
            if (c == null) c = Circuit.all(layers, heads);
            Node n = Node.parse(f.get(1));
            Circuit.of(layers, heads, List.of(n)); // throws with the bounds when it lies outside the model
            c = c.without(n);
        }
        return c == null ? Circuit.all(layers, heads) : c;
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
     * holding a spec, a Python list, a JSON array of "L.H", our JSON, the paper's JSON or a removal
     * log (CSV). Empty text is refused rather than read as the empty circuit, which is {@code none}.
     */
    public static Circuit read(String arg, int layers, int heads) {
        if (!arg.startsWith("@")) {
            if (arg.isBlank()) throw new IllegalArgumentException("The circuit '" + arg + "' is empty; write none for the empty circuit or all for every head.");
            return Circuit.parse(arg, layers, heads);
        }
        Path file = Path.of(arg.substring(1));
        String text;
        try {
            text = org.circuitbench.util.JsonErrors.readText(file, "Circuit file");
        } catch (IOException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
        return parseText(text, layers, heads, file.toString());
    }

    public static Circuit parseText(String text, int layers, int heads, String source) {
        String t = text.strip();
        if (t.isEmpty()) {
            throw new IllegalArgumentException(source + " is empty; it should hold a circuit, e.g. none, all or 0.1,4.4.");
        }
        if (t.startsWith(CSV_HEADER)) return fromCsv(t, layers, heads, source);
        if (t.startsWith("{")) {
            JsonNode root;
            try {
                root = JSON.readTree(t);
            } catch (IOException e) {
                throw new IllegalArgumentException(source + " is not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
            }
            boolean mlpNodes = root.path(MLP_NODES).asBoolean(false);
            if (root.has("circuit")) {
                Circuit c = fromArray(root.get("circuit"), layers, heads, source);
                return mlpNodes ? Circuit.of(layers, heads, c.nodes(), true) : c;
            }
            if (root.has("heads")) {
                List<Node> nodes = new ArrayList<>();
                JsonNode hs = root.get("heads");
                if (!hs.isArray()) throw new IllegalArgumentException(source + ": 'heads' must be a list of [layer, head] pairs.");
                for (JsonNode p : hs) {
                    if (!p.isArray() || p.size() != 2 || !isIndex(p.get(0)) || !isIndex(p.get(1))) {
                        throw new IllegalArgumentException(source + ": 'heads' must be a list of [layer, head] pairs of whole numbers, found "
                                + Texts.cap(p.toString()) + ".");
                    }
                    nodes.add(Node.head(p.get(0).asInt(), p.get(1).asInt()));
                }
                JsonNode mlps = root.get("mlps");
                if (mlps != null && !mlps.isArray()) throw new IllegalArgumentException(source + ": 'mlps' must be a list of layers.");
                List<Node> mlpNodeList = new ArrayList<>();
                if (mlps != null) {
                    for (JsonNode m : mlps) {
                        if (!isIndex(m)) throw new IllegalArgumentException(source + ": 'mlps' must list layers as whole numbers, found " + Texts.cap(m.toString()) + ".");
                        mlpNodeList.add(Node.mlp(m.asInt()));
                    }
                }
                boolean allMlps = !mlpNodes && (mlps == null || mlpNodeList.stream().distinct().count() == layers);
                if (!allMlps) nodes.addAll(mlpNodeList);
                return Circuit.of(layers, heads, nodes, !allMlps);
            }
            throw new IllegalArgumentException(source + ": expected a 'circuit' list or the paper's 'heads' list.");
        }
        if (t.startsWith("[") && t.contains("\"")) {
            try {
                return fromArray(JSON.readTree(t), layers, heads, source);
            } catch (IOException e) {
                throw new IllegalArgumentException(source + " is not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
            }
        }
        // Python: [(0, 1), (4, 4)], or heads = [...] and mlps = [...] on their own lines
        if (t.contains("(") || t.startsWith("heads")) return fromPython(t, layers, heads, source);
        return Circuit.parse(t, layers, heads);
    }

    private static final java.util.regex.Pattern PYTHON = java.util.regex.Pattern.compile(
            "(?:heads\\s*=\\s*)?\\[([^\\[\\]]*)]\\s*(?:\\R\\s*mlps\\s*=\\s*\\[([^\\[\\]]*)])?");
    private static final java.util.regex.Pattern TUPLE = java.util.regex.Pattern.compile("\\(\\s*(-?\\d+)\\s*,\\s*(-?\\d+)\\s*\\)");

    private static Circuit fromPython(String t, int layers, int heads, String source) {
        var m = PYTHON.matcher(t);
        if (!m.matches()) {
            throw new IllegalArgumentException(source + ": expected a Python list such as [(0, 1), (4, 4)], optionally as "
                    + "heads = [...] with mlps = [...] on the next line.");
        }
        List<Node> nodes = new ArrayList<>();
        var tm = TUPLE.matcher(m.group(1));
        while (tm.find()) {
            if (!tm.group(1).matches("\\d{1,9}") || !tm.group(2).matches("\\d{1,9}")) {
                throw new IllegalArgumentException(source + ": head " + Texts.cap(tm.group()) + " is outside the model, which has layers 0–"
                        + (layers - 1) + " and heads 0–" + (heads - 1) + ".");
            }
            nodes.add(Node.head(Integer.parseInt(tm.group(1)), Integer.parseInt(tm.group(2))));
        }
        String rest = TUPLE.matcher(m.group(1)).replaceAll("").replaceAll("[,\\s]", "");
        if (!rest.isEmpty()) throw new IllegalArgumentException(source + ": cannot read '" + Texts.cap(rest) + "' as a (layer, head) pair.");
        if (m.group(2) == null) return Circuit.of(layers, heads, nodes);
        for (String part : m.group(2).split(",")) {
            if (part.isBlank()) continue;
            if (!part.strip().matches("\\d{1,9}")) throw new IllegalArgumentException(source + ": cannot read '" + Texts.cap(part.strip()) + "' as an MLP layer.");
            nodes.add(Node.mlp(Integer.parseInt(part.strip())));
        }
        return Circuit.of(layers, heads, nodes, true);
    }

    private static boolean isIndex(JsonNode n) {
        return n != null && n.isIntegralNumber() && n.canConvertToInt() && n.asInt() >= 0;
    }

    private static Circuit fromArray(JsonNode array, int layers, int heads, String source) {
        if (!array.isArray()) throw new IllegalArgumentException(source + ": the circuit must be a list of \"L.H\" strings.");
        List<Node> nodes = new ArrayList<>();
        for (JsonNode n : array) {
            if (!n.isTextual()) throw new IllegalArgumentException(source + ": the circuit must be a list of \"L.H\" strings, found " + Texts.cap(n.toString()) + ".");
            nodes.add(Node.parse(n.asText()));
        }
        return Circuit.of(layers, heads, nodes);
    }
}
