package org.circuitbench.task.library;

import org.circuitbench.task.TaskDefinition;
import org.circuitbench.task.TaskDefinition.PromptSpec;
import org.circuitbench.task.TaskDefinition.TemplateSpec;
import org.circuitbench.task.TaskDefinition.Variable;

import java.util.ArrayList;
import java.util.List;

/**
 * Greater-than (Hanna et al. 2023, "How does GPT-2 compute greater-than?"): "The &lt;noun&gt; lasted
 * from the year 17YY to the year 17", after the end-of-text token as in the paper's circuit
 * discovery (hannamw/gpt2-greater-than, dataset.py with {@code eos=True}), with the paper's 120
 * nouns. YY runs over 02..98 in turn as the paper's balanced sampler does (17YY is "17" then "YY"
 * for these years, the paper's valid years); the corrupt prompt is the same sentence from 1701 (the
 * "01-dataset"), with the same noun: the template is paired, so corrupt prompt i takes clean prompt
 * i's noun and names it as its pair.
 *
 * <p>The answers are two-digit years that follow "17" without a space, so the task says
 * {@code answer_space: false}. The correct answers are the set YY+1..99 and the incorrect ones
 * 00..YY: the probability difference Σ p(YY+1..99) − Σ p(00..YY) is the paper's metric.
 */
final class GreaterThanTask {
    private GreaterThanTask() {
    }

    static final List<String> NOUNS = LibraryLists.read("greater-than-nouns.txt");

    /** "00" to "99": the year tokens of the paper's metric (its get_year_indices). */
    static final List<String> YEARS = years();

    private static List<String> years() {
        List<String> out = new ArrayList<>();
        for (int y = 0; y < 100; y++) out.add(String.format("%02d", y));
        return List.copyOf(out);
    }

    static LibraryTask entry() {
        return new LibraryTask("greater-than", "Greater-than (year spans)",
                "Hanna, Liu and Variengien 2023, How does GPT-2 compute greater-than? (arXiv:2305.00586); hannamw/gpt2-greater-than dataset.py",
                "clean prompts, YY = 02..98 in turn, each paired with its 01 corrupt prompt", 194,
                "probability difference: p(YY+1..99) - p(00..YY)", GreaterThanTask::definition);
    }

    /** The nouns are drawn with {@code seed}; each corrupt prompt takes its clean prompt's. */
    static TaskDefinition definition(long seed, int count) {
        String prefix = "<|endoftext|> The {noun} lasted from the year ";
        PromptSpec clean = new PromptSpec(prefix + "17{years[yy]} to the year 17", "{years[yy+1:]}", "{years[:yy+1]}",
                List.of(new Variable("noun", "choice(nouns)"), new Variable("yy", "2 + n % 97")), count, seed);
        PromptSpec corrupt = new PromptSpec(prefix + "1701 to the year 17", null, null, List.of(), count, seed);
        return new TaskDefinition("greater-than", List.of(new TemplateSpec("greater-than", clean, corrupt, true)), null,
                LibraryLists.ordered("nouns", NOUNS, "years", YEARS), false);
    }
}
