package org.circuitbench.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.circuitbench.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The headless commands as scripts call them: JSON on stdout, exit codes, one-line errors. */
class CommandsTest {
    static final Path CASE = TestData.fixture("words-months-seqcont-4x4");
    static final String MODEL = TestData.model4x4().toString();
    static final String TASK = CASE.resolve("task.json").toString();

    record Run(int code, String out, String err) {
        JsonNode json() throws Exception {
            return TestData.JSON.readTree(out);
        }
    }

    static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aSessionFileAloneOpensTheAppNotACommand() {
        assertTrue(Main.opensSession(new String[] {"/home/me/digits.cbsession.json"}), "./circuitbench FILE.cbsession.json opens the app");
        assertTrue(Main.opensSession(new String[] {"Runs.CBSESSION.JSON"}));
        assertFalse(Main.opensSession(new String[] {"score"}));
        assertFalse(Main.opensSession(new String[] {"task.json"}), "any other file is still read as a command name");
        assertFalse(Main.opensSession(new String[] {"a.cbsession.json", "--device", "cpu"}));
        assertTrue(run("help").out().contains("./circuitbench FILE.cbsession.json"));
    }

    @Test
    void scorePrintsTheContractFields() throws Exception {
        Run r = run("score", "--model", MODEL, "--task", TASK, "--circuit", "0.0,0.2,0.3", "--device", "cpu");
        assertEquals(0, r.code(), r.err());
        JsonNode j = r.json();
        JsonNode exp = TestData.expected(CASE);
        assertEquals(exp.get("full_logit_diff").asDouble(), j.get("full_logit_diff").asDouble(), 1e-4 * 7.6);
        assertEquals(85.75737762451172, j.get("score").asDouble(), 0.01); // the fixture's backward-forward T=20 circuit
        assertEquals("[\"0.0\",\"0.2\",\"0.3\"]", j.get("circuit").toString());
        assertTrue(j.get("circuit_logit_diff").isNumber());
    }

    @Test
    void pruneMatchesTheFixtureAndExports(@TempDir Path dir) throws Exception {
        Path py = dir.resolve("c.py");
        Run r = run("prune", "--model", MODEL, "--task", TASK, "--method", "backward", "--threshold", "3", "--progress",
                "--export", "python", "--out", py.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode j = r.json();
        JsonNode exp = TestData.expected(CASE).get("prunes").get(0);
        assertEquals(exp.get("circuit"), j.get("circuit"));
        assertEquals(exp.get("evaluations").asLong(), j.get("evaluations").asLong());
        assertEquals(exp.get("removed").get(0).get("head"), j.get("removed").get(0).get("head"));
        assertEquals(exp.get("score").asDouble(), j.get("score").asDouble(), 0.01);
        assertTrue(r.err().contains("removed 3.0"), "progress lines go to stderr");
        assertTrue(Files.readString(py).startsWith("[(0, 0), (0, 1)"));
        Run imp = run("importance", "--model", MODEL, "--task", TASK, "--circuit", "@" + py);
        assertEquals(0, imp.code(), imp.err());
        assertEquals(j.get("circuit").size(), imp.json().get("heads").size());
        assertEquals(j.get("score").asDouble(), imp.json().get("circuit_score").asDouble(), 1e-3);
    }

    @Test
    void compareScoresSetsAndTheMatrix() throws Exception {
        Run r = run("compare", "--model", MODEL, "--task", TASK, "--circuits", "0.0,0.2,0.3", "0.0,0.1,3.2", "--names", "a,b",
                "--tasks", TASK);
        assertEquals(0, r.code(), r.err());
        JsonNode sets = r.json().get("sets");
        assertEquals("a ∩ b", sets.get(2).get("name").asText());
        assertEquals("[\"0.0\"]", sets.get(2).get("circuit").toString());
        assertEquals(sets.get(0).get("score").asDouble(), r.json().get("matrix").get("scores").get("a").get(0).asDouble(), 1e-4);
    }

    @Test
    void badInputGetsAOneLineMessageAndANonZeroCode(@TempDir Path dir) throws Exception {
        String[][] cases = {
                {"prune", "--model", MODEL, "--task", TASK, "--method", "backward", "--threshold", "101"},
                {"prune", "--model", MODEL, "--task", TASK, "--method", "sideways", "--threshold", "3"},
                {"prune", "--model", MODEL, "--task", TASK, "--method", "random", "--threshold", "3", "--iterations", "0"},
                {"prune", "--model", MODEL, "--task", TASK, "--method", "backward", "--threshold", "3", "--start", "none"},
                {"score", "--model", MODEL, "--task", TASK, "--circuit", "12.0"},
                {"score", "--model", MODEL, "--task", dir.resolve("missing.json").toString()},
                {"score", "--model", dir.resolve("no-model").toString(), "--task", TASK},
                {"score", "--model", MODEL},
                {"frobnicate"},
        };
        String[] expect = {"[0, 100]", "Unknown method", "--iterations", "empty", "outside the model", "does not exist",
                "does not exist", "--task", "Unknown command"};
        for (int i = 0; i < cases.length; i++) {
            Run r = run(cases[i]);
            assertNotEquals(0, r.code(), String.join(" ", cases[i]));
            assertTrue(r.err().startsWith("error: ") && r.err().contains(expect[i]), r.err());
            assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
            assertEquals("", r.out(), "nothing on stdout on error");
        }
        Path broken = dir.resolve("broken.json");
        Files.writeString(broken, "{\"clean\": [\n {\"text\": \"a\",,}]}");
        Run r = run("score", "--model", MODEL, "--task", broken.toString());
        assertTrue(r.err().contains("line 2"), r.err());
    }
}
