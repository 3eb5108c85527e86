package org.circuitbench.ui.graph;

import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleObjectProperty;
import org.circuitbench.ablation.AttributionMethod;

import javafx.beans.binding.Bindings;
import javafx.beans.binding.StringBinding;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.StringProperty;
import javafx.beans.value.ObservableBooleanValue;
import org.circuitbench.ablation.AblationTask;
import org.circuitbench.ablation.Edge;
import org.circuitbench.ablation.EdgeAttribution;
import org.circuitbench.ablation.EdgeCircuit;
import org.circuitbench.ablation.EdgeEvaluator;
import org.circuitbench.search.Job;
import org.circuitbench.ui.common.AppServices;
import org.circuitbench.ui.common.JobState;
import org.circuitbench.ui.common.SessionTasks;
import org.circuitbench.ui.common.Workspace;

import java.util.BitSet;
import java.util.List;
import java.util.Locale;

/**
 * The graph's attribution: one forward and one backward pass at its circuit (EAP; or EAP-IG's m
 * passes, {@link #methodProperty()}) give every kept edge's estimated effect (drawn as colour and width, and in each edge's tooltip), and the slider
 * keeps the top n edges by it. Computed while the view shows, in the background.
 */
public final class GraphAttribution {
    private final Workspace workspace;
    private final SessionTasks tasks;
    private final GraphEdits edits;
    private final ObservableBooleanValue active;
    private final JobState jobs;
    private final StringProperty text;
    private final ReadOnlyObjectWrapper<EdgeAttribution> attribution = new ReadOnlyObjectWrapper<>();
    private final IntegerProperty topN = new SimpleIntegerProperty(0);
    private final ObjectProperty<AttributionMethod> method = new SimpleObjectProperty<>(AttributionMethod.EAP);
    private final IntegerProperty topNMax = new SimpleIntegerProperty(1); // the slider's end: every edge the attribution ranks
    private boolean stale; // asked for while the view is hidden: computed when it shows

    GraphAttribution(AppServices services, SessionTasks tasks, GraphEdits edits, ObservableBooleanValue active) {
        this.workspace = services.workspace();
        this.tasks = tasks;
        this.edits = edits;
        this.active = active;
        this.jobs = new JobState(services);
        this.text = jobs.statusProperty();
        active.addListener((o, was, now) -> {
            if (now && stale) compute();
        });
    }

    /** Nothing of the last task's attribution stays (nor the slider's n, which ranked it). */
    void clear() {
        jobs.reset();
        attribution.set(null);
        text.set("");
    }

    /** The task is gone: the slider's n goes too. */
    void taskGone() {
        clear();
        topN.set(0);
    }

    /** One forward and one backward pass at the graph's circuit: every kept edge's estimated effect. */
    public void compute() {
        EdgeCircuit c = edits.circuit();
        AblationTask task = tasks.selected().orElse(null);
        stale = !active.get() && c != null;
        if (c == null || task == null || stale) return;
        AttributionMethod by = method.get() == null ? AttributionMethod.EAP : method.get();
        text.set(by.describe() + " attribution: computing…");
        jobs.start(Job.of(by.describe() + " attribution of " + c.size() + " edges", workspace.reading(ctx -> {
                    try (EdgeEvaluator ev = new EdgeEvaluator(task, false)) {
                        long t0 = System.nanoTime();
                        EdgeAttribution a = ev.attributor().attribute(c, by);
                        return new Timed(a, (System.nanoTime() - t0) / 1e9);
                    }
                }))
                .onSuccess(r -> {
                    topNMax.set(r.attribution().state().size()); // first the slider's end, then its value, then what it ranks
                    topN.set(r.attribution().state().size());
                    attribution.set(r.attribution());
                    text.set(String.format(Locale.ROOT, "%s attribution of %,d edges at score %.2f in %.1f s (estimates; exact on hover)",
                            by.describe(), r.attribution().state().size(), r.attribution().score(), r.seconds()));
                })
                .onFailure(e -> text.set("attribution failed: " + Job.message(e))));
    }

    private record Timed(EdgeAttribution attribution, double seconds) {
    }

    public ReadOnlyObjectProperty<EdgeAttribution> attributionProperty() {
        return attribution.getReadOnlyProperty();
    }

    /** EAP (the default) or EAP-IG with its steps: what the next {@link #compute()} uses. */
    public ObjectProperty<AttributionMethod> methodProperty() {
        return method;
    }

    /** The choices the view offers: EAP, and both EAP-IG variants with the default steps. */
    public static List<AttributionMethod> choices() {
        return List.of(AttributionMethod.EAP,
                new AttributionMethod(AttributionMethod.Kind.IG_INPUTS, AttributionMethod.DEFAULT_STEPS, AttributionMethod.Rule.RIGHT),
                new AttributionMethod(AttributionMethod.Kind.IG_ACTIVATIONS, AttributionMethod.DEFAULT_STEPS, AttributionMethod.Rule.RIGHT));
    }

    public StringProperty textProperty() {
        return text;
    }

    /**
     * The attribution's line as shown: says so when the graph's circuit has changed since, as the
     * slider and Keep top n then rank the edges of that earlier circuit (they may bring back edges
     * removed since).
     */
    public StringBinding caption() {
        return Bindings.createStringBinding(() -> {
            EdgeAttribution a = attribution.get();
            EdgeCircuit c = edits.circuit();
            boolean earlier = a != null && c != null && !a.state().equals(c);
            return text.get() + (earlier ? String.format(Locale.ROOT,
                    " · computed at an earlier circuit of %,d edges: the slider ranks those; Attribution here ranks this one", a.state().size()) : "");
        }, attribution, edits.circuitProperty(), text);
    }

    /** The slider: how many edges, by the size of their attribution, to keep. */
    public IntegerProperty topNProperty() {
        return topN;
    }

    /** How far the slider goes: the number of edges the attribution ranks (1 while there is none). */
    public IntegerProperty topNMaxProperty() {
        return topNMax;
    }

    /** The top-n edges by the size of their attribution, from the state it was computed at. */
    public EdgeCircuit topCircuit(int n) {
        EdgeAttribution a = attribution.get();
        if (a == null) throw new IllegalStateException("No attribution yet.");
        List<Edge> ranking = a.ranking();
        BitSet ids = new BitSet();
        for (int i = 0; i < Math.min(n, ranking.size()); i++) ids.set(a.state().graph().id(ranking.get(i)));
        return EdgeCircuit.ofIds(a.state().graph(), ids);
    }

    /** Keeps the slider's top-n edges: the graph shows them and their exact score. */
    public void applyTopN() {
        if (attribution.get() == null || edits.circuit() == null) return;
        edits.setCircuit(topCircuit(topN.get()));
    }
}
