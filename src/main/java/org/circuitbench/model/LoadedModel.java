package org.circuitbench.model;

import java.nio.file.Path;

/** A model ready to run: its weights on a device, its tokenizer, and where it came from. */
public record LoadedModel(String name, Path folder, Gpt2Model model, Gpt2Tokenizer tokenizer, DeviceChoice device)
        implements AutoCloseable {

    /** Resolves a folder or cached hub name and loads weights and tokenizer. */
    public static LoadedModel open(String nameOrPath, String deviceSpec) throws ModelLoadException {
        Path folder = ModelResolver.fromEnvironment().resolve(nameOrPath);
        return open(nameOrPath, folder, DeviceChoice.resolve(deviceSpec));
    }

    public static LoadedModel open(String name, Path folder, DeviceChoice device) throws ModelLoadException {
        Gpt2Tokenizer tokenizer = Gpt2Tokenizer.load(folder);
        try {
            return new LoadedModel(name, folder, Gpt2Model.load(folder, device.device()), tokenizer, device);
        } catch (ModelLoadException | RuntimeException e) {
            tokenizer.close();
            throw e;
        }
    }

    public Gpt2Config config() {
        return model.config();
    }

    /** "seqcont-tiny · 12 × 12 · 1.2M params · CPU". */
    public String summary() {
        Gpt2Config c = config();
        return String.format("%s · %d × %d · %s params · %s", name, c.nLayer(), c.nHead(),
                humanCount(model.parameterCount()), device.label());
    }

    public static String humanCount(long n) {
        if (n >= 1_000_000_000) return String.format("%.2fB", n / 1e9);
        if (n >= 1_000_000) return String.format("%.1fM", n / 1e6);
        if (n >= 1_000) return String.format("%.1fk", n / 1e3);
        return Long.toString(n);
    }

    @Override
    public void close() {
        model.close();
        tokenizer.close();
    }
}
