package org.circuitbench.search;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import org.circuitbench.ablation.Circuit;
import org.circuitbench.ablation.CircuitOf;
import org.circuitbench.ablation.Edge;
import org.circuitbench.ablation.EdgeCircuit;
import org.circuitbench.ablation.EdgeGraph;
import org.circuitbench.ablation.Level;
import org.circuitbench.ablation.Node;
import org.circuitbench.util.JsonErrors;
import org.circuitbench.util.Texts;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Circuits in, at either level, from the command line: a spec ({@code all}, {@code 0.1,4.4},
 * {@code induced:0.1,4.4}, {@code induced:@file}, edge names) or {@code @file} holding a spec or
 * any format that {@link CircuitFormats} writes. Everything is read strictly: a file is read
 * whole as one format or refused with one line, never as the part of it that happened to parse.
 * A file of the other level is named as such, with how to use it. Empty text is refused rather
 * than read as the empty circuit, which is {@code none}.
 */
public final class CircuitReader {
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

    /** An edge circuit: {@code all}, {@code none}, {@code induced:<heads>} or {@code induced:@file}, edge names, or {@code @file}. */
    public static EdgeCircuit readEdges(String arg, EdgeGraph g) {
        if (arg.toLowerCase(Locale.ROOT).startsWith("induced:@")) {
            return EdgeCircuit.induced(g, read(arg.substring("induced:".length()), g.layers(), g.heads()));
        }
        if (!arg.startsWith("@")) return EdgeCircuit.parse(arg, g);
        Path file = Path.of(arg.substring(1));
        return parseEdgeText(text(file, "Edge file"), g, file.toString());
    }

    public static Circuit parseText(String text, int layers, int heads, String source) {
        return (Circuit) parse(text, Level.NODES, new EdgeGraph(layers, heads), source);
    }

    public static EdgeCircuit parseEdgeText(String text, EdgeGraph g, String source) {
        return (EdgeCircuit) parse(text, Level.EDGES, g, source);
    }

    private static String text(Path file, String what) {
        try {
            return JsonErrors.readText(file, what);
        } catch (IOException e) {
            throw new IllegalArgumentException(e.getMessage()); // one line: missing, a folder, a pipe, not UTF-8
        }
    }

    // ---- one text, its format and its level --------------------------------------------------------

    /** The circuit a text holds, as a circuit of {@code want}; a text of the other level is refused, saying how to use it. */
    private static CircuitOf<?, ?> parse(String text, Level want, EdgeGraph g, String source) {
        String t = text.strip();
        if (t.isEmpty()) {
            throw new IllegalArgumentException(source + " is empty; it should hold a circuit, e.g. none, all, 0.1,4.4 or [\"4.4->9.1.k\"].");
        }
        CircuitOf<?, ?> c = parseAsItIs(t, want, g, source);
        if (c.level() == want) return c;
        if (want == Level.EDGES && c instanceof Circuit n) {
            throw new IllegalArgumentException(source + " is a node circuit (" + describe(n) + "), not an edge circuit; to score the edges it "
                    + "induces, use --edges induced:@" + source + ".");
        }
        throw new IllegalArgumentException(source + " is an edge circuit (" + c.size() + (c.size() == 1 ? " edge" : " edges")
                + "), not a node circuit; read it with --edges @"
                + source + ".");
    }

    /** The circuit a text holds, at the level its format says; {@code want} decides only where the text does not. */
    private static CircuitOf<?, ?> parseAsItIs(String t, Level want, EdgeGraph g, String source) {
        if (t.startsWith(CircuitFormats.csvHeader(Level.NODES))) return nodesFromCsv(t, g, source);
        if (t.startsWith(CircuitFormats.csvHeader(Level.EDGES))) return edgesFromCsv(t, g, source);
        String code = withoutLeadingComments(t);
        if (code.startsWith("digraph") || code.startsWith("strict") || code.startsWith("graph")) return fromDot(t, want, g, source);
        if (t.startsWith("{")) return fromObject(json(t, source), g, source);
        if (t.startsWith("heads")) return PythonLists.parse(t, g, source);
        if (t.startsWith("[")) {
            char second = t.substring(1).strip().concat(" ").charAt(0);
            if (second == '(') return PythonLists.parse(t, g, source);
            if (second == '"' || second == ']') return fromArray(json(t, source), want, g, source);
            if (second == '[' || second == '{') {
                throw new IllegalArgumentException(source + " holds nested brackets (" + Texts.quoted(t) + "), not a list of names such as "
                        + "[\"0.1\", \"4.4\"] or [\"4.4->9.1.k\"].");
            }
        }
        return fromSpec(t, want, g);
    }

