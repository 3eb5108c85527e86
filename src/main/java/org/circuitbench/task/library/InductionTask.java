package org.circuitbench.task.library;

import org.circuitbench.task.TaskDefinition;
import org.circuitbench.task.TaskDefinition.PromptSpec;
import org.circuitbench.task.TaskDefinition.TemplateSpec;
import org.circuitbench.task.TaskDefinition.Variable;

import java.util.List;
import java.util.Map;

/**
 * Induction on repeated random tokens (Olsson et al. 2022; TransformerLens's
 * generate_repeated_tokens: an end-of-text token, then random tokens, then the same tokens again).
 * A clean prompt is 20 random tokens, then the first 19 of them again: an induction head predicts
 * the 20th from the earlier "19th → 20th". The correct answer is that 20th token; the incorrect one
 * is a 21st random token that does not occur in the prompt, so the logit difference measures the
 * in-context boost of the repeated token over a token the model has no reason to expect. The
 * corrupt prompts are the same length of fresh random tokens, none repeated.
 *
 * <p>A task file holds text, not token ids, so the random tokens are drawn from 500 GPT-2 tokens
 * that are a space and lowercase letters: each stays one token when the prompt is tokenized again.
 */
final class InductionTask {
    private InductionTask() {
    }

    static final List<String> WORDS = LibraryLists.read("induction-words.txt");

    /** Tokens in each half of a clean prompt (the second half stops one short: its next token is the answer). */
    static final int HALF = 20;

    static LibraryTask entry() {
        return new LibraryTask("induction", "Induction on repeated random tokens",
                "Olsson et al. 2022, In-context Learning and Induction Heads; TransformerLens generate_repeated_tokens",
                "clean prompts; as many corrupt prompts of fresh tokens", 100,
                "logit difference: the repeated token - a token not in the prompt", InductionTask::definition);
    }

    /** Clean prompts are drawn with {@code seed}, corrupt ones with {@code seed + 1000}, so that they share no draws. */
    static TaskDefinition definition(long seed, int count) {
        PromptSpec clean = new PromptSpec("<|endoftext|> {join(w[:h])} {join(w[:h-1])}", "{w[h-1]}", "{w[h]}",
                List.of(new Variable("h", Integer.toString(HALF)), new Variable("w", "sample(words, h + 1)")), count, seed);
        PromptSpec corrupt = new PromptSpec("<|endoftext|> {join(w)}", null, null,
                List.of(new Variable("h", Integer.toString(HALF)), new Variable("w", "sample(words, 2 * h - 1)")), count, seed + 1000);
        return new TaskDefinition("induction", List.of(new TemplateSpec("induction", clean, corrupt)), null, Map.of("words", WORDS));
    }
}
