package org.circuitbench.search;

import org.circuitbench.ablation.Circuit;
import org.circuitbench.ablation.CircuitOf;
import org.circuitbench.ablation.Edge;
import org.circuitbench.ablation.EdgeCircuit;
import org.circuitbench.ablation.EdgeGraph;
import org.circuitbench.ablation.Node;
import org.circuitbench.util.Texts;

import java.util.ArrayList;
import java.util.List;

/**
 * The Python lists that {@link CircuitFormats#python} writes, read strictly: {@code [(0, 1), (4, 4)]}
 * (nodes), optionally as {@code heads = [...]} with {@code mlps = [3, 5]} after it, or
 * {@code [("embed", "0.3.q"), ("4.4", "9.1.k")]} (edges). Every character must belong to the list:
 * text between the tuples, a tuple of the wrong length, a quote closed by another kind, or text
 * after the list is refused with what was found.
 */
final class PythonLists {
    private static final String NODES = "[(0, 1), (4, 4)]";
    private static final String EDGES = "[(\"4.4\", \"9.1.k\")]";

    private final String t;
    private final String source;
    private int at;

    private PythonLists(String t, String source) {
        this.t = t;
        this.source = source;
    }

    static CircuitOf<?, ?> parse(String text, EdgeGraph g, String source) {
        return new PythonLists(text, source).list(g);
    }

    private CircuitOf<?, ?> list(EdgeGraph g) {
        boolean named = name("heads");
        List<List<Object>> tuples = tuples();
        Boolean edges = null;
        for (List<Object> tuple : tuples) {
            boolean strings = tuple.get(0) instanceof String;
            if (tuple.size() != 2 || (tuple.get(1) instanceof String) != strings) {
                throw error("cannot read " + Texts.quoted(shown(tuple)) + " as a (layer, head) pair or a (sender, receiver) pair");
            }
            if (edges != null && edges != strings) throw error("it mixes (layer, head) pairs and (sender, receiver) pairs");
            edges = strings;
        }
        List<Integer> mlps = null;
        skipSpace();
        if (at < t.length() && !edges(edges)) {
            if (!name("mlps")) throw error("expected a Python list such as " + NODES + ", optionally as heads = [...] with mlps = [...] "
                    + "on the next line, found " + Texts.quoted(t.substring(at)) + " after it");
            mlps = layers();
        }
        skipSpace();
        if (at < t.length()) {
            throw error("expected a Python list such as " + (edges(edges) ? EDGES : NODES) + ", found " + Texts.quoted(t.substring(at)) + " after it");
        }
        if (edges(edges)) {
            if (named) throw error("'heads = ' names a node circuit, but the list holds (sender, receiver) pairs");
            List<Edge> out = new ArrayList<>();
            for (List<Object> tuple : tuples) out.add(g.parse(tuple.get(0) + "->" + tuple.get(1)));
            return EdgeCircuit.of(g, out);
        }
        List<Node> nodes = new ArrayList<>();
        for (List<Object> tuple : tuples) {
            long layer = (Long) tuple.get(0), head = (Long) tuple.get(1);
            if (layer < 0 || head < 0 || layer >= g.layers() || head >= g.heads()) {
                throw error("head " + Texts.quoted(shown(tuple)) + " is outside the model, which has layers 0–" + (g.layers() - 1)
                        + " and heads 0–" + (g.heads() - 1));
            }
            nodes.add(Node.head((int) layer, (int) head));
        }
        if (mlps == null) return Circuit.of(g.layers(), g.heads(), nodes);
        for (int m : mlps) nodes.add(Node.mlp(m));
        return Circuit.of(g.layers(), g.heads(), nodes, true);
    }

    private static boolean edges(Boolean edges) {
        return edges != null && edges;
    }

    /** {@code word =} at this point, if it is there. */
    private boolean name(String word) {
        skipSpace();
        if (!t.startsWith(word, at)) return false;
        at += word.length();
        skipSpace();
        expect('=');
        return true;
    }

