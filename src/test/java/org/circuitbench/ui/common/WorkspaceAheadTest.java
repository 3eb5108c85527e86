package org.circuitbench.ui.common;

import org.circuitbench.TestData;
import org.circuitbench.ablation.AblationTask;
import org.circuitbench.model.DeviceChoice;
import org.circuitbench.model.LoadedModel;
import org.circuitbench.task.TaskFile;
import org.circuitbench.task.TaskFiles;
import org.junit.jupiter.api.Test;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the app's start reads ahead ({@link Workspace#loadAhead}, {@link Workspace#prepareAhead}) is
 * handed to the view models' own load and preparation, once, and never replaces what they asked for.
 */
class WorkspaceAheadTest {
    private static final String REF = "/models/seqcont-4x4";
    /** A thread per task: the common pool may have a single thread, which a blocked task would hold. */
    private static final java.util.concurrent.Executor THREADS = r -> Thread.ofPlatform().daemon().start(r);

    private static LoadedModel open() throws Exception {
        return LoadedModel.open("seqcont-4x4", TestData.model4x4(), DeviceChoice.resolve("cpu"));
    }

    private static TaskFile words() throws Exception {
        return TaskFiles.read(TestData.fixture("words-months-seqcont-4x4").resolve("task.json"));
    }

    @Test
    void theFirstLoadOfTheSameModelTakesTheOneReadAheadWhileItIsBeingRead() throws Exception {
        try (Workspace ws = new Workspace()) {
            CountDownLatch reading = new CountDownLatch(1), release = new CountDownLatch(1);
            CompletableFuture<Void> ahead = CompletableFuture.runAsync(() -> {
                try {
                    ws.loadAhead(REF, "cpu", () -> {
                        reading.countDown();
                        release.await();
                        return open();
                    });
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, THREADS);
            assertTrue(reading.await(30, TimeUnit.SECONDS));
            AtomicReference<Optional<LoadedModel>> taken = new AtomicReference<>();
            Thread load = Thread.ofPlatform().start(() -> taken.set(ws.takeAhead(REF, "cpu"))); // waits for the read
            Thread.sleep(200);
            boolean waited = taken.get() == null;
            release.countDown();
            assertTrue(waited, "the load waits for the model being read");
            load.join(30_000);
            ahead.get(30, TimeUnit.SECONDS);
            assertSame(ws.model(), taken.get().orElseThrow());
            assertTrue(ws.takeAhead(REF, "cpu").isEmpty(), "handed over once: a later load reads the model again");
        }
    }

    @Test
    void aLoadOfAnotherModelOrDeviceDropsTheOneReadAhead() throws Exception {
        try (Workspace ws = new Workspace()) {
            ws.expectAhead(); // as the app's start does before it reads the session
            CountDownLatch release = new CountDownLatch(1);
            AtomicReference<LoadedModel> read = new AtomicReference<>();
            CompletableFuture<Void> ahead = CompletableFuture.runAsync(() -> {
                try {
                    ws.loadAhead(REF, "cpu", () -> {
                        release.await();
                        read.set(open());
                        return read.get();
                    });
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, THREADS);
            assertTrue(ws.takeAhead(REF, "gpu").isEmpty(), "another device: not this model");
            LoadedModel mine = open();
            ws.setModel(mine); // what the view model loaded itself
            release.countDown();
            ahead.get(30, TimeUnit.SECONDS);
            assertSame(mine, ws.model(), "the model read ahead does not replace the one asked for");
            assertTrue(!read.get().model().manager().isOpen(), "the dropped model is freed");
            assertTrue(mine.model().manager().isOpen());
        }
    }

    @Test
    void aLoadWaitsUntilTheStartSaysWhetherItReadsAModelAhead() throws Exception {
        try (Workspace ws = new Workspace()) {
            ws.expectAhead();
            CompletableFuture<Optional<LoadedModel>> taken = CompletableFuture.supplyAsync(() -> ws.takeAhead(REF, "cpu"), THREADS);
            Thread.sleep(200);
            boolean waited = !taken.isDone();
            ws.noAhead(); // e.g. a recovery copy may be offered: nothing is read ahead
            assertTrue(waited, "it waits for the word");
            assertTrue(taken.get(30, TimeUnit.SECONDS).isEmpty());
            assertTrue(ws.takeAhead(REF, "cpu").isEmpty(), "and later loads do not wait");
        }
    }

    @Test
    void aPreparationOfTheTaskBeingPreparedAheadWaitsForItInsteadOfPreparingItTwice() throws Exception {
        try (Workspace ws = new Workspace()) {
            ws.setModel(open());
            Workspace.TaskKey key = new Workspace.TaskKey("words", org.circuitbench.ablation.Method.DEFAULT);
            AtomicInteger built = new AtomicInteger();
            CountDownLatch warming = new CountDownLatch(1), release = new CountDownLatch(1);
            AtomicReference<AblationTask> warmed = new AtomicReference<>();
            CompletableFuture<Void> ahead = CompletableFuture.runAsync(() -> {
                try {
                    ws.prepareAhead(key, () -> {
                        built.incrementAndGet();
                        return words();
                    }, t -> {
                        warmed.set(t);
                        warming.countDown();
                        try {
                            release.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    });
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, THREADS);
            assertTrue(warming.await(60, TimeUnit.SECONDS));
            CompletableFuture<AblationTask> mine = CompletableFuture.supplyAsync(() -> {
                try {
                    return ws.prepare(key, () -> {
                        built.incrementAndGet();
                        return words();
                    });
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, THREADS);
            Thread.sleep(200);
            boolean waited = !mine.isDone();
            release.countDown();
            assertTrue(waited, "it waits while the task ahead is being warmed (its evaluator is not shared meanwhile)");
            ahead.get(30, TimeUnit.SECONDS);
            assertSame(warmed.get(), mine.get(30, TimeUnit.SECONDS));
            assertEquals(1, built.get(), "the prompts were built and the means taken once");
            assertEquals(1, ws.preparedCount());
        }
    }
}