    /** The text after any comment lines that open it ({@code //}, {@code #}, {@code /* *}{@code /}), as a DOT file may begin. */
    private static String withoutLeadingComments(String t) {
        String s = t;
        while (true) {
            if (s.startsWith("//") || s.startsWith("#")) {
                int nl = s.indexOf('\n');
                s = nl < 0 ? "" : s.substring(nl + 1).strip();
            } else if (s.startsWith("/*")) {
                int end = s.indexOf("*/");
                s = end < 0 ? "" : s.substring(end + 2).strip();
            } else {
                return s;
            }
        }
    }

    /** A spec: {@code want}'s, unless its names say otherwise (edge names hold "->"; a node list never does). */
    private static CircuitOf<?, ?> fromSpec(String t, Level want, EdgeGraph g) {
        String lower = t.toLowerCase(Locale.ROOT);
        boolean special = lower.equals("all") || lower.equals("none") || lower.startsWith("induced:") || lower.startsWith("all+");
        if (want == Level.NODES && !special && t.contains("->")) return EdgeCircuit.parse(t, g);
        if (want == Level.EDGES && !special && !t.contains("->")) {
            Circuit nodes;
            try {
                nodes = Circuit.parse(t, g.layers(), g.heads());
            } catch (IllegalArgumentException notNodes) {
                return EdgeCircuit.parse(t, g); // its own message, about edges
            }
            return nodes;
        }
        return want == Level.NODES ? Circuit.parse(t, g.layers(), g.heads()) : EdgeCircuit.parse(t, g);
    }

    private static String describe(Circuit n) {
        List<String> names = n.toStrings();
        String shown = String.join(", ", names.subList(0, Math.min(4, names.size()))) + (names.size() > 4 ? ", …" : "");
        return names.size() + (names.size() == 1 ? " node: " : " nodes: ") + (names.isEmpty() ? "none" : shown);
    }

    // ---- JSON -------------------------------------------------------------------------------------

    /** Exactly one JSON value; a second one after it, or a quote closed by another kind, is refused. */
    private static JsonNode json(String t, String source) {
        try (JsonParser p = CircuitFormats.JSON.createParser(t)) {
            JsonNode root = CircuitFormats.JSON.readTree(p);
            if (p.nextToken() != null) {
                throw new IllegalArgumentException(source + " holds more after its first JSON value" + JsonErrors.where(p.currentLocation())
                        + "; a circuit file holds one list or object.");
            }
            return root;
        } catch (JsonProcessingException e) {
            String quotes = t.indexOf('\'') >= 0 ? " Check the quotes: a JSON string opens and closes with a double quote (\")." : "";
            throw new IllegalArgumentException(source + " is not valid JSON" + JsonErrors.where(e) + ": "
                    + e.getOriginalMessage().lines().findFirst().orElse("") + "." + quotes);
        } catch (IOException e) {
            throw new IllegalArgumentException(source + " could not be read: " + e.getMessage());
        }
    }

    /** Our JSON ({@code circuit} or {@code edges}) or the paper's ({@code heads}). */
    private static CircuitOf<?, ?> fromObject(JsonNode root, EdgeGraph g, String source) {
        if (root.has("edges")) return edgesFromArray(root.get("edges"), g, source);
        boolean mlpNodes = root.path(CircuitFormats.MLP_NODES).asBoolean(false);
        if (root.has("circuit")) {
            Circuit c = nodesFromArray(root.get("circuit"), g, source);
            return mlpNodes ? Circuit.of(g.layers(), g.heads(), c.nodes(), true) : c;
        }
        if (root.has("heads")) return fromPaper(root, mlpNodes, g.layers(), g.heads(), source);
        throw new IllegalArgumentException(source + ": expected a 'circuit' list, the paper's 'heads' list or an 'edges' list.");
    }

