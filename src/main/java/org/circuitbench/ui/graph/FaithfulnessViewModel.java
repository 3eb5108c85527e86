package org.circuitbench.ui.graph;

import javafx.beans.property.BooleanProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import org.circuitbench.ablation.AblationTask;
import org.circuitbench.ablation.AttributionMethod;
import org.circuitbench.ablation.EdgeCircuit;
import org.circuitbench.ablation.EdgeEvaluator;
import org.circuitbench.ablation.EdgeGraph;
import org.circuitbench.session.Session;
import org.circuitbench.session.SessionMapper;
import org.circuitbench.search.FaithfulnessCurve;
import org.circuitbench.search.Job;
import org.circuitbench.ui.common.SessionTasks;
import org.circuitbench.ui.common.AppServices;
import org.circuitbench.ui.common.JobState;
import org.circuitbench.ui.common.Workspace;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The Graph view's faithfulness curves (issue 19 §4; docs/methods.md): for each ranking ticked,
 * MIB's curve over all edges, computed in the background through the one runner; the chart shows
 * the chosen order's curves (signed: CPR; absolute: CMD) and a click on a point puts its circuit
 * on the graph.
 */
public final class FaithfulnessViewModel {
    /** The rankings offered, in the chart's order: EAP, EAP-IG on the inputs and the activations (5 steps), exact. */
    public static final List<FaithfulnessCurve.Ranking> RANKINGS = List.of(
            new FaithfulnessCurve.Ranking(AttributionMethod.EAP),
            new FaithfulnessCurve.Ranking(new AttributionMethod(AttributionMethod.Kind.IG_INPUTS, AttributionMethod.DEFAULT_STEPS, AttributionMethod.Rule.RIGHT)),
            new FaithfulnessCurve.Ranking(new AttributionMethod(AttributionMethod.Kind.IG_ACTIVATIONS, AttributionMethod.DEFAULT_STEPS, AttributionMethod.Rule.RIGHT)),
            FaithfulnessCurve.Ranking.EXACT);

    /** One curve as the chart draws it: its name, and each point's percent and faithfulness (percent). */
    public record Series(String name, List<double[]> points) {
    }

    private final Workspace workspace;
    private final SessionTasks tasks;
    private final GraphEdits edits;
    private final JobState jobs;
    private final Map<FaithfulnessCurve.Ranking, BooleanProperty> chosen = new LinkedHashMap<>();
    private final ObjectProperty<FaithfulnessCurve.Order> order = new SimpleObjectProperty<>(FaithfulnessCurve.Order.SIGNED);
    private final ObservableList<FaithfulnessCurve.Result> results = FXCollections.observableArrayList();
    private final Map<String, List<Session.FaithfulnessRecord>> saved = new LinkedHashMap<>(); // by task: what the session keeps
    private Runnable onChange = () -> { };

    FaithfulnessViewModel(AppServices services, SessionTasks tasks, GraphEdits edits) {
        this.workspace = services.workspace();
        this.tasks = tasks;
        this.edits = edits;
        this.jobs = new JobState(services);
        for (FaithfulnessCurve.Ranking r : RANKINGS) chosen.put(r, new SimpleBooleanProperty(!r.exact() && r != RANKINGS.get(2)));
    }

    /** Whether the next {@link #compute()} draws the curve of {@code ranking} (one of {@link #RANKINGS}). */
    public BooleanProperty chosenProperty(FaithfulnessCurve.Ranking ranking) {
        BooleanProperty p = chosen.get(ranking);
        if (p == null) throw new IllegalArgumentException("Not a ranking offered here: " + ranking);
        return p;
    }

    /** Which order the chart shows: signed (the curve whose area is CPR) or absolute (CMD's). */
    public ObjectProperty<FaithfulnessCurve.Order> orderProperty() {
        return order;
    }

    /** The curves computed, one result per ranking (each with both orders). */
    public ObservableList<FaithfulnessCurve.Result> results() {
        return results;
    }

    public StringProperty textProperty() {
        return jobs.statusProperty();
    }

    public JobState jobs() {
        return jobs;
    }

