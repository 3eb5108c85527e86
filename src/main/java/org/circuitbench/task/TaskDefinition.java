package org.circuitbench.task;

import org.circuitbench.util.Texts;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A task as its generators: one or more templates, each a clean and a corrupt prompt set written
 * with placeholders, so that the same definition and seeds rebuild the same prompts. For example
 * the seed's digits task is clean {@code {a} {a+1} {a+2} {a+3}} → {@code {a+4}}, incorrect
 * {@code {a}}, with {@code a = 1..100}; and corrupt {@code {randint(d, d+10)} …} with
 * {@code d = randint(1, 9) * 10}, 100 prompts, seed 1.
 *
 * <p>Each placeholder of a clean text becomes a position label, S1, S2, … in order; its token
 * index is found by tokenizing, never typed in. {@code end} is always there. {@code answerSpace}
 * is the task file's: false when the answers follow the prompt without a space (null: with one).
 */
public record TaskDefinition(String name, List<TemplateSpec> templates, List<String> keep,
                             Map<String, List<String>> lists,
                             @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
                             Boolean answerSpace) {

    public TaskDefinition {
        name = name == null ? "" : name;
        templates = List.copyOf(templates);
        keep = keep == null ? null : List.copyOf(keep);
        // in the caller's order, so that a session file written twice reads the same (Map.copyOf's order changes per run)
        if (lists != null) lists.forEach((k, v) -> java.util.Objects.requireNonNull(v == null ? null : k, "a list and its name")); // as Map.copyOf
        lists = lists == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(lists));
        answerSpace = Boolean.TRUE.equals(answerSpace) ? null : answerSpace; // the default is stored as absent
    }

    /** A task whose answers follow a space, as the seed's. */
    public TaskDefinition(String name, List<TemplateSpec> templates, List<String> keep, Map<String, List<String>> lists) {
        this(name, templates, keep, lists, null);
    }

    /**
     * One template group: prompts sharing a layout, whose means are taken together. A
     * {@code paired} template makes one corrupt prompt per clean prompt, paired with it for
     * patching ({@link Prompt#clean()}): the corrupt text is filled with that clean prompt's
     * variables (its range values and per-prompt draws), then the corrupt spec's own variables.
     */
    public record TemplateSpec(String id, PromptSpec clean, PromptSpec corrupt,
                               @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_DEFAULT)
                               boolean paired) {
        public TemplateSpec {
            id = id == null ? "" : id;
        }

        /** A template whose corrupt prompts are drawn on their own (not paired). */
        public TemplateSpec(String id, PromptSpec clean, PromptSpec corrupt) {
            this(id, clean, corrupt, false);
        }
    }

    /**
     * A prompt set. A variable {@code lo..hi} is enumerated (every value, in order; several give
     * every combination); other variables are evaluated per prompt, in order. With no enumerated
     * variable, {@code count} prompts are made. {@code seed} drives randint and choice.
     */
    public record PromptSpec(String text, String correct, String incorrect, List<Variable> variables, int count, long seed) {
        public PromptSpec {
            variables = variables == null ? List.of() : List.copyOf(variables);
        }
    }

    public record Variable(String name, String expression) {
    }

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([^{}]*)}");
    private static final Pattern RANGE = Pattern.compile("^(.+?)\\.\\.(.+)$");
    public static final int MAX_PROMPTS = 100_000;

    /** The expressions in a text's placeholders, in order. */
    public static List<String> expressions(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = PLACEHOLDER.matcher(text == null ? "" : text);
        while (m.find()) out.add(m.group(1));
        return out;
    }

    /** Position labels of a text: S1 … Sn, one per placeholder. */
    public static List<String> labels(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = PLACEHOLDER.matcher(text == null ? "" : text);
        while (m.find()) out.add("S" + (out.size() + 1));
        return out;
    }

    /** Every label a keep list may name: end and the placeholders of the clean texts. */
    public List<String> positionLabels() {
        List<String> out = new ArrayList<>(List.of(TokenizedTask.END));
        for (TemplateSpec t : templates) {
            for (String l : labels(t.clean().text())) if (!out.contains(l)) out.add(l);
        }
        return out;
    }

    /** Generates the prompts; positions come from tokenizing with {@code encoder}. */
    public TaskFile generate(TokenEncoder encoder) throws TaskException {
        if (templates.isEmpty()) throw new TaskException("The task has no template.");
        List<Prompt> clean = new ArrayList<>();
        List<Prompt> corrupt = new ArrayList<>();
        for (TemplateSpec t : templates) {
            String where = "Template " + TokenizedTask.templateLabel(t.id());
            if (t.clean() == null || t.clean().text() == null || t.clean().text().isBlank()) {
                throw new TaskException(where + " has no clean text.");
            }
            int firstClean = clean.size();
            List<Map<String, Object>> cleanEnvs = new ArrayList<>();
            clean.addAll(generate(t.id(), t.clean(), true, encoder, where + ", clean", null, -1, cleanEnvs));
            if (t.corrupt() == null || t.corrupt().text() == null || t.corrupt().text().isBlank()) {
                throw new TaskException(where + " has no corrupt prompts, so its means cannot be taken. Give it a corrupt text.");
            }
            corrupt.addAll(generate(t.id(), t.corrupt(), false, encoder, where + ", corrupt",
                    t.paired() ? cleanEnvs : null, firstClean, new ArrayList<>()));
        }
        return new TaskFile(name, clean, corrupt, keep, answerSpace);
    }

    /**
     * One prompt set. With {@code pairedWith} (a paired template's corrupt set) it makes one prompt
     * per clean prompt, in the scope of that prompt's variables, and names it as its pair
     * ({@code firstClean} + n); {@code envs} receives each prompt's variables.
     */
    private List<Prompt> generate(String template, PromptSpec spec, boolean isClean, TokenEncoder encoder, String where,
                                  List<Map<String, Object>> pairedWith, int firstClean, List<Map<String, Object>> envs)
            throws TaskException {
        SplittableRandom rng = new SplittableRandom(spec.seed());
        Map<String, Object> lists = new LinkedHashMap<>(BuiltinLists.ALL);
        lists.putAll(this.lists);
        // split the variables into enumerated ranges and per-prompt expressions
        List<String> rangeNames = new ArrayList<>();
        List<long[]> ranges = new ArrayList<>();
        List<Variable> perPrompt = new ArrayList<>();
        for (Variable v : spec.variables()) {
            if (v.name() == null || !v.name().matches("[A-Za-z_][A-Za-z_0-9]*")) {
                throw new TaskException(where + ": '" + Texts.cap(v.name()) + "' is not a variable name (letters, digits, _).");
            }
            if (v.expression() == null || v.expression().isBlank()) {
                throw new TaskException(where + ": variable " + v.name() + " has no expression; write e.g. " + v.name() + " = 1..10.");
            }
            Matcher m = RANGE.matcher(v.expression().trim());
            if (m.matches() && pairedWith != null) {
                throw new TaskException(where + ": variable " + v.name() + " is a range, but a paired template makes one corrupt "
                        + "prompt per clean prompt; use the clean prompt's variables or a per-prompt expression.");
            }
            if (m.matches()) {
                try {
                    long lo = asLong(Expr.eval(m.group(1), Expr.of(lists), null));
                    long hi = asLong(Expr.eval(m.group(2), Expr.of(lists), null));
                    if (hi < lo) throw new TaskException(where + ": " + v.name() + " = " + lo + ".." + hi + " is empty.");
                    rangeNames.add(v.name());
                    ranges.add(new long[] {lo, hi});
                } catch (IllegalArgumentException e) {
                    throw new TaskException(where + ", variable " + v.name() + ": " + e.getMessage());
                }
            } else {
                perPrompt.add(v);
            }
        }
        long total = 1;
        try {
            for (long[] r : ranges) total = Math.multiplyExact(total, Math.addExact(Math.subtractExact(r[1], r[0]), 1));
        } catch (ArithmeticException e) {
            total = Long.MAX_VALUE; // more than any limit
        }
        if (ranges.isEmpty() && !isClean && spec.count() < 1) {
            throw new TaskException(where + ": the count is " + spec.count() + ", so it makes no prompts; give a count of at least 1.");
        }
        if (ranges.isEmpty()) total = Math.max(spec.count(), 1); // a clean text without a range is one prompt
        if (pairedWith != null) total = pairedWith.size();
        if (total > MAX_PROMPTS) {
            throw new TaskException(where + " would make " + (total == Long.MAX_VALUE ? "more than " + Long.MAX_VALUE : total)
                    + " prompts; the limit is " + MAX_PROMPTS + ". Narrow the ranges.");
        }
        List<Prompt> out = new ArrayList<>();
        long[] idx = new long[ranges.size()];
        for (int r = 0; r < ranges.size(); r++) idx[r] = ranges.get(r)[0];
        for (long n = 0; n < total; n++) {
            Map<String, Object> env = new LinkedHashMap<>();
            if (pairedWith != null) env.putAll(pairedWith.get((int) n)); // the clean prompt's variables, n included
            for (int r = 0; r < ranges.size(); r++) env.put(rangeNames.get(r), idx[r]);
            env.put("n", n);
            Map<String, Object> all = new LinkedHashMap<>(env);
            all.putAll(lists);
            Expr.Scope scope = Expr.of(all);
            try {
                for (Variable v : perPrompt) {
                    Object value = Expr.eval(v.expression(), scope, rng);
                    all.put(v.name(), value);
                    env.put(v.name(), value);
                }
                Filled text = fill(spec.text(), scope, rng);
                List<String> correct = isClean ? answers(required(spec.correct(), "correct"), scope, rng) : null;
                List<String> incorrect = isClean ? answers(required(spec.incorrect(), "incorrect"), scope, rng) : null;
                Map<String, Integer> positions = new LinkedHashMap<>();
                if (isClean && encoder != null) {
                    for (int p = 0; p < text.ends.size(); p++) {
                        int tokens = encoder.encode(text.text.substring(0, text.ends.get(p))).length;
                        positions.put("S" + (p + 1), tokens - 1);
                    }
                }
                Integer pair = pairedWith == null ? null : firstClean + (int) n;
                out.add(new Prompt(text.text, correct, incorrect, template, positions, pair));
                envs.add(env);
            } catch (IllegalArgumentException e) {
                throw new TaskException(where + ": " + e.getMessage() + (env.isEmpty() ? "" : " (with " + describe(env) + ")"));
            }
            // next combination, last range fastest
            for (int r = ranges.size() - 1; r >= 0; r--) {
                if (++idx[r] <= ranges.get(r)[1]) break;
                idx[r] = ranges.get(r)[0];
            }
        }
        return out;
    }

    /**
     * An answer field: its text with the placeholders filled, or, when the whole field is one
     * placeholder whose value is a list (e.g. {@code {years[yy+1:]}}), a set of answers, one per item.
     */
    private static List<String> answers(String field, Expr.Scope scope, SplittableRandom rng) {
        List<String> exprs = expressions(field);
        if (exprs.size() == 1 && field.equals("{" + exprs.get(0) + "}")) {
            Object v = Expr.eval(exprs.get(0), scope, rng);
            if (v instanceof List<?> list) {
                if (list.isEmpty()) throw new IllegalArgumentException("'" + Texts.cap(field) + "' is an empty list, so it gives no answer");
                List<String> out = new ArrayList<>();
                for (Object o : list) out.add(Expr.str(o));
                return out;
            }
            return List.of(Expr.str(v));
        }
        return List.of(fill(field, scope, rng).text);
    }

    private static String required(String s, String what) {
        if (s == null || s.isBlank()) throw new IllegalArgumentException("the " + what + " answer is missing");
        return s;
    }

    private static String describe(Map<String, Object> env) {
        StringBuilder sb = new StringBuilder();
        env.forEach((k, v) -> {
            if (!k.equals("n") || env.size() == 1) sb.append(sb.length() == 0 ? "" : ", ").append(k).append(" = ").append(Texts.cap(Expr.str(v)));
        });
        return sb.toString();
    }

    private static long asLong(Object v) {
        if (v instanceof Long l) return l;
        throw new IllegalArgumentException("a range bound must be a number");
    }

    /** A filled text and, for each placeholder, where its value ends in the text. */
    private record Filled(String text, List<Integer> ends) {
    }

    private static Filled fill(String template, Expr.Scope scope, SplittableRandom rng) {
        String stray = PLACEHOLDER.matcher(template).replaceAll("");
        if (stray.indexOf('{') >= 0 || stray.indexOf('}') >= 0) {
            throw new IllegalArgumentException("'" + Texts.cap(template) + "' has a brace that opens or closes no placeholder");
        }
        StringBuilder sb = new StringBuilder();
        List<Integer> ends = new ArrayList<>();
        Matcher m = PLACEHOLDER.matcher(template);
        int last = 0;
        while (m.find()) {
            sb.append(template, last, m.start());
            sb.append(Expr.str(Expr.eval(m.group(1), scope, rng)));
            ends.add(sb.length());
            last = m.end();
        }
        sb.append(template.substring(last));
        return new Filled(sb.toString(), ends);
    }

    /** Every problem of the definition and the prompts it makes, for the editor's inline checks. */
    public List<TaskProblem> check(TokenEncoder encoder) {
        List<TaskProblem> out = new ArrayList<>();
        TaskFile file;
        try {
            file = generate(encoder);
        } catch (TaskException e) {
            out.add(TaskProblem.error(e.getMessage()));
            return out;
        }
        out.addAll(keepProblems());
        out.addAll(TokenizedTask.check(file, encoder).problems());
        return out;
    }

    /** Keep labels that no placeholder gives. */
    public List<TaskProblem> keepProblems() {
        List<TaskProblem> out = new ArrayList<>();
        if (keep == null) return out;
        List<String> known = positionLabels();
        for (String k : keep) {
            if (!known.contains(k)) out.add(TaskProblem.error("keep names '" + k + "', which no placeholder gives; labels are " + known + "."));
        }
        return out;
    }
}
