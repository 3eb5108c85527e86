package org.circuitbench.ui.common;

import org.circuitbench.search.Job;
import org.circuitbench.search.Progress;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The one lifecycle of background work: what shows while a job runs, and what never shows once the state moved on. */
class JobStateTest {
    final SyncRunner runner = SyncRunner.queued();
    final JobState jobs = new JobState(runner, Clock.fixed(Instant.EPOCH, ZoneOffset.UTC));
    final List<String> shown = new ArrayList<>();

    Job.Fluent<String> job(String result) {
        return Job.of("job " + result, ctx -> result).onSuccess(shown::add).onFailure(e -> shown.add("failed: " + e.getMessage()));
    }

    @Test
    void aJobRunsShowsItsResultAndEnds() {
        jobs.start(job("a"));
        assertTrue(jobs.isRunning());
        assertEquals(-1, jobs.progressProperty().get(), "indeterminate until the first progress");
        runner.runAll();
        assertFalse(jobs.isRunning());
        assertEquals(List.of("a"), shown);
    }

    @Test
    void aResultOfAStateThatMovedOnNeverShows() {
        jobs.start(job("old"));
        jobs.reset(); // another session, task or model
        assertFalse(jobs.isRunning(), "nothing runs as far as the screen is concerned");
        runner.runAll();
        assertEquals(List.of(), shown);
    }

    @Test
    void aNewerJobReplacesAnOlderOne() {
        jobs.start(job("older"));
        jobs.start(job("newer"));
        runner.runAll();
        assertEquals(List.of("newer"), shown);
        assertFalse(jobs.isRunning());
    }

    @Test
    void aSideJobFallsSilentWithTheState() {
        jobs.side(BackgroundRunner.Lane.LIVE, job("side"));
        jobs.reset();
        jobs.side(BackgroundRunner.Lane.LIVE, job("after"));
        runner.runAll();
        assertEquals(List.of("after"), shown);
        assertFalse(jobs.isRunning(), "a side job is not the tracked one");
    }

    @Test
    void progressGivesTheTimeLeftAndAnEndedJobHasNone() {
        Clock[] now = {Clock.fixed(Instant.EPOCH, ZoneOffset.UTC)};
        JobState timed = new JobState(runner, new Clock() {
            public java.time.ZoneId getZone() { return ZoneOffset.UTC; }
            public Clock withZone(java.time.ZoneId z) { return this; }
            public Instant instant() { return now[0].instant(); }
        });
        List<String> etas = new ArrayList<>();
        timed.start(Job.of("prune", ctx -> {
            now[0] = Clock.fixed(Instant.EPOCH.plusSeconds(10), ZoneOffset.UTC);
            ctx.listener().progress(new Progress(100, 400, null, 0, 0, 0, "")); // a quarter in 10 s: 30 s left
            return "done";
        }).onProgress(p -> etas.add(timed.etaProperty().get())));
        runner.runAll();
        assertEquals(List.of("100/400 · 30 s left"), etas);
        assertEquals(0.25, timed.progressProperty().get(), 1e-12, "a run that ends early keeps its bar where it stopped");
        assertEquals("", timed.etaProperty().get(), "no time is left once the job has ended");
    }

    @Test
    void cancelReachesTheRunningJob() {
        boolean[] cancelled = {false};
        jobs.start(Job.of("long", ctx -> {
            cancelled[0] = ctx.isCancelled();
            return "partial";
        }).onSuccess(shown::add));
        jobs.cancel();
        runner.runAll();
        assertTrue(cancelled[0]);
        assertEquals(List.of("partial"), shown, "a cancelled job still ends as its kind does");
    }
}
