package org.circuitbench.ui.heads;

import org.circuitbench.ablation.AblationTask;
import org.circuitbench.ablation.AttentionPatterns;
import org.circuitbench.ablation.Circuit;
import org.circuitbench.ablation.EdgeAttribution;
import org.circuitbench.ablation.EdgeCircuit;
import org.circuitbench.ablation.EdgeEvaluator;
import org.circuitbench.ablation.Node;
import org.circuitbench.explain.DirectLogitAttribution;
import org.circuitbench.explain.Explainer;
import org.circuitbench.explain.HeadTypes;
import org.circuitbench.explain.LabelAttention;
import org.circuitbench.explain.LogitLens;
import org.circuitbench.explain.OvScores;
import org.circuitbench.explain.OvTokens;
import org.circuitbench.explain.Scope;
import org.circuitbench.search.Importance;
import org.circuitbench.session.RecoveryStore;
import org.circuitbench.session.SampleSessions;
import org.circuitbench.session.Session;
import org.circuitbench.session.SessionFiles;
import org.circuitbench.ui.app.MainViewModel;
import org.circuitbench.ui.common.BackgroundRunner;
import org.circuitbench.ui.common.ScriptedDialogs;
import org.circuitbench.ui.common.SyncRunner;
import org.circuitbench.ui.common.TestServices;
import org.circuitbench.ui.common.TestSessions;
import org.circuitbench.ui.common.Workspace;
import org.circuitbench.ui.grid.GridViewModel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Heads view's logic without a window, on the 4 × 4 model with the seed's digits task (labels
 * S1 to S4): every heatmap, lens line, estimate and inspector value is the engine's; results
 * belong to their task, model and scope, survive the session file and nothing of one session is
 * left in the next.
 */
class HeadsViewModelTest {
    @TempDir
    Path dir;
    Workspace ws;
    ScriptedDialogs dialogs;
    RecoveryStore store;
    MainViewModel vm;
    HeadsViewModel heads;

    @BeforeEach
    void start() throws Exception {
        ws = new Workspace();
        dialogs = new ScriptedDialogs();
        store = new RecoveryStore(dir.resolve("user"));
        vm = newVm(SyncRunner.immediate());
        vm.apply(digits4x4(), null);
        heads = vm.heads();
    }

    MainViewModel newVm(BackgroundRunner runner) {
        return new MainViewModel(TestServices.of(runner, dialogs, ws, dir), store, dir.resolve("user"));
    }

    @AfterEach
    void stop() {
        store.close();
        assertTrue(dialogs.allAnswered(), "every scripted answer was used");
        ws.close();
    }

    /** The seed's digits task and the words fixture on the 4 × 4 model, digits shown with all heads. */
    static Session digits4x4() throws Exception {
        Session words = TestSessions.fourByFour();
        return words.withTasks(List.of(SampleSessions.task(SampleSessions.digits()), words.tasks().get(0)))
                .withUi(new Session.UiState("digits increasing", "all", null, null));
    }

    AblationTask task() {
        return ws.task(Workspace.TaskKey.of(vm.selectedTaskProperty().get())).orElseThrow();
    }

    void choose(HeadMeasure.Kind kind) {
        heads.selectedMeasureProperty().set(HeadMeasure.of(kind));
    }

    void scope(int i) {
        heads.selectedScopeProperty().set(heads.scopes().get(i));
    }

    static void assertGrid(double[][] want, double[][] got, String what) {
        assertEquals(want.length, got.length, what);
        for (int l = 0; l < want.length; l++) assertArrayEquals(want[l], got[l], 1e-9, what + ", layer " + l);
    }

    /** The circuit most tests use: a few heads of every layer out. */
    static Circuit someHeads() {
        return Circuit.parse("0.0,0.1,1.0,1.2,2.1,2.3,3.0,3.1,3.3", 4, 4);
    }

