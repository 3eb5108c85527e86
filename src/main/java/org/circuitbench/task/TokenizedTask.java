package org.circuitbench.task;

import org.circuitbench.util.Texts;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A task after tokenization, checked against the rules of {@code task-format.md}: token ids,
 * each clean prompt's end index, answer ids (first token of " " + answer, or of the answer itself
 * when the task says its answers follow without a space), template groups and
 * the kept positions.
 */
public final class TokenizedTask {
    public static final String END = "end";

    private final TaskFile task;
    private final List<String> templates;
    private final long[][] cleanTokens;
    private final long[][] corruptTokens;
    private final int[] cleanTemplate;
    private final int[] corruptTemplate;
    private final long[][] correctIds;   // per clean prompt: the first token of each correct answer
    private final long[][] incorrectIds;
    private final boolean[][] keep;
    private final int maxLength;
    private final List<TaskProblem> problems;

    private TokenizedTask(TaskFile task, List<String> templates, long[][] cleanTokens, long[][] corruptTokens,
                          int[] cleanTemplate, int[] corruptTemplate, long[][] correctIds, long[][] incorrectIds,
                          boolean[][] keep, int maxLength, List<TaskProblem> problems) {
        this.task = task;
        this.templates = templates;
        this.cleanTokens = cleanTokens;
        this.corruptTokens = corruptTokens;
        this.cleanTemplate = cleanTemplate;
        this.corruptTemplate = corruptTemplate;
        this.correctIds = correctIds;
        this.incorrectIds = incorrectIds;
        this.keep = keep;
        this.maxLength = maxLength;
        this.problems = List.copyOf(problems);
    }

    /**
     * GPT-2's longest token is 128 bytes, and a character is at least one byte: a text longer than
     * this many characters per token cannot fit, and is refused before the tokenizer spends
     * minutes on it.
     */
    static final int MAX_CHARS_PER_TOKEN = 128;

    /** Tokenizes and checks; throws on the first error. Warnings stay in {@link #problems()}. */
    public static TokenizedTask build(TaskFile task, TokenEncoder encoder) throws TaskException {
        return build(task, encoder, Integer.MAX_VALUE);
    }

    /** As {@link #build(TaskFile, TokenEncoder)}, for a model that reads at most {@code maxTokens} tokens. */
    public static TokenizedTask build(TaskFile task, TokenEncoder encoder, int maxTokens) throws TaskException {
        TokenizedTask t = check(task, encoder, maxTokens);
        for (TaskProblem p : t.problems) {
            if (p.isError()) throw new TaskException(p.message());
        }
        return t;
    }

    /** Tokenizes and collects every problem, errors and warnings, without throwing. */
    public static TokenizedTask check(TaskFile task, TokenEncoder encoder) {
        return check(task, encoder, Integer.MAX_VALUE);
    }

