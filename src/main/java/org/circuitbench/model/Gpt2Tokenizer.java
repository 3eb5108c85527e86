package org.circuitbench.model;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * GPT-2's byte-level BPE through DJL's HuggingFaceTokenizer: no special tokens added, no
 * truncation, no padding, so that each prompt gives exactly the ids GPT-2 saw in training.
 */
public final class Gpt2Tokenizer implements AutoCloseable {
    private static final Map<String, String> OPTIONS = Map.of(
            "addSpecialTokens", "false",
            "truncation", "false",
            "padding", "false");

    private final HuggingFaceTokenizer tokenizer;

    private Gpt2Tokenizer(HuggingFaceTokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** tokenizer.json if the folder has it, else vocab.json plus merges.txt. */
    public static Gpt2Tokenizer load(Path folder) throws ModelLoadException {
        Path json = folder.resolve("tokenizer.json");
        Path vocab = folder.resolve("vocab.json");
        Path merges = folder.resolve("merges.txt");
        try {
            if (Files.isRegularFile(json)) {
                try (InputStream in = Files.newInputStream(json)) {
                    return new Gpt2Tokenizer(HuggingFaceTokenizer.newInstance(in, OPTIONS));
                }
            }
            if (Files.isRegularFile(vocab) && Files.isRegularFile(merges)) {
                byte[] synthesized = fromVocabAndMerges(vocab, merges);
                return new Gpt2Tokenizer(HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(synthesized), OPTIONS));
            }
        } catch (IOException | RuntimeException e) {
            throw new ModelLoadException("Cannot read the tokenizer in " + folder + ": " + e.getMessage()
                    + ". Download tokenizer.json (or vocab.json and merges.txt) of the model again.", e);
        }
        throw new ModelLoadException(json + " is missing, and so is vocab.json plus merges.txt. "
                + "Copy GPT-2's tokenizer files into the model folder.");
    }

    /** GPT-2's own tokenizer, shipped with the app (all GPT-2-family models share it). */
    public static Gpt2Tokenizer bundled() throws ModelLoadException {
        try (InputStream in = Gpt2Tokenizer.class.getResourceAsStream("/org/circuitbench/gpt2/tokenizer.json")) {
            if (in == null) throw new ModelLoadException("The bundled GPT-2 tokenizer is missing from the build.");
            return new Gpt2Tokenizer(HuggingFaceTokenizer.newInstance(in, OPTIONS));
        } catch (IOException e) {
            throw new ModelLoadException("Cannot read the bundled GPT-2 tokenizer: " + e.getMessage(), e);
        }
    }

    /** The tokenizer.json that Hugging Face writes for GPT-2, rebuilt from the two legacy files. */
    static byte[] fromVocabAndMerges(Path vocab, Path merges) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        ObjectNode eot = added.addObject();
        eot.put("id", 50256).put("content", "<|endoftext|>").put("single_word", false).put("lstrip", false)
                .put("rstrip", false).put("normalized", true).put("special", true);
        root.putNull("normalizer");
        ObjectNode pre = root.putObject("pre_tokenizer");
        pre.put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", true).put("use_regex", true);
        root.putNull("post_processor");
        ObjectNode dec = root.putObject("decoder");
        dec.put("type", "ByteLevel").put("add_prefix_space", true).put("trim_offsets", true).put("use_regex", true);
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE").putNull("dropout").putNull("unk_token").putNull("continuing_subword_prefix")
                .putNull("end_of_word_suffix").put("fuse_unk", false).put("byte_fallback", false);
        model.set("vocab", json.readTree(vocab.toFile()));
        ArrayNode mergeList = model.putArray("merges");
        List<String> lines = Files.readAllLines(merges, StandardCharsets.UTF_8);
        for (String line : lines) {
            if (line.startsWith("#version") || line.isBlank()) continue;
            mergeList.add(line);
        }
        return json.writeValueAsBytes(root);
    }

    /** The token ids of a text, exactly as written. */
    public long[] encode(String text) {
        Encoding e = tokenizer.encode(text, false, false);
        return e.getIds();
    }

    /** The text of each token, e.g. "ĠJanuary" shown as " January". */
    public String[] tokenTexts(String text) {
        long[] ids = encode(text);
        String[] out = new String[ids.length];
        for (int i = 0; i < ids.length; i++) out[i] = decode(new long[] {ids[i]});
        return out;
    }

    public String decode(long[] ids) {
        return tokenizer.decode(ids, false);
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