    @Test
    void everyHeatmapIsTheEnginesForTheFullModelAndTheGridsCircuit() {
        assertEquals(List.of("DLA", "attention to S1", "attention to S2", "attention to S3", "attention to S4", "attention to end",
                        "OV next", "OV copy", "previous token", "duplicate token", "induction", "exact importance", "attribution (estimate)"),
                heads.measures().stream().map(HeadMeasure::name).toList(), "the task's labels, before anything is computed");
        assertNull(heads.heatmapProperty().get());
        assertTrue(heads.placeholderProperty().get().contains("not computed"), heads.placeholderProperty().get());
        heads.compute();
        assertFalse(heads.busyProperty().get());
        Explainer engine = new Explainer(task());
        DirectLogitAttribution dla = engine.dla(Scope.FULL);
        Heatmap h = heads.heatmapProperty().get();
        assertGrid(dla.heads(), h.values(), "DLA");
        assertArrayEquals(dla.mlp(), h.mlp(), 1e-9, "DLA has the MLP column");
        assertEquals(Circuit.all(4, 4), h.outline(), "the full model outlines the grid's circuit");

        LabelAttention att = engine.attention(Scope.FULL);
        heads.selectedMeasureProperty().set(HeadMeasure.attention("S2"));
        assertGrid(att.values()[att.labels().indexOf("S2")], heads.heatmapProperty().get().values(), "attention to S2");
        assertNull(heads.heatmapProperty().get().mlp(), "attention has no MLP column");
        OvScores ov = engine.ov(Scope.FULL);
        choose(HeadMeasure.Kind.OV_NEXT);
        assertGrid(ov.next(), heads.heatmapProperty().get().values(), "OV next");
        choose(HeadMeasure.Kind.OV_COPY);
        assertGrid(ov.copy(), heads.heatmapProperty().get().values(), "OV copy");
        HeadTypes types = engine.headTypes();
        choose(HeadMeasure.Kind.INDUCTION);
        assertGrid(types.induction(), heads.heatmapProperty().get().values(), "induction");
        choose(HeadMeasure.Kind.PREVIOUS_TOKEN);
        assertGrid(types.previousToken(), heads.heatmapProperty().get().values(), "previous token");

        // the grid's circuit: its own pass, outlined; the lens beside the full model's
        vm.grid().setCircuit(someHeads());
        scope(1);
        choose(HeadMeasure.Kind.DLA);
        assertNull(heads.heatmapProperty().get(), "nothing of another pass is shown for the circuit");
        heads.compute();
        assertGrid(engine.dla(Scope.nodes(someHeads())).heads(), heads.heatmapProperty().get().values(), "the circuit's DLA");
        assertEquals(someHeads(), heads.heatmapProperty().get().outline());
        LogitLens full = engine.lens(Scope.FULL), circuit = engine.lens(Scope.nodes(someHeads()));
        assertEquals(2, heads.lens().size());
        assertArrayEquals(full.afterMlp(), heads.lens().get(0).lens().afterMlp(), 1e-9);
        assertArrayEquals(circuit.afterAttn(), heads.lens().get(1).lens().afterAttn(), 1e-9);
        choose(HeadMeasure.Kind.OV_NEXT);
        assertGrid(engine.ov(Scope.nodes(someHeads())).next(), heads.heatmapProperty().get().values(), "the circuit's OV");

        // another circuit on the grid is another scope: its numbers are not the old circuit's
        vm.grid().toggle(Node.head(1, 1));
        assertNull(heads.heatmapProperty().get());
        vm.grid().toggle(Node.head(1, 1)); // back: the stored numbers show again, nothing recomputed
        assertNotNull(heads.heatmapProperty().get());
        assertTrue(vm.document().dirtyProperty().get(), "results are session content");
    }

    /** Each node's estimated drop as the engine gives it: minus the sum of its kept out-edges' attributions at the induced edges. */
    Map<Node, Double> engineEstimate(Circuit c) {
        Map<Node, Double> out = new HashMap<>();
        try (EdgeEvaluator ev = new EdgeEvaluator(task(), false)) {
            EdgeAttribution a = ev.attributor().attribute(EdgeCircuit.induced(ev.graph(), c));
            for (EdgeAttribution.SenderValue s : a.senders()) if (s.sender() instanceof Node n) out.put(n, -s.attribution());
        }
        return out;
    }

