package org.circuitbench.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.circuitbench.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.circuitbench.cli.CommandsTest.MODEL;
import static org.circuitbench.cli.CommandsTest.TASK;
import static org.circuitbench.cli.CommandsTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Inputs that used to give a stack trace, a wrong number or a message that did not say what to
 * fix: each now gets one line naming the input and the fix, before any work is done.
 */
class HardInputsCliTest {
    /** Runs and checks the error contract: non-zero, one "error: " line, nothing on stdout, these words in it. */
    static String fails(String[] args, String... words) {
        CommandsTest.Run r = run(args);
        assertTrue(r.code() != 0, String.join(" ", args) + " succeeded: " + r.out());
        assertEquals("", r.out(), "nothing on stdout");
        String line = r.err().strip();
        assertTrue(line.startsWith("error: ") && line.lines().count() == 1, "one error line: " + r.err());
        assertFalse(line.contains("Exception") || line.contains("For input string") || line.contains("\tat "), line);
        for (String w : words) assertTrue(line.contains(w), "'" + w + "' in: " + line);
        return line;
    }

    static String[] a(String... s) {
        return s;
    }

    @Test
    void outOfMemorySaysWhatToDo(@TempDir Path dir) {
        // wte alone is 120000 × 16384 floats, 7.9 GB: more than the test JVM's heap (4 GB), yet one array
        fails(a("make-model", "--layers", "1", "--heads", "1", "--d-model", "16384", "--vocab", "120000", "--positions", "8",
                        dir.resolve("m").toString()),
                "out of memory", "smaller model", "-Xmx");
    }

    @Test
    void numbersAreRangeCheckedNotWrapped(@TempDir Path dir) {
        fails(a("make-model", "--d-model", "4294967360", dir.resolve("m").toString()), "--d-model", "4294967360", "from 1 to 2147483647");
        assertFalse(Files.exists(dir.resolve("m")), "no model was written");
        fails(a("prune", "--model", MODEL, "--task", TASK, "--method", "random", "--threshold", "3", "--iterations", "4294967297"),
                "--iterations", "4294967297");
        fails(a("make-model", "--d-model", "65536", "--vocab", "50257", "--layers", "1", "--heads", "1", dir.resolve("m").toString()),
                "Cannot make that model", "wte", "50257 × 65536", "smaller --d-model");
        fails(a("make-model", "--d-model", "1073741824", "--heads", "1", "--layers", "1", dir.resolve("m").toString()), "Cannot make that model", "n_embd");
    }

    @Test
    void aThresholdThatIsNotANumberIsNamed() {
        for (String t : new String[] {"NaN", "Infinity", "-Infinity", "three"}) {
            fails(a("prune", "--model", MODEL, "--task", TASK, "--method", "backward", "--threshold", t), "--threshold must be a number", t);
        }
        fails(a("prune", "--model", MODEL, "--task", TASK, "--method", "backward"), "Missing --threshold");
    }

    @Test
    void aNegativeGpuIndexIsRefusedBeforeAnyNativeCode() {
        fails(a("score", "--model", MODEL, "--task", TASK, "--device", "gpu:-1"), "gpu:-1", "counted from 0");
        fails(a("score", "--model", MODEL, "--task", TASK, "--device", "tpu"), "tpu", "auto, cpu, gpu or gpu:N");
    }

    @Test
    void anEmptyDeviceIsRefusedNotTakenAsAuto() {
        // `--device "$DEV"` with DEV unset: one line, not a silent auto
        fails(a("score", "--model", MODEL, "--task", TASK, "--device", ""), "--device is empty", "auto, cpu, gpu or gpu:N");
        fails(a("score", "--model", MODEL, "--task", TASK, "--device=  "), "--device is empty");
        fails(a("explain", "--model", MODEL, "--task", TASK, "--measures", "dla", "--device", ""), "--device is empty");
    }

