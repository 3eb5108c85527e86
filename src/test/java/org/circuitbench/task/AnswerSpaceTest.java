package org.circuitbench.task;

import org.circuitbench.TestData;
import org.circuitbench.model.Gpt2Tokenizer;
import org.circuitbench.session.SampleSessions;
import org.circuitbench.session.Session;
import org.circuitbench.session.SessionFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * "answer_space": false, for answers that follow the prompt without a space (greater-than's "17" →
 * "32"): the answer's token is the first token of the answer itself, not of " " + answer.
 */
class AnswerSpaceTest {
    static final Gpt2Tokenizer tok = TestData.tokenizer();

    static final String YEARS = """
            {"clean": [{"text": "The war lasted from the year 1732 to the year 17", "correct": "33", "incorrect": "31"}],
             "corrupt": [{"text": "The war lasted from the year 1701 to the year 17"}]%s}""";

    @Test
    void withoutTheSpaceTheAnswerIsItsOwnToken() throws Exception {
        TokenizedTask spaced = TokenizedTask.build(TaskFiles.parse(YEARS.formatted(""), "t.json"), tok::encode);
        TokenizedTask bare = TokenizedTask.build(TaskFiles.parse(YEARS.formatted(", \"answer_space\": false"), "t.json"), tok::encode);
        assertEquals(tok.encode(" 33")[0], spaced.correctId(0), "the seed's rule: \" 33\"");
        assertEquals(tok.encode("33")[0], bare.correctId(0), "\"33\", the token GPT-2 predicts after \"17\"");
        assertEquals(tok.encode("31")[0], bare.incorrectId(0));
        assertTrue(tok.encode("33")[0] != tok.encode(" 33")[0], "two different tokens, so the rule matters");
        TaskFile explicitTrue = TaskFiles.parse(YEARS.formatted(", \"answer_space\": true"), "t.json");
        assertNull(explicitTrue.answerSpace(), "true is the default and is stored as absent");
        assertEquals(" ", explicitTrue.answerPrefix());
    }

    @Test
    void aMultiTokenAnswerIsQuotedAsItIsTokenized() throws Exception {
        TaskFile f = TaskFiles.parse("""
                {"clean": [{"text": "1 2 3 4", "correct": "5 6", "incorrect": "1"}], "corrupt": [{"text": "9 9 9 9"}],
                 "answer_space": false}""", "t.json");
        List<TaskProblem> p = TokenizedTask.check(f, tok::encode).warnings();
        assertEquals(1, p.size(), p.toString());
        assertTrue(p.get(0).message().contains("\"5 6\" is 2 tokens"), p.get(0).message());
    }

    @Test
    void aValueThatIsNotTrueOrFalseIsRefusedWithOneLine() {
        String m = assertThrows(TaskException.class, () -> TaskFiles.parse(YEARS.formatted(", \"answer_space\": \"no\""), "t.json")).getMessage();
        assertTrue(m.contains("'answer_space' must be true") && m.contains("found \"no\""), m);
        assertFalse(m.contains("\n"));
    }

    @Test
    void theTaskFileAndTheSessionKeepIt(@TempDir Path dir) throws Exception {
        TaskFile f = TaskFiles.parse(YEARS.formatted(", \"answer_space\": false"), "t.json");
        Path file = dir.resolve("t.json");
        TaskFiles.write(file, f);
        assertTrue(Files.readString(file).contains("\"answer_space\" : false"));
        assertEquals(f, TaskFiles.read(file));
        assertFalse(TaskFiles.toJson(TaskFiles.parse(YEARS.formatted(""), "t.json")).contains("answer_space"), "the default is not written");

        // a definition with it, in a session, and the prompts it makes
        TaskDefinition d = new TaskDefinition("years", List.of(new TaskDefinition.TemplateSpec("t",
                new TaskDefinition.PromptSpec("from 17{y} to 17", "{y+1}", "{y-1}", List.of(new TaskDefinition.Variable("y", "32..33")), 0, 0),
                new TaskDefinition.PromptSpec("from 1701 to 17", null, null, List.of(), 2, 1))), null, Map.of(), false);
        assertEquals(Boolean.FALSE, d.generate(tok::encode).answerSpace());
        Session s = SampleSessions.single(d, SampleSessions.DEMO, List.of());
        Path sf = dir.resolve("s" + SessionFiles.EXTENSION);
        SessionFiles.write(sf, s);
        assertEquals(d, SessionFiles.read(sf).tasks().get(0).definition());
        // an older session, without the field, keeps the seed's rule
        Path old = dir.resolve("old" + SessionFiles.EXTENSION);
        SessionFiles.write(old, SampleSessions.single(SampleSessions.digits(), SampleSessions.DEMO, List.of()));
        assertFalse(Files.readString(old).contains("answerSpace"));
        assertNull(SessionFiles.read(old).tasks().get(0).definition().answerSpace());
    }
}
