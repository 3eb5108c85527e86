package org.circuitbench.task;

import org.circuitbench.TestData;
import org.circuitbench.model.Gpt2Tokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each error that task-format.md lists, with the message it must give; and a lossless round trip. */
class TaskFileTest {
    static Gpt2Tokenizer tok;

    @BeforeAll
    static void load() throws Exception {
        tok = Gpt2Tokenizer.load(TestData.demoModel());
    }

    @AfterAll
    static void close() {
        tok.close();
    }

    static String msg(String json) {
        return assertThrows(TaskException.class, () -> TokenizedTask.build(TaskFiles.parse(json, "t.json"), tok::encode)).getMessage();
    }

    static void assertContains(String message, String... parts) {
        for (String p : parts) assertTrue(message.contains(p), "'" + message + "' lacks '" + p + "'");
    }

    @Test
    void lengthMismatchNamesTemplatePromptsAndLengths() {
        String m = msg("""
                {"clean": [{"text": "1 2 3 4", "correct": "5", "incorrect": "1", "template": "t0"},
                           {"text": "1 2 3", "correct": "4", "incorrect": "1", "template": "t0"}],
                 "corrupt": [{"text": "29 23 30 29", "template": "t0"}]}""");
        assertContains(m, "'t0'", "clean[0] \"1 2 3 4\"", "4 tokens", "clean[1] \"1 2 3\"", "3");
    }

    @Test
    void corruptPromptsCountInTheLengthCheck() {
        String m = msg("""
                {"clean": [{"text": "1 2 3 4", "correct": "5", "incorrect": "1"}],
                 "corrupt": [{"text": "29 23 30"}]}""");
        assertContains(m, "corrupt[0] \"29 23 30\"", "3", "4 tokens");
    }

    @Test
    void cleanTemplateWithoutCorruptPrompts() {
        String m = msg("""
                {"clean": [{"text": "one two three", "correct": "four", "incorrect": "one", "template": "words"}],
                 "corrupt": [{"text": "29 23 30", "template": "digits"}]}""");
        assertContains(m, "'words'", "no corrupt prompts");
    }

    @Test
    void keepLabelMissingNamesThePrompt() {
        String m = msg("""
                {"clean": [{"text": "1 2 3 4", "correct": "5", "incorrect": "1", "positions": {"S1": 0}},
                           {"text": "2 3 4 5", "correct": "6", "incorrect": "2", "positions": {"S2": 1}}],
                 "corrupt": [{"text": "29 23 30 29"}], "keep": ["end", "S1"]}""");
        assertContains(m, "clean[1] \"2 3 4 5\"", "'S1'");
    }

    @Test
    void positionOutsideThePrompt() {
        String m = msg("""
                {"clean": [{"text": "1 2 3 4", "correct": "5", "incorrect": "1", "positions": {"S5": 4}}],
                 "corrupt": [{"text": "29 23 30 29"}]}""");
        assertContains(m, "clean[0]", "S5 = 4", "4 tokens");
    }

    @Test
    void emptyPrompt() {
        String m = assertThrows(TaskException.class, () -> TaskFiles.parse("""
                {"clean": [{"text": "", "correct": "5", "incorrect": "1"}], "corrupt": [{"text": "1"}]}""", "t.json")).getMessage();
        assertContains(m, "clean[0]", "empty");
    }

    @Test
    void missingFields() {
        String m = assertThrows(TaskException.class, () -> TaskFiles.parse("""
                {"clean": [{"text": "1 2 3 4", "incorrect": "1"}], "corrupt": []}""", "t.json")).getMessage();
        assertContains(m, "clean[0]", "'correct'");
        m = assertThrows(TaskException.class, () -> TaskFiles.parse("{\"clean\": [{\"text\": \"1\", \"correct\": \"2\", \"incorrect\": \"1\"}]}", "t.json")).getMessage();
        assertContains(m, "'corrupt'");
        m = assertThrows(TaskException.class, () -> TaskFiles.parse("{\"corrupt\": []}", "t.json")).getMessage();
        assertContains(m, "'clean'");
        m = assertThrows(TaskException.class, () -> TaskFiles.parse("{\"clean\": [], \"corrupt\": []}", "t.json")).getMessage();
        assertContains(m, "at least one prompt");
        m = assertThrows(TaskException.class, () -> TaskFiles.parse("""
                {"clean": [{"text": "1 2", "correct": "3", "incorrect": "1"}], "corrupt": [{"template": "x"}]}""", "t.json")).getMessage();
        assertContains(m, "corrupt[0]", "'text'");
    }

    @Test
    void brokenJsonGivesLineAndColumn() {
        String m = assertThrows(TaskException.class, () -> TaskFiles.parse("{\n  \"clean\": [\n    {\"text\": \"1 2\" \"correct\": \"3\"}\n]}", "t.json")).getMessage();
        assertContains(m, "t.json", "line 3", "column");
    }

    @Test
    void missingFileIsNamed(@TempDir Path dir) {
        String m = assertThrows(TaskException.class, () -> TaskFiles.read(dir.resolve("nope.json"))).getMessage();
        assertContains(m, "nope.json", "does not exist");
    }

    @Test
    void multiTokenAnswerIsAWarningNotAnError() throws Exception {
        TokenizedTask t = TokenizedTask.build(TaskFiles.parse("""
                {"clean": [{"text": "1 2 3 4", "correct": "5.5", "incorrect": "1"}], "corrupt": [{"text": "29 23 30 29"}]}""", "t.json"), tok::encode);
        assertEquals(1, t.warnings().size());
        assertContains(t.warnings().get(0).message(), "correct", "only its first token");
        assertEquals(tok.encode(" 5")[0], t.correctId(0));
    }

    @Test
    void answerIdIsFirstTokenOfSpacePlusAnswerAndEndIsLastToken() throws Exception {
        TokenizedTask t = TokenizedTask.build(TaskFiles.read(TestData.fixture("digits-seqcont-tiny").resolve("task.json")), tok::encode);
        assertEquals(642, t.correctId(0)); // " 5"
        assertEquals(3, t.end(0));
        assertEquals(100, t.cleanCount());
        assertTrue(t.kept(0, 0) && t.kept(0, 1) && t.kept(0, 2) && t.kept(0, 3));
    }

    @Test
    void keepAbsentMeansEveryPosition() throws Exception {
        TokenizedTask t = TokenizedTask.build(TaskFiles.read(TestData.fixture("words-months-seqcont-4x4").resolve("task.json")), tok::encode);
        for (int p = 0; p < t.cleanTokens(0).length; p++) assertTrue(t.kept(0, p));
        assertEquals(List.of("words", "months"), t.templates());
    }

    @Test
    void roundTripIsLossless(@TempDir Path dir) throws Exception {
        TaskFile t = new TaskFile("x", List.of(new Prompt("1 2 3 4", "5", "1", "t0", Map.of("S1", 0, "S2", 1))),
                List.of(Prompt.corrupt("29 23 30 29", "t0")), List.of("end", "S1"));
        Path f = dir.resolve("task.json");
        TaskFiles.write(f, t);
        assertEquals(t, TaskFiles.read(f));
        TaskFile noKeep = new TaskFile("", t.clean(), t.corrupt(), null);
        TaskFiles.write(f, noKeep);
        assertNull(TaskFiles.read(f).keep());
        assertTrue(Files.readString(f).contains("\"positions\""));
    }
}
