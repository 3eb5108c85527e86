package org.circuitbench.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The start-up bench reads what a started process prints: here a shell script stands in for the
 * app, printing milestone lines among other output, as the app does with CIRCUITBENCH_STARTUP_LOG=1.
 */
class StartupProcessBenchTest {
    /** Prints the milestone {@code name} at the wall clock of t0 + {@code ms}. */
    private static String at(long t0, long ms, String name) {
        return "echo 'circuitbench-startup " + (t0 + ms) + " " + name + "' >&2; ";
    }

    @Test
    void milestonesAreTimedFromTheProcessStart() throws Exception {
        long t0 = System.currentTimeMillis();
        String script = "echo 'WARNING: Unsupported JavaFX configuration' >&2; echo stdout-noise; "
                + at(t0, 300, "jvm cpu_s=0.10") + at(t0, 1200, "window cpu_s=1.25") + at(t0, 1900, "model read_s=0.400 cpu_s=1.70")
                + at(t0, 2100, "task") + at(t0, 2250, "grid") + at(t0, 2600, "score cpu_s=3.50") + at(t0, 9999, "window");
        Process p = new ProcessBuilder("bash", "-c", script).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        StartupProcessBench.Outcome out = StartupProcessBench.read(p, t0, 30);
        assertNull(out.problem());
        ObjectNode o = out.json();
        assertEquals(0.3, o.get("jvm_s").asDouble(), 1e-9);
        assertEquals(1.2, o.get("window_s").asDouble(), 1e-9, "the first line of a milestone counts");
        assertEquals(1.9, o.get("model_s").asDouble(), 1e-9);
        assertEquals(0.4, o.get("model_read_s").asDouble(), 1e-9);
        assertEquals(2.25, o.get("grid_s").asDouble(), 1e-9);
        assertEquals(1.85, o.get("grid_minus_model_read_s").asDouble(), 1e-9);
        assertEquals(2.6, o.get("score_s").asDouble(), 1e-9);
        assertEquals(1.25, o.get("cpu_s_at_window").asDouble(), 1e-9);
        assertEquals(3.5, o.get("cpu_s_at_score").asDouble(), 1e-9);
        assertEquals(List.of("jvm_s", "window_s", "model_s", "task_s", "grid_s", "score_s", "model_read_s", "grid_minus_model_read_s",
                "cpu_s_at_window", "cpu_s_at_score"), iterable(o));
    }

    /**
     * The wait for the launcher's class archive: a temporary file left by an earlier, killed start is
     * not waited for (it once held the bench 5 minutes), and one being written now is waited for only
     * up to the limit, which the log then names.
     */
    @Test
    void theArchiveWaitIgnoresLeftoversAndIsBounded(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        StartupProcessBench bench = new StartupProcessBench(
                new StartupProcessBench.Options(List.of(), null, true, 1, 30, false), new PrintStream(bytes, true, StandardCharsets.UTF_8));
        long now = System.currentTimeMillis();
        Path leftover = Files.writeString(dir.resolve("app-25.aot.4242.tmp.conf"), "recorded by a start that was killed");
        Files.setLastModifiedTime(leftover, FileTime.fromMillis(now - 3_600_000));
        assertFalse(StartupProcessBench.archiveBeingWritten(dir, now));
        assertTrue(bench.awaitArchive(dir, now, 1));
        assertEquals("", bytes.toString(StandardCharsets.UTF_8));

        Files.writeString(dir.resolve("app-25.aot.4243.tmp"), "being written");
        assertTrue(StartupProcessBench.archiveBeingWritten(dir, now));
        assertFalse(bench.awaitArchive(dir, now, 1));
        String said = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(said.contains("was not finished after 1 s"), said);
        assertFalse(StartupProcessBench.archiveBeingWritten(dir.resolve("missing"), now));
    }

    @Test
    void aStartThatEndsBeforeItsFirstScoreSaysWhy() throws Exception {
        long t0 = System.currentTimeMillis();
        Process p = new ProcessBuilder("bash", "-c", at(t0, 100, "jvm")
                + "echo 'error: the app could not start: Unable to load glass GTK library.' >&2; exit 1").start();
        StartupProcessBench.Outcome out = StartupProcessBench.read(p, t0, 30);
        assertTrue(out.problem().startsWith("exited (1) before the first score"), out.problem());
        assertTrue(out.problem().contains("Unable to load glass GTK library"), out.problem());
        assertEquals(0.1, out.json().get("jvm_s").asDouble(), 1e-9);
        assertFalse(out.json().has("score_s"));
        assertTrue(out.json().has("error"));
    }

    @Test
    void aStartThatHangsIsStoppedAtTheTimeout() throws Exception {
        long t0 = System.currentTimeMillis();
        Process p = new ProcessBuilder("bash", "-c", at(t0, 50, "jvm") + "sleep 60").start();
        StartupProcessBench.Outcome out = StartupProcessBench.read(p, t0, 1.5);
        assertTrue(out.problem().startsWith("no first score within 1.5 s"), out.problem());
        assertFalse(p.isAlive());
        assertTrue(System.currentTimeMillis() - t0 < 20_000);
    }

    @Test
    void theMedianOfAnEvenCountIsTheMeanOfTheMiddleTwo() {
        assertEquals(2.0, StartupProcessBench.median(new double[] {1, 3}), 0);
        assertEquals(3.0, StartupProcessBench.median(new double[] {1, 3, 7}), 0);
    }

    private static List<String> iterable(ObjectNode o) {
        List<String> names = new java.util.ArrayList<>();
        o.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
