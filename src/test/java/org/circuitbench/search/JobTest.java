package org.circuitbench.search;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The one job lifecycle and its fluent form, without a model. */
class JobTest {
    /** Events handed over later, as the FX thread would take them. */
    static final class Later implements Executor {
        final List<Runnable> queue = new ArrayList<>();

        @Override
        public void execute(Runnable r) {
            queue.add(r);
        }

        void drain() {
            while (!queue.isEmpty()) queue.remove(0).run();
        }
    }

    @Test
    void eventsThenTheOutcomeArriveInOrderWhereTheRunnerDeliversThem() {
        List<String> seen = new ArrayList<>();
        Job.Fluent<Integer> job = Job.of("count", ctx -> {
                    ctx.started("count", 2);
                    ctx.progress(new Progress(1, 2, null, Double.NaN, Double.NaN, 0, "one"));
                    ctx.progress(new Progress(2, 2, null, Double.NaN, Double.NaN, 0, "two"));
                    return 42;
                })
                .onStarted((t, n) -> seen.add("started " + n))
                .onProgress(p -> seen.add(p.message()))
                .onSuccess(r -> seen.add("success " + r))
                .onFailure(e -> seen.add("failure"));
        Later later = new Later();
        JobHandle<Integer> h = new JobHandle<>(job, job.listener(), later);
        h.run();
        assertTrue(seen.isEmpty(), "nothing is delivered on the job's thread");
        assertFalse(h.result().isDone());
        later.drain();
        assertEquals(List.of("started 2", "one", "two", "success 42"), seen);
        assertEquals(42, h.result().join());
        assertEquals("count", h.title());
    }

    @Test
    void aFailureIsDeliveredNotThrownAndRunHereRethrowsIt() throws Exception {
        IllegalStateException boom = new IllegalStateException("no model is loaded");
        List<Throwable> failed = new ArrayList<>();
        Job.Fluent<String> job = Job.<String>of("fail", ctx -> {
            throw boom;
        }).onFailure(failed::add).onSuccess(r -> failed.add(new AssertionError("success")));
        JobHandle<String> h = new JobHandle<>(job, job.listener(), Runnable::run);
        h.run();
        assertEquals(List.of(boom), failed);
        assertSame(boom, h.failure());
        assertTrue(h.result().isCompletedExceptionally());
        assertSame(boom, assertThrows(IllegalStateException.class, () -> JobHandle.runHere(job, job.listener())));
        assertEquals("no model is loaded", Job.message(new RuntimeException(boom)));
        assertEquals("an internal error (NullPointerException)", Job.message(new NullPointerException()));
    }

    @Test
    void cancelIsCooperativeAndTheJobEndsWithWhatItHas() {
        List<Integer> result = new ArrayList<>();
        JobHandle<Integer>[] h = new JobHandle[1];
        Job.Fluent<Integer> job = Job.of("loop", ctx -> {
            int i = 0;
            while (!ctx.isCancelled()) if (++i == 5) h[0].cancel();
            return i;
        }).onSuccess(result::add);
        h[0] = new JobHandle<>(job, job.listener(), Runnable::run);
        h[0].run();
        assertEquals(List.of(5), result);
        assertTrue(h[0].isCancelled());
    }

    @Test
    void anEngineJobTakesTheFluentFormWithItsTitle() throws Exception {
        Job<String> engine = new Job<>() {
            @Override
            public String title() {
                return "engine";
            }

            @Override
            public String run(JobContext context) {
                return "done";
            }
        };
        List<String> got = new ArrayList<>();
        Job.Fluent<String> f = Job.of(engine).onSuccess(got::add);
        assertEquals("engine", f.title());
        assertEquals("done", JobHandle.runHere(f, f.listener()));
        assertEquals(List.of("done"), got);
    }
}
