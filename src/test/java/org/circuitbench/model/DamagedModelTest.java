package org.circuitbench.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Checkpoints as they come: old ones whose mask buffers are U8, BOOL or I64 load; damaged headers
 * (negative or overlapping offsets, one tensor under two names, a fractional n_layer, a shard
 * outside the folder, an empty config) are refused with a message instead of loading garbage.
 */
class DamagedModelTest {
    @TempDir
    static Path dir;
    static Path base;
    static Map<String, SafeTensors.Tensor> tensors;
    static final ObjectMapper JSON = new ObjectMapper();

    /** A header entry written by hand, so that damage can be written too. */
    record Raw(String name, String dtype, long[] shape, long begin, long end) {
    }

    @BeforeAll
    static void makeModel() throws Exception {
        base = dir.resolve("base");
        RandomModel.write(base, Gpt2Config.of(2, 2, 16, 32, 50257), 5, SafeTensors.DType.F32);
        tensors = new LinkedHashMap<>();
        try (SafeTensors st = SafeTensors.open(base.resolve("model.safetensors"))) {
            for (SafeTensors.TensorInfo i : st.tensors().values()) tensors.put(i.name(), new SafeTensors.Tensor(i.shape(), st.floats(i)));
        }
    }

    /** The base weights as F32 entries and their bytes, back to back. */
    static List<Raw> entries(ByteArrayOutputStream data) {
        List<Raw> out = new ArrayList<>();
        for (var e : tensors.entrySet()) {
            float[] v = e.getValue().values();
            ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (float x : v) b.putFloat(x);
            long at = data.size();
            data.writeBytes(b.array());
            out.add(new Raw(e.getKey(), "F32", e.getValue().shape(), at, data.size()));
        }
        return out;
    }

    static Raw buffer(ByteArrayOutputStream data, String name, String dtype, int bytesPerValue, long... shape) {
        long n = 1;
        for (long d : shape) n *= d;
        long at = data.size();
        data.writeBytes(new byte[(int) (n * bytesPerValue)]);
        return new Raw(name, dtype, shape, at, data.size());
    }

