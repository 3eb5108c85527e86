package org.circuitbench.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.circuitbench.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.circuitbench.cli.CommandsTest.MODEL;
import static org.circuitbench.cli.CommandsTest.TASK;
import static org.circuitbench.cli.CommandsTest.run;
import static org.circuitbench.cli.HardInputsCliTest.a;
import static org.circuitbench.cli.HardInputsCliTest.fails;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** --ablation, --metric and --normalisation on the commands, and the per-prompt table (docs/methods.md). */
class MethodCommandsTest {
    static JsonNode ok(String... args) throws Exception {
        CommandsTest.Run r = run(args);
        assertEquals(0, r.code(), r.err());
        return r.json();
    }

    @Test
    void everyResultSaysWhichMethodMadeIt(@TempDir Path dir) throws Exception {
        JsonNode s = ok("score", "--model", MODEL, "--task", TASK, "--circuit", "0.0,1.1", "--ablation", "patch", "--metric", "kl");
        assertEquals("patch", s.get("ablation").asText());
        assertEquals("kl", s.get("metric").asText());
        assertEquals("none", s.get("normalisation").asText());
        assertEquals(s.get("circuit_metric").asDouble(), s.get("score").asDouble(), 0, "KL is its own score");
        assertFalse(s.has("circuit_logit_diff"), "not a logit difference");
        JsonNode p = ok("prune", "--model", MODEL, "--task", TASK, "--method", "backward", "--threshold", "0.5", "--metric", "kl",
                "--export", "csv", "--out", dir.resolve("log.csv").toString());
        assertEquals("kl", p.get("metric").asText());
        assertTrue(p.get("score").asDouble() < 0.5, "the final circuit's KL is below T: " + p.get("score"));
        for (JsonNode r : p.get("removed")) assertTrue(r.get("score").asDouble() < 0.5, "every removal was under T");
        List<String> log = Files.readAllLines(dir.resolve("log.csv"));
        assertEquals("step,head,score,seconds,pass,ablation,metric,normalisation", log.get(0));
        assertTrue(log.get(1).startsWith("0,all,0.0,") && log.get(1).endsWith(",mean,kl,none"), log.get(1));
        JsonNode back = ok("score", "--model", MODEL, "--task", TASK, "--circuit", "@" + dir.resolve("log.csv"), "--metric", "kl");
        assertEquals(p.get("score").asDouble(), back.get("score").asDouble(), 1e-6, "the log reads back as the circuit it ends with");
        JsonNode imp = ok("importance", "--model", MODEL, "--task", TASK, "--circuit", "all", "--metric", "kl");
        double first = imp.get("heads").get(0).get("score_without").asDouble();
        for (JsonNode h : imp.get("heads")) assertTrue(h.get("score_without").asDouble() <= first, "the highest KL first");
        JsonNode f = ok("score", "--model", MODEL, "--task", TASK, "--edges", "none", "--ablation", "zero", "--normalisation", "faithfulness");
        assertEquals(0, f.get("score").asDouble(), 1e-3, "no edges: faithfulness 0");
        assertEquals("zero", ok("attribute", "--model", MODEL, "--task", TASK, "--ablation", "zero").get("ablation").asText());
        assertEquals("patch", ok("compare", "--model", MODEL, "--task", TASK, "--circuits", "all", "0.0", "--ablation", "patch")
                .get("ablation").asText());
    }

    @Test
    void thePerPromptTableMarksTheWrongPromptsAndWritesCsv(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("pp.csv");
        JsonNode s = ok("score", "--model", MODEL, "--task", TASK, "--circuit", "none", "--per-prompt", "--out", csv.toString());
        JsonNode rows = s.get("per_prompt");
        assertEquals(s.get("prompts").asInt(), rows.size());
        int wrong = 0;
        double mean = 0;
        for (JsonNode r : rows) {
            assertEquals(r.get("circuit").asDouble() <= 0, r.get("wrong").asBoolean(), "logit-diff: wrong when ≤ 0");
            if (r.get("wrong").asBoolean()) wrong++;
            mean += r.get("circuit").asDouble() / rows.size();
        }
        assertEquals(s.get("wrong").asInt(), wrong);
        assertEquals(s.get("circuit_logit_diff").asDouble(), mean, 1e-4);
        List<String> lines = Files.readAllLines(csv);
        assertEquals("prompt,text,correct,incorrect,full,circuit,wrong", lines.get(0));
        assertEquals(rows.size() + 1, lines.size());
        assertTrue(lines.get(1).startsWith("0,\"one two three four\",\"five\",\"one\","), lines.get(1));
        JsonNode acc = ok("score", "--model", MODEL, "--task", TASK, "--circuit", "none", "--metric", "accuracy", "--per-prompt");
        for (JsonNode r : acc.get("per_prompt")) assertEquals(r.get("circuit").asDouble() == 0, r.get("wrong").asBoolean(), "accuracy: wrong when not top-1");
    }

    @Test
    void methodsThatMeanNothingAreRefusedWithOneLine() {
        fails(a("score", "--model", MODEL, "--task", TASK, "--metric", "kl", "--normalisation", "ratio"), "KL is 0 for the full model");
        fails(a("score", "--model", MODEL, "--task", TASK, "--normalisation", "none"), "none is for kl");
        fails(a("score", "--model", MODEL, "--task", TASK, "--ablation", "resample"), "--ablation takes mean, mean-all, patch, zero");
        fails(a("score", "--model", MODEL, "--task", TASK, "--metric", ""), "--metric is empty");
        fails(a("attribute", "--model", MODEL, "--task", TASK, "--metric", "accuracy"), "accuracy", "has none");
        fails(a("explain", "--model", MODEL, "--task", TASK, "--metric", "prob"), "takes only logit-diff");
        fails(a("prune", "--model", MODEL, "--task", TASK, "--method", "backward", "--threshold", "-1", "--metric", "kl"), "nats");
        fails(a("score", "--model", MODEL, "--task", TASK, "--out", "x.csv"), "--per-prompt");
        // the 4 × 4 fixture's two templates differ in length: one mean over every prompt is refused by name
        fails(a("score", "--model", MODEL, "--task", TASK, "--ablation", "mean-all"), "mean-all", "same number of tokens", "clean[0]");
    }
}
