package org.circuitbench.task;

/** Text to token ids, exactly as written (no special tokens). GPT-2's tokenizer is one. */
@FunctionalInterface
public interface TokenEncoder {
    long[] encode(String text);
}
