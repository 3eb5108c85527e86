package org.circuitbench.task.library;

import org.circuitbench.TestData;
import org.circuitbench.ablation.AblationTask;
import org.circuitbench.ablation.AblationKind;
import org.circuitbench.ablation.Circuit;
import org.circuitbench.ablation.Method;
import org.circuitbench.ablation.Metric;
import org.circuitbench.ablation.Normalisation;
import org.circuitbench.model.Gpt2Tokenizer;
import org.circuitbench.model.LoadedModel;
import org.circuitbench.session.SampleSessions;
import org.circuitbench.task.Prompt;
import org.circuitbench.task.TaskDefinition;
import org.circuitbench.task.TaskException;
import org.circuitbench.task.TaskFile;
import org.circuitbench.task.TaskFiles;
import org.circuitbench.task.TaskProblem;
import org.circuitbench.task.TokenizedTask;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The task library's generators, with GPT-2's real tokenizer (the bundled one, which
 * TokenizerTest holds to the ids of /work/shared/gpt2-tokenizer): the same seed gives the same
 * prompts, every prompt obeys the task format, the papers' designs hold prompt by prompt, and the
 * tasks prepare and score on the demo model.
 */
class TaskLibraryTest {
    static final Gpt2Tokenizer tok = TestData.tokenizer();

    static TaskFile make(String id, long seed, int count) throws TaskException {
        return TaskLibrary.get(id).definition(seed, count).generate(tok::encode);
    }

    static List<String> tokens(String text) {
        return List.of(tok.tokenTexts(text));
    }

    /** The task file's JSON: two generations are the same when these are, field for field. */
    static String json(TaskFile f) {
        return TaskFiles.toJson(f);
    }

    @Test
    void theSameSeedGivesTheSamePromptsAndAnotherSeedOthers() throws Exception {
        for (LibraryTask t : TaskLibrary.tasks()) {
            TaskFile a = make(t.id(), 7, 60), b = make(t.id(), 7, 60), c = make(t.id(), 8, 60);
            assertEquals(json(a), json(b), t.id());
            assertEquals(a, b, t.id());
            assertNotEquals(json(a), json(c), t.id() + ": seed 8 must draw other prompts");
        }
    }

    @Test
    void everyPromptObeysTheTaskFormat() throws Exception {
        for (LibraryTask t : TaskLibrary.tasks()) {
            TaskFile f = make(t.id(), 1, t.defaultCount());
            TokenizedTask checked = TokenizedTask.check(f, tok::encode);
            assertEquals(List.of(), checked.problems(), t.id() + ": no errors and no warnings (every answer one token)");
            assertEquals(List.of(), t.definition(1, t.defaultCount()).keepProblems(), t.id());
            // one length per template, clean and corrupt alike (build would refuse otherwise; said here outright)
            Map<String, Integer> lengths = new HashMap<>();
            for (List<Prompt> set : List.of(f.clean(), f.corrupt())) {
                for (Prompt p : set) {
                    int n = tok.encode(p.text()).length;
                    assertEquals(lengths.computeIfAbsent(p.template(), k -> n), n, t.id() + ": " + p.text());
                }
            }
            for (Prompt p : f.clean()) {
                for (String a : p.correct()) assertEquals(1, tok.encode(f.answerPrefix() + a).length, t.id() + ": " + a);
                for (String a : p.incorrect()) assertEquals(1, tok.encode(f.answerPrefix() + a).length, t.id() + ": " + a);
            }
        }
    }

    @Test
    void countsAreWhatTheEntrySays() throws Exception {
        TaskFile ioi = make("ioi", 1, 100);
        assertEquals(100, ioi.clean().size());
        assertEquals(100, ioi.corrupt().size());
        assertEquals(make("induction", 1, 37).clean().size(), 37);
        assertEquals(make("induction", 1, 37).corrupt().size(), 37);
        TaskFile digits = make("digits", 1, 40);
        assertEquals(100, digits.clean().size(), "the seed's clean prompts are every a in 1..100");
        assertEquals(40, digits.corrupt().size());
        assertThrows(TaskException.class, () -> TaskLibrary.get("ioi").definition(1, 0));
        String m = assertThrows(TaskException.class, () -> TaskLibrary.get("iio")).getMessage();
        assertTrue(m.contains("'iio'") && m.contains("ioi, greater-than, induction"), m);
    }