    /**
     * A list of names: edges if any holds "->", nodes if every one is a node; {@code []} is
     * {@code want}'s empty circuit. Names that are neither get the message of {@code want}'s level.
     */
    private static CircuitOf<?, ?> fromArray(JsonNode array, Level want, EdgeGraph g, String source) {
        boolean edges = false;
        for (JsonNode n : array) edges |= n.isTextual() && n.asText().contains("->");
        if (edges || (array.isEmpty() && want == Level.EDGES)) return edgesFromArray(array, g, source);
        if (want == Level.NODES) return nodesFromArray(array, g, source);
        try {
            return nodesFromArray(array, g, source);
        } catch (IllegalArgumentException notNodes) {
            return edgesFromArray(array, g, source); // its own message, about edges
        }
    }

    private static Circuit nodesFromArray(JsonNode array, EdgeGraph g, String source) {
        if (!array.isArray()) throw new IllegalArgumentException(source + ": the circuit must be a list of \"L.H\" strings.");
        List<Node> nodes = new ArrayList<>();
        for (JsonNode n : array) {
            if (!n.isTextual()) throw new IllegalArgumentException(source + ": the circuit must be a list of \"L.H\" strings, found " + Texts.quoted(n.toString()) + ".");
            nodes.add(Node.parse(n.asText()));
        }
        return Circuit.of(g.layers(), g.heads(), nodes);
    }

    private static EdgeCircuit edgesFromArray(JsonNode array, EdgeGraph g, String source) {
        if (!array.isArray()) throw new IllegalArgumentException(source + ": 'edges' must be a list of edge names such as \"4.4->9.1.k\".");
        List<Edge> edges = new ArrayList<>();
        for (JsonNode n : array) {
            if (!n.isTextual()) throw new IllegalArgumentException(source + ": the edges must be names such as \"4.4->9.1.k\", found " + Texts.quoted(n.toString()) + ".");
            edges.add(g.parse(n.asText()));
        }
        return EdgeCircuit.of(g, edges);
    }

    private static Circuit fromPaper(JsonNode root, boolean mlpNodes, int layers, int heads, String source) {
        List<Node> nodes = new ArrayList<>();
        JsonNode hs = root.get("heads");
        if (!hs.isArray()) throw new IllegalArgumentException(source + ": 'heads' must be a list of [layer, head] pairs.");
        for (JsonNode p : hs) {
            if (!p.isArray() || p.size() != 2 || !isIndex(p.get(0)) || !isIndex(p.get(1))) {
                throw new IllegalArgumentException(source + ": 'heads' must be a list of [layer, head] pairs of whole numbers, found "
                        + Texts.quoted(p.toString()) + ".");
            }
            nodes.add(Node.head(p.get(0).asInt(), p.get(1).asInt()));
        }
        JsonNode mlps = root.get("mlps");
        if (mlps != null && !mlps.isArray()) throw new IllegalArgumentException(source + ": 'mlps' must be a list of layers.");
        List<Node> mlpNodeList = new ArrayList<>();
        if (mlps != null) {
            for (JsonNode m : mlps) {
                if (!isIndex(m)) throw new IllegalArgumentException(source + ": 'mlps' must list layers as whole numbers, found " + Texts.quoted(m.toString()) + ".");
                mlpNodeList.add(Node.mlp(m.asInt()));
            }
        }
        boolean allMlps = !mlpNodes && (mlps == null || mlpNodeList.stream().distinct().count() == layers);
        if (!allMlps) nodes.addAll(mlpNodeList);
        return Circuit.of(layers, heads, nodes, !allMlps);
    }

    private static boolean isIndex(JsonNode n) {
        return n != null && n.isIntegralNumber() && n.canConvertToInt() && n.asInt() >= 0;
    }

    // ---- DOT --------------------------------------------------------------------------------------

