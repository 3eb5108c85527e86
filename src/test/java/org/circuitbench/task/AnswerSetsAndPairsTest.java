package org.circuitbench.task;

import org.circuitbench.TestData;
import org.circuitbench.model.Gpt2Tokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.circuitbench.task.TaskFileTest.assertContains;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The task format's answer sets ({@code "correct": ["18", "19"]}), a corrupt prompt's pair
 * ({@code "clean": i}), the pairing that patching reads, the one length that mean-all needs, and
 * the refusal of empty answers (docs/task-format.md).
 */
class AnswerSetsAndPairsTest {
    static Gpt2Tokenizer tok;

    @BeforeAll
    static void load() throws Exception {
        tok = Gpt2Tokenizer.load(TestData.demoModel());
    }

    @AfterAll
    static void close() {
        tok.close();
    }

    static TokenizedTask build(String json) throws TaskException {
        return TokenizedTask.build(TaskFiles.parse(json, "t.json"), tok::encode);
    }

    static String refusal(String json) {
        return assertThrows(TaskException.class, () -> build(json)).getMessage();
    }

    @Test
    void anAnswerSetReadsAsEveryAnswersFirstTokenAndWritesBackAsAList() throws Exception {
        String json = """
                {"clean": [{"text": "1 2 3 4", "correct": ["5", "6"], "incorrect": "1"}],
                 "corrupt": [{"text": "9 8 7 6"}]}""";
        TokenizedTask t = build(json);
        assertArrayEquals(new long[] {tok.encode(" 5")[0], tok.encode(" 6")[0]}, t.correctIds(0));
        assertArrayEquals(new long[] {tok.encode(" 1")[0]}, t.incorrectIds(0));
        assertEquals(t.correctIds(0)[0], t.correctId(0));
        assertTrue(t.hasAnswerSets());
        TaskFile back = TaskFiles.parse(TaskFiles.toJson(t.task()), "back");
        assertEquals(List.of("5", "6"), back.clean().get(0).correct());
        assertTrue(TaskFiles.toJson(t.task()).contains("\"correct\" : [ \"5\", \"6\" ]"), TaskFiles.toJson(t.task()));
        // one answer stays a plain string, as task files always had it
        assertTrue(TaskFiles.toJson(t.task()).contains("\"incorrect\" : \"1\""), TaskFiles.toJson(t.task()));
    }

    @Test
    void sessionsWriteAPromptAsBeforeAndReadAnswerSetsAndPairs() throws Exception {
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        String one = json.writeValueAsString(new Prompt("1 2 3 4", "5", "1", "t", java.util.Map.of()));
        assertEquals("{\"text\":\"1 2 3 4\",\"correct\":\"5\",\"incorrect\":\"1\",\"template\":\"t\",\"positions\":{}}", one);
        assertEquals("{\"text\":\"9\",\"correct\":null,\"incorrect\":null,\"template\":\"\",\"positions\":{}}",
                json.writeValueAsString(Prompt.corrupt("9", "")));
        Prompt set = new Prompt("1 2", List.of("3", "4"), List.of("1"), "", java.util.Map.of(), null);
        assertEquals(set, json.readValue(json.writeValueAsString(set), Prompt.class));
        Prompt paired = Prompt.corrupt("9", "", 2);
        assertEquals(paired, json.readValue(json.writeValueAsString(paired), Prompt.class));
        assertEquals(new Prompt("1 2 3 4", "5", "1", "t", java.util.Map.of()), json.readValue(one, Prompt.class));
        // a template that is not paired writes nothing new either
        assertFalse(json.writeValueAsString(new TaskDefinition.TemplateSpec("t", null, null)).contains("paired"));
    }

    @Test
    void singleAnswersAreNoSet() throws Exception {
        assertFalse(build("""
                {"clean": [{"text": "1 2 3 4", "correct": "5", "incorrect": "1"}], "corrupt": [{"text": "9 8 7 6"}]}""")
                .hasAnswerSets());
    }

