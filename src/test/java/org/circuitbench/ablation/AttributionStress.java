package org.circuitbench.ablation;

import org.circuitbench.model.DeviceChoice;
import org.circuitbench.model.LoadedModel;
import org.circuitbench.task.TaskFiles;

import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A diagnostic tool, not a test: attributes on a shared evaluator, again and again, while one
 * thread scores with the fast evaluator and another builds evaluators and scores with them, as the
 * app's live lane and work lane do; prints each bad call. On the demo model about one call in 50
 * went bad on this project's 2-core machine until the scalars of the autograd path outlived the
 * backward pass (docs/djl-scalar-lifetime.md); since then none.
 * <pre>
 *   mvn -q -B -o test-compile dependency:copy-dependencies@copy-runtime-libs
 *   java --enable-native-access=ALL-UNNAMED -cp "target/classes:target/test-classes:target/lib/*" \
 *       org.circuitbench.ablation.AttributionStress samples/models/seqcont-tiny \
 *       src/test/data/fixtures/digits-seqcont-tiny/task.json 60
 * </pre>
 */
public final class AttributionStress {
    private AttributionStress() {
    }

    public static void main(String[] args) throws Exception {
        LoadedModel m = LoadedModel.open("stress", Path.of(args[0]), DeviceChoice.resolve("cpu"));
        AblationTask t = AblationTask.prepare(m, TaskFiles.read(Path.of(args[1])));
        int calls = Integer.parseInt(args[2]);
        Circuit c = t.allHeads().without(Node.head(0, 0)).without(Node.head(9 % m.config().nLayer(), 1));
        AtomicBoolean stop = new AtomicBoolean();
        int bad = 0;
        try (EdgeEvaluator shared = new EdgeEvaluator(t); FastEvaluator fast = new FastEvaluator(t)) {
            EdgeGraph g = shared.graph();
            EdgeCircuit state = EdgeCircuit.induced(g, c);
            Thread live = Thread.ofPlatform().start(() -> {
                SplittableRandom r = new SplittableRandom(1);
                while (!stop.get()) fast.score(c.without(Node.head(r.nextInt(g.layers()), r.nextInt(g.heads()))));
            });
            Thread work = Thread.ofPlatform().start(() -> {
                while (!stop.get()) {
                    try (EdgeEvaluator own = new EdgeEvaluator(t, false)) {
                        own.score(EdgeCircuit.all(g));
                    }
                }
            });
            for (int i = 0; i < calls; i++) {
                try {
                    synchronized (shared) {
                        shared.attributor().attribute(state);
                    }
                } catch (IllegalStateException e) {
                    bad++;
                    System.out.println("call " + i + ": " + e.getMessage());
                }
            }
            stop.set(true);
            live.join();
            work.join();
        }
        System.out.println(bad + " bad calls of " + calls);
        System.exit(0); // PyTorch's threads
    }
}
