package org.circuitbench.util;

import org.circuitbench.util.StartupLog.Milestone;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StartupLogTest {
    @AfterEach
    void off() {
        StartupLog.redirect(null);
    }

    @Test
    void eachMilestoneIsPrintedOnceWithTheWallClockAndReadsBack() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        StartupLog.redirect(new PrintStream(buf, true, StandardCharsets.UTF_8));
        long before = System.currentTimeMillis();
        StartupLog.mark(Milestone.JVM);
        StartupLog.mark(Milestone.MODEL, "read_s=0.250");
        StartupLog.mark(Milestone.JVM); // reached again: not printed again
        long after = System.currentTimeMillis();
        List<String> lines = buf.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(2, lines.size(), lines.toString());
        StartupLog.Mark jvm = StartupLog.parse(lines.get(0)).orElseThrow();
        StartupLog.Mark model = StartupLog.parse(lines.get(1)).orElseThrow();
        assertEquals(Milestone.JVM, jvm.milestone());
        assertEquals(Milestone.MODEL, model.milestone());
        assertEquals(0.25, StartupLog.value(model, "read_s"));
        double cpuJvm = StartupLog.value(jvm, "cpu_s"), cpuModel = StartupLog.value(model, "cpu_s");
        assertTrue(cpuJvm > 0 && cpuJvm <= cpuModel, "this process's CPU time so far: " + jvm.detail() + ", then " + model.detail());
        assertTrue(Double.isNaN(StartupLog.value(jvm, "read_s")));
        assertTrue(before <= jvm.epochMillis() && jvm.epochMillis() <= model.epochMillis() && model.epochMillis() <= after);
    }

    @Test
    void offPrintsNothingAndOtherLinesAreNotMilestones() {
        StartupLog.redirect(null);
        StartupLog.mark(Milestone.WINDOW); // no stream: nothing, and no failure
        assertTrue(StartupLog.parse("WARNING: Unsupported JavaFX configuration").isEmpty());
        assertTrue(StartupLog.parse(StartupLog.PREFIX + "12 no-such-milestone").isEmpty());
        assertTrue(StartupLog.parse(StartupLog.PREFIX + "soon window").isEmpty());
        assertEquals(Milestone.SCORE, StartupLog.parse(StartupLog.PREFIX + "12 score").orElseThrow().milestone());
    }
}
