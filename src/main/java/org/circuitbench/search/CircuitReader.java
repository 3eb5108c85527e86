package org.circuitbench.search;

import com.fasterxml.jackson.databind.JsonNode;
import org.circuitbench.ablation.Circuit;
import org.circuitbench.ablation.CircuitOf;
import org.circuitbench.ablation.Edge;
import org.circuitbench.ablation.EdgeCircuit;
import org.circuitbench.ablation.EdgeGraph;
import org.circuitbench.ablation.Level;
import org.circuitbench.ablation.Node;
import org.circuitbench.util.Texts;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Circuits in, at either level, from the command line: a spec ({@code all}, {@code 0.1,4.4},
 * {@code induced:0.1,4.4}, edge names) or {@code @file} holding a spec or any format that
 * {@link CircuitFormats} writes. Empty text is refused rather than read as the empty circuit,
 * which is {@code none}.
 */
public final class CircuitReader {
    private static final Pattern PYTHON = Pattern.compile(
            "(?:heads\\s*=\\s*)?\\[([^\\[\\]]*)]\\s*(?:\\R\\s*mlps\\s*=\\s*\\[([^\\[\\]]*)])?");
    private static final Pattern TUPLE = Pattern.compile("\\(\\s*(-?\\d+)\\s*,\\s*(-?\\d+)\\s*\\)");
    private static final Pattern EDGE_TUPLE = Pattern.compile("\\(\\s*['\"]([^'\"]+)['\"]\\s*,\\s*['\"]([^'\"]+)['\"]\\s*\\)");

    private CircuitReader() {
    }

    /** A circuit of {@code level} on a model of {@code layers} × {@code heads}. */
    public static CircuitOf<?, ?> read(String arg, Level level, int layers, int heads) {
        return switch (level) {
            case NODES -> read(arg, layers, heads);
            case EDGES -> readEdges(arg, new EdgeGraph(layers, heads));
        };
    }

    /** A node circuit: a spec or {@code @file}. */
    public static Circuit read(String arg, int layers, int heads) {
        if (!arg.startsWith("@")) {
            if (arg.isBlank()) throw new IllegalArgumentException("The circuit '" + arg + "' is empty; write none for the empty circuit or all for every head.");
            return Circuit.parse(arg, layers, heads);
        }
        Path file = Path.of(arg.substring(1));
        return parseText(text(file, "Circuit file"), layers, heads, file.toString());
    }

    /** An edge circuit: {@code all}, {@code none}, {@code induced:<heads>}, edge names, or {@code @file}. */
    public static EdgeCircuit readEdges(String arg, EdgeGraph g) {
        if (!arg.startsWith("@")) return EdgeCircuit.parse(arg, g);
        Path file = Path.of(arg.substring(1));
        return parseEdgeText(text(file, "Edge file"), g, file.toString());
    }

    private static String text(Path file, String what) {
        try {
            return org.circuitbench.util.JsonErrors.readText(file, what);
        } catch (IOException e) {
            throw new IllegalArgumentException(e.getMessage()); // one line: missing, a folder, not UTF-8
        }
    }

    // ---- nodes ------------------------------------------------------------------------------------

    public static Circuit parseText(String text, int layers, int heads, String source) {
        String t = text.strip();
        if (t.isEmpty()) {
            throw new IllegalArgumentException(source + " is empty; it should hold a circuit, e.g. none, all or 0.1,4.4.");
        }
        if (t.startsWith(CircuitFormats.csvHeader(Level.NODES))) return fromCsv(t, layers, heads, source);
        if (t.startsWith("{")) {
            JsonNode root = json(t, source);
            boolean mlpNodes = root.path(CircuitFormats.MLP_NODES).asBoolean(false);
            if (root.has("circuit")) {
                Circuit c = fromArray(root.get("circuit"), layers, heads, source);
                return mlpNodes ? Circuit.of(layers, heads, c.nodes(), true) : c;
            }
            if (root.has("heads")) return fromPaper(root, mlpNodes, layers, heads, source);
            throw new IllegalArgumentException(source + ": expected a 'circuit' list or the paper's 'heads' list.");
        }
        if (t.startsWith("[") && t.contains("\"")) return fromArray(json(t, source), layers, heads, source);
        // Python: [(0, 1), (4, 4)], or heads = [...] and mlps = [...] on their own lines
        if (t.contains("(") || t.startsWith("heads")) return fromPython(t, layers, heads, source);
        return Circuit.parse(t, layers, heads);
    }