    @Test
    void anEmptyOrBlankAnswerIsRefusedNotScoredAsTheSpaceToken() {
        for (String answer : List.of("\"\"", "\" \"", "[\"5\", \"\"]")) {
            String m = refusal("{\"clean\": [{\"text\": \"1 2 3 4\", \"correct\": " + answer + ", \"incorrect\": \"1\"}], "
                    + "\"corrupt\": [{\"text\": \"9 8 7 6\"}]}");
            assertContains(m, "clean[0]", "'correct' answer", "space token");
        }
        assertContains(refusal("""
                {"clean": [{"text": "1 2 3 4", "correct": [], "incorrect": "1"}], "corrupt": [{"text": "9 8 7 6"}]}"""),
                "'correct' is an empty list");
    }

    @Test
    void aSetThatNamesOneTokenTwiceIsRefused() {
        assertContains(refusal("""
                {"clean": [{"text": "1 2 3 4", "correct": ["5", "5"], "incorrect": "1"}], "corrupt": [{"text": "9 8 7 6"}]}"""),
                "clean[0]", "the same token");
    }

    @Test
    void corruptPromptsPairByIndexWhenNoneNamesItsCleanPrompt() throws Exception {
        TokenizedTask t = build("""
                {"clean": [{"text": "1 2 3 4", "correct": "5", "incorrect": "1"},
                           {"text": "2 3 4 5", "correct": "6", "incorrect": "2"}],
                 "corrupt": [{"text": "9 8 7 6"}, {"text": "8 7 6 5"}]}""");
        assertArrayEquals(new int[] {0, 1}, t.pairs());
    }

    @Test
    void aCorruptPromptThatNamesItsCleanPromptPairsWithIt() throws Exception {
        String json = """
                {"clean": [{"text": "1 2 3 4", "correct": "5", "incorrect": "1"},
                           {"text": "2 3 4 5", "correct": "6", "incorrect": "2"}],
                 "corrupt": [{"text": "9 8 7 6", "clean": 1}, {"text": "8 7 6 5", "clean": 0}, {"text": "7 6 5 4"}]}""";
        TokenizedTask t = build(json);
        assertArrayEquals(new int[] {1, 0}, t.pairs());
        TaskFile back = TaskFiles.parse(TaskFiles.toJson(t.task()), "back");
        assertEquals(1, back.corrupt().get(0).clean());
        assertNull(back.corrupt().get(2).clean());
    }

    @Test
    void pairingErrorsNameThePrompts() throws Exception {
        assertContains(assertThrows(TaskException.class, () -> build("""
                {"clean": [{"text": "1 2 3 4", "correct": "5", "incorrect": "1"}],
                 "corrupt": [{"text": "9 8 7 6"}, {"text": "8 7 6 5"}]}""").pairs()).getMessage(),
                "1 clean and 2 corrupt prompts", "\"clean\": i");
        assertContains(assertThrows(TaskException.class, () -> build("""
                {"clean": [{"text": "1 2 3 4", "correct": "5", "incorrect": "1"},
                           {"text": "2 3 4 5", "correct": "6", "incorrect": "2"}],
                 "corrupt": [{"text": "9 8 7 6", "clean": 0}, {"text": "8 7 6 5", "clean": 0}]}""").pairs()).getMessage(),
                "clean[0]", "corrupt[0]", "corrupt[1]", "exactly one pair");
        assertContains(assertThrows(TaskException.class, () -> build("""
                {"clean": [{"text": "1 2 3 4", "correct": "5", "incorrect": "1"},
                           {"text": "2 3 4 5", "correct": "6", "incorrect": "2"}],
                 "corrupt": [{"text": "9 8 7 6", "clean": 0}]}""").pairs()).getMessage(),
                "clean[1]", "no paired corrupt prompt");
        assertContains(assertThrows(TaskException.class, () -> build("""
                {"clean": [{"text": "1 2 3 4", "correct": "5", "incorrect": "1", "template": "a"}],
                 "corrupt": [{"text": "9 8 7 6", "template": "a"}, {"text": "9 8 7", "template": "b", "clean": 0}]}""")
                .pairs()).getMessage(), "clean[0]", "4 tokens", "corrupt[1] \"9 8 7\"", "has 3", "same number of tokens");
    }