    /** The curve of every ticked ranking over all edges of the selected task, one after the other, in the background. */
    public void compute() {
        AblationTask task = tasks.selected().orElse(null);
        List<FaithfulnessCurve.Ranking> rankings = RANKINGS.stream().filter(r -> chosen.get(r).get()).toList();
        if (task == null) {
            jobs.statusProperty().set("No task is ready to draw curves for.");
            return;
        }
        if (rankings.isEmpty()) {
            jobs.statusProperty().set("Tick at least one ranking.");
            return;
        }
        if (!task.method().metric().differentiable() && rankings.stream().anyMatch(r -> !r.exact())) {
            jobs.statusProperty().set("Ranking by attribution takes the gradient of the metric, and " + task.method().metric().id
                    + " has none: tick exact only, or choose another metric.");
            return;
        }
        results.clear();
        String name = tasks.selectedName();
        jobs.statusProperty().set("faithfulness curves: computing…");
        jobs.start(Job.of("faithfulness curves of " + rankings.size() + (rankings.size() == 1 ? " ranking" : " rankings"), workspace.reading(ctx -> {
                    List<FaithfulnessCurve.Result> out = new ArrayList<>();
                    try (EdgeEvaluator ev = new EdgeEvaluator(task)) {
                        for (FaithfulnessCurve.Ranking r : rankings) {
                            if (ctx.isCancelled()) break;
                            out.add(FaithfulnessCurve.ofEdges(ev, r, EnumSet.allOf(FaithfulnessCurve.Order.class)).run(ctx));
                        }
                    }
                    return out;
                }))
                .onSuccess(rs -> {
                    results.setAll(rs);
                    jobs.statusProperty().set(summary(rs));
                    if (name != null && !rs.isEmpty()) {
                        saved.put(name, rs.stream().map(r -> SessionMapper.record(name, r)).toList());
                        onChange.run();
                    }
                })
                .onFailure(e -> jobs.statusProperty().set("faithfulness curves failed: " + Job.message(e))));
    }

    /** "eap: CPR 0.952, CMD 0.096 · exact: …" */
    static String summary(List<FaithfulnessCurve.Result> rs) {
        List<String> parts = new ArrayList<>();
        for (FaithfulnessCurve.Result r : rs) {
            parts.add(String.format(Locale.ROOT, "%s: CPR %.3f, CMD %.3f", r.ranking().describe(), r.cpr(), r.cmd()));
        }
        return String.join(" · ", parts) + " (click a point to show its circuit)";
    }

    /** The chosen order's curves, one series per ranking, x = percent of all edges, y = 100 f. */
    public List<Series> series() {
        List<Series> out = new ArrayList<>();
        for (FaithfulnessCurve.Result r : results) {
            curve(r).ifPresent(c -> out.add(new Series(r.ranking().describe(),
                    c.points().stream().map(p -> new double[] {p.percent(), p.faithfulness()}).toList())));
        }
        return out;
    }

    private java.util.Optional<FaithfulnessCurve.Curve> curve(FaithfulnessCurve.Result r) {
        return r.curves().stream().filter(c -> c.order() == order.get()).findFirst();
    }

    /** The circuit of point {@code point} of series {@code series} (as {@link #series()} lists them). */
    public EdgeCircuit circuit(int series, int point) {
        FaithfulnessCurve.Result r = results.get(series);
        return (EdgeCircuit) curve(r).orElseThrow().points().get(point).circuit();
    }

    /** Puts that point's circuit on the graph, where its exact score shows beside it. */
    public void show(int series, int point) {
        if (edits.circuit() == null) return;
        EdgeCircuit c = circuit(series, point);
        if (!c.graph().equals(edits.circuit().graph())) return; // curves of another model's graph: nothing to show
        edits.setCircuit(c);
    }

    /** Called when what the session keeps changes (curves drawn). */
    void setOnChange(Runnable r) {
        onChange = r == null ? () -> { } : r;
    }

    /** What the session keeps: the last curves drawn for each task. */
    public List<Session.FaithfulnessRecord> records() {
        return saved.values().stream().flatMap(List::stream).toList();
    }

    /** Another session: its curves replace these (shown when their task is). */
    void restore(List<Session.FaithfulnessRecord> records) {
        saved.clear();
        for (Session.FaithfulnessRecord r : records) saved.computeIfAbsent(r.task(), t -> new ArrayList<>()).add(r);
        clear();
    }

    /**
     * The task {@code name} is ready on {@code graph}: its saved curves show, those scored by its
     * method (curves of another method, or that no longer fit, stay in the file and are not shown).
     */
    void show(String name, AblationTask task, EdgeGraph graph) {
        List<FaithfulnessCurve.Result> rs = new ArrayList<>();
        for (Session.FaithfulnessRecord r : saved.getOrDefault(name, List.of())) {
            try {
                FaithfulnessCurve.Result res = SessionMapper.result(r, graph);
                if (res.method().equals(task.method()) && res.items() == graph.edgeCount()) rs.add(res);
            } catch (IllegalArgumentException e) {
                jobs.statusProperty().set("A saved curve does not fit this task (" + e.getMessage() + ").");
            }
        }
        results.setAll(rs);
        if (!rs.isEmpty()) jobs.statusProperty().set(summary(rs));
    }

    /** Another task or session: nothing of the last one's curves stays. */
    void clear() {
        jobs.reset();
        results.clear();
        jobs.statusProperty().set("");
    }
}