    /** {@code [(a, b), (c, d)]}: each tuple's elements, whole numbers as Long and quoted strings as String. */
    private List<List<Object>> tuples() {
        List<List<Object>> out = new ArrayList<>();
        skipSpace();
        expect('[');
        skipSpace();
        if (peek() == ']') {
            at++;
            return out;
        }
        while (true) {
            skipSpace();
            if (peek() != '(') throw error("cannot read " + Texts.quoted(word()) + " as a pair such as (0, 1) or (\"4.4\", \"9.1.k\")");
            at++;
            List<Object> tuple = new ArrayList<>();
            while (true) {
                skipSpace();
                if (peek() == ')' && !tuple.isEmpty()) break;
                tuple.add(element());
                skipSpace();
                if (peek() == ',') at++;
                else if (peek() != ')') throw error("expected ',' or ')' in a pair, found " + Texts.quoted(word()));
            }
            at++;
            out.add(tuple);
            skipSpace();
            if (peek() == ',') {
                at++;
                skipSpace();
                if (peek() == ']') break;
            } else if (peek() != ']') {
                throw error("expected ',' or ']' after a pair, found " + Texts.quoted(word()));
            }
            if (peek() == ']') break;
        }
        at++;
        return out;
    }

    /** {@code [3, 5]}: MLP layers. */
    private List<Integer> layers() {
        List<Integer> out = new ArrayList<>();
        skipSpace();
        expect('[');
        while (true) {
            skipSpace();
            if (peek() == ']') break;
            String w = word();
            if (!w.matches("\\d{1,9}")) throw error("cannot read " + Texts.quoted(w) + " as an MLP layer");
            at += w.length();
            out.add(Integer.parseInt(w));
            skipSpace();
            if (peek() == ',') at++;
            else if (peek() != ']') throw error("expected ',' or ']' in the MLP layers, found " + Texts.quoted(word()));
        }
        at++;
        return out;
    }

    /** A whole number or a string in matching quotes. */
    private Object element() {
        char c = peek();
        if (c == '"' || c == '\'') {
            int end = at + 1;
            while (end < t.length() && t.charAt(end) != '"' && t.charAt(end) != '\'' && t.charAt(end) != '\n') end++;
            if (end >= t.length() || t.charAt(end) != c) {
                throw error("the string starting " + Texts.quoted(t.substring(at, Math.min(t.length(), end + 1)))
                        + " does not close with the quote it opens with");
            }
            String s = t.substring(at + 1, end);
            at = end + 1;
            return s;
        }
        String w = word();
        if (!w.matches("-?\\d{1,18}")) throw error("cannot read " + Texts.quoted(w) + " as a layer or head (a whole number) or a quoted name");
        at += w.length();
        return Long.parseLong(w);
    }

    /** The text from here to the next separator, for messages and numbers. */
    private String word() {
        int end = at;
        while (end < t.length() && ",()[]\n".indexOf(t.charAt(end)) < 0) end++;
        return t.substring(at, end).strip().isEmpty() && end < t.length() ? String.valueOf(t.charAt(end)) : t.substring(at, end).strip();
    }

    private static String shown(List<Object> tuple) {
        List<String> parts = new ArrayList<>();
        for (Object o : tuple) parts.add(o instanceof String s ? "\"" + s + "\"" : o.toString());
        return "(" + String.join(", ", parts) + (tuple.size() == 1 ? ",)" : ")");
    }

    private char peek() {
        return at < t.length() ? t.charAt(at) : '\0';
    }

    private void expect(char c) {
        if (peek() != c) throw error("expected '" + c + "', found " + (at < t.length() ? Texts.quoted(word()) : "the end"));
        at++;
    }

    private void skipSpace() {
        while (at < t.length() && Character.isWhitespace(t.charAt(at))) at++;
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException(source + ": " + what + ".");
    }
}
