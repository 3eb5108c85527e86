package org.circuitbench.task.library;

import org.circuitbench.task.TaskDefinition;
import org.circuitbench.task.TaskDefinition.PromptSpec;
import org.circuitbench.task.TaskDefinition.TemplateSpec;
import org.circuitbench.task.TaskDefinition.Variable;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The seed notebook's tasks, built as the seed builds them: the clean prompts enumerate every
 * value, and {@code count} corrupt prompts are drawn with {@code seed}. Seed 1 and count 100 give
 * the sample sessions' tasks exactly.
 */
public final class SeedTasks {
    private SeedTasks() {
    }

    private static PromptSpec clean(String text, String correct, String incorrect, String... vars) {
        return new PromptSpec(text, correct, incorrect, variables(vars), 0, 0);
    }

    private static PromptSpec corrupt(String text, int count, long seed, String... vars) {
        return new PromptSpec(text, null, null, variables(vars), count, seed);
    }

    private static List<Variable> variables(String... lines) {
        List<Variable> out = new ArrayList<>();
        for (String l : lines) {
            int eq = l.indexOf('=');
            out.add(new Variable(l.substring(0, eq).trim(), l.substring(eq + 1).trim()));
        }
        return out;
    }

    /** The seed's corrupt set: four random numbers from one random decade per prompt (randint is inclusive, as in Python). */
    private static final String RANDOM_DECADE = "{randint(d, d+10)} {randint(d, d+10)} {randint(d, d+10)} {randint(d, d+10)}";

    /** Digits increasing, exactly as the seed: a in 1..100, answer a+4, incorrect a; keep end, S3, S2, S1. */
    public static TaskDefinition digits(long seed, int count) {
        return new TaskDefinition("digits increasing", List.of(new TemplateSpec("digits",
                clean("{a} {a+1} {a+2} {a+3}", "{a+4}", "{a}", "a = 1..100"),
                corrupt(RANDOM_DECADE, count, seed, "d = randint(1, 9) * 10"))),
                List.of("end", "S3", "S2", "S1"), Map.of());
    }

    /** Number words: "one two three four" → "five", the same way. */
    public static TaskDefinition numwords(long seed, int count) {
        return new TaskDefinition("number words", List.of(new TemplateSpec("numwords",
                clean("{numwords[i]} {numwords[i+1]} {numwords[i+2]} {numwords[i+3]}", "{numwords[i+4]}", "{numwords[i]}", "i = 1..7"),
                corrupt("{numwords[randint(1, 10)]} {numwords[randint(1, 11)]} {numwords[randint(1, 11)]} {numwords[randint(1, 11)]}",
                        count, seed))),
                List.of("end", "S3", "S2", "S1"), Map.of());
    }

    /** Months: "January February March" → "April". */
    public static TaskDefinition months(long seed, int count) {
        return new TaskDefinition("months", List.of(new TemplateSpec("months",
                clean("{months[i]} {months[i+1]} {months[i+2]}", "{months[i+3]}", "{months[i]}", "i = 0..8"),
                corrupt("{choice(months)} {choice(months)} {choice(months)}", count, seed))),
                List.of("end", "S2", "S1"), Map.of());
    }

    /** Decreasing numerals, the contrast task: "{a+3} {a+2} {a+1} {a}" → "{a-1}". */
    public static TaskDefinition decreasing(long seed, int count) {
        return new TaskDefinition("digits decreasing", List.of(new TemplateSpec("decreasing",
                clean("{a+3} {a+2} {a+1} {a}", "{a-1}", "{a+3}", "a = 2..97"),
                corrupt(RANDOM_DECADE, count, seed, "d = randint(1, 9) * 10"))),
                List.of("end", "S3", "S2", "S1"), Map.of());
    }

    private static final String SEED = "the seed notebook (minimal_circuit_template), its task cells";
    private static final String COUNT = "corrupt prompts; the clean prompts are every value, as the seed's";

    static List<LibraryTask> entries() {
        return List.of(
                new LibraryTask("digits", "Digits increasing: \"1 2 3 4\" -> \"5\"", SEED, COUNT, 100, "logit difference", SeedTasks::digits),
                new LibraryTask("numwords", "Number words: \"one two three four\" -> \"five\"", SEED, COUNT, 100, "logit difference",
                        SeedTasks::numwords),
                new LibraryTask("months", "Months: \"January February March\" -> \"April\"", SEED, COUNT, 100, "logit difference",
                        SeedTasks::months),
                new LibraryTask("decreasing", "Digits decreasing: \"13 12 11 10\" -> \"9\"", SEED, COUNT, 100, "logit difference",
                        SeedTasks::decreasing));
    }
}
