package org.circuitbench.explain;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import org.circuitbench.TestData;
import org.circuitbench.ablation.AblationTask;
import org.circuitbench.ablation.Node;
import org.circuitbench.model.Attention;
import org.circuitbench.model.Block;
import org.circuitbench.model.Gpt2Tokenizer;
import org.circuitbench.model.HookPoint;
import org.circuitbench.session.SampleSessions;
import org.circuitbench.task.BuiltinLists;
import org.circuitbench.task.Prompt;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * OV scores against a direct computation written here the way seqcont_circuits writes it: the
 * whole ln_f on o, the full unembedding, top 5 decoded to strings and compared with the word and
 * " " + word; under each definition, the ln_1 of the head's own layer (as-run) or of layer 1.
 */
class OvScoresTest {

    /** The successor as the paper means it, written out for the two fixture tasks (numerals, months). */
    private static String successor(String word) {
        if (word.chars().allMatch(Character::isDigit)) return Integer.toString(Integer.parseInt(word) + 1);
        int m = BuiltinLists.MONTHS.indexOf(word);
        return m < 0 ? null : BuiltinLists.MONTHS.get((m + 1) % 12);
    }

    /** {next, copy} in percent for one head, directly, under {@code definition}. */
    static double[] direct(AblationTask task, Node.Head head, OvDefinition definition) {
        int lnLayer = definition == OvDefinition.AS_RUN ? head.layer() : 1; // written out, not OvDefinition.lnLayer
        Gpt2Tokenizer tok = task.loaded().tokenizer();
        List<Prompt> prompts = task.tokenized().task().clean();
        int next = 0, copy = 0, pairs = 0;
        try (NDScope ignored = new NDScope()) {
            NDArray[] resid1 = new NDArray[1];
            task.model().forward(task.tokens(), (p, l, a) -> {
                if (p == HookPoint.RESID_PRE && l == 1) resid1[0] = a;
                return a;
            });
            NDArray x = task.model().blocks().get(lnLayer).ln1().forward(resid1[0]);   // [b, pos, d]: that layer's ln_1
            Block b = task.model().blocks().get(head.layer());
            try (Attention.HeadWeights w = b.attn().perHead()) {
                NDArray wv = w.qkv().get(3 * head.head() + 2), bv = w.qkvBias().get(3 * head.head() + 2), wo = w.out().get(head.head());
                List<long[]> at = new ArrayList<>(); // {prompt, position}
                for (int i = 0; i < prompts.size(); i++) {
                    for (int pos : new TreeMap<>(prompts.get(i).positions()).values()) at.add(new long[] {i, pos});
                }
                long t = task.tokenized().maxLength();
                NDArray rows = x.reshape(-1, x.getShape().get(2)).get(x.getManager().create(at.stream().mapToLong(r -> r[0] * t + r[1]).toArray()));
                NDArray o = rows.matMul(wv).add(bv).matMul(wo);                            // [pairs, d]
                long[] top = task.model().logits(o).topK(5, -1).get(1).toLongArray();     // ln_f, then the full unembedding
                for (int r = 0; r < at.size(); r++) {
                    List<String> words = new ArrayList<>();
                    for (int k = 0; k < 5; k++) words.add(tok.decode(new long[] {top[r * 5 + k]}));
                    String word = tok.decode(new long[] {task.tokenized().cleanTokens((int) at.get(r)[0])[(int) at.get(r)[1]]}).trim();
                    String succ = successor(word);
                    pairs++;
                    if (words.contains(word) || words.contains(" " + word)) copy++;
                    if (succ != null && (words.contains(succ) || words.contains(" " + succ))) next++;
                }
            }
        }
        return new double[] {100.0 * next / pairs, 100.0 * copy / pairs};
    }