    @Test
    void theSeedsTasksAreTheSampleSessionsTasks() throws Exception {
        assertEquals(SampleSessions.digits(), TaskLibrary.get("digits").definition(1, 100));
        assertEquals(SampleSessions.numwords(), TaskLibrary.get("numwords").definition(1, 100));
        assertEquals(SampleSessions.months(), TaskLibrary.get("months").definition(1, 100));
        assertEquals(SampleSessions.decreasing(), TaskLibrary.get("decreasing").definition(1, 100));
        // and the prompts of the shipped sessions, text for text
        var shipped = org.circuitbench.session.SessionFiles.read(java.nio.file.Path.of("samples/sessions/cross-task-gpt2.cbsession.json"));
        Map<String, TaskDefinition> byName = new HashMap<>();
        shipped.tasks().forEach(t -> byName.put(t.name(), t.definition()));
        for (String id : List.of("digits", "numwords", "months", "decreasing")) {
            TaskDefinition lib = TaskLibrary.get(id).definition(1, 100);
            assertEquals(json(byName.get(lib.name()).generate(tok::encode)), json(make(id, 1, 100)), id);
        }
    }

    @Test
    void theShippedTaskFilesAreTheLibrarysWithSeedOne() throws Exception {
        int checked = 0;
        for (LibraryTask t : TaskLibrary.tasks()) {
            java.nio.file.Path f = java.nio.file.Path.of("samples/tasks", t.id() + ".json");
            assertEquals(json(make(t.id(), 1, t.defaultCount())), java.nio.file.Files.readString(f).strip(), f + " (./circuitbench write-samples --library-only)");
            checked++;
        }
        assertEquals(7, checked);
    }

    // ---- IOI -------------------------------------------------------------------------------------

    @Test
    void ioiNamesPlacesAndObjectsAreSingleTokensAfterASpace() {
        assertEquals(99, IoiTask.NAMES.size());
        assertEquals(IoiTask.NAMES.size(), new HashSet<>(IoiTask.NAMES).size(), "no name twice");
        for (List<String> list : List.of(IoiTask.NAMES, IoiTask.PLACES, IoiTask.OBJECTS)) {
            for (String w : list) assertEquals(List.of(" " + w), tokens(" " + w), w);
        }
        assertEquals(8, IoiTask.PLACES.size());
        assertEquals(8, IoiTask.OBJECTS.size());
    }

    @Test
    void ioiHasThePapersThirtyTemplatesBabaAndAbba() throws Exception {
        TaskFile f = make("ioi", 1, 300);
        Map<String, Integer> perTemplate = new HashMap<>();
        f.clean().forEach(p -> perTemplate.merge(p.template(), 1, Integer::sum));
        assertEquals(30, perTemplate.size());
        assertTrue(perTemplate.values().stream().allMatch(n -> n == 10), perTemplate.toString());
        assertEquals("Then, [A] and [B] went to the [PLACE]. [B] gave a [OBJECT] to [A]", IoiTask.abba(IoiTask.BABA.get(0)));
        assertEquals("The [PLACE] [A] and [B] went to had a [OBJECT]. [B] gave it to [A]", IoiTask.abba(IoiTask.BABA.get(13)));
        // 31 prompts: the first template gets two, the others one
        TaskFile small = make("ioi", 1, 31);
        assertEquals(2, small.clean().stream().filter(p -> p.template().equals("baba0")).count());
        assertEquals(1, small.clean().stream().filter(p -> p.template().equals("abba14")).count());
    }

    /** Words of a prompt: names are the words found in the names list. */
    static List<String> names(String text) {
        List<String> out = new ArrayList<>();
        for (String w : text.split("[ ,.]+")) if (IoiTask.NAMES.contains(w)) out.add(w);
        return out;
    }