    /**
     * A DOT file: its edges (each into a head labelled q, k or v), or, for a node circuit's file
     * read as nodes, its nodes. A node circuit's file read as edges gives the edges it induces.
     */
    private static CircuitOf<?, ?> fromDot(String t, Level want, EdgeGraph g, String source) {
        DotReader.Graph dot = DotReader.read(t, source);
        String level = dot.attributes().getOrDefault(CircuitFormats.DOT_LEVEL, "edges");
        if (want == Level.NODES && level.equals("nodes")) {
            boolean mlpNodes = Boolean.parseBoolean(dot.attributes().get(CircuitFormats.MLP_NODES));
            List<Node> nodes = new ArrayList<>();
            for (String n : dot.nodes()) {
                if (n.equals("embed") || n.equals("logits")) continue;
                Node node = Node.parse(n);
                if (node instanceof Node.Head || mlpNodes) nodes.add(node);
            }
            return Circuit.of(g.layers(), g.heads(), nodes, mlpNodes);
        }
        List<Edge> edges = new ArrayList<>();
        for (DotReader.Arrow a : dot.edges()) {
            String label = a.attributes().get("label");
            boolean intoHead = a.to().matches("\\d+\\.\\d+");
            if (intoHead && label == null) {
                throw new IllegalArgumentException(source + ", line " + a.line() + ": the edge " + a.from() + " -> " + a.to()
                        + " needs label=\"q\", \"k\" or \"v\": a head reads three inputs.");
            }
            edges.add(g.parse(a.from() + "->" + a.to() + (intoHead ? "." + label : "")));
        }
        return EdgeCircuit.of(g, edges);
    }

    // ---- CSV --------------------------------------------------------------------------------------

    /** A node removal log: its start circuit (step 0; all heads if absent) less every head it removed. */
    private static Circuit nodesFromCsv(String text, EdgeGraph g, String source) {
        Circuit c = null;
        for (String[] row : csvRows(text, source)) {
            if (row[0].equals("0")) {
                if (c != null) throw new IllegalArgumentException(source + ", line " + row[2] + ": step 0 (the start circuit) must come first.");
                c = parseText(row[1], g.layers(), g.heads(), source + ", line " + row[2]);
                continue;
            }
            if (c == null) c = Circuit.all(g.layers(), g.heads());
            Node n = Node.parse(row[1]);
            Circuit.of(g.layers(), g.heads(), List.of(n)); // throws with the bounds when it lies outside the model
            c = c.without(n);
        }
        return c == null ? Circuit.all(g.layers(), g.heads()) : c;
    }

    /** An edge removal log: its start (step 0; all edges if absent) less every edge it removed. */
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

    /**
     * A removal log's rows after the header: {step, element, line number}. Every row has the
     * header's fields: a step and a pass that are whole numbers, a score and seconds that are
     * numbers (the start's score may be empty), and, in logs written since methods, the method's
     * ablation, metric and normalisation, each a known one.
     */
    private static List<String[]> csvRows(String text, String source) {
        List<String> lines = text.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        if (!lines.get(0).matches("step,(head|edge),score,seconds,pass(,ablation,metric,normalisation)?")) {
            throw new IllegalArgumentException(source + ", line 1: expected the header step,head,score,seconds,pass (or step,edge,…),"
                    + " optionally followed by ,ablation,metric,normalisation; found " + Texts.quoted(lines.get(0)) + ".");
        }
        int fields = lines.get(0).split(",").length;
        List<String[]> rows = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            String at = source + ", line " + (i + 1);
            List<String> f = csvFields(lines.get(i), source);
            if (f.size() != fields) {
                throw new IllegalArgumentException(at + ": expected " + fields + " fields as in the header, found " + Texts.quoted(lines.get(i)) + ".");
            }
            if (fields == 8) {
                try {
                    org.circuitbench.ablation.AblationKind.parse(f.get(5));
                    org.circuitbench.ablation.Metric.parse(f.get(6));
                    org.circuitbench.ablation.Normalisation.parse(f.get(7));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(at + ": " + e.getMessage().replace("--", ""));
                }
            }
            String step = f.get(0).strip();
            if (!step.matches("\\d{1,9}")) throw new IllegalArgumentException(at + ": step " + Texts.quoted(step) + " is not a number.");
            boolean scoreOk = f.get(2).strip().isEmpty() ? step.equals("0") : isNumber(f.get(2));
            if (!scoreOk || !isNumber(f.get(3)) || !f.get(4).strip().matches("\\d{1,9}")) {
                throw new IllegalArgumentException(at + ": the score, seconds and pass of " + Texts.quoted(lines.get(i)) + " must be numbers.");
            }
            rows.add(new String[] {step, f.get(1), Integer.toString(i + 1)});
        }
        return rows;
    }

    /** A decimal number as Java and Python print one: {@code 99.0}, {@code -1.5E-4}. */
    private static boolean isNumber(String s) {
        return s.strip().matches("-?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?");
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
        if (quoted) throw new IllegalArgumentException(source + ": a quote in " + Texts.quoted(line) + " is not closed.");
        out.add(f.toString());
        return out;
    }
}
