package org.circuitbench.task;

import org.circuitbench.util.Texts;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The small expression language of prompt templates: integers, names, {@code + - * / %},
 * list indexing {@code w[i+1]} and slicing {@code w[a:b]} (as Python's: {@code b} excluded, either bound
 * may be left out, a negative one counts from the end), and the functions {@code randint(lo, hi)}
 * (inclusive, as Python's), {@code choice(list)}, {@code sample(list, k)} (k different items in random
 * order, as Python's {@code random.sample}), {@code len(list)} and {@code join(list)} (the items with a
 * space between them; {@code join(list, sep)} with another separator). Values are longs, strings or
 * lists of strings.
 */
public final class Expr {
    /** Names an expression can see: variables bound so far, then lists. */
    public interface Scope {
        Object lookup(String name);

        List<String> names();
    }

    /** Deeper nesting is refused: the parser recurses, and 20,000 parentheses would overflow its stack. */
    static final int MAX_DEPTH = 100;

    private final String src;
    private int pos;
    private int depth;
    private final Scope scope;
    private final SplittableRandom rng;

    private Expr(String src, Scope scope, SplittableRandom rng) {
        this.src = src;
        this.scope = scope;
        this.rng = rng;
    }

    /** Evaluates; throws IllegalArgumentException with a message naming the problem. */
    public static Object eval(String src, Scope scope, SplittableRandom rng) {
        Expr e = new Expr(src, scope, rng);
        Object v = e.sum();
        e.skipSpace();
        if (e.pos != src.length()) throw e.error("unexpected '" + Texts.cap(src.substring(e.pos)) + "'");
        return v;
    }

