package org.circuitbench.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.circuitbench.util.Texts;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/** The fields of a Hugging Face GPT-2 {@code config.json} that the forward pass uses. */
public record Gpt2Config(
        int nLayer,
        int nHead,
        int nEmbd,
        int nPositions,
        int vocabSize,
        int nInner,
        double layerNormEpsilon,
        String activationFunction,
        boolean tieWordEmbeddings,
        boolean scaleAttnByInverseLayerIdx) {

    static final Set<String> ACTIVATIONS = Set.of("gelu_new", "gelu_pytorch_tanh", "gelu_fast", "gelu", "relu");
    private static final ObjectMapper JSON = new ObjectMapper();

    public Gpt2Config {
        if (nLayer <= 0 || nHead <= 0 || nEmbd <= 0 || nEmbd % nHead != 0) {
            throw new IllegalArgumentException("n_layer, n_head and n_embd must be positive, with n_embd divisible by n_head");
        }
        if (nPositions <= 0 || vocabSize <= 0 || nInner <= 0) {
            throw new IllegalArgumentException("n_positions, vocab_size and n_inner must be positive");
        }
    }

    /** A GPT-2 with the usual defaults (4 × n_embd MLP, gelu_new, tied unembedding). */
    public static Gpt2Config of(int nLayer, int nHead, int nEmbd, int nPositions, int vocabSize) {
        return new Gpt2Config(nLayer, nHead, nEmbd, nPositions, vocabSize, mlpWidth(nEmbd), 1e-5, "gelu_new", true, false);
    }

    /** GPT-2's MLP width, 4 × n_embd; refused where that is more than an int counts. */
    private static int mlpWidth(int nEmbd) {
        if (nEmbd > Integer.MAX_VALUE / 4) throw new IllegalArgumentException("n_embd " + nEmbd + " is too large (its MLP would be 4 × that wide)");
        return 4 * nEmbd;
    }

    public int dHead() {
        return nEmbd / nHead;
    }

    public static Gpt2Config read(Path file) throws ModelLoadException {
        if (!Files.isRegularFile(file)) {
            throw new ModelLoadException(file + " is missing. A model folder needs config.json (the Hugging Face layout).");
        }
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw new ModelLoadException(file + " does not parse as JSON" + org.circuitbench.util.JsonErrors.where(e) + ": "
                    + Texts.cap(e.getOriginalMessage().lines().findFirst().orElse("")));
        } catch (IOException e) {
            throw new ModelLoadException("Cannot read " + file + ": " + e.getMessage(), e);
        }
        if (root == null || root.isMissingNode()) {
            throw new ModelLoadException(file + " is empty. A GPT-2 config.json holds \"model_type\": \"gpt2\", n_layer, n_head, n_embd and more; download it again.");
        }
        if (!root.isObject()) throw new ModelLoadException(file + " is not a JSON object; download the model's config.json again.");
        if (!root.path("model_type").isTextual() || root.path("model_type").asText().isBlank()) {
            throw new ModelLoadException(file + " has no model_type. A GPT-2 config says \"model_type\": \"gpt2\"; "
                    + "check that this is the model's own config.json.");
        }
        String type = root.path("model_type").asText("");
        if (!type.equals("gpt2")) {
            throw new ModelLoadException(file + " says model_type '" + Texts.cap(type)
                    + "'. Circuit Workbench runs GPT-2-family models only (model_type gpt2: gpt2, gpt2-medium, gpt2-large, gpt2-xl, distilgpt2).");
        }
        int nEmbd = required(file, root, "n_embd");
        String act = root.path("activation_function").asText("gelu_new");
        if (!ACTIVATIONS.contains(act)) {
            throw new ModelLoadException(file + ": activation_function '" + Texts.cap(act) + "' is not supported; expected one of " + ACTIVATIONS);
        }
        JsonNode inner = root.path("n_inner");
        int nPositions = root.has("n_positions") ? required(file, root, "n_positions") : required(file, root, "n_ctx");
        double eps = root.path("layer_norm_epsilon").asDouble(1e-5);
        if (!(eps > 0 && eps < 1) || (root.has("layer_norm_epsilon") && !root.get("layer_norm_epsilon").isNumber())) {
            throw new ModelLoadException(file + ": layer_norm_epsilon must be a small positive number (GPT-2 uses 1e-05), got "
                    + Texts.cap(String.valueOf(root.get("layer_norm_epsilon"))) + ".");
        }
        try {
            return new Gpt2Config(
                    required(file, root, "n_layer"),
                    required(file, root, "n_head"),
                    nEmbd,
                    nPositions,
                    required(file, root, "vocab_size"),
                    inner.isNumber() ? required(file, root, "n_inner") : mlpWidth(nEmbd),
                    eps,
                    act,
                    root.path("tie_word_embeddings").asBoolean(true),
                    root.path("scale_attn_by_inverse_layer_idx").asBoolean(false));
        } catch (IllegalArgumentException e) {
            throw new ModelLoadException(file + ": " + e.getMessage());
        }
    }

    /** A positive whole number; 2.7 or 1e12 is refused rather than read as 2 or a wrapped int. */
    private static int required(Path file, JsonNode root, String field) throws ModelLoadException {
        JsonNode n = root.get(field);
        if (n == null || !n.isNumber()) {
            throw new ModelLoadException(file + " lacks the number field '" + field + "'.");
        }
        double v = n.asDouble();
        if (v != Math.rint(v) || v < 1 || v > Integer.MAX_VALUE) {
            throw new ModelLoadException(file + ": '" + field + "' must be a positive whole number, got " + Texts.cap(n.toString()) + ".");
        }
        return (int) v;
    }

    /** Writes this config as a Hugging Face {@code config.json}. */
    public void write(Path file) throws IOException {
        ObjectNode o = JSON.createObjectNode();
        o.put("model_type", "gpt2");
        o.putArray("architectures").add("GPT2LMHeadModel");
        o.put("activation_function", activationFunction);
        o.put("bos_token_id", 50256);
        o.put("eos_token_id", 50256);
        o.put("layer_norm_epsilon", layerNormEpsilon);
        o.put("n_ctx", nPositions);
        o.put("n_embd", nEmbd);
        o.put("n_head", nHead);
        if (nInner == 4 * nEmbd) o.putNull("n_inner"); else o.put("n_inner", nInner);
        o.put("n_layer", nLayer);
        o.put("n_positions", nPositions);
        o.put("vocab_size", vocabSize);
        o.put("tie_word_embeddings", tieWordEmbeddings);
        Files.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(o));
    }
}