    @Test
    void ioiPromptsAreBabaOrAbbaAndCorruptPromptsAreTheirAbcPairs() throws Exception {
        TaskFile f = make("ioi", 3, 300);
        for (int i = 0; i < f.clean().size(); i++) {
            Prompt c = f.clean().get(i), x = f.corrupt().get(i);
            assertEquals(1, c.correct().size());
            String io = c.firstCorrect(), s = c.firstIncorrect();
            List<String> n = names(c.text());
            assertEquals(3, n.size(), c.text());
            // BABA: S IO S; ABBA: IO S S; the prompt stops before the last IO
            assertEquals(c.template().startsWith("baba") ? List.of(s, io, s) : List.of(io, s, s), n, c.text());
            assertNotEquals(io, s);
            // the pair: the same template, place and object, three names all different and none of the clean prompt's
            assertEquals(i, x.clean(), "corrupt[" + i + "] names clean[" + i + "] as its pair");
            assertEquals(c.template(), x.template());
            List<String> abc = names(x.text());
            assertEquals(3, new HashSet<>(abc).size(), x.text());
            assertFalse(abc.contains(io) || abc.contains(s), x.text());
            String masked = c.text(), maskedX = x.text();
            for (String name : n) masked = masked.replaceFirst("\\b" + name + "\\b", "#");
            for (String name : abc) maskedX = maskedX.replaceFirst("\\b" + name + "\\b", "#");
            assertEquals(masked, maskedX, "corrupt[" + i + "] is clean[" + i + "] with other names");
            assertEquals(tok.encode(c.text()).length, tok.encode(x.text()).length);
        }
        // the names are drawn, not fixed: many different IOs and subjects
        Set<String> ios = new HashSet<>();
        f.clean().forEach(p -> ios.add(p.firstCorrect()));
        assertTrue(ios.size() > 60, "IOs: " + ios.size());
    }

    // ---- greater-than ----------------------------------------------------------------------------

    @Test
    void greaterThanTokensFollowThePaper() {
        assertEquals(120, GreaterThanTask.NOUNS.size());
        for (String noun : GreaterThanTask.NOUNS) assertEquals(List.of(" " + noun), tokens(" " + noun), noun);
        // the answers: "00".."99" are single tokens without a space (the paper's year indices)
        for (String yy : GreaterThanTask.YEARS) assertEquals(List.of(yy), tokens(yy), yy);
        // 17YY is " 17" then "YY" for YY = 02..98 (the paper's valid years; 1700 is one token and is not used)
        for (int y = 2; y <= 98; y++) assertEquals(List.of(" 17", String.format("%02d", y)), tokens(" 17" + String.format("%02d", y)));
        assertEquals(List.of(" 1700"), tokens(" 1700"));
        assertEquals(List.of(" 17", "01"), tokens(" 1701"), "the corrupt year");
    }

    @Test
    void greaterThanPromptsAnswerSetsAndPairsAreThePapers() throws Exception {
        TaskFile f = make("greater-than", 5, 194);
        assertEquals(Boolean.FALSE, f.answerSpace(), "the years follow \"17\" without a space");
        assertEquals(194, f.clean().size());
        assertEquals(194, f.corrupt().size());
        java.util.regex.Pattern sentence = java.util.regex.Pattern.compile(
                "<\\|endoftext\\|> The (\\w+) lasted from the year 17(\\d\\d) to the year 17");
        int[] seen = new int[100];
        Set<String> nouns = new HashSet<>();
        TokenizedTask tt = TokenizedTask.build(f, tok::encode);
        for (int i = 0; i < f.clean().size(); i++) {
            Prompt c = f.clean().get(i), x = f.corrupt().get(i);
            var m = sentence.matcher(c.text());
            assertTrue(m.matches(), c.text());
            int yy = Integer.parseInt(m.group(2));
            assertEquals(2 + i % 97, yy, "YY = 02..98 in turn, as the paper's balanced sampler");
            seen[yy]++;
            nouns.add(m.group(1));
            assertEquals(GreaterThanTask.YEARS.subList(yy + 1, 100), c.correct(), "correct: YY+1..99");
            assertEquals(GreaterThanTask.YEARS.subList(0, yy + 1), c.incorrect(), "incorrect: 00..YY");
            // their tokens: "33", not " 33"
            long[] ids = tt.correctIds(i);
            for (int k = 0; k < ids.length; k++) assertEquals(tok.encode(String.format("%02d", yy + 1 + k))[0], ids[k]);
            assertEquals(c.text().replace("17" + m.group(2) + " to", "1701 to"), x.text(), "the 01 prompt, same noun");
            assertEquals(i, x.clean(), "paired");
            assertEquals(13, tok.encode(c.text()).length);
        }
        for (int yy = 2; yy <= 98; yy++) assertEquals(2, seen[yy], "each YY twice in 194 prompts");
        assertTrue(nouns.size() > 60, "nouns: " + nouns.size());
        TaskDefinition d = TaskLibrary.get("greater-than").definition(1, 194);
        assertEquals("{years[yy+1:]}", d.templates().get(0).clean().correct());
        assertTrue(d.templates().get(0).paired());
    }

