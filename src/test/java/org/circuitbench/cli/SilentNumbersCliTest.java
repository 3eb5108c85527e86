package org.circuitbench.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.circuitbench.TestData;
import org.circuitbench.model.Gpt2Tokenizer;
import org.circuitbench.model.SafeTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.circuitbench.cli.CommandsTest.MODEL;
import static org.circuitbench.cli.CommandsTest.TASK;
import static org.circuitbench.cli.CommandsTest.run;
import static org.circuitbench.cli.HardInputsCliTest.a;
import static org.circuitbench.cli.HardInputsCliTest.fails;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 18 §2, numbers that must not pass silently: ablation values that are not numbers, a full
 * metric at or below 0 or within noise of it, and an empty answer. Each is refused with one line,
 * or scored with a visible warning, by every command.
 */
class SilentNumbersCliTest {
    static final String CORRUPT_ONLY = " dog";

    /** The 4 × 4 model with the wte row of a token that only the corrupt prompts use set to {@code value}. */
    static Path damagedModel(Path dir, float value) throws Exception {
        Path out = Files.createDirectories(dir.resolve("damaged"));
        Path src = TestData.model4x4();
        for (String f : new String[] {"config.json", "tokenizer.json", "vocab.json", "merges.txt"}) Files.copy(src.resolve(f), out.resolve(f));
        long id;
        try (Gpt2Tokenizer tok = Gpt2Tokenizer.load(src)) {
            long[] ids = tok.encode(CORRUPT_ONLY);
            assertEquals(1, ids.length, "one token");
            id = ids[0];
        }
        Map<String, SafeTensors.Tensor> w = new LinkedHashMap<>();
        try (SafeTensors st = SafeTensors.open(src.resolve("model.safetensors"))) {
            for (var i : st.tensors().values()) w.put(i.name(), new SafeTensors.Tensor(i.shape(), st.floats(i)));
        }
        SafeTensors.Tensor wte = w.get("wte.weight") != null ? w.get("wte.weight") : w.get("transformer.wte.weight");
        int d = (int) wte.shape()[1];
        for (int j = 0; j < d; j++) wte.values()[(int) id * d + j] = value;
        SafeTensors.write(out.resolve("model.safetensors"), w, SafeTensors.DType.F32, Map.of());
        return out;
    }

    /** The fixture's words task, whose last corrupt prompt uses a token no clean prompt has. */
    static Path corruptOnlyTokenTask(Path dir) throws Exception {
        ObjectNode t = (ObjectNode) TestData.JSON.readTree(Path.of(TASK).toFile());
        ArrayNode corrupt = (ArrayNode) t.get("corrupt");
        corrupt.addObject().put("text", "three two" + CORRUPT_ONLY + " two").put("template", "words");
        Path f = dir.resolve("corrupt-only.json");
        Files.writeString(f, t.toString());
        return f;
    }

