package org.circuitbench.task;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One prompt of a task. Clean prompts have answers; corrupt prompts leave them null.
 * {@code positions} maps a label (S1, S2, …) to a token index; {@code end} is implicit.
 *
 * <p>An answer is one text or a set of texts ({@code "correct": ["18", "19"]}, the greater-than
 * task's); one answer is written as a plain string, so task and session files stay as they were.
 * A corrupt prompt may name the clean prompt it is paired with for patching ({@code clean}, a
 * 0-based index into the clean list); null: paired by index, or not paired.
 */
public record Prompt(
        String text,
        @JsonFormat(with = {JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY, JsonFormat.Feature.WRITE_SINGLE_ELEM_ARRAYS_UNWRAPPED})
        List<String> correct,
        @JsonFormat(with = {JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY, JsonFormat.Feature.WRITE_SINGLE_ELEM_ARRAYS_UNWRAPPED})
        List<String> incorrect,
        String template,
        Map<String, Integer> positions,
        @JsonInclude(JsonInclude.Include.NON_NULL)
        Integer clean) {

    public Prompt {
        Objects.requireNonNull(text, "text");
        correct = correct == null ? null : List.copyOf(correct);
        incorrect = incorrect == null ? null : List.copyOf(incorrect);
        template = template == null ? "" : template;
        positions = positions == null ? Map.of() : Map.copyOf(positions);
    }

    /** A clean prompt with one correct and one incorrect answer (null: none). */
    public Prompt(String text, String correct, String incorrect, String template, Map<String, Integer> positions) {
        this(text, one(correct), one(incorrect), template, positions, null);
    }

    public static Prompt corrupt(String text, String template) {
        return new Prompt(text, (List<String>) null, null, template, Map.of(), null);
    }

    /** A corrupt prompt paired with clean prompt {@code clean} (0-based) for patching. */
    public static Prompt corrupt(String text, String template, int clean) {
        return new Prompt(text, (List<String>) null, null, template, Map.of(), clean);
    }

    private static List<String> one(String answer) {
        return answer == null ? null : java.util.Collections.singletonList(answer);
    }

    /** The first correct answer, or null: what a task of single answers scores. */
    @JsonIgnore
    public String firstCorrect() {
        return correct == null || correct.isEmpty() ? null : correct.get(0);
    }

    /** The first incorrect answer, or null. */
    @JsonIgnore
    public String firstIncorrect() {
        return incorrect == null || incorrect.isEmpty() ? null : incorrect.get(0);
    }

    /** The answers as one line for tables: "5", or "18 | 19 | 20" for a set. */
    public static String joined(List<String> answers) {
        return answers == null ? null : String.join(" | ", answers);
    }
}
