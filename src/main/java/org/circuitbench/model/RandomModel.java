package org.circuitbench.model;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Writes a GPT-2 with random weights in the Hugging Face layout, with GPT-2's tokenizer, so that
 * benchmarks can run at GPT-2 small's size without the download. Weights follow GPT-2's
 * initialisation (N(0, 0.02), residual projections scaled by 1/√(2·layers)); it knows nothing.
 */
public final class RandomModel {
    private RandomModel() {
    }

    public static void write(Path out, Gpt2Config cfg, long seed, SafeTensors.DType dtype) throws IOException {
        checkSizes(cfg);
        Files.createDirectories(out);
        SplittableRandom rng = new SplittableRandom(seed);
        int d = cfg.nEmbd(), inner = cfg.nInner();
        double residStd = 0.02 / Math.sqrt(2.0 * cfg.nLayer());
        Map<String, SafeTensors.Tensor> t = new LinkedHashMap<>();
        t.put("wte.weight", normal(rng, 0.02, cfg.vocabSize(), d));
        t.put("wpe.weight", normal(rng, 0.01, cfg.nPositions(), d));
        for (int l = 0; l < cfg.nLayer(); l++) {
            String p = "h." + l + ".";
            t.put(p + "ln_1.weight", constant(1f, d));
            t.put(p + "ln_1.bias", constant(0f, d));
            t.put(p + "attn.c_attn.weight", normal(rng, 0.02, d, 3L * d));
            t.put(p + "attn.c_attn.bias", constant(0f, 3L * d));
            t.put(p + "attn.c_proj.weight", normal(rng, residStd, d, d));
            t.put(p + "attn.c_proj.bias", constant(0f, d));
            t.put(p + "ln_2.weight", constant(1f, d));
            t.put(p + "ln_2.bias", constant(0f, d));
            t.put(p + "mlp.c_fc.weight", normal(rng, 0.02, d, inner));
            t.put(p + "mlp.c_fc.bias", constant(0f, inner));
            t.put(p + "mlp.c_proj.weight", normal(rng, residStd, inner, d));
            t.put(p + "mlp.c_proj.bias", constant(0f, d));
        }
        t.put("ln_f.weight", constant(1f, d));
        t.put("ln_f.bias", constant(0f, d));
        SafeTensors.write(out.resolve("model.safetensors"), t, dtype, Map.of("format", "pt"));
        cfg.write(out.resolve("config.json"));
        copyTokenizer(out);
        Files.writeString(out.resolve("README.md"), "# Random GPT-2 (" + cfg.nLayer() + " layers × " + cfg.nHead()
                + " heads, d_model " + d + ")\n\nWritten by `circuitbench make-model` with seed " + seed
                + ". Its weights are random (GPT-2's initialisation), so it knows nothing; it is for benchmarks.\n");
    }

    /** GPT-2's tokenizer files, shipped in the app's resources. */
    public static void copyTokenizer(Path out) throws IOException {
        for (String f : new String[] {"tokenizer.json", "vocab.json", "merges.txt"}) {
            try (InputStream in = RandomModel.class.getResourceAsStream("/org/circuitbench/gpt2/" + f)) {
                if (in == null) throw new IOException("GPT-2 tokenizer resource " + f + " is missing from the build.");
                Files.copy(in, out.resolve(f), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    /** Each tensor is one Java array: refuses sizes that do not fit one, naming the tensor and the numbers. */
    static void checkSizes(Gpt2Config cfg) {
        long d = cfg.nEmbd();
        long[][] shapes = {{cfg.vocabSize(), d}, {cfg.nPositions(), d}, {d, 3 * d}, {d, cfg.nInner()}};
        String[] names = {"wte (vocab × d_model)", "wpe (positions × d_model)", "c_attn (d_model × 3·d_model)", "c_fc (d_model × 4·d_model)"};
        for (int i = 0; i < shapes.length; i++) {
            long n = shapes[i][0] * shapes[i][1];
            if (n > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "its %s tensor would hold %d × %d = %,d values, "
                        + "more than one array holds (%,d); choose a smaller --d-model, --vocab or --positions",
                        names[i], shapes[i][0], shapes[i][1], n, Integer.MAX_VALUE - 8));
            }
        }
    }

    private static SafeTensors.Tensor normal(SplittableRandom rng, double std, long rows, long cols) {
        float[] v = new float[Math.toIntExact(rows * cols)];
        for (int i = 0; i < v.length; i++) v[i] = (float) (rng.nextGaussian() * std);
        return new SafeTensors.Tensor(new long[] {rows, cols}, v);
    }

    private static SafeTensors.Tensor constant(float c, long n) {
        float[] v = new float[Math.toIntExact(n)];
        java.util.Arrays.fill(v, c);
        return new SafeTensors.Tensor(new long[] {n}, v);
    }
}