    /**
     * As {@link #check(TaskFile, TokenEncoder)}; a prompt longer than {@code maxTokens} tokens is an
     * error, found from its length alone where it is far too long to tokenize.
     */
    public static TokenizedTask check(TaskFile task, TokenEncoder encoder, int maxTokens) {
        List<TaskProblem> problems = new ArrayList<>();
        List<String> templates = new ArrayList<>();
        int nClean = task.clean().size(), nCorrupt = task.corrupt().size();
        long[][] clean = new long[nClean][];
        long[][] corrupt = new long[nCorrupt][];
        int[] cleanT = new int[nClean];
        int[] corruptT = new int[nCorrupt];
        long[][] correct = new long[nClean][];
        long[][] incorrect = new long[nClean][];
        boolean[][] keep = new boolean[nClean][];
        // the first prompt seen of each template, as "set[i]" and its length
        Map<String, Object[]> firstOfTemplate = new LinkedHashMap<>();
        int maxLen = 0;
        long maxChars = (long) maxTokens * MAX_CHARS_PER_TOKEN;
        if (nClean == 0) {
            problems.add(TaskProblem.error("The task has no clean prompts, so there is nothing to score. Add at least one clean prompt."));
        }
        int sameAnswers = 0;

        for (int i = 0; i < nClean; i++) {
            Prompt p = task.clean().get(i);
            String name = "clean[" + i + "] " + Texts.quote(p.text());
            cleanT[i] = templateIndex(templates, p.template());
            correct[i] = new long[] {-1};
            incorrect[i] = new long[] {-1};
            if (p.text().length() > maxChars) {
                problems.add(TaskProblem.error(tooLong(name, maxTokens)));
                clean[i] = new long[0];
                keep[i] = new boolean[0];
                continue;
            }
            clean[i] = encoder.encode(p.text());
            maxLen = Math.max(maxLen, clean[i].length);
            if (clean[i].length == 0) {
                problems.add(TaskProblem.error(name + " is empty after tokenization."));
                keep[i] = new boolean[0];
                continue;
            }
            if (clean[i].length > maxTokens) problems.add(TaskProblem.error(tokensTooMany(name, clean[i].length, maxTokens)));
            sameLength(firstOfTemplate, p.template(), name, clean[i].length, problems);
            correct[i] = answerIds(encoder, task.answerPrefix(), p.correct(), name, "correct", maxChars, problems);
            incorrect[i] = answerIds(encoder, task.answerPrefix(), p.incorrect(), name, "incorrect", maxChars, problems);
            if (correct[i][0] >= 0 && java.util.Arrays.equals(correct[i], incorrect[i])) {
                sameAnswers++;
                if (sameAnswers == 1) {
                    problems.add(TaskProblem.warning(name + ": its correct and incorrect answers are the same token"
                            + (correct[i].length > 1 ? "s" : "") + ", so its logit difference is always 0."));
                }
            }
            keep[i] = keptPositions(p, clean[i].length, task.keep(), name, problems);
        }
        if (nClean > 0 && sameAnswers == nClean) {
            problems.add(TaskProblem.error("In every clean prompt the correct and incorrect answers are the same token, so the "
                    + "logit difference is 0 and scores, which divide by it, are undefined. Give each prompt an incorrect answer "
                    + "that differs from its correct one."));
        }
        java.util.Set<String> corruptTemplates = new java.util.HashSet<>();
        for (int i = 0; i < nCorrupt; i++) {
            Prompt p = task.corrupt().get(i);
            String name = "corrupt[" + i + "] " + Texts.quote(p.text());
            corruptT[i] = templateIndex(templates, p.template());
            corruptTemplates.add(p.template());
            if (p.text().length() > maxChars) {
                problems.add(TaskProblem.error(tooLong(name, maxTokens)));
                corrupt[i] = new long[0];
                continue;
            }
            corrupt[i] = encoder.encode(p.text());
            maxLen = Math.max(maxLen, corrupt[i].length);
            if (corrupt[i].length == 0) {
                problems.add(TaskProblem.error(name + " is empty after tokenization."));
                continue;
            }
            if (corrupt[i].length > maxTokens) problems.add(TaskProblem.error(tokensTooMany(name, corrupt[i].length, maxTokens)));
            sameLength(firstOfTemplate, p.template(), name, corrupt[i].length, problems);
            if (p.clean() != null && (p.clean() < 0 || p.clean() >= nClean)) {
                problems.add(TaskProblem.error(name + " names clean prompt " + p.clean() + " as its pair, but the clean prompts are "
                        + "numbered 0 to " + (nClean - 1) + "."));
            }
        }
        for (int i = 0; i < nClean; i++) {
            String tpl = task.clean().get(i).template();
            if (!corruptTemplates.contains(tpl)) {
                problems.add(TaskProblem.error("Template " + templateLabel(tpl) + " has clean prompts but no corrupt prompts, "
                        + "so its means cannot be taken. Add corrupt prompts with \"template\": \"" + Texts.cap(tpl) + "\"."));
                break;
            }
        }
        return new TokenizedTask(task, templates, clean, corrupt, cleanT, corruptT, correct, incorrect, keep, maxLen, problems);
    }

    private static String tooLong(String name, int maxTokens) {
        return name + " is far longer than the " + maxTokens + " tokens the model reads (a token covers at most "
                + MAX_CHARS_PER_TOKEN + " characters). Shorten it.";
    }

    private static String tokensTooMany(String name, int tokens, int maxTokens) {
        return name + " has " + tokens + " tokens, but the model reads at most " + maxTokens + ". Shorten it.";
    }

    private static int templateIndex(List<String> templates, String template) {
        int i = templates.indexOf(template);
        if (i >= 0) return i;
        templates.add(template);
        return templates.size() - 1;
    }

    static String templateLabel(String template) {
        return template.isEmpty() ? "\"\" (the default)" : "'" + Texts.cap(template) + "'";
    }

    private static void sameLength(Map<String, Object[]> first, String template, String name, int length,
                                   List<TaskProblem> problems) {
        Object[] seen = first.putIfAbsent(template, new Object[] {name, length});
        if (seen != null && (int) seen[1] != length) {
            problems.add(TaskProblem.error("Template " + templateLabel(template) + " mixes prompt lengths: " + seen[0]
                    + " has " + seen[1] + " tokens but " + name + " has " + length
                    + ". Within a template every prompt, clean or corrupt, must have the same number of tokens."));
        }
    }