    @Test
    void aPairOutsideTheCleanListOrOnACleanPromptIsAnError() {
        assertContains(refusal("""
                {"clean": [{"text": "1 2 3 4", "correct": "5", "incorrect": "1"}],
                 "corrupt": [{"text": "9 8 7 6", "clean": 1}]}"""), "corrupt[0]", "clean prompt 1", "0 to 0");
        assertContains(assertThrows(TaskException.class, () -> TaskFiles.parse("""
                {"clean": [{"text": "1 2 3 4", "correct": "5", "incorrect": "1", "clean": 0}],
                 "corrupt": [{"text": "9 8 7 6"}]}""", "t.json")).getMessage(), "clean[0]", "does not take it");
        assertContains(assertThrows(TaskException.class, () -> TaskFiles.parse("""
                {"clean": [{"text": "1 2 3 4", "correct": "5", "incorrect": "1"}],
                 "corrupt": [{"text": "9 8 7 6", "clean": "first"}]}""", "t.json")).getMessage(), "corrupt[0]", "0-based index");
    }

    @Test
    void oneLengthForEveryPromptNamesTwoPromptsAndLengths() throws Exception {
        TokenizedTask t = build("""
                {"clean": [{"text": "1 2 3 4", "correct": "5", "incorrect": "1", "template": "a"}],
                 "corrupt": [{"text": "9 8 7 6", "template": "a"}, {"text": "9 8 7", "template": "b"}]}""");
        assertContains(assertThrows(TaskException.class, () -> t.checkOneLength("mean-all")).getMessage(),
                "mean-all", "clean[0] \"1 2 3 4\" has 4", "corrupt[1] \"9 8 7\" has 3");
    }

    @Test
    void aPairedTemplateMakesOneCorruptPromptPerCleanPromptFromItsVariables() throws Exception {
        TaskDefinition d = new TaskDefinition("paired", List.of(new TaskDefinition.TemplateSpec("t",
                new TaskDefinition.PromptSpec("{a} {a+1} {a+2}", "{a+3}", "{a}", List.of(new TaskDefinition.Variable("a", "1..5")), 0, 0),
                new TaskDefinition.PromptSpec("{a+2} {a+1} {a}", null, null, List.of(), 99, 7), true)), null, null);
        TaskFile f = d.generate(tok::encode);
        assertEquals(5, f.clean().size());
        assertEquals(5, f.corrupt().size());
        for (int i = 0; i < 5; i++) {
            int a = i + 1;
            assertEquals(a + " " + (a + 1) + " " + (a + 2), f.clean().get(i).text());
            assertEquals((a + 2) + " " + (a + 1) + " " + a, f.corrupt().get(i).text());
            assertEquals(i, f.corrupt().get(i).clean());
        }
        int[] pairs = TokenizedTask.build(f, tok::encode).pairs();
        assertEquals("[0, 1, 2, 3, 4]", Arrays.toString(pairs));
        // a range in a paired corrupt set would make more prompts than pairs
        TaskDefinition bad = new TaskDefinition("paired", List.of(new TaskDefinition.TemplateSpec("t", d.templates().get(0).clean(),
                new TaskDefinition.PromptSpec("{b}", null, null, List.of(new TaskDefinition.Variable("b", "1..3")), 0, 0), true)), null, null);
        assertContains(assertThrows(TaskException.class, () -> bad.generate(tok::encode)).getMessage(), "b", "range", "paired");
    }
}