    @Test
    void theEstimateIsOneBackwardPassAndTheScatterSetsItAgainstTheExactSweep() throws Exception {
        vm.grid().setCircuit(someHeads());
        scope(1);
        heads.estimate(); // from the button, on another measure: it says what it did
        assertTrue(heads.statusProperty().get().startsWith("Estimated each node's drop"), heads.statusProperty().get());
        choose(HeadMeasure.Kind.ATTRIBUTION);
        Heatmap h = heads.heatmapProperty().get();
        assertNotNull(h, "choosing the estimate computes it (one pass, in the live lane)");
        Map<Node, Double> want = engineEstimate(someHeads());
        for (int l = 0; l < 4; l++) {
            for (int k = 0; k < 4; k++) {
                Node.Head n = Node.head(l, k);
                if (someHeads().contains(n)) assertEquals(want.get(n), h.values()[l][k], 1e-9, "estimate of " + n);
                else assertTrue(Double.isNaN(h.values()[l][k]), n + " is outside the circuit: no estimate");
            }
            assertEquals(want.get(Node.mlp(l)), h.mlp()[l], 1e-9, "MLPs run in the circuit, so they have an estimate too");
        }
        assertTrue(heads.scatter().isEmpty(), "no exact sweep yet");

        heads.runExact();
        Importance.Result exact = vm.analysis().importanceResultProperty().get();
        assertEquals(someHeads(), exact.circuit());
        assertEquals(someHeads().size(), heads.scatter().size());
        for (HeadsViewModel.ScatterPoint p : heads.scatter()) {
            double d = exact.entries().stream().filter(e -> e.node().equals(p.node())).findFirst().orElseThrow().drop(exact.circuitScore());
            assertEquals(d, p.exact(), 1e-12, "exact of " + p.node());
            assertEquals(want.get(p.node()), p.estimate(), 1e-9, "estimate of " + p.node());
        }
        assertTrue(heads.scatterCaptionProperty().get().startsWith(someHeads().size() + " nodes · mean |estimate − exact|"));
        choose(HeadMeasure.Kind.EXACT);
        Node.Head first = (Node.Head) exact.entries().get(0).node();
        assertEquals(exact.entries().get(0).drop(exact.circuitScore()), heads.heatmapProperty().get().values()[first.layer()][first.head()], 1e-12);

        // the CSV has both, node by node
        Path csv = dir.resolve("drops.csv");
        dialogs.answer(csv);
        heads.exportCsv();
        List<String> lines = Files.readAllLines(csv);
        assertEquals("node,estimated_drop,exact_drop", lines.get(0));
        assertEquals(someHeads().size(), lines.size() - 1, "one row per node that has a value");
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",");
            Node n = Node.parse(f[0]);
            assertEquals(want.get(n), Double.parseDouble(f[1]), 1e-9);
            assertEquals(heads.scatter().stream().filter(p -> p.node().equals(n)).findFirst().orElseThrow().exact(), Double.parseDouble(f[2]), 0);
        }

        // the full model: no exact sweep of all heads exists, so the Exact sweep button says why instead of ranking another circuit
        scope(0);
        heads.runExact();
        assertTrue(heads.statusProperty().get().contains("ranks the grid's circuit"), heads.statusProperty().get());
        assertTrue(heads.placeholderProperty().get().contains("none is available"), heads.placeholderProperty().get());
    }

    @Test
    void theGridsAttributionOverlayShowsTheEstimateWithTheExactDropInTheTooltip() {
        GridViewModel grid = vm.grid();
        grid.setCircuit(someHeads());
        grid.overlayProperty().set(GridViewModel.Overlay.ATTRIBUTION);
        assertTrue(grid.estimateIsCurrent());
        Map<Node, Double> want = engineEstimate(someHeads());
        for (Node n : someHeads().nodes()) assertEquals(want.get(n), grid.estimatedDrop(n), 1e-9, n.toString());
        assertTrue(Double.isNaN(grid.estimatedDrop(Node.head(0, 2))), "a head outside the circuit has no estimate");
        Node.Head h = Node.head(2, 1);
        assertTrue(grid.cellInfo(h).contains(String.format(Locale.ROOT, "estimated drop: %.4f", want.get(h))), grid.cellInfo(h));
        assertTrue(grid.cellInfo(h).contains("exact drop: not swept yet"), grid.cellInfo(h));

        vm.analysis().runImportance(); // the Exact sweep button
        assertEquals(GridViewModel.Overlay.ATTRIBUTION, grid.overlayProperty().get(), "the sweep joins the estimate rather than replacing it");
        Importance.Result r = vm.analysis().importanceResultProperty().get();
        double exact = r.entries().stream().filter(e -> e.node().equals(h)).findFirst().orElseThrow().drop(r.circuitScore());
        assertTrue(grid.cellInfo(h).contains(String.format(Locale.ROOT, "exact drop: %.4f", exact)), grid.cellInfo(h));

        // a click: the estimate follows the circuit; the old sweep is not passed off as this circuit's
        grid.toggle(Node.head(3, 2));
        Circuit now = someHeads().with(Node.head(3, 2));
        assertEquals(now, grid.estimateCircuitProperty().get());
        Map<Node, Double> after = engineEstimate(now);
        for (Node n : now.nodes()) assertEquals(after.get(n), grid.estimatedDrop(n), 1e-9, n.toString());
        assertTrue(Double.isNaN(grid.exactDrop(h)));
        assertTrue(grid.cellInfo(h).contains("exact drop: not swept yet"), grid.cellInfo(h));
    }

    @Test
    void anEstimateOfAnOlderCircuitIsNeverShownAsTheGrids() throws Exception {
        SyncRunner q = SyncRunner.queued();
        MainViewModel m = newVm(q);
        m.apply(digits4x4(), null);
        q.runAll();
        m.grid().overlayProperty().set(GridViewModel.Overlay.ATTRIBUTION);
        assertFalse(m.grid().estimateIsCurrent());
        m.grid().toggle(Node.head(0, 0)); // while the estimate of all heads is computed
        q.runAll();
        Circuit now = Circuit.all(4, 4).without(Node.head(0, 0));
        assertEquals(now, m.grid().circuit());
        assertTrue(m.grid().estimateIsCurrent(), "the newest circuit's estimate was computed after the older one");
        Map<Node, Double> want = engineEstimate(now);
        assertEquals(want.get(Node.head(1, 0)), m.grid().estimatedDrop(Node.head(1, 0)), 1e-9);
        assertTrue(q.started.stream().filter(s -> s.startsWith("LIVE estimate")).count() >= 2);
    }

    /** A session whose task is called "digits increasing" like the first session's but is really the months task. */
    static Session impostor() throws Exception {
        Session words = TestSessions.fourByFour();
        Session.SessionTask months = SampleSessions.task(SampleSessions.months());
        return words.withTasks(List.of(new Session.SessionTask("digits increasing", months.definition(), null, null)))
                .withUi(new Session.UiState("digits increasing", "all", null, null));
    }

    @Test
    void openingAnotherSessionLeavesNothingOfTheLast() throws Exception {
        heads.compute();
        vm.grid().overlayProperty().set(GridViewModel.Overlay.ATTRIBUTION);
        heads.inspect(Node.head(1, 2));
        assertFalse(heads.inspector().rows().isEmpty());
        assertNotNull(heads.inspector().patternProperty().get());
        assertTrue(heads.storedCount() > 0);

        vm.apply(impostor(), null); // session B: a task of the same name, other prompts
        assertEquals(0, heads.storedCount(), "nothing of session A is kept");
        assertNull(heads.heatmapProperty().get());
        assertTrue(heads.lens().isEmpty());
        assertTrue(heads.scatter().isEmpty());
        assertEquals("", heads.statusProperty().get());
        assertNull(heads.inspector().headProperty().get(), "the inspector closes");
        assertTrue(heads.inspector().rows().isEmpty());
        assertNull(heads.inspector().patternProperty().get());
        assertTrue(heads.inspector().ovTokens().isEmpty());
        assertTrue(vm.grid().estimate().isEmpty());
        assertEquals(GridViewModel.Overlay.NONE, vm.grid().overlayProperty().get());
        assertTrue(heads.placeholderProperty().get().contains("not computed"), heads.placeholderProperty().get());
        assertTrue(heads.records().isEmpty(), "and nothing of it is saved with B");
        assertEquals(List.of("DLA", "attention to S1", "attention to S2", "attention to S3", "attention to end"),
                heads.measures().stream().limit(5).map(HeadMeasure::name).toList(), "B's labels");
    }

    @Test
    void aComputationOfTheLastSessionNeverLandsInTheNext() throws Exception {
        SyncRunner q = SyncRunner.queued();
        MainViewModel m = newVm(q);
        m.apply(digits4x4(), null);
        q.runAll();
        m.heads().compute();
        assertTrue(m.heads().busyProperty().get());
        m.apply(impostor(), null);
        assertFalse(m.heads().busyProperty().get());
        q.runAll();
        assertEquals(0, m.heads().storedCount(), "session A's explanation is dropped");
        assertNull(m.heads().heatmapProperty().get());
    }

    @Test
    void cancelStopsBetweenMeasuresAndKeepsWhatFinished() throws Exception {
        SyncRunner q = SyncRunner.queued();
        MainViewModel m = newVm(q);
        m.apply(digits4x4(), null);
        q.runAll();
        m.heads().compute();
        m.heads().cancel();
        q.runAll();
        assertFalse(m.heads().busyProperty().get());
        assertTrue(m.heads().statusProperty().get().startsWith("cancelled"), m.heads().statusProperty().get());
        assertNull(m.heads().heatmapProperty().get(), "cancelled before any measure: nothing to show");
        assertEquals(1, q.started.stream().filter(s -> s.startsWith("WORK explain")).count(), "OV did not start after the cancel");
    }

    @Test
    void editingATaskDropsWhatWasComputedOnItsOldPrompts() {
        heads.compute();
        assertNotNull(heads.heatmapProperty().get());
        vm.editor().cleanSeedProperty().set(vm.editor().cleanSeedProperty().get() + 1);
        assertTrue(vm.editor().apply());
        assertEquals("digits increasing", vm.selectedTaskName());
        assertNull(heads.heatmapProperty().get(), "the old prompts' DLA is not shown for the new ones");
        assertEquals(0, heads.storedCount());
    }

    @Test
    void explanationsAndEstimatesRoundTripThroughTheSessionFile() throws Exception {
        heads.compute();
        vm.grid().setCircuit(someHeads());
        scope(1);
        heads.compute();
        choose(HeadMeasure.Kind.ATTRIBUTION);
        Heatmap estimate = heads.heatmapProperty().get();
        choose(HeadMeasure.Kind.DLA);
        Heatmap dla = heads.heatmapProperty().get();
        Path file = dir.resolve("explained" + SessionFiles.EXTENSION);
        assertTrue(vm.document().saveAs(file));
        String json = Files.readString(file);
        assertTrue(json.contains("\"schemaVersion\" : 3"), "written as schema 3");
        assertTrue(json.contains("\"explanations\""));
        assertTrue(json.contains("\"NaN\""), "a head outside the circuit has no estimate, written as NaN");

        MainViewModel other = newVm(SyncRunner.immediate());
        assertTrue(other.document().open(file));
        HeadsViewModel h2 = other.heads();
        h2.selectedScopeProperty().set(h2.scopes().get(1));
        assertEquals(someHeads(), other.grid().circuit());
        h2.selectedMeasureProperty().set(HeadMeasure.of(HeadMeasure.Kind.DLA));
        assertGrid(dla.values(), h2.heatmapProperty().get().values(), "DLA read back");
        h2.selectedMeasureProperty().set(HeadMeasure.of(HeadMeasure.Kind.ATTRIBUTION));
        assertGrid(estimate.values(), h2.heatmapProperty().get().values(), "estimate read back, NaN included");
        assertEquals(2, h2.lens().size(), "the full model's lens came back too");
        h2.selectedMeasureProperty().set(HeadMeasure.of(HeadMeasure.Kind.DLA)); // the measure shown is saved too: show what vm shows
        assertEquals(SessionFiles.toJson(vm.snapshot()), SessionFiles.toJson(other.snapshot()), "the same session, written again");
        assertFalse(other.document().dirtyProperty().get(), "reading back computed nothing new");
    }

    @Test
    void aVersionOneSessionStillOpensAndIsSavedAsVersionThree() throws Exception {
        Path sample = Path.of("samples/sessions/digits-seqcont-tiny" + SessionFiles.EXTENSION);
        assertTrue(Files.readString(sample).contains("\"schemaVersion\" : 1"), "the samples are version 1 files");
        Session s = SessionFiles.read(sample);
        assertTrue(s.explanations().isEmpty());
        assertTrue(vm.document().open(sample));
        assertEquals(Session.SCHEMA_VERSION, vm.snapshot().schemaVersion());
        assertEquals(3, Session.SCHEMA_VERSION);
    }

    @Test
    void aDamagedExplanationIsNotShownAndSaysSo() throws Exception {
        heads.compute();
        Session good = vm.snapshot();
        Session.ExplanationRecord r = good.explanations().get(0);
        double[][] cut = {r.dla().heads()[0]}; // one layer of four
        Session.ExplanationRecord bad = new Session.ExplanationRecord(r.task(), r.model(), r.scope(), r.logitDiff(), r.fullLogitDiff(),
                new Session.DlaRecord(r.dla().embed(), cut, r.dla().attnBias(), r.dla().mlp(), r.dla().lnBias()), r.lens(), r.attention(),
                r.ov(), r.heads(), r.estimate(), r.seconds());
        vm.apply(good.withExplanations(List.of(bad)), null);
        assertNull(heads.heatmapProperty().get());
        assertTrue(heads.statusProperty().get().contains("is not 4 × 4 like the model"), heads.statusProperty().get());
        assertEquals(List.of(bad), vm.snapshot().explanations(), "saved back as it was: opening and saving loses nothing");
    }

    @Test
    void theInspectorShowsEveryMeasureOfTheHeadItsPatternAndItsOvTokens() {
        vm.grid().setCircuit(someHeads());
        scope(1);
        heads.compute(); // the full model's quick measures, then the circuit's, then its OV
        Node.Head h = Node.head(2, 1);
        heads.inspect(h);
        HeadInspectorViewModel in = heads.inspector();
        assertEquals(1, in.requestsProperty().get());
        assertTrue(in.titleProperty().get().contains("Head 2.1") && in.titleProperty().get().contains("(in it)"), in.titleProperty().get());
        Explainer engine = new Explainer(task());
        Scope circuit = Scope.nodes(someHeads());
        Map<String, HeadInspectorViewModel.Row> rows = new HashMap<>();
        in.rows().forEach(r -> rows.put(r.measure(), r));
        assertEquals(String.format(Locale.ROOT, "%.4f", engine.dla(Scope.FULL).head(2, 1)), rows.get("DLA (logits)").full());
        assertEquals(String.format(Locale.ROOT, "%.4f", engine.dla(circuit).head(2, 1)), rows.get("DLA (logits)").scope());
        assertEquals(String.format(Locale.ROOT, "%.3f", engine.attention(circuit).value("S3", 2, 1)), rows.get("attention to S3").scope());
        assertEquals("–", rows.get("OV next (%)").full(), "the full model's OV was not computed");
        assertEquals(String.format(Locale.ROOT, "%.1f", engine.ov(circuit, List.of(h)).next(2, 1)), rows.get("OV next (%)").scope());
        assertEquals(String.format(Locale.ROOT, "%.3f", engine.headTypes().induction()[2][1]), rows.get("induction").full());
        assertEquals("–", rows.get("exact drop (points)").scope());
        assertTrue(in.hintProperty().get().contains("not computed yet"), "a dash says how to fill it: " + in.hintProperty().get());

        // its pattern and OV tokens on the chosen prompt, on the circuit's pass
        AttentionPatterns.Pattern want = AttentionPatterns.compute(task(), 0, h, someHeads());
        assertArrayEquals(want.tokens(), in.patternProperty().get().tokens());
        for (int q = 0; q < want.weights().length; q++) assertArrayEquals(want.weights()[q], in.patternProperty().get().weights()[q], 1e-7f);
        OvTokens ov = engine.ovTokens(circuit, h);
        assertEquals(ov.forPrompt(0), List.copyOf(in.ovTokens()));
        assertEquals(4, in.ovTokens().size(), "S1 to S4");
        in.promptProperty().set(3);
        assertEquals(ov.forPrompt(3), List.copyOf(in.ovTokens()));
        AttentionPatterns.Pattern p3 = AttentionPatterns.compute(task(), 3, h, someHeads());
        assertArrayEquals(p3.weights()[p3.weights().length - 1], in.patternProperty().get().weights()[p3.weights().length - 1], 1e-7f);

        // the exact and estimated drops join once computed
        heads.runExact();
        choose(HeadMeasure.Kind.ATTRIBUTION);
        in.rows().forEach(r -> rows.put(r.measure(), r));
        Importance.Result r = vm.analysis().importanceResultProperty().get();
        assertEquals(String.format(Locale.ROOT, "%.4f", r.entries().stream().filter(e -> e.node().equals(h)).findFirst().orElseThrow()
                .drop(r.circuitScore())), rows.get("exact drop (points)").scope());
        assertEquals(String.format(Locale.ROOT, "%.4f", engineEstimate(someHeads()).get(h)), rows.get("estimated drop").scope());
    }

    @Test
    void eachMeasureExportsAsCsvAndEachHeatmapAsPng() throws Exception {
        heads.compute();
        Path csv = dir.resolve("dla.csv");
        dialogs.answer(csv);
        heads.exportCsv();
        DirectLogitAttribution dla = new Explainer(task()).dla(Scope.FULL);
        List<String> lines = Files.readAllLines(csv);
        assertEquals("node,dla", lines.get(0));
        assertEquals(dla.entries().size(), lines.size() - 1);
        for (int i = 0; i < dla.entries().size(); i++) {
            String[] f = lines.get(i + 1).split(",");
            assertEquals(dla.entries().get(i).node(), f[0]);
            assertEquals(dla.entries().get(i).value(), Double.parseDouble(f[1]), 1e-9);
        }
        heads.selectedMeasureProperty().set(HeadMeasure.attention("end"));
        Path att = dir.resolve("end.csv");
        dialogs.answer(att);
        heads.exportCsv();
        List<String> a = Files.readAllLines(att);
        assertEquals("node,attention_end", a.get(0));
        assertEquals("3.2," + new Explainer(task()).attention(Scope.FULL).value("end", 3, 2), a.get(1 + 3 * 4 + 2));

        Path lens = dir.resolve("lens.csv");
        dialogs.answer(lens);
        heads.exportLensCsv();
        List<String> l = Files.readAllLines(lens);
        assertEquals("after,full model", l.get(0));
        assertEquals("3.mlp," + new Explainer(task()).lens(Scope.FULL).last(), l.get(8));

        Path png = dir.resolve("heatmap.png");
        dialogs.answer("2×", png); // §2.9: a size is offered, not only the screen's
        double[] scale = {0};
        heads.exportHeatmapPng(x -> {
            scale[0] = x;
            return new byte[] {(byte) 0x89, 'P', 'N', 'G'};
        });
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, Files.readAllBytes(png));
        assertEquals(2.0, scale[0], "drawn at twice the size on screen");

        choose(HeadMeasure.Kind.EXACT);
        heads.exportCsv(); // nothing computed: said, and no file asked for
        assertTrue(dialogs.shown.get(dialogs.shown.size() - 1).startsWith("error: Nothing to export"), dialogs.shown.toString());
    }
}