    /** The answer tokens of one field: one per answer of the set, {-1} when the field has a problem. */
    private static long[] answerIds(TokenEncoder encoder, String prefix, List<String> answers, String name, String field, long maxChars,
                                    List<TaskProblem> problems) {
        if (answers == null || answers.isEmpty()) {
            problems.add(TaskProblem.error(name + " has no '" + field + "' answer."));
            return new long[] {-1};
        }
        long[] ids = new long[answers.size()];
        for (int a = 0; a < ids.length; a++) {
            ids[a] = answerId(encoder, prefix, answers.get(a), name, field, maxChars, problems);
            if (ids[a] < 0) return new long[] {-1};
            for (int b = 0; b < a; b++) {
                if (ids[b] == ids[a]) {
                    problems.add(TaskProblem.error(name + ": the " + field + " answers " + Texts.quote(answers.get(b)) + " and "
                            + Texts.quote(answers.get(a)) + " are the same token; list each answer token once."));
                    return new long[] {-1};
                }
            }
        }
        return ids;
    }

    private static long answerId(TokenEncoder encoder, String prefix, String answer, String name, String field, long maxChars,
                                 List<TaskProblem> problems) {
        if (answer == null || answer.isBlank()) {
            problems.add(TaskProblem.error(name + " has " + (answer == null || answer.isEmpty() ? "an empty" : "a blank") + " '" + field
                    + "' answer; it would score the space token, not an answer. Give the answer's text."));
            return -1;
        }
        if (answer.length() > maxChars) {
            problems.add(TaskProblem.error(name + ": the " + field + " answer " + Texts.quote(answer)
                    + " is far longer than the model reads; an answer is scored by its first token. Shorten it."));
            return -1;
        }
        long[] ids = encoder.encode(prefix + answer);
        if (ids.length == 0) {
            problems.add(TaskProblem.error(name + ": the " + field + " answer '" + Texts.cap(answer) + "' gives no token."));
            return -1;
        }
        if (ids.length > 1) {
            problems.add(TaskProblem.warning(name + ": the " + field + " answer " + Texts.quote(prefix + answer) + " is " + ids.length
                    + " tokens; only its first token is scored."));
        }
        return ids[0];
    }

    private static boolean[] keptPositions(Prompt p, int length, List<String> keepLabels, String name,
                                           List<TaskProblem> problems) {
        for (Map.Entry<String, Integer> e : p.positions().entrySet()) {
            if (e.getValue() < 0 || e.getValue() >= length) {
                problems.add(TaskProblem.error(name + ": position " + Texts.cap(e.getKey()) + " = " + e.getValue()
                        + " is outside the prompt, which has " + length + " tokens (indices 0 to " + (length - 1) + ")."));
            }
        }
        boolean[] kept = new boolean[length];
        if (keepLabels == null) {
            Arrays.fill(kept, true);
            return kept;
        }
        for (String label : keepLabels) {
            Integer idx = label.equals(END) ? Integer.valueOf(length - 1) : p.positions().get(label);
            if (idx == null) {
                problems.add(TaskProblem.error(name + " has no position '" + Texts.cap(label) + "', which 'keep' names. "
                        + "Give it in the prompt's 'positions' or remove it from 'keep'."));
            } else if (idx >= 0 && idx < length) {
                kept[idx] = true;
            }
        }
        return kept;
    }

    public TaskFile task() {
        return task;
    }

    public List<TaskProblem> problems() {
        return problems;
    }

    public List<TaskProblem> warnings() {
        return problems.stream().filter(p -> !p.isError()).toList();
    }

    public List<String> templates() {
        return templates;
    }

    public int cleanCount() {
        return cleanTokens.length;
    }

    public int corruptCount() {
        return corruptTokens.length;
    }

    /** Padded length, over clean and corrupt prompts. */
    public int maxLength() {
        return maxLength;
    }

    public long[] cleanTokens(int i) {
        return cleanTokens[i];
    }

    public long[] corruptTokens(int i) {
        return corruptTokens[i];
    }

    public int cleanTemplate(int i) {
        return cleanTemplate[i];
    }

    public int corruptTemplate(int i) {
        return corruptTemplate[i];
    }

    /** Index of the prompt's last token. */
    public int end(int i) {
        return cleanTokens[i].length - 1;
    }

    /** The first correct answer's token: the whole answer for a task of single answers. */
    public long correctId(int i) {
        return correctIds[i][0];
    }

    public long incorrectId(int i) {
        return incorrectIds[i][0];
    }