    @Test
    void scoresMatchADirectComputationUnderEachDefinition() {
        for (AblationTask task : List.of(TestData.task(TestData.fixture("digits-seqcont-tiny")), monthsOn4x4())) {
            String c = task.loaded().name();
            var cfg = task.model().config();
            List<Node.Head> heads = new ArrayList<>();
            for (int h = 0; h < cfg.nHead(); h++) heads.add(Node.head(0, h));
            for (int h = 0; h < cfg.nHead(); h += 3) heads.add(Node.head(cfg.nLayer() - 3, h));
            java.util.Map<OvDefinition, OvScores> byDefinition = new java.util.EnumMap<>(OvDefinition.class);
            for (OvDefinition d : OvDefinition.values()) {
                OvScores s = new Explainer(task, d).ov(Scope.FULL, heads);
                byDefinition.put(d, s);
                assertEquals(d, s.definition());
                boolean someHit = false;
                for (Node.Head h : heads) {
                    double[] want = direct(task, h, d);
                    assertEquals(want[0], s.next(h.layer(), h.head()), 1e-9, c + " " + d.id + " next " + h);
                    assertEquals(want[1], s.copy(h.layer(), h.head()), 1e-9, c + " " + d.id + " copy " + h);
                    someHit |= want[0] > 0 || want[1] > 0;
                }
                assertTrue(someHit, "a test where nothing ever hits would not test the hits");
                assertTrue(Double.isNaN(s.next(1, 1)) && Double.isNaN(s.copy(1, 1)), "heads not asked for are NaN");
            }
            OvScores a = byDefinition.get(OvDefinition.AS_RUN), b = byDefinition.get(OvDefinition.LAYER1);
            assertTrue(heads.stream().anyMatch(h -> a.next(h.layer(), h.head()) != b.next(h.layer(), h.head())
                            || a.copy(h.layer(), h.head()) != b.copy(h.layer(), h.head())),
                    c + ": the two definitions give other scores on some heads, so the test tells them apart");
        }
    }

    @Test
    void theDefinitionsAgreeOnLayerOnesHeadsAndTheDefaultIsAsRun() {
        AblationTask task = TestData.task(TestData.fixture("digits-seqcont-tiny"));
        List<Node.Head> layer1 = List.of(Node.head(1, 0), Node.head(1, 5), Node.head(1, 11));
        OvScores a = new Explainer(task, OvDefinition.AS_RUN).ov(Scope.FULL, layer1), b = new Explainer(task, OvDefinition.LAYER1).ov(Scope.FULL, layer1);
        for (Node.Head h : layer1) {
            assertEquals(a.next(1, h.head()), b.next(1, h.head()), 0.0, "layer 1's own ln_1 is layer 1's: " + h);
            assertEquals(a.copy(1, h.head()), b.copy(1, h.head()), 0.0, h.toString());
        }
        assertEquals(OvDefinition.AS_RUN, new Explainer(task).ovDefinition(), "reproduce's published 87.37 % / 59.28 % are as-run's");
        assertEquals(OvDefinition.LAYER1, OvDefinition.parse(" Layer1 "));
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> OvDefinition.parse("layer-1"));
        assertTrue(e.getMessage().startsWith("Unknown OV definition 'layer-1'; give as-run") && e.getMessage().contains("layer1"), e.getMessage());
    }

    /** The sample months task (labels S1..S3, from the template) on the 4 × 4 model. */
    private static AblationTask monthsOn4x4() {
        try {
            var m = TestData.model(TestData.model4x4());
            return AblationTask.prepare(m, SampleSessions.months().generate(m.tokenizer()::encode));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void successorsFollowTheIssuesRule() {
        assertEquals("5", Successors.next("4"));
        assertEquals("100", Successors.next("99"));
        assertEquals("five", Successors.next("four"));
        assertNull(Successors.next("twenty"));
        assertEquals("April", Successors.next("March"));
        assertEquals("January", Successors.next("December"));
        assertEquals("Monday", Successors.next("Sunday"));
        assertNull(Successors.next("apple"));
        assertNull(Successors.next("march"), "lists match exactly, as the paper compares strings");
        assertEquals("5", Successors.stripLeadingSpace(" 5"));
        assertEquals(" 5", Successors.stripLeadingSpace("  5"), "only one leading space is the token's");
    }

    @Test
    void pairsAreEveryLabelledTokenOfEveryCleanPrompt() {
        AblationTask task = TestData.task(TestData.fixture("digits-seqcont-tiny"));
        var pairs = new Explainer(task).labelledTokens();
        assertEquals(400, pairs.size());
        var first = pairs.get(0);
        assertEquals("S1", first.label());
        assertEquals("1", first.text());
        long[] five = task.loaded().tokenizer().encode(" 5");
        var s4 = pairs.get(3);
        assertEquals("S4", s4.label());
        assertEquals("4", s4.text());
        assertTrue(Arrays.stream(s4.nextIds()).anyMatch(id -> id == five[0]), "' 5' is a hit for the successor of 4");
        assertFalse(Arrays.stream(s4.copyIds()).anyMatch(id -> id == five[0]));
    }
}
