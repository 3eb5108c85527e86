package org.circuitbench.explain;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import org.circuitbench.TestData;
import org.circuitbench.ablation.AblationTask;
import org.circuitbench.ablation.AttentionPatterns;
import org.circuitbench.ablation.Circuit;
import org.circuitbench.ablation.Edge;
import org.circuitbench.ablation.EdgeAttribution;
import org.circuitbench.ablation.EdgeCircuit;
import org.circuitbench.ablation.EdgeEvaluator;
import org.circuitbench.ablation.Node;
import org.circuitbench.model.Attention;
import org.circuitbench.model.Block;
import org.circuitbench.model.Gpt2Tokenizer;
import org.circuitbench.model.HookPoint;
import org.circuitbench.session.SampleSessions;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the head inspector asks of one head: its OV top tokens (the same hits as the OV scores, the
 * same tokens as a direct computation), its attention pattern in each kind of scope, and the
 * attribution estimate of each node's drop.
 */
class OneHeadTest {

    /** The seed's digits task (S1 to S4) on the 4 × 4 model. */
    static AblationTask digits4x4() {
        try {
            var m = TestData.model(TestData.model4x4());
            return AblationTask.prepare(m, SampleSessions.digits().generate(m.tokenizer()::encode));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static final Circuit SOME = Circuit.parse("0.0,0.1,1.0,1.2,2.1,2.3,3.0,3.1,3.3", 4, 4);

    @Test
    void ovTokensHitWhatTheOvScoresCountAndAreTheDirectTopFive() {
        AblationTask task = digits4x4();
        Explainer ex = new Explainer(task);
        assertEquals(List.of("S1", "S2", "S3", "S4", "end"), ex.attentionLabels());
        for (Scope scope : List.of(Scope.FULL, Scope.nodes(SOME))) {
            OvScores scores = ex.ov(scope);
            for (int l = 0; l < 4; l++) {
                for (int h = 0; h < 4; h++) {
                    if (scope != Scope.FULL && h != l) continue; // every head on the full model, one per layer on the circuit
                    OvTokens t = ex.ovTokens(scope, Node.head(l, h));
                    assertEquals(scores.pairs(), t.entries().size());
                    long next = t.entries().stream().filter(OvTokens.Entry::next).count();
                    long copy = t.entries().stream().filter(OvTokens.Entry::copy).count();
                    assertEquals(scores.next(l, h), 100.0 * next / scores.pairs(), 1e-12, scope.label() + " next " + l + "." + h);
                    assertEquals(scores.copy(l, h), 100.0 * copy / scores.pairs(), 1e-12, scope.label() + " copy " + l + "." + h);
                }
            }
        }
        // the tokens themselves, for one head, against the plain computation (whole ln_f, full unembedding), under each definition
        Node.Head head = Node.head(3, 1);
        OvTokens t = ex.ovTokens(Scope.FULL, head);
        for (OvDefinition d : OvDefinition.values()) {
            OvTokens td = new Explainer(task, d).ovTokens(Scope.FULL, head);
            List<List<String>> direct = directTop(task, head, d);
            assertEquals(direct.size(), td.entries().size());
            for (int i = 0; i < direct.size(); i++) assertEquals(direct.get(i), td.entries().get(i).top(), d.id + " pair " + i);
        }
        assertEquals(new Explainer(task, OvDefinition.DEFAULT).ovTokens(Scope.FULL, head), t, "the default is as-run");
        OvTokens.Entry first = t.forPrompt(0).get(0);
        assertEquals("S1", first.label());
        assertEquals(task.loaded().tokenizer().decode(new long[] {task.tokenized().cleanTokens(0)[task.tokenized().task().clean().get(0)
                .positions().get("S1")]}).strip(), first.token());
        assertEquals(4, t.forPrompt(7).size());
    }

    /** Every (prompt, label) pair's top 5 decoded tokens, prompts in order and labels S1 to S4, computed plainly. */
    static List<List<String>> directTop(AblationTask task, Node.Head head, OvDefinition definition) {
        Gpt2Tokenizer tok = task.loaded().tokenizer();
        List<List<String>> out = new ArrayList<>();
        try (NDScope ignored = new NDScope()) {
            NDArray[] resid1 = new NDArray[1];
            task.model().forward(task.tokens(), (p, l, a) -> {
                if (p == HookPoint.RESID_PRE && l == 1) resid1[0] = a;
                return a;
            });
            // the head's own layer's ln_1 (as-run) or layer 1's
            NDArray x = task.model().blocks().get(definition == OvDefinition.AS_RUN ? head.layer() : 1).ln1().forward(resid1[0]);
            Block b = task.model().blocks().get(head.layer());
            try (Attention.HeadWeights w = b.attn().perHead()) {
                NDArray wv = w.qkv().get(3 * head.head() + 2), bv = w.qkvBias().get(3 * head.head() + 2), wo = w.out().get(head.head());
                var prompts = task.tokenized().task().clean();
                long t = task.tokenized().maxLength();
                List<Long> rows = new ArrayList<>();
                for (int i = 0; i < prompts.size(); i++) {
                    for (String label : List.of("S1", "S2", "S3", "S4")) rows.add(i * t + prompts.get(i).positions().get(label));
                }
                NDArray at = x.reshape(-1, x.getShape().get(2)).get(x.getManager().create(rows.stream().mapToLong(Long::longValue).toArray()));
                long[] top = task.model().logits(at.matMul(wv).add(bv).matMul(wo)).topK(5, -1).get(1).toLongArray();
                for (int r = 0; r < rows.size(); r++) {
                    List<String> words = new ArrayList<>();
                    for (int k = 0; k < 5; k++) words.add(tok.decode(new long[] {top[r * 5 + k]}));
                    out.add(words);
                }
            }
        }
        return out;
    }

    @Test
    void theHeadsPatternInEachKindOfScope() {
        AblationTask task = digits4x4();
        Explainer ex = new Explainer(task);
        Node.Head head = Node.head(2, 1); // in SOME
        for (int prompt : new int[] {0, 5}) {
            assertPattern(AttentionPatterns.compute(task, prompt, head, null), ex.pattern(Scope.FULL, prompt, head), 0);
            AttentionPatterns.Pattern nodes = ex.pattern(Scope.nodes(SOME), prompt, head);
            assertPattern(AttentionPatterns.compute(task, prompt, head, SOME), nodes, 0);
            // the edges a node circuit induces feed a head of it the same stream as the node pass
            try (EdgeEvaluator ev = new EdgeEvaluator(task, false)) {
                AttentionPatterns.Pattern edges = ex.pattern(Scope.edges(EdgeCircuit.induced(ev.graph(), SOME)), prompt, head);
                assertPattern(nodes, edges, 1e-5f);
                assertTrue(edges.ablated());
            }
            assertFalse(nodes.weights()[2][1] == ex.pattern(Scope.FULL, prompt, head).weights()[2][1]
                    && nodes.weights()[3][0] == ex.pattern(Scope.FULL, prompt, head).weights()[3][0], "the circuit's pattern is its own");
        }
    }

    static void assertPattern(AttentionPatterns.Pattern want, AttentionPatterns.Pattern got, float tolerance) {
        assertArrayEquals(want.tokens(), got.tokens());
        assertEquals(want.weights().length, got.weights().length);
        for (int q = 0; q < want.weights().length; q++) assertArrayEquals(want.weights()[q], got.weights()[q], tolerance, "query " + q);
    }

    @Test
    void theEstimatedDropIsMinusTheSumOfTheNodesKeptOutEdges() {
        AblationTask task = digits4x4();
        try (EdgeEvaluator ev = new EdgeEvaluator(task, false)) {
            EdgeCircuit induced = EdgeCircuit.induced(ev.graph(), SOME);
            EdgeAttribution a = ev.attributor().attribute(induced);
            Map<Node, Double> sum = new HashMap<>();
            for (EdgeAttribution.EdgeValue e : a.edges()) {
                if (e.edge().sender() instanceof Node n) sum.merge(n, e.attribution(), Double::sum);
            }
            HeadAttribution h = HeadAttribution.compute(ev, Scope.nodes(SOME));
            assertEquals(a.score(), h.score(), 1e-9);
            for (int l = 0; l < 4; l++) {
                for (int k = 0; k < 4; k++) {
                    Node.Head n = Node.head(l, k);
                    if (SOME.contains(n)) assertEquals(-sum.get(n), h.drop(n), 1e-9, n.toString());
                    else assertTrue(Double.isNaN(h.drop(n)), n + " sends nothing");
                }
                assertEquals(-sum.get(Node.mlp(l)), h.drop(Node.mlp(l)), 1e-9, "MLP " + l);
            }
            assertEquals(EdgeCircuit.all(ev.graph()), HeadAttribution.state(ev.graph(), Scope.FULL));
            assertEquals(induced, HeadAttribution.state(ev.graph(), Scope.nodes(SOME)));
            // the estimate is of a real drop: the head it ranks first changes the score when removed
            Node.Head top = null;
            for (Node n : SOME.nodes()) if (top == null || h.drop(n) > h.drop(top)) top = (Node.Head) n;
            assertTrue(h.drop(top) > 0);
            List<Edge> out = new ArrayList<>();
            for (Edge e : induced.edges()) if (e.sender().equals(top)) out.add(e);
            EdgeCircuit without = induced;
            for (Edge e : out) without = without.without(e);
            assertTrue(ev.score(without) < a.score(), "removing " + top + " lowers the score, as estimated");
        }
    }
}
