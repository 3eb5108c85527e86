package org.circuitbench.session;

import org.circuitbench.model.Gpt2Tokenizer;
import org.circuitbench.task.TaskProblem;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shipped sample sessions open, their tasks build without errors, and they match their builder. */
class SampleSessionsTest {
    @Test
    void everySampleOpensAndItsTasksBuild() throws Exception {
        List<Path> files;
        try (Stream<Path> s = Files.list(Path.of("samples/sessions"))) {
            files = s.filter(p -> p.toString().endsWith(SessionFiles.EXTENSION)).sorted().toList();
        }
        assertEquals(14, files.size(), files.toString()); // the seed's 10, and the task library's ioi-gpt2, greater-than-gpt2, induction-gpt2, library-seqcont-tiny
        try (Gpt2Tokenizer tok = Gpt2Tokenizer.bundled()) {
            for (Path f : files) {
                Session s = SessionFiles.read(f);
                assertFalse(s.tasks().isEmpty(), f.toString());
                boolean gpt2 = f.getFileName().toString().contains("gpt2");
                assertEquals(gpt2 ? SampleSessions.GPT2 : SampleSessions.DEMO, s.model().name(), f.toString());
                for (Session.SessionTask t : s.tasks()) {
                    List<TaskProblem> problems = t.definition().check(tok::encode);
                    assertTrue(problems.stream().noneMatch(TaskProblem::isError), f + ": " + problems);
                    assertTrue(SampleSessions.all().contains(t.definition())
                                    || SampleSessions.LIBRARY.stream().map(SampleSessions::library).toList().contains(t.definition()),
                            "matches SampleSessions: " + t.name());
                }
                if (gpt2) assertTrue(s.circuits().stream().allMatch(c -> c.note().contains("seed")), f.toString());
            }
        }
    }

    @Test
    void theDigitsTaskIsTheSeeds() throws Exception {
        try (Gpt2Tokenizer tok = Gpt2Tokenizer.bundled()) {
            var file = SampleSessions.digits().generate(tok::encode);
            assertEquals(100, file.clean().size());
            assertEquals("1 2 3 4", file.clean().get(0).text());
            assertEquals("104", file.clean().get(99).firstCorrect());
            assertEquals("100", file.clean().get(99).firstIncorrect());
            assertEquals(100, file.corrupt().size());
            for (var p : file.corrupt()) { // four numbers from one decade [d, d + 10], as the seed draws them
                int[] n = java.util.Arrays.stream(p.text().split(" ")).mapToInt(Integer::parseInt).toArray();
                int lo = java.util.Arrays.stream(n).min().orElseThrow(), hi = java.util.Arrays.stream(n).max().orElseThrow();
                assertTrue(hi - lo <= 10 && lo >= 10 && hi <= 100, p.text());
            }
            assertEquals(List.of("end", "S3", "S2", "S1"), file.keep());
        }
    }
}
