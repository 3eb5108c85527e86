package org.circuitbench.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.circuitbench.util.Texts;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Builds a {@link Gpt2Model} from a Hugging Face folder. Tensors are read one at a time from
 * memory-mapped safetensors, converted to F32 and created on the target device. Keys may carry
 * the {@code transformer.} prefix (but not both forms of one key); the causal-mask buffers, of any
 * dtype, and a tied {@code lm_head.weight} are skipped.
 */
final class WeightLoader {
    private static final Pattern BUFFER = Pattern.compile("h\\.\\d+\\.attn\\.(bias|masked_bias)");

    private final Path folder;
    private final Gpt2Config cfg;
    private final NDManager manager;
    private final Map<String, SafeTensors.TensorInfo> index = new LinkedHashMap<>();
    private final Map<String, SafeTensors> fileOf = new HashMap<>();
    private long parameterCount;

    private WeightLoader(Path folder, Gpt2Config cfg, NDManager manager) {
        this.folder = folder;
        this.cfg = cfg;
        this.manager = manager;
    }

    static Gpt2Model load(Path folder, Device device) throws ModelLoadException {
        ModelFolder.check(folder);
        Gpt2Config cfg = Gpt2Config.read(folder.resolve("config.json"));
        List<SafeTensors> files = openWeights(folder);
        NDManager manager = NDManager.newBaseManager(device);
        try {
            WeightLoader loader = new WeightLoader(folder, cfg, manager);
            for (SafeTensors st : files) {
                for (SafeTensors.TensorInfo info : st.tensors().values()) {
                    String key = info.name().startsWith("transformer.") ? info.name().substring(12) : info.name();
                    SafeTensors.TensorInfo twin = loader.index.put(key, info);
                    if (twin != null) { // which of the two is meant cannot be known
                        throw new ModelLoadException(st.file() + " is damaged: it holds tensor " + key + " twice ('" + twin.name()
                                + "' in " + loader.fileOf.get(key).file().getFileName() + " and '" + info.name() + "' in "
                                + st.file().getFileName() + "). Download the model again.");
                    }
                    loader.fileOf.put(key, st);
                }
            }
            return loader.build();
        } catch (ModelLoadException | RuntimeException e) {
            manager.close();
            throw e;
        } finally {
            for (SafeTensors st : files) {
                try {
                    st.close();
                } catch (IOException ignored) {
                    // read-only mapping; nothing to flush
                }
            }
        }
    }

    private static List<SafeTensors> openWeights(Path folder) throws ModelLoadException {
        Path single = folder.resolve("model.safetensors");
        Path shardIndex = folder.resolve("model.safetensors.index.json");
        List<SafeTensors> out = new ArrayList<>();
        if (Files.isRegularFile(single)) {
            out.add(SafeTensors.open(single));
            return out;
        }
        if (Files.isRegularFile(shardIndex)) {
            try {
                JsonNode map = new ObjectMapper().readTree(shardIndex.toFile());
                map = map == null ? null : map.get("weight_map");
                if (map == null || !map.isObject() || map.isEmpty()) {
                    throw new ModelLoadException(shardIndex + " has no 'weight_map' of tensor names to shard files. Download the model again.");
                }
                TreeSet<String> shards = new TreeSet<>();
                for (var it = map.fields(); it.hasNext(); ) {
                    var e = it.next();
                    String shard = e.getValue().asText("");
                    // a shard is a file of this folder: no path may lead elsewhere
                    if (!e.getValue().isTextual() || !shard.matches("[^/\\\\\\x00]+") || shard.equals(".") || shard.equals("..")
                            || !folder.resolve(shard).normalize().getParent().equals(folder.normalize())) {
                        throw new ModelLoadException(shardIndex + " maps " + Texts.cap(e.getKey()) + " to '" + Texts.cap(e.getValue().asText())
                                + "', which is not a file name in " + folder + ". Download the model again.");
                    }
                    shards.add(shard);
                }
                for (String shard : shards) {
                    if (!Files.isRegularFile(folder.resolve(shard))) {
                        throw new ModelLoadException(shardIndex + " names the shard '" + Texts.cap(shard) + "', which is missing from "
                                + folder + ". Download the model again.");
                    }
                    out.add(SafeTensors.open(folder.resolve(shard)));
                }
                return out;
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                closeAll(out);
                throw new ModelLoadException(shardIndex + " does not parse as JSON" + org.circuitbench.util.JsonErrors.where(e) + ": "
                        + Texts.cap(e.getOriginalMessage().lines().findFirst().orElse("")) + ". Download the model again.");
            } catch (IOException e) {
                closeAll(out);
                throw e instanceof ModelLoadException m ? m
                        : new ModelLoadException("Cannot read " + shardIndex + ": " + e.getMessage(), e);
            }
        }
        throw ModelFolder.missingWeights(folder);
    }