    static void writeRaw(Path file, List<Raw> entries, byte[] data) throws Exception {
        StringBuilder h = new StringBuilder("{");
        for (Raw r : entries) {
            if (h.length() > 1) h.append(',');
            h.append('"').append(r.name).append("\":{\"dtype\":\"").append(r.dtype).append("\",\"shape\":")
                    .append(java.util.Arrays.toString(r.shape)).append(",\"data_offsets\":[").append(r.begin).append(',').append(r.end).append("]}");
        }
        byte[] header = h.append('}').toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length);
        try (var out = Files.newOutputStream(file)) {
            out.write(len.array());
            out.write(header);
            out.write(data);
        }
    }

    /** A folder with the base config and tokenizer and weights edited by {@code edit}. */
    static Path variant(String name, java.util.function.BiConsumer<List<Raw>, ByteArrayOutputStream> edit) throws Exception {
        Path v = dir.resolve(name);
        Files.createDirectories(v);
        for (String f : new String[] {"config.json", "tokenizer.json"}) Files.copy(base.resolve(f), v.resolve(f));
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        List<Raw> e = entries(data);
        edit.accept(e, data);
        writeRaw(v.resolve("model.safetensors"), e, data.toByteArray());
        return v;
    }

    static Path withConfig(String name, Consumer<ObjectNode> edit) throws Exception {
        Path v = variant(name, (e, d) -> { });
        ObjectNode cfg = (ObjectNode) JSON.readTree(v.resolve("config.json").toFile());
        edit.accept(cfg);
        Files.writeString(v.resolve("config.json"), cfg.toString());
        return v;
    }

    static ModelLoadException refused(Path folder) {
        return assertThrows(ModelLoadException.class, () -> Gpt2Model.load(folder, ai.djl.Device.cpu()).close());
    }

    static void assertMessage(ModelLoadException e, String... parts) {
        for (String p : parts) assertTrue(e.getMessage().contains(p), "'" + p + "' in: " + e.getMessage());
        assertTrue(e.getMessage().lines().count() == 1, e.getMessage());
    }

    @Test
    void maskBuffersOfAnyDtypeAreSkipped() throws Exception {
        float[] want = ModelLoadingTest.logits(base);
        String[][] types = {{"U8", "1"}, {"BOOL", "1"}, {"I64", "8"}, {"F64", "8"}};
        for (String[] t : types) {
            Path v = variant("buffers-" + t[0], (e, d) -> {
                for (int l = 0; l < 2; l++) {
                    e.add(buffer(d, "h." + l + ".attn.bias", t[0], Integer.parseInt(t[1]), 1, 1, 32, 32));
                    e.add(buffer(d, "h." + l + ".attn.masked_bias", t[0], Integer.parseInt(t[1])));
                }
            });
            assertArrayEquals(want, ModelLoadingTest.logits(v), t[0] + " buffers change nothing");
        }
    }

    @Test
    void aWeightTheModelNeedsInAnUnreadableDtypeIsNamed() throws Exception {
        Path v = variant("i64-weight", (e, d) -> {
            e.removeIf(r -> r.name.equals("ln_f.bias"));
            e.add(buffer(d, "ln_f.bias", "I64", 8, 16));
        });
        assertMessage(refused(v), "ln_f.bias", "I64", "F32, F16 and BF16");
    }

    @Test
    void negativeOffsetsAreRefused() throws Exception {
        Path v = variant("negative", (e, d) -> {
            Raw w = e.get(0); // shifted back into the header: these bytes would be read as weights
            e.set(0, new Raw(w.name, w.dtype, w.shape, w.begin - 64, w.end - 64));
        });
        assertMessage(refused(v), "data_offsets", "not a valid safetensors file");
    }

    @Test
    void overlappingTensorsAreRefused() throws Exception {
        Path v = variant("overlap", (e, d) -> {
            Raw a = e.stream().filter(r -> r.name.equals("ln_f.weight")).findFirst().orElseThrow();
            int i = e.indexOf(e.stream().filter(r -> r.name.equals("ln_f.bias")).findFirst().orElseThrow());
            Raw b = e.get(i);
            e.set(i, new Raw(b.name, b.dtype, b.shape, a.begin + 8, a.end + 8));
        });
        assertMessage(refused(v), "overlap", "ln_f");
    }

    @Test
    void oneTensorUnderTwoNamesIsRefused() throws Exception {
        Path v = variant("twice", (e, d) -> {
            Raw w = e.stream().filter(r -> r.name.equals("h.0.ln_1.weight")).findFirst().orElseThrow();
            e.add(buffer(d, "transformer.h.0.ln_1.weight", "F32", 4, w.shape));
        });
        assertMessage(refused(v), "h.0.ln_1.weight", "twice", "transformer.h.0.ln_1.weight");
    }

    @Test
    void aKeyWrittenTwiceInTheHeaderIsRefused() throws Exception {
        Path v = variant("duplicate-key", (e, d) -> e.add(e.get(3)));
        assertMessage(refused(v), "not a valid safetensors file", "Duplicate");
    }

    @Test
    void configNumbersMustBeWholeAndPositive() throws Exception {
        assertMessage(refused(withConfig("layers-2.7", c -> c.put("n_layer", 2.7))), "'n_layer' must be a positive whole number, got 2.7");
        assertMessage(refused(withConfig("heads-0", c -> c.put("n_head", 0))), "'n_head'");
        assertMessage(refused(withConfig("embd-huge", c -> c.put("n_embd", 1e12))), "'n_embd'");
        assertMessage(refused(withConfig("pos-str", c -> c.put("n_positions", "32"))), "'n_positions'");
        assertMessage(refused(withConfig("eps", c -> c.put("layer_norm_epsilon", -1))), "layer_norm_epsilon");
        assertMessage(refused(withConfig("no-type", c -> c.put("model_type", ""))), "has no model_type", "\"gpt2\"");
        Path empty = withConfig("empty-config", c -> { });
        Files.writeString(empty.resolve("config.json"), "");
        assertMessage(refused(empty), "config.json is empty");
        Files.writeString(empty.resolve("config.json"), "[1]");
        assertMessage(refused(empty), "not a JSON object");
    }

    @Test
    void aShardOutsideTheFolderIsRefused() throws Exception {
        Path outside = dir.resolve("outside");
        Files.createDirectories(outside);
        Files.copy(base.resolve("model.safetensors"), outside.resolve("model.safetensors"));
        for (String shard : List.of("../outside/model.safetensors", outside.resolve("model.safetensors").toString(), "..", "sub/x.safetensors")) {
            Path v = dir.resolve("sharded-" + Integer.toHexString(shard.hashCode()));
            Files.createDirectories(v);
            Files.copy(base.resolve("config.json"), v.resolve("config.json"));
            ObjectNode index = JSON.createObjectNode();
            ObjectNode map = index.putObject("weight_map");
            tensors.keySet().forEach(k -> map.put(k, shard));
            Files.writeString(v.resolve("model.safetensors.index.json"), index.toString());
            assertMessage(refused(v), "not a file name in " + v, shard);
        }
    }
}