    // ---- induction -------------------------------------------------------------------------------

    @Test
    void inductionPromptsRepeatRandomTokensAndCorruptOnesDoNot() throws Exception {
        for (String w : InductionTask.WORDS) assertEquals(List.of(" " + w), tokens(" " + w), w);
        assertEquals(500, new HashSet<>(InductionTask.WORDS).size());
        TaskFile f = make("induction", 2, 100);
        int h = InductionTask.HALF;
        Set<String> firsts = new HashSet<>();
        for (int i = 0; i < f.clean().size(); i++) {
            Prompt p = f.clean().get(i);
            List<String> t = tokens(p.text());
            assertEquals(2 * h, t.size(), p.text());
            assertEquals("<|endoftext|>", t.get(0));
            List<String> first = t.subList(1, h + 1), second = t.subList(h + 1, 2 * h);
            assertEquals(first.subList(0, h - 1), second, "the second half repeats the first");
            assertEquals(h, new HashSet<>(first).size(), "no token twice in the first half");
            assertEquals(List.of(first.get(h - 1).substring(1)), p.correct(), "the answer is the token that followed last time");
            assertFalse(t.contains(" " + p.firstIncorrect()), "the incorrect answer is not in the prompt");
            List<String> x = tokens(f.corrupt().get(i).text());
            assertEquals(2 * h, x.size());
            assertEquals(2 * h - 1, new HashSet<>(x.subList(1, x.size())).size(), "a corrupt prompt repeats nothing");
            firsts.add(first.get(0));
        }
        assertTrue(firsts.size() > 50, "random starts: " + firsts.size());
        assertEquals(Map.of("S1", h, "S2", 2 * h - 1), f.clean().get(0).positions(), "S1: the end of the first half; S2: the end");
    }

    // ---- on the demo model -----------------------------------------------------------------------

    @Test
    void everyTaskPreparesAndScoresOnTheDemoModel() throws Exception {
        LoadedModel m = TestData.model(TestData.demoModel());
        for (LibraryTask t : TaskLibrary.tasks()) {
            TaskFile f = TaskLibrary.get(t.id()).definition(1, 60).generate(m.tokenizer()::encode);
            // greater-than in its paper's metric; the demo model's probability difference there need not be positive
            Method method = t.id().equals("greater-than") ? new Method(AblationKind.MEAN, Metric.PROB_DIFF, Normalisation.FAITHFULNESS) : Method.DEFAULT;
            try (AblationTask task = AblationTask.prepare(m, f, method)) {
                double full = task.fullMetric();
                assertTrue(Double.isFinite(full) && full != 0, t.id() + ": " + full);
                var cfg = m.config();
                assertEquals(100.0, task.details(Circuit.all(cfg.nLayer(), cfg.nHead())).score(), 1e-3, t.id());
                double none = task.details(Circuit.none(cfg.nLayer(), cfg.nHead())).score();
                assertTrue(Double.isFinite(none), t.id() + ": " + none);
                System.out.printf("%s on the demo model: full %s %.3f, empty circuit %.1f%%%n", t.id(), method.metric(), full, none);
            }
        }
    }
}
