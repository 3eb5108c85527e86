package org.circuitbench.ablation;

import org.circuitbench.TestData;
import java.util.*;

public final class TimeTest {
    public static void main(String[] a) {
        AblationTask task = TestData.task(TestData.fixture(a[0]));
        SplittableRandom rng = new SplittableRandom(11);
        try (EdgeEvaluator fresh = new EdgeEvaluator(task, false, new DevicePolicy(1, 1));
             EdgeEvaluator fast = new EdgeEvaluator(task, true, new DevicePolicy(1, 1));
             EdgeEvaluator batched = new EdgeEvaluator(task, true, new DevicePolicy(4, 4))) {
            EdgeHookReference ref = new EdgeHookReference(task);
            EdgeGraph g = fresh.graph();
            List<Edge> order = g.pruningOrder();
            for (double keep : new double[] {0.02, 0.3, 0.9, 0.98}) {
                EdgeCircuit c = EdgeEvaluatorTest.randomEdges(g, rng, keep);
                long t0 = System.nanoTime(); ref.score(c); long t1 = System.nanoTime(); fresh.score(c); long t2 = System.nanoTime();
                fast.setBase(c); long t3 = System.nanoTime(); batched.setBase(c); long t4 = System.nanoTime();
                EdgeCircuit t = c.toggled(order.get(rng.nextInt(order.size())));
                fast.score(t); long t5 = System.nanoTime();
                batched.scores(List.of(t, c.toggled(order.get(3)))); long t6 = System.nanoTime();
                System.out.printf("keep %.2f ref %.3f fresh %.3f setBase %.3f setBaseB %.3f score %.3f scoresB %.3f%n", keep,
                    (t1-t0)/1e9, (t2-t1)/1e9, (t3-t2)/1e9, (t4-t3)/1e9, (t5-t4)/1e9, (t6-t5)/1e9);
            }
        }
        System.exit(0);
    }
}
