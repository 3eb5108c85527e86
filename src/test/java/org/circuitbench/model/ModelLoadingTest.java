package org.circuitbench.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Loading variants of one small random GPT-2: F16 and BF16 weights, the {@code transformer.}
 * prefix, buffers and a tied lm_head all give the same logits; broken folders give clear errors.
 */
class ModelLoadingTest {
    @TempDir
    static Path dir;
    static Path base;
    static Map<String, SafeTensors.Tensor> tensors;
    static final long[] TOKENS = {16, 362, 513, 604, 642};

    @BeforeAll
    static void makeModel() throws Exception {
        base = dir.resolve("base");
        RandomModel.write(base, Gpt2Config.of(2, 2, 16, 32, 50257), 3, SafeTensors.DType.F32);
        tensors = new LinkedHashMap<>();
        try (SafeTensors st = SafeTensors.open(base.resolve("model.safetensors"))) {
            for (SafeTensors.TensorInfo i : st.tensors().values()) {
                tensors.put(i.name(), new SafeTensors.Tensor(i.shape(), st.floats(i)));
            }
        }
    }

    /** A copy of the base folder whose weights are rewritten by {@code edit} and stored as {@code dtype}. */
    static Path variant(String name, SafeTensors.DType dtype, UnaryOperator<Map<String, SafeTensors.Tensor>> edit) throws Exception {
        Path v = dir.resolve(name);
        Files.createDirectories(v);
        for (String f : new String[] {"config.json", "tokenizer.json"}) Files.copy(base.resolve(f), v.resolve(f));
        SafeTensors.write(v.resolve("model.safetensors"), edit.apply(new LinkedHashMap<>(tensors)), dtype, Map.of());
        return v;
    }

    static float[] logits(Path folder) throws Exception {
        try (Gpt2Model m = Gpt2Model.load(folder, ai.djl.Device.cpu()); NDScope ignored = new NDScope()) {
            NDArray tok = m.manager().create(TOKENS).reshape(1, TOKENS.length);
            return m.logits(m.forward(tok, Hook.NONE)).toFloatArray();
        }
    }

    static void assertClose(float[] want, float[] got, double tol) {
        assertEquals(want.length, got.length);
        double max = 0;
        for (int i = 0; i < want.length; i++) max = Math.max(max, Math.abs(want[i] - got[i]));
        assertTrue(max <= tol, "max logit difference " + max + " > " + tol);
    }

    @Test
    void f16AndBf16LoadIntoF32() throws Exception {
        float[] want = logits(base);
        assertClose(want, logits(variant("f16", SafeTensors.DType.F16, t -> t)), 2e-3);
        assertClose(want, logits(variant("bf16", SafeTensors.DType.BF16, t -> t)), 2e-2);
    }

    @Test
    void prefixBuffersAndTiedHeadAreAccepted() throws Exception {
        float[] want = logits(base);
        Path v = variant("prefixed", SafeTensors.DType.F32, t -> {
            Map<String, SafeTensors.Tensor> out = new LinkedHashMap<>();
            t.forEach((k, x) -> out.put("transformer." + k, x));
            for (int l = 0; l < 2; l++) {
                out.put("transformer.h." + l + ".attn.bias", new SafeTensors.Tensor(new long[] {1, 1, 32, 32}, new float[32 * 32]));
                out.put("transformer.h." + l + ".attn.masked_bias", new SafeTensors.Tensor(new long[] {}, new float[] {-1e4f}));
            }
            out.put("lm_head.weight", t.get("wte.weight"));
            return out;
        });
        assertArrayEquals(want, logits(v));
    }

    @Test
    void truncatedFileNamesTheFileAndSaysToDownloadAgain() throws Exception {
        Path v = variant("truncated", SafeTensors.DType.F32, t -> t);
        Path f = v.resolve("model.safetensors");
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.setLength(raf.length() - 1000);
        }
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> Gpt2Model.load(v, ai.djl.Device.cpu()));
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("truncated")
                && e.getMessage().contains("download"), e.getMessage());
    }

    @Test
    void garbageHeaderIsReportedAsCorrupt() throws Exception {
        Path v = variant("garbage", SafeTensors.DType.F32, t -> t);
        Files.write(v.resolve("model.safetensors"), "this is not a safetensors file at all".getBytes());
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> Gpt2Model.load(v, ai.djl.Device.cpu()));
        assertTrue(e.getMessage().contains("model.safetensors"), e.getMessage());
    }

    @Test
    void wrongShapeNamesTheTensor() throws Exception {
        Path v = variant("shape", SafeTensors.DType.F32, t -> {
            t.put("h.1.mlp.c_fc.weight", new SafeTensors.Tensor(new long[] {16, 32}, new float[16 * 32]));
            return t;
        });
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> Gpt2Model.load(v, ai.djl.Device.cpu()));
        assertTrue(e.getMessage().contains("h.1.mlp.c_fc.weight") && e.getMessage().contains("[16, 32]")
                && e.getMessage().contains("[16, 64]"), e.getMessage());
    }

    @Test
    void missingTensorIsNamed() throws Exception {
        Path v = variant("missing-tensor", SafeTensors.DType.F32, t -> {
            t.remove("ln_f.bias");
            return t;
        });
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> Gpt2Model.load(v, ai.djl.Device.cpu()));
        assertTrue(e.getMessage().contains("ln_f.bias"), e.getMessage());
    }

    @Test
    void pytorchBinOnlyExplainsWhatToDo() throws Exception {
        Path v = dir.resolve("bin-only");
        Files.createDirectories(v);
        Files.copy(base.resolve("config.json"), v.resolve("config.json"));
        Files.writeString(v.resolve("pytorch_model.bin"), "pickle");
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> Gpt2Model.load(v, ai.djl.Device.cpu()));
        assertTrue(e.getMessage().contains("pytorch_model.bin") && e.getMessage().contains("safetensors"), e.getMessage());
    }

    @Test
    void otherModelTypeIsRefused() throws Exception {
        Path v = dir.resolve("llama");
        Files.createDirectories(v);
        Files.writeString(v.resolve("config.json"), "{\"model_type\": \"llama\", \"n_layer\": 2}");
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> Gpt2Model.load(v, ai.djl.Device.cpu()));
        assertTrue(e.getMessage().contains("llama") && e.getMessage().contains("gpt2"), e.getMessage());
    }

    @Test
    void missingFolderAndConfigAreNamed() {
        Path nowhere = dir.resolve("nowhere");
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> Gpt2Model.load(nowhere, ai.djl.Device.cpu()));
        assertTrue(e.getMessage().contains(nowhere.toString()), e.getMessage());
    }

    @Test
    void missingTokenizerIsNamed() throws Exception {
        Path v = dir.resolve("no-tokenizer");
        Files.createDirectories(v);
        Files.copy(base.resolve("config.json"), v.resolve("config.json"));
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> Gpt2Tokenizer.load(v));
        assertTrue(e.getMessage().contains("tokenizer.json"), e.getMessage());
    }

    @Test
    void parameterCountMatchesGpt2Formula() throws Exception {
        try (Gpt2Model m = Gpt2Model.load(base, ai.djl.Device.cpu())) {
            long d = 16, v = 50257, p = 32, l = 2;
            long perLayer = 2 * 2 * d + d * 3 * d + 3 * d + d * d + d + d * 4 * d + 4 * d + 4 * d * d + d;
            assertEquals(v * d + p * d + l * perLayer + 2 * d, m.parameterCount());
        }
    }
}