    /**
     * A message if an expression nests brackets, parentheses or minus signs deeper than
     * {@link #MAX_DEPTH} (a check without evaluating, e.g. when a session is opened); else null.
     */
    public static String tooDeep(String text) {
        int depth = 0, max = 0, minus = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '(' || c == '[') depth++;
            else if (c == ')' || c == ']') depth = Math.max(0, depth - 1);
            minus = c == '-' ? minus + 1 : Character.isWhitespace(c) ? minus : 0;
            max = Math.max(max, depth + minus);
        }
        return max <= MAX_DEPTH ? null : "an expression nests " + max + " levels deep (" + Texts.cap(text) + "); the limit is " + MAX_DEPTH + ".";
    }

    /** The names an expression mentions (for validation without evaluating). */
    public static List<String> names(String src) {
        List<String> out = new ArrayList<>();
        var m = java.util.regex.Pattern.compile("[A-Za-z_][A-Za-z_0-9]*").matcher(src);
        while (m.find()) {
            String n = m.group();
            if (!FUNCTIONS.contains(n) && !out.contains(n)) out.add(n);
        }
        return out;
    }

    static final List<String> FUNCTIONS = List.of("randint", "choice", "sample", "len", "join");

    private Object sum() {
        if (++depth > MAX_DEPTH) throw error("it nests more than " + MAX_DEPTH + " levels deep");
        Object v = product();
        while (true) {
            skipSpace();
            if (peek('+')) {
                pos++;
                Object r = product();
                if (v instanceof String || r instanceof String) {
                    v = str(v) + str(r);
                } else {
                    long a = num(v), b = num(r);
                    v = exact(() -> Math.addExact(a, b));
                }
            } else if (peek('-')) {
                pos++;
                long a = num(v), b = num(product());
                v = exact(() -> Math.subtractExact(a, b));
            } else {
                depth--;
                return v;
            }
        }
    }

    /** Whole-number arithmetic that says so when a result leaves the long range, instead of wrapping. */
    private long exact(java.util.function.LongSupplier op) {
        try {
            return op.getAsLong();
        } catch (ArithmeticException e) {
            throw error("a result is too large for a whole number");
        }
    }

    private Object product() {
        Object v = unary();
        while (true) {
            skipSpace();
            char c = pos < src.length() ? src.charAt(pos) : 0;
            if (c != '*' && c != '/' && c != '%') return v;
            pos++;
            long l = num(v), r = num(unary());
            if (c != '*' && r == 0) throw error("division by zero");
            v = switch (c) {
                case '*' -> exact(() -> Math.multiplyExact(l, r));
                case '/' -> exact(() -> Math.floorDivExact(l, r));
                default -> Math.floorMod(l, r);
            };
        }
    }

    private Object unary() {
        skipSpace();
        if (peek('-')) {
            pos++;
            if (++depth > MAX_DEPTH) throw error("it nests more than " + MAX_DEPTH + " levels deep");
            long x = num(unary());
            depth--;
            return exact(() -> Math.negateExact(x));
        }
        return postfix(primary());
    }

    private Object postfix(Object v) {
        skipSpace();
        while (peek('[')) {
            pos++;
            skipSpace();
            Long from = peek(':') ? null : num(sum());
            skipSpace();
            if (peek(':')) {
                pos++;
                skipSpace();
                Long to = peek(']') ? null : num(sum());
                expect(']');
                v = slice(v, from, to);
                skipSpace();
                continue;
            }
            long i = from;
            expect(']');
            if (!(v instanceof List<?> list)) throw error("only a list can be indexed");
            if (i < 0 || i >= list.size()) {
                throw error("index " + i + " is out of range: the list has " + list.size() + " items (0 to " + (list.size() - 1) + ")");
            }
            v = list.get((int) i);
            skipSpace();
        }
        return v;
    }

    /** {@code list[from:to]} as Python slices it: bounds clamped to the list, a negative one counted from the end. */
    private List<String> slice(Object v, Long from, Long to) {
        if (!(v instanceof List<?> list)) throw error("only a list can be sliced");
        int n = list.size();
        int a = bound(from, 0, n), b = bound(to, n, n);
        List<String> out = new ArrayList<>();
        for (int i = a; i < b; i++) out.add(str(list.get(i)));
        return out;
    }

    private static int bound(Long x, int absent, int n) {
        if (x == null) return absent;
        long y = x < 0 ? x + n : x;
        return (int) Math.max(0, Math.min(n, y));
    }

    private Object primary() {
        skipSpace();
        if (pos >= src.length()) throw error("an expression is missing");
        char c = src.charAt(pos);
        if (c == '(') {
            pos++;
            Object v = sum();
            expect(')');
            return v;
        }
        if (Character.isDigit(c)) {
            int start = pos;
            while (pos < src.length() && Character.isDigit(src.charAt(pos))) pos++;
            try {
                return Long.parseLong(src.substring(start, pos));
            } catch (NumberFormatException e) { // too many digits, or digits of another script
                throw error("the number " + Texts.cap(src.substring(start, pos)) + " is not a whole number from "
                        + Long.MIN_VALUE + " to " + Long.MAX_VALUE);
            }
        }
        if (c == '"' || c == '\'') {
            int end = src.indexOf(c, pos + 1);
            if (end < 0) throw error("unterminated string");
            String s = src.substring(pos + 1, end);
            pos = end + 1;
            return s;
        }
        if (Character.isLetter(c) || c == '_') {
            int start = pos;
            while (pos < src.length() && (Character.isLetterOrDigit(src.charAt(pos)) || src.charAt(pos) == '_')) pos++;
            String name = src.substring(start, pos);
            skipSpace();
            if (peek('(')) return call(name);
            Object v = scope.lookup(name);
            if (v == null) throw error("unknown name '" + name + "'; known: " + String.join(", ", scope.names()));
            return v;
        }
        throw error("unexpected '" + Texts.cap(src.substring(pos)) + "'");
    }

    private Object call(String name) {
        pos++; // (
        List<Object> args = new ArrayList<>();
        skipSpace();
        if (!peek(')')) {
            do {
                args.add(sum());
                skipSpace();
            } while (peek(',') && pos++ >= 0);
        }
        expect(')');
        switch (name) {
            case "randint" -> {
                if (args.size() != 2) throw error("randint takes two numbers, randint(lo, hi)");
                long lo = num(args.get(0)), hi = num(args.get(1));
                if (hi < lo) throw error("randint(" + lo + ", " + hi + "): hi is below lo");
                if (rng == null) throw error("randint needs a seed");
                long span = hi - lo + 1; // wraps only for a range wider than the long range
                if (span <= 0) throw error("randint(" + lo + ", " + hi + ") spans more numbers than it can pick from");
                return lo + rng.nextLong(span);
            }
            case "choice" -> {
                if (args.size() != 1 || !(args.get(0) instanceof List<?> l) || l.isEmpty()) throw error("choice takes one non-empty list");
                if (rng == null) throw error("choice needs a seed");
                return l.get(rng.nextInt(l.size()));
            }
            case "sample" -> {
                if (args.size() != 2 || !(args.get(0) instanceof List<?> l)) throw error("sample takes a list and a count, sample(list, k)");
                long k = num(args.get(1));
                if (k < 0 || k > l.size()) throw error("sample(list, " + k + "): the list has " + l.size() + " items, so k must be 0 to " + l.size());
                if (rng == null) throw error("sample needs a seed");
                // a partial Fisher-Yates shuffle: the first k places get k different items, each order equally likely
                List<String> items = new ArrayList<>();
                for (Object o : l) items.add(str(o));
                for (int i = 0; i < k; i++) java.util.Collections.swap(items, i, i + rng.nextInt(items.size() - i));
                return new ArrayList<>(items.subList(0, (int) k));
            }
            case "join" -> {
                if (args.isEmpty() || args.size() > 2 || !(args.get(0) instanceof List<?> l)) throw error("join takes a list, join(list) or join(list, sep)");
                if (args.size() == 2 && !(args.get(1) instanceof String)) throw error("join's separator is a string, as in join(w, \", \")");
                String sep = args.size() == 2 ? (String) args.get(1) : " ";
                List<String> items = new ArrayList<>();
                for (Object o : l) items.add(str(o));
                return String.join(sep, items);
            }
            case "len" -> {
                if (args.size() != 1 || !(args.get(0) instanceof List<?> l)) throw error("len takes one list");
                return (long) l.size();
            }
            default -> throw error("unknown function '" + name + "'; there are " + String.join(", ", FUNCTIONS.subList(0, FUNCTIONS.size() - 1))
                    + " and " + FUNCTIONS.get(FUNCTIONS.size() - 1));
        }
    }

    private long num(Object v) {
        if (v instanceof Long l) return l;
        if (v instanceof String s) {
            try {
                return Long.parseLong(s.trim());
            } catch (NumberFormatException e) {
                throw error("'" + Texts.cap(s) + "' is not a number");
            }
        }
        throw error("a list is not a number");
    }

    static String str(Object v) {
        return v instanceof List<?> ? v.toString() : String.valueOf(v);
    }

    private boolean peek(char c) {
        return pos < src.length() && src.charAt(pos) == c;
    }

    private void expect(char c) {
        skipSpace();
        if (!peek(c)) throw error("expected '" + c + "'");
        pos++;
    }

    private void skipSpace() {
        while (pos < src.length() && Character.isWhitespace(src.charAt(pos))) pos++;
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException("{" + Texts.cap(src) + "}: " + what);
    }

    /** A scope over a map of bindings and lists. */
    public static Scope of(Map<String, Object> values) {
        return new Scope() {
            @Override
            public Object lookup(String name) {
                return values.get(name);
            }

            @Override
            public List<String> names() {
                return new ArrayList<>(values.keySet());
            }
        };
    }
}