    @Test
    void aNanInAWteRowThatOnlyCorruptPromptsReadIsRefusedByEveryCommandNamingTheToken(@TempDir Path dir) throws Exception {
        for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY}) {
            Path m = damagedModel(dir.resolve(String.valueOf(bad)), bad);
            String task = corruptOnlyTokenTask(dir).toString();
            String model = m.toString();
            String[] words = {"not numbers", "\"" + CORRUPT_ONLY + "\"", "wte row", "corrupt[14]"};
            fails(a("score", "--model", model, "--task", task, "--circuit", "none"), words);
            fails(a("prune", "--model", model, "--task", task, "--method", "backward", "--threshold", "3"), words);
            fails(a("importance", "--model", model, "--task", task, "--circuit", "all"), words);
            fails(a("score", "--model", model, "--task", task, "--edges", "none"), words);
            fails(a("prune", "--model", model, "--task", task, "--level", "edges", "--threshold", "3"), words);
            fails(a("compare", "--model", model, "--task", task, "--circuits", "all", "none"), words);
            fails(a("explain", "--model", model, "--task", task, "--circuit", "none", "--measures", "dla"), words);
            // zero ablation reads no corrupt prompt, so nothing is refused
            CommandsTest.Run r = run("score", "--model", model, "--task", task, "--circuit", "none", "--ablation", "zero");
            assertEquals(0, r.code(), r.err());
            assertTrue(Double.isFinite(r.json().get("score").asDouble()));
        }
    }

    /** The words task with answers swapped in {@code swapped} of its clean prompts. */
    static Path swapped(Path dir, String name, int swapped, boolean addCopies) throws Exception {
        ObjectNode t = (ObjectNode) TestData.JSON.readTree(Path.of(TASK).toFile());
        ArrayNode clean = (ArrayNode) t.get("clean");
        int n = clean.size();
        if (addCopies) {
            for (int i = 0; i < n; i++) clean.add(clean.get(i).deepCopy());
        }
        for (int i = 0; i < swapped; i++) {
            ObjectNode p = (ObjectNode) clean.get(addCopies ? n + i : i);
            String c = p.get("correct").asText();
            p.put("correct", p.get("incorrect").asText()).put("incorrect", c);
        }
        Path f = dir.resolve(name + ".json");
        Files.writeString(f, t.toString());
        return f;
    }

    @Test
    void aFullLogitDifferenceBelowZeroIsRefusedForRatioAndWarnedForFaithfulness(@TempDir Path dir) throws Exception {
        String task = swapped(dir, "swapped", 14, false).toString();
        for (String[] cmd : new String[][] {
                a("score", "--model", MODEL, "--task", task, "--circuit", "none"),
                a("prune", "--model", MODEL, "--task", task, "--method", "backward", "--threshold", "3"),
                a("score", "--model", MODEL, "--task", task, "--edges", "none")}) {
            fails(cmd, "logit difference is -", "below 0", "faithfulness");
        }
        CommandsTest.Run r = run("score", "--model", MODEL, "--task", task, "--circuit", "none", "--normalisation", "faithfulness");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("warning: ") && r.err().contains("not above 0"), r.err());
        JsonNode j = r.json();
        assertEquals("faithfulness", j.get("normalisation").asText());
        assertEquals(0, j.get("score").asDouble(), 1e-3, "the empty node circuit is 0 on the faithfulness scale");
        assertTrue(j.get("warning").asText().contains("not above 0"));
    }

    @Test
    void aFullLogitDifferenceWithinNoiseOfZeroGetsAWarningOnStderrAndInTheJson(@TempDir Path dir) throws Exception {
        // every prompt twice, all but one copy with its answers swapped: the mean is one prompt's LD / 27
        String task = swapped(dir, "noisy", 13, true).toString();
        for (String[] cmd : new String[][] {
                a("score", "--model", MODEL, "--task", task, "--circuit", "none"),
                a("score", "--model", MODEL, "--task", task, "--edges", "none")}) {
            CommandsTest.Run r = run(cmd);
            assertEquals(0, r.code(), r.err());
            assertTrue(r.err().contains("warning: The full model's logit difference is") && r.err().contains("within noise of 0"), r.err());
            assertTrue(r.json().get("warning").asText().contains("within noise of 0"));
        }
        CommandsTest.Run quiet = run("score", "--model", MODEL, "--task", TASK, "--circuit", "none");
        assertFalse(quiet.err().contains("warning"), quiet.err());
        assertFalse(quiet.json().has("warning"));
    }

    @Test
    void anEmptyAnswerIsRefused(@TempDir Path dir) throws Exception {
        ObjectNode t = (ObjectNode) TestData.JSON.readTree(Path.of(TASK).toFile());
        ((ObjectNode) t.get("clean").get(2)).put("correct", "");
        Path f = dir.resolve("empty.json");
        Files.writeString(f, t.toString());
        fails(a("score", "--model", MODEL, "--task", f.toString()), "clean[2]", "empty 'correct' answer", "space token");
    }
}
