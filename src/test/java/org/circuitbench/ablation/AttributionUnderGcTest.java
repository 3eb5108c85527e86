package org.circuitbench.ablation;

import org.circuitbench.TestData;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Attribution must not depend on when the garbage collector runs. A scalar that enters an op that
 * autograd records (x · 0.5, x · 0.044715, q kᵀ · scale) must outlive the backward pass; in DJL 0.36 the
 * {@code (Number)} overloads wrap a 4-byte buffer that is freed right after the op, and a GC before
 * the backward pass let it read freed memory (docs/djl-scalar-lifetime.md). With a thread that does
 * nothing but collect garbage, every call must give exactly what a call without it gives.
 * <p>
 * Each check runs in a JVM of its own with a small heap ({@link #main}), where a full collection
 * takes milliseconds, so that many land inside every call. In the suite's JVM, with every earlier
 * test's windows on the heap, one collection took about a second and this class about 15 minutes.
 */
class AttributionUnderGcTest {

    @Test
    void attributionIsIdenticalWithAGarbageCollectingThreadBeside() throws Exception {
        inChildJvm("eap", 40); // before the fix, 374 of 479 such calls were wrong
    }

    /** EAP-IG's interpolations and its many backward passes, both variants (issue 19 §3). */
    @Test
    void integratedGradientsAreIdenticalWithAGarbageCollectingThreadBeside() throws Exception {
        inChildJvm("eap-ig-inputs", 6);
        inChildJvm("eap-ig-activations", 6);
    }

    private static void inChildJvm(String method, int calls) throws Exception {
        List<String> cmd = List.of(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-Dai.djl.pytorch.num_threads=1", "-Dai.djl.pytorch.num_interop_threads=1", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), AttributionUnderGcTest.class.getName(), method, Integer.toString(calls));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("OMP_NUM_THREADS", "1");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), out);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains(method + ": " + calls + " of " + calls + " calls identical under "), out);
        System.out.println(out.lines().filter(l -> l.startsWith(method + ": ")).findFirst().orElseThrow()); // the collections made, for the report
    }

    /** The check in this JVM: {@code method calls}; prints how many calls were identical, or throws. */
    public static void main(String[] args) throws Exception {
        AttributionMethod method = switch (args[0]) {
            case "eap" -> AttributionMethod.EAP;
            case "eap-ig-inputs" -> new AttributionMethod(AttributionMethod.Kind.IG_INPUTS, 3, AttributionMethod.Rule.LEFT);
            case "eap-ig-activations" -> new AttributionMethod(AttributionMethod.Kind.IG_ACTIVATIONS, 1, AttributionMethod.Rule.RIGHT);
            default -> throw new IllegalArgumentException(args[0]);
        };
        long collections = underGc(method, Integer.parseInt(args[1]));
        System.out.println(args[0] + ": " + args[1] + " of " + args[1] + " calls identical under " + collections + " collections");
        System.exit(0);
    }

    /** Runs {@code n} calls beside a collecting thread, each compared bit for bit with a quiet call; returns the collections made. */
    private static long underGc(AttributionMethod method, int n) throws Exception {
        AblationTask task = TestData.task(TestData.fixture("words-months-seqcont-4x4"));
        try (EdgeEvaluator ev = new EdgeEvaluator(task, false)) {
            EdgeGraph g = ev.graph();
            List<EdgeCircuit> states = List.of(EdgeCircuit.all(g), EdgeEvaluatorTest.randomEdges(g, new java.util.SplittableRandom(5)));
            EdgeAttribution[] quiet = new EdgeAttribution[states.size()];
            for (int i = 0; i < quiet.length; i++) quiet[i] = ev.attributor().attribute(states.get(i), method);

            AtomicBoolean stop = new AtomicBoolean();
            long[] collections = new long[1];
            Thread gc = Thread.ofPlatform().daemon().start(() -> {
                while (!stop.get()) {
                    System.gc();
                    collections[0]++;
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
            return collections[0];
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