    @Test
    void anUnwritableOutIsReportedBeforeThePruneRuns() {
        CommandsTest.Run r = run("prune", "--model", MODEL, "--task", TASK, "--method", "backward", "--threshold", "3", "--progress",
                "--export", "json", "--out", "/proc/nope");
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("error: Cannot write --out /proc/nope") && r.err().contains("folder you can write to"), r.err());
        assertFalse(r.err().contains("removed"), "no prune ran first: " + r.err());
    }

    @Test
    void anOutThatIsAFolderGetsOneSentenceThatSaysWhatToDo(@TempDir Path dir) {
        CommandsTest.Run r = run("prune", "--model", MODEL, "--task", TASK, "--method", "backward", "--threshold", "3",
                "--export", "json", "--out", dir.toString());
        assertEquals(1, r.code());
        assertEquals("error: Cannot write --out " + dir + ": " + dir + " is a folder; give a file name.", r.err().strip());
    }

    @Test
    void circuitsThatAreEmptyOrMissingOrBadAreNamed(@TempDir Path dir) throws Exception {
        fails(a("score", "--model", MODEL, "--task", TASK, "--circuit", ""), "empty", "none");
        fails(a("score", "--model", MODEL, "--task", TASK, "--circuit", "@/dev/null"), "/dev/null is not a regular file");
        fails(a("score", "--model", MODEL, "--task", TASK, "--circuit", "@missing-file"), "Circuit file missing-file does not exist.");
        Path paper = dir.resolve("paper.json");
        Files.writeString(paper, "{\"heads\": [[0], [1, 2]], \"mlps\": []}");
        fails(a("score", "--model", MODEL, "--task", TASK, "--circuit", "@" + paper), "paper.json", "[layer, head] pairs");
    }

    /** Issue 18 §3: each of these used to give a silently empty or truncated circuit (or to hang); now one line each. */
    @Test
    void circuitFilesAndArgumentsAreReadStrictly(@TempDir Path dir) throws Exception {
        Path nodePy = dir.resolve("node.py");
        Files.writeString(nodePy, "[(0, 1), (1, 2)]\n");
        fails(a("score", "--model", MODEL, "--task", TASK, "--edges", "@" + nodePy), "node.py", "node circuit", "induced:@" + nodePy);
        Path pruned = dir.resolve("pruned.py");
        CommandsTest.Run p = run("prune", "--model", MODEL, "--task", TASK, "--method", "backward", "--threshold", "20",
                "--export", "python", "--out", pruned.toString());
        assertEquals(0, p.code(), p.err());
        fails(a("score", "--model", MODEL, "--task", TASK, "--edges", "@" + pruned), "node circuit", "induced:@" + pruned);
        Path nodeJson = dir.resolve("node.json");
        Files.writeString(nodeJson, "[\"0.1\", \"1.2\"]");
        fails(a("score", "--model", MODEL, "--task", TASK, "--edges", "@" + nodeJson), "node circuit", "induced:@");
        Path edgeJson = dir.resolve("edges.json");
        Files.writeString(edgeJson, "[\"0.0->1.0.q\"]");
        fails(a("score", "--model", MODEL, "--task", TASK, "--circuit", "@" + edgeJson), "edge circuit", "--edges @");

        String[][] files = {
                {"[[[]]]", "brackets"},
                {"[[], [[]]]", "brackets"},
                {"[(\"0.0\",\"1.0.q\"), GARBAGE, (\"bad\",)]", "GARBAGE"},
                {"[\"0.0->1.0.q\"] [\"0.0->1.0.k\"]", "after"},
                {"{\"edges\": [\"0.0->1.0.q\"]} {}", "after"},
                {"[(\"0.0', \"1.0.q\")]", "quote"},
                {"[\"0.0->1.0.q', \"0.0->1.0.k\"]", "quote"},
        };
        for (String[] f : files) {
            Path file = dir.resolve("bad-edges.txt");
            Files.writeString(file, f[0]);
            fails(a("score", "--model", MODEL, "--task", TASK, "--edges", "@" + file), f[1]);
        }
        Path nodeTwice = dir.resolve("two.json");
        Files.writeString(nodeTwice, "[\"0.1\"] [\"1.2\"]");
        fails(a("score", "--model", MODEL, "--task", TASK, "--circuit", "@" + nodeTwice), "after");
        Path nodeQuotes = dir.resolve("quotes.json");
        Files.writeString(nodeQuotes, "[\"0.1', \"1.2\"]");
        fails(a("score", "--model", MODEL, "--task", TASK, "--circuit", "@" + nodeQuotes), "quote");
        Path nodeBrackets = dir.resolve("brackets.txt");
        Files.writeString(nodeBrackets, "[[[]]]");
        fails(a("score", "--model", MODEL, "--task", TASK, "--circuit", "@" + nodeBrackets), "brackets");

        fails(a("score", "--model", MODEL, "--task", TASK, "--edges", "induced:0.0,,1.0"), "empty");
        fails(a("score", "--model", MODEL, "--task", TASK, "--circuit", "0.0,,1.0"), "empty");
        fails(a("score", "--model", MODEL, "--task", TASK, "--circuit", ","), "none");
        fails(a("score", "--model", MODEL, "--task", TASK, "--circuit", "()"), "none");
        fails(a("score", "--model", MODEL, "--task", TASK, "--edges", ","), "none");
        fails(a("score", "--model", MODEL, "--task", TASK, "--edges", "\"\""), "none");
        fails(a("score", "--model", MODEL, "--task", TASK, "--edges", "induced:"), "induced:none");
    }

    /** A named pipe with no writer made the read block for ever: only regular files are read. */
    @Test
    @org.junit.jupiter.api.Timeout(value = 60, threadMode = org.junit.jupiter.api.Timeout.ThreadMode.SEPARATE_THREAD)
    void aCircuitFileThatIsAPipeIsRefusedNotWaitedFor(@TempDir Path dir) throws Exception {
        Path fifo = dir.resolve("edges.fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        fails(a("score", "--model", MODEL, "--task", TASK, "--edges", "@" + fifo), fifo.toString(), "not a regular file");
        fails(a("score", "--model", MODEL, "--task", TASK, "--circuit", "@" + fifo), fifo.toString(), "not a regular file");
    }

    /** A 5 MB token in a circuit file is quoted by its first 60 characters and its length, not whole. */
    @Test
    void aHugeTokenIsQuotedShort(@TempDir Path dir) throws Exception {
        String token = "x".repeat(5_000_000);
        Path edges = dir.resolve("huge-edges.json");
        Files.writeString(edges, "[\"" + token + "\"]");
        String line = fails(a("score", "--model", MODEL, "--task", TASK, "--edges", "@" + edges), "5,000,000 characters");
        assertTrue(line.length() < 400, line.length() + " characters: " + line.substring(0, Math.min(200, line.length())));
        Path nodes = dir.resolve("huge-nodes.txt");
        Files.writeString(nodes, "0.1," + token);
        line = fails(a("score", "--model", MODEL, "--task", TASK, "--circuit", "@" + nodes), "5,000,000 characters");
        assertTrue(line.length() < 400, line.length() + " characters: " + line.substring(0, Math.min(200, line.length())));
        line = fails(a("score", "--model", MODEL, "--task", TASK, "--edges", "0.0->" + token), "5,000,000 characters");
        assertTrue(line.length() < 400, line.length() + " characters: " + line.substring(0, Math.min(200, line.length())));
    }

    @Test
    void compareRefusesNamesThatCollide() {
        fails(a("compare", "--model", MODEL, "--task", TASK, "--circuits", "0.0", "0.1", "--names", "a,a"), "named 'a'");
        fails(a("compare", "--model", MODEL, "--task", TASK, "--circuits", "0.0", "0.1", "--names", "a,b,c"), "3 names for 2 circuits");
        fails(a("compare", "--model", MODEL, "--task", TASK, "--circuits", "0.0", "0.1", "--tasks", TASK, TASK), "task.json");
    }

    @Test
    void filesThatAreNotUtf8OrModelsWithAnEmptyConfigSayWhatToFix(@TempDir Path dir) throws Exception {
        Path latin1 = dir.resolve("task.json");
        Files.write(latin1, "{\"clean\": [{\"text\": \"caf\u00e9 1 2\", \"correct\": \"3\", \"incorrect\": \"1\"}], \"corrupt\": []}"
                .getBytes(StandardCharsets.ISO_8859_1));
        fails(a("score", "--model", MODEL, "--task", latin1.toString()), "not UTF-8", "line 1", "Save it as UTF-8");
        Path model = Files.createDirectories(dir.resolve("empty-config"));
        Files.writeString(model.resolve("config.json"), "");
        Files.copy(TestData.model4x4().resolve("tokenizer.json"), model.resolve("tokenizer.json"));
        fails(a("score", "--model", model.toString(), "--task", TASK), "config.json is empty");
    }

    @Test
    void thePythonExportOfAPruneWithMlpsScoresTheSameWhenReadBack(@TempDir Path dir) throws Exception {
        Path py = dir.resolve("c.py");
        CommandsTest.Run p = run("prune", "--model", MODEL, "--task", TASK, "--method", "backward", "--threshold", "20",
                "--start", "all+mlp", "--export", "python", "--out", py.toString());
        assertEquals(0, p.code(), p.err());
        JsonNode pruned = p.json();
        assertTrue(Files.readString(py).contains("mlps = ["), Files.readString(py));
        assertTrue(pruned.get("circuit").toString().contains("mlp") || Files.readString(py).contains("mlps = []"),
                "the circuit has MLP nodes: " + pruned.get("circuit"));
        CommandsTest.Run s = run("score", "--model", MODEL, "--task", TASK, "--circuit", "@" + py);
        assertEquals(0, s.code(), s.err());
        assertEquals(pruned.get("circuit"), s.json().get("circuit"));
        assertEquals(pruned.get("score").asDouble(), s.json().get("score").asDouble(), 1e-4, "the circuit read back scores as pruned");
    }
}