    private static JsonNode json(String t, String source) {
        try {
            return CircuitFormats.JSON.readTree(t);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(source + " is not valid JSON: " + e.getOriginalMessage().replace('\n', ' '));
        }
    }

    private static Circuit fromPaper(JsonNode root, boolean mlpNodes, int layers, int heads, String source) {
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

    private static Circuit fromPython(String t, int layers, int heads, String source) {
        Matcher m = PYTHON.matcher(t);
        if (!m.matches()) {
            throw new IllegalArgumentException(source + ": expected a Python list such as [(0, 1), (4, 4)], optionally as "
                    + "heads = [...] with mlps = [...] on the next line.");
        }
        List<Node> nodes = new ArrayList<>();
        Matcher tm = TUPLE.matcher(m.group(1));
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

    /** A node removal log: its start circuit (step 0; all heads if absent) less every head it removed. */
    private static Circuit fromCsv(String text, int layers, int heads, String source) {
        Circuit c = null;
        for (String[] row : csvRows(text, source)) {
            if (row[0].equals("0")) {
                if (c != null) throw new IllegalArgumentException(source + ", line " + row[2] + ": step 0 (the start circuit) must come first.");
                c = parseText(row[1], layers, heads, source + ", line " + row[2]);
                continue;
            }
            if (c == null) c = Circuit.all(layers, heads);
            Node n = Node.parse(row[1]);
            Circuit.of(layers, heads, List.of(n)); // throws with the bounds when it lies outside the model
            c = c.without(n);
        }
        return c == null ? Circuit.all(layers, heads) : c;
    }

    // ---- edges ------------------------------------------------------------------------------------

    public static EdgeCircuit parseEdgeText(String text, EdgeGraph g, String source) {
        String t = text.trim();
        if (t.isEmpty()) throw new IllegalArgumentException(source + " is empty; write a JSON list of edge names such as [\"4.4->9.1.k\"].");
        if (t.startsWith(CircuitFormats.csvHeader(Level.EDGES))) return edgesFromCsv(t, g, source);
        char first = t.charAt(0), second = t.length() > 1 ? t.substring(1).trim().concat(" ").charAt(0) : ' ';
        if (first == '{' || (first == '[' && (second == '"' || second == ']'))) {
            JsonNode root = json(t, source);
            JsonNode list = root.isObject() ? root.get("edges") : root;
            if (list == null || !list.isArray()) throw new IllegalArgumentException(source + ": expected a list of edge names or {\"edges\": [...]}.");
            List<Edge> edges = new ArrayList<>();
            for (JsonNode n : list) edges.add(g.parse(n.asText()));
            return EdgeCircuit.of(g, edges);
        }
        if (first == '[' && second == '(') {
            List<Edge> edges = new ArrayList<>();
            Matcher m = EDGE_TUPLE.matcher(t);
            while (m.find()) edges.add(g.parse(m.group(1) + "->" + m.group(2)));
            return EdgeCircuit.of(g, edges);
        }
        return EdgeCircuit.parse(t, g);
    }

    /** An edge removal log: its start (step 0) less every edge it removed. */
    private static EdgeCircuit edgesFromCsv(String text, EdgeGraph g, String source) {
        EdgeCircuit c = null;
        for (String[] row : csvRows(text, source)) {
            if (row[0].equals("0")) {
                if (c != null) throw new IllegalArgumentException(source + ", line " + row[2] + ": step 0 (the start circuit) must come first.");
                c = parseEdgeText(row[1], g, source + ", line " + row[2]);
                continue;
            }
            if (c == null) c = EdgeCircuit.all(g);
            c = c.without(g.parse(row[1]));
        }
        return c == null ? EdgeCircuit.all(g) : c;
    }

    // ---- CSV --------------------------------------------------------------------------------------

    /** A removal log's rows after the header: {step, element, line number}, the step checked. */
    private static List<String[]> csvRows(String text, String source) {
        List<String> lines = text.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        List<String[]> rows = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            List<String> f = csvFields(lines.get(i), source);
            if (f.size() < 2) throw new IllegalArgumentException(source + ", line " + (i + 1) + ": expected step,element,…, found '" + Texts.cap(lines.get(i)) + "'.");
            String step = f.get(0).strip();
            if (!step.matches("\\d{1,9}")) throw new IllegalArgumentException(source + ", line " + (i + 1) + ": step '" + Texts.cap(step) + "' is not a number.");
            rows.add(new String[] {step, f.get(1), Integer.toString(i + 1)});
        }
        return rows;
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
}