    private static void closeAll(List<SafeTensors> files) {
        for (SafeTensors st : files) {
            try {
                st.close();
            } catch (IOException ignored) {
                // already failing
            }
        }
    }

    private Gpt2Model build() throws ModelLoadException {
        int d = cfg.nEmbd(), inner = cfg.nInner();
        NDArray wte = tensor("wte.weight", cfg.vocabSize(), d);
        Embedding embedding = new Embedding(wte, tensor("wpe.weight", cfg.nPositions(), d));
        List<Block> blocks = new ArrayList<>();
        for (int l = 0; l < cfg.nLayer(); l++) {
            String p = "h." + l + ".";
            float scale = (float) (1.0 / Math.sqrt(cfg.dHead()) / (cfg.scaleAttnByInverseLayerIdx() ? l + 1 : 1));
            Attention attn = new Attention(
                    conv1d(p + "attn.c_attn", d, 3 * d),
                    conv1d(p + "attn.c_proj", d, d),
                    cfg.nHead(), cfg.dHead(), scale);
            Mlp mlp = new Mlp(conv1d(p + "mlp.c_fc", d, inner), conv1d(p + "mlp.c_proj", inner, d), cfg.activationFunction());
            blocks.add(new Block(l, layerNorm(p + "ln_1"), attn, layerNorm(p + "ln_2"), mlp));
        }
        LayerNorm lnF = layerNorm("ln_f");
        NDArray unembed = wte;
        if (!cfg.tieWordEmbeddings() && index.containsKey("lm_head.weight")) {
            unembed = tensor("lm_head.weight", cfg.vocabSize(), d);
        }
        List<String> unused = new ArrayList<>();
        for (String key : index.keySet()) {
            if (!BUFFER.matcher(key).matches() && !key.equals("lm_head.weight")) unused.add(key);
        }
        if (!unused.isEmpty()) {
            throw new ModelLoadException(fileOf.get(unused.get(0)).file() + " holds tensors a GPT-2 does not have: "
                    + unused.subList(0, Math.min(5, unused.size())) + ". Is this a GPT-2 checkpoint?");
        }
        return new Gpt2Model(cfg, manager, embedding, blocks, lnF, unembed, parameterCount);
    }

    private LayerNorm layerNorm(String name) throws ModelLoadException {
        return new LayerNorm(tensor(name + ".weight", cfg.nEmbd()), tensor(name + ".bias", cfg.nEmbd()), cfg.layerNormEpsilon());
    }

    /** HF Conv1D, weight [in, out]; held as its transpose [out, in] (a view) for linear(). */
    private Linear conv1d(String name, int in, int out) throws ModelLoadException {
        return new Linear(tensor(name + ".weight", in, out).transpose(), tensor(name + ".bias", out));
    }

    private static ByteBuffer bf16ToF32(ByteBuffer in, long n) throws ModelLoadException {
        if (n * 4 > Integer.MAX_VALUE) throw new ModelLoadException("A BF16 tensor of " + n + " elements is too large to widen in one piece.");
        ByteBuffer out = ByteBuffer.allocateDirect((int) (n * 4)).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (long i = 0; i < n; i++) out.putInt((in.getShort() & 0xFFFF) << 16);
        return out.flip();
    }

    private NDArray tensor(String key, long... shape) throws ModelLoadException {
        SafeTensors.TensorInfo info = index.remove(key);
        if (info == null) {
            throw new ModelLoadException("The weights in " + folder + " lack tensor '" + key
                    + "' (with or without the 'transformer.' prefix). Is this a complete GPT-2 checkpoint?");
        }
        SafeTensors st = fileOf.get(key);
        if (!Arrays.equals(info.shape(), shape)) {
            throw new ModelLoadException(st.file() + ": tensor " + info.name() + " has shape " + Arrays.toString(info.shape())
                    + " but config.json implies " + Arrays.toString(shape) + ". The config and the weights do not belong together.");
        }
        if (!info.dtype().readable) {
            throw new ModelLoadException(st.file() + ": tensor " + info.name() + " has dtype " + info.dtype()
                    + "; Circuit Workbench reads weights in F32, F16 and BF16. Convert the weights to one of those.");
        }
        ByteBuffer bytes = st.map(info);
        DataType type = switch (info.dtype()) {
            case F32 -> DataType.FLOAT32;
            case F16 -> DataType.FLOAT16;
            default -> { // BF16: PyTorch's native side aborts on BF16 buffers from DJL; widen here (bf16 is f32's top half)
                bytes = bf16ToF32(bytes, info.elementCount());
                yield DataType.FLOAT32;
            }
        };
        NDArray raw = manager.create(bytes, new Shape(shape), type);
        // A copy in F32 that owns its memory: raw may alias the mapping, which goes away with the file.
        NDArray f32 = type == DataType.FLOAT32 ? raw.duplicate() : raw.toType(DataType.FLOAT32, false);
        raw.close();
        parameterCount += info.elementCount();
        return f32;
    }
}
