package org.circuitbench.ablation;

import org.circuitbench.TestData;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Attribution must not depend on when the garbage collector runs. A scalar that enters an op that
 * autograd records (x · 0.5, x³, q kᵀ · scale) must outlive the backward pass; in DJL 0.36 the
 * {@code (Number)} overloads wrap a 4-byte buffer that is freed right after the op, and a GC before
 * the backward pass let it read freed memory (docs/djl-scalar-lifetime.md). With a thread that does
 * nothing but collect garbage, every call must give exactly what a call without it gives.
 */
class AttributionUnderGcTest {

    @Test
    void attributionIsIdenticalWithAGarbageCollectingThreadBeside() throws Exception {
        underGc(AttributionMethod.EAP, 100);
    }

    /** EAP-IG's interpolations and its many backward passes, both variants (issue 19 §3). */
    @Test
    void integratedGradientsAreIdenticalWithAGarbageCollectingThreadBeside() throws Exception {
        // fewer calls than EAP's 100 (each of both states once): each call makes many backward passes
        // under many collections, and with the suite's large heap a collection takes about a second
        // (with 8 calls the class took 886 s in the whole suite, 28 s alone)
        underGc(new AttributionMethod(AttributionMethod.Kind.IG_INPUTS, 3, AttributionMethod.Rule.LEFT), 2);
        underGc(new AttributionMethod(AttributionMethod.Kind.IG_ACTIVATIONS, 1, AttributionMethod.Rule.RIGHT), 2);
    }

    private static void underGc(AttributionMethod method, int n) throws Exception {
        AblationTask task = TestData.task(TestData.fixture("words-months-seqcont-4x4"));
        try (EdgeEvaluator ev = new EdgeEvaluator(task, false)) {
            EdgeGraph g = ev.graph();
            List<EdgeCircuit> states = List.of(EdgeCircuit.all(g), EdgeEvaluatorTest.randomEdges(g, new java.util.SplittableRandom(5)));
            EdgeAttribution[] quiet = new EdgeAttribution[states.size()];
            for (int i = 0; i < quiet.length; i++) quiet[i] = ev.attributor().attribute(states.get(i), method);

            AtomicBoolean stop = new AtomicBoolean();
            Thread gc = Thread.ofPlatform().daemon().start(() -> {
                while (!stop.get()) {
                    System.gc();
                    try {
                        Thread.sleep(2); // a collection every few ms: many per call, and the calls still run
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            int calls = 0;
            try {
                for (int i = 0; i < n; i++) {
                    int k = i % states.size();
                    EdgeAttribution r = ev.attributor().attribute(states.get(k), method);
                    assertIdentical(quiet[k], r, method + ", call " + i);
                    calls++;
                }
            } finally {
                stop.set(true);
                gc.join();
            }
            assertEquals(n, calls);
        }
    }

    static void assertIdentical(EdgeAttribution want, EdgeAttribution got, String what) {
        assertEquals(want.score(), got.score(), 0.0, what + ": score");
        List<EdgeAttribution.EdgeValue> w = want.edges(), a = got.edges();
        assertEquals(w.size(), a.size(), what);
        for (int j = 0; j < w.size(); j++) {
            assertEquals(w.get(j).edge(), a.get(j).edge(), what);
            assertEquals(w.get(j).attribution(), a.get(j).attribution(), 0.0, what + ": " + w.get(j).edge());
        }
    }
}
