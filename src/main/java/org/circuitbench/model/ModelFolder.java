package org.circuitbench.model;

import java.nio.file.Files;
import java.nio.file.Path;

/** Checks of a Hugging Face model folder, each failing with what is wrong and what to do. */
public final class ModelFolder {
    private ModelFolder() {
    }

    /** The folder exists and has a config; weights and tokenizer are checked when read. */
    public static void check(Path folder) throws ModelLoadException {
        if (!Files.isDirectory(folder)) {
            throw new ModelLoadException("Model folder " + folder + " does not exist. Give a folder with config.json, "
                    + "model.safetensors and tokenizer.json, or a model name such as gpt2 that is in the Hugging Face cache.");
        }
        if (!Files.isRegularFile(folder.resolve("config.json"))) {
            throw new ModelLoadException(folder.resolve("config.json") + " is missing. A model folder needs config.json, "
                    + "model.safetensors and tokenizer.json (the Hugging Face layout).");
        }
    }

    static ModelLoadException missingWeights(Path folder) {
        if (Files.isRegularFile(folder.resolve("pytorch_model.bin"))) {
            return new ModelLoadException(folder + " has only pytorch_model.bin, a pickle that Circuit Workbench does not read. "
                    + "Download the model.safetensors of the same model (the hub has one for gpt2, gpt2-medium, gpt2-large, gpt2-xl "
                    + "and distilgpt2), or convert it: python -c \"from transformers import AutoModelForCausalLM as M; "
                    + "M.from_pretrained('" + folder + "').save_pretrained('" + folder + "', safe_serialization=True)\"");
        }
        return new ModelLoadException(folder.resolve("model.safetensors") + " is missing. A model folder needs "
                + "model.safetensors next to config.json.");
    }
}