    /** Every correct answer's token (one per answer of the set). */
    public long[] correctIds(int i) {
        return correctIds[i].clone();
    }

    public long[] incorrectIds(int i) {
        return incorrectIds[i].clone();
    }

    /** Whether some clean prompt has more than one correct or incorrect answer. */
    public boolean hasAnswerSets() {
        for (int i = 0; i < correctIds.length; i++) {
            if (correctIds[i].length > 1 || incorrectIds[i].length > 1) return true;
        }
        return false;
    }

    /**
     * Each clean prompt's paired corrupt prompt, for patching: the corrupt prompt that names it
     * ({@code "clean": i}), or, when no corrupt prompt names one, the corrupt prompt of the same
     * index. A pair must have the same number of tokens.
     *
     * @throws TaskException naming the first clean prompt without exactly one pair, or a pair of
     *                       different lengths
     */
    public int[] pairs() throws TaskException {
        int n = cleanTokens.length;
        int[] pair = new int[n];
        java.util.Arrays.fill(pair, -1);
        boolean named = task.corrupt().stream().anyMatch(p -> p.clean() != null);
        if (!named) {
            if (corruptTokens.length != n) {
                throw new TaskException("Patching pairs each clean prompt with a corrupt prompt, but there are " + n + " clean and "
                        + corruptTokens.length + " corrupt prompts and no corrupt prompt names its clean one. Give equal counts "
                        + "(paired by index) or \"clean\": i in each corrupt prompt.");
            }
            for (int i = 0; i < n; i++) pair[i] = i;
        } else {
            for (int j = 0; j < corruptTokens.length; j++) {
                Integer c = task.corrupt().get(j).clean();
                if (c == null || c < 0 || c >= n) continue;
                if (pair[c] >= 0) {
                    throw new TaskException("clean[" + c + "] " + Texts.quote(task.clean().get(c).text()) + " is named by two corrupt "
                            + "prompts (corrupt[" + pair[c] + "] and corrupt[" + j + "]); patching needs exactly one pair per clean prompt.");
                }
                pair[c] = j;
            }
            for (int i = 0; i < n; i++) {
                if (pair[i] < 0) {
                    throw new TaskException("clean[" + i + "] " + Texts.quote(task.clean().get(i).text()) + " has no paired corrupt "
                            + "prompt; patching needs one per clean prompt (a corrupt prompt with \"clean\": " + i + ").");
                }
            }
        }
        for (int i = 0; i < n; i++) {
            int j = pair[i];
            if (cleanTokens[i].length != corruptTokens[j].length) {
                throw new TaskException("clean[" + i + "] " + Texts.quote(task.clean().get(i).text()) + " has " + cleanTokens[i].length
                        + " tokens but its pair corrupt[" + j + "] " + Texts.quote(task.corrupt().get(j).text()) + " has "
                        + corruptTokens[j].length + "; a patched pair must have the same number of tokens.");
            }
        }
        return pair;
    }

    /**
     * For a mean over every corrupt prompt per position (mean-all): every prompt, clean or corrupt,
     * must have the same number of tokens.
     *
     * @throws TaskException naming two prompts of different lengths
     */
    public void checkOneLength(String why) throws TaskException {
        String first = null;
        int firstLength = -1;
        for (int set = 0; set < 2; set++) {
            long[][] tokens = set == 0 ? cleanTokens : corruptTokens;
            List<Prompt> prompts = set == 0 ? task.clean() : task.corrupt();
            for (int i = 0; i < tokens.length; i++) {
                String name = (set == 0 ? "clean[" : "corrupt[") + i + "] " + Texts.quote(prompts.get(i).text());
                if (first == null) {
                    first = name;
                    firstLength = tokens[i].length;
                } else if (tokens[i].length != firstLength) {
                    throw new TaskException(why + " needs every prompt to have the same number of tokens, but " + first + " has "
                            + firstLength + " and " + name + " has " + tokens[i].length + ".");
                }
            }
        }
    }

    /** Whether position {@code pos} of clean prompt {@code i} is kept for heads in the circuit. */
    public boolean kept(int i, int pos) {
        return pos < keep[i].length && keep[i][pos];
    }

    /** Clean or corrupt tokens, right-padded with {@code pad} to {@link #maxLength()}: [n * maxLength]. */
    public long[] padded(boolean cleanSet, long pad) {
        long[][] src = cleanSet ? cleanTokens : corruptTokens;
        long[] out = new long[src.length * maxLength];
        Arrays.fill(out, pad);
        for (int i = 0; i < src.length; i++) System.arraycopy(src[i], 0, out, i * maxLength, src[i].length);
        return out;
    }
}
