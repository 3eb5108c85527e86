package org.circuitbench.search;

import org.circuitbench.util.Texts;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Graphviz DOT that {@link CircuitFormats#dot} writes, read back: {@code digraph NAME { … }}
 * with graph, node and edge attribute statements, {@code key=value} lines, node statements and
 * edge statements {@code "a" -> "b" [label="q"]}, separated by semicolons or line breaks, with
 * {@code //}, {@code /* *}{@code /} and {@code #} comments. Anything else (a subgraph, an
 * undirected edge, text after the closing brace) is refused with its line, so a file is never
 * read as part of what it says.
 */
final class DotReader {
    /** What the file says: its graph attributes, its nodes (declared or on an edge) and its edges in order. */
    record Graph(Map<String, String> attributes, Set<String> nodes, List<Arrow> edges) {
    }

    /** One edge statement: its two ends and its attributes (such as {@code label}). */
    record Arrow(String from, String to, Map<String, String> attributes, int line) {
    }

    private final String text;
    private final String source;
    private final List<String> tokens = new ArrayList<>();
    private final List<Integer> lines = new ArrayList<>();
    private int at;

    private DotReader(String text, String source) {
        this.text = text;
        this.source = source;
    }

    static Graph read(String text, String source) {
        DotReader r = new DotReader(text, source);
        r.tokenize();
        return r.graph();
    }

    // ---- tokens -----------------------------------------------------------------------------------

    private void tokenize() {
        int line = 1;
        for (int i = 0; i < text.length(); ) {
            char c = text.charAt(i);
            if (c == '\n') line++;
            if (Character.isWhitespace(c)) {
                i++;
            } else if (text.startsWith("//", i) || (c == '#' && atLineStart(i))) {
                while (i < text.length() && text.charAt(i) != '\n') i++;
            } else if (text.startsWith("/*", i)) {
                int end = text.indexOf("*/", i + 2);
                if (end < 0) throw error(line, "a /* comment is not closed");
                for (int j = i; j < end; j++) if (text.charAt(j) == '\n') line++;
                i = end + 2;
            } else if (c == '"') {
                StringBuilder sb = new StringBuilder();
                int j = i + 1;
                while (j < text.length() && text.charAt(j) != '"') {
                    if (text.charAt(j) == '\\' && j + 1 < text.length()) j++;
                    if (text.charAt(j) == '\n') line++;
                    sb.append(text.charAt(j++));
                }
                if (j >= text.length()) throw error(line, "a quote is not closed");
                add("\"" + sb, line);
                i = j + 1;
            } else if (text.startsWith("->", i) || text.startsWith("--", i)) {
                add(text.substring(i, i + 2), line);
                i += 2;
            } else if ("{}[];,=".indexOf(c) >= 0) {
                add(String.valueOf(c), line);
                i++;
            } else if (Character.isLetterOrDigit(c) || c == '_' || c == '.' || c == '-') {
                int j = i;
                while (j < text.length() && (Character.isLetterOrDigit(text.charAt(j)) || "_.-".indexOf(text.charAt(j)) >= 0)
                        && !text.startsWith("->", j)) j++;
                add(text.substring(i, j), line);
                i = j;
            } else {
                throw error(line, "cannot read " + Texts.quoted(String.valueOf(c)));
            }
        }
    }

    private boolean atLineStart(int i) {
        for (int j = i - 1; j >= 0 && text.charAt(j) != '\n'; j--) if (!Character.isWhitespace(text.charAt(j))) return false;
        return true;
    }

    private void add(String token, int line) {
        tokens.add(token);
        lines.add(line);
    }

    private String peek() {
        return at < tokens.size() ? tokens.get(at) : null;
    }

    private int line() {
        return at < lines.size() ? lines.get(at) : lines.isEmpty() ? 1 : lines.get(lines.size() - 1);
    }

    private String next(String what) {
        if (at >= tokens.size()) throw error(line(), "it ends where " + what + " should come");
        return tokens.get(at++);
    }

    private void expect(String token) {
        String t = next("'" + token + "'");
        if (!t.equals(token)) throw error(lines.get(at - 1), "expected '" + token + "', found " + Texts.quoted(shown(t)));
    }

    /** An ID: a quoted string (its text) or a bare word. */
    private String id(String what) {
        String t = next(what);
        if (t.startsWith("\"")) return t.substring(1);
        if (t.length() == 1 && "{}[];,=".contains(t) || t.equals("->") || t.equals("--")) {
            throw error(lines.get(at - 1), "expected " + what + ", found " + Texts.quoted(t));
        }
        return t;
    }

    private static String shown(String token) {
        return token.startsWith("\"") ? token.substring(1) : token;
    }

    // ---- statements -------------------------------------------------------------------------------

    private Graph graph() {
        String kind = next("digraph");
        if (kind.equalsIgnoreCase("strict")) kind = next("digraph");
        if (!kind.equals("digraph")) throw error(line(), "expected 'digraph', found " + Texts.quoted(shown(kind)));
        if (!"{".equals(peek())) id("the graph's name");
        expect("{");
        Map<String, String> attributes = new LinkedHashMap<>();
        Set<String> nodes = new LinkedHashSet<>();
        List<Arrow> edges = new ArrayList<>();
        while (!"}".equals(peek())) {
            if (";".equals(peek())) {
                at++;
                continue;
            }
            int line = line();
            String first = id("a statement");
            switch (first) {
                case "graph" -> attributes.putAll(attributeList());
                case "node", "edge" -> attributeList(); // defaults for drawing; they say nothing of the circuit
                case "subgraph" -> throw error(line, "a subgraph is not part of a circuit's graph");
                default -> {
                    if ("=".equals(peek())) {
                        at++;
                        attributes.put(first, id("a value"));
                    } else if ("->".equals(peek())) {
                        at++;
                        String to = id("the edge's head");
                        if ("->".equals(peek())) throw error(line, "write one edge per statement (a -> b), not a chain");
                        nodes.add(first);
                        nodes.add(to);
                        edges.add(new Arrow(first, to, attributeList(), line));
                    } else if ("--".equals(peek())) {
                        throw error(line, "'--' is an undirected edge; a circuit's graph is a digraph with ->");
                    } else {
                        attributeList();
                        nodes.add(first);
                    }
                }
            }
        }
        expect("}");
        if (peek() != null) throw error(line(), "there is more after the graph's closing brace: " + Texts.quoted(shown(peek())));
        return new Graph(attributes, nodes, edges);
    }

    /** {@code [a=b, c=d]} (several lists may follow each other), or nothing. */
    private Map<String, String> attributeList() {
        Map<String, String> out = new LinkedHashMap<>();
        while ("[".equals(peek())) {
            at++;
            while (!"]".equals(peek())) {
                String key = id("an attribute");
                expect("=");
                out.put(key, id("the value of " + key));
                if (",".equals(peek()) || ";".equals(peek())) at++;
            }
            at++;
        }
        return out;
    }

    private IllegalArgumentException error(int line, String what) {
        return new IllegalArgumentException(source + ", line " + line + ": " + what + " (a DOT file of a circuit, as the exports write it).");
    }
}
