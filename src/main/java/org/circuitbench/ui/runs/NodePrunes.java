package org.circuitbench.ui.runs;

import javafx.beans.property.BooleanProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.LongProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleLongProperty;
import javafx.beans.property.SimpleObjectProperty;
import org.circuitbench.ablation.AblationTask;
import org.circuitbench.ablation.Circuit;
import org.circuitbench.ablation.Evaluator;
import org.circuitbench.ablation.EvaluatorFactory;
import org.circuitbench.search.PruneResult;
import org.circuitbench.search.PruneSettings;
import org.circuitbench.search.Pruner;
import org.circuitbench.search.SearchMethod;
import org.circuitbench.session.Session;
import org.circuitbench.session.SessionMapper;
import org.circuitbench.ui.common.AppServices;
import org.circuitbench.ui.common.SessionTasks;
import org.circuitbench.ui.common.WorkingCircuit;
import org.circuitbench.ui.common.Workspace;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Prunes of nodes (the seed's loops: forward, backward, both orders, random) as a kind of run:
 * their settings, from all heads or from the working circuit, and their result onto the grid.
 */
public final class NodePrunes implements RunKind<Session.RunRecord> {
    private final Workspace workspace;
    private final EvaluatorFactory evaluators;
    private final Clock clock;
    private final SessionTasks tasks;
    private final WorkingCircuit working;
    private final Consumer<Session.NamedCircuit> saveCircuit;

    private final ObjectProperty<SearchMethod> method = new SimpleObjectProperty<>(SearchMethod.BACKWARD);
    private final BooleanProperty startFromGrid = new SimpleBooleanProperty(false);
    private final LongProperty seed = new SimpleLongProperty(0);
    private final IntegerProperty iterations = new SimpleIntegerProperty(PruneSettings.DEFAULT_ITERATIONS);

    public NodePrunes(AppServices services, SessionTasks tasks, WorkingCircuit working, Consumer<Session.NamedCircuit> saveCircuit) {
        this.workspace = services.workspace();
        this.evaluators = services.evaluators();
        this.clock = services.clock();
        this.tasks = tasks;
        this.working = working;
        this.saveCircuit = saveCircuit;
    }

    @Override
    public Launch<Session.RunRecord> launch(double threshold) {
        String task = tasks.selectedName();
        AblationTask prepared = tasks.selected()
                .orElseThrow(() -> new IllegalArgumentException("No task is ready to prune. Load the session's model and pick a task."));
        Circuit start = startFromGrid.get() && working.get() != null ? working.get() : prepared.allHeads();
        prepared.method().checkThreshold(threshold); // on the task's scale: a percentage, or for kl a KL in nats
        PruneSettings<Circuit> settings = new PruneSettings<>(method.get(), threshold, start, seed.get(), iterations.get());
        int speculation = evaluators.speculation(prepared);
        String model = tasks.modelName();
        return new Launch<>(settings.method() + " prune, T = " + RunKind.fmt(threshold) + " (" + task + ")",
                "running " + settings.method() + " at T = " + RunKind.fmt(threshold) + " on " + task,
                workspace.reading(ctx -> {
                    try (Evaluator ev = evaluators.fast(prepared)) {
                        PruneResult<org.circuitbench.ablation.Node, Circuit> r = new Pruner(ev, settings, speculation).run(ctx);
                        return new Outcome<>(SessionMapper.record(Long.toString(System.nanoTime(), 36), task, r, clock.instant()).withModel(model),
                                String.format(Locale.ROOT, "%s: %d nodes at %.2f %% after %d evaluations in %.1f s", r.cancelled()
                                        ? "cancelled, partial log kept" : "finished", r.circuit().size(), r.score(), r.evaluations(), r.seconds()),
                                List.of(), r.cancelled());
                    }
                }));
    }

    @Override
    public List<LogRow> log(Session.RunRecord run) {
        List<LogRow> out = new ArrayList<>();
        for (Session.RemovalRecord r : run.removals()) out.add(new LogRow(out.size() + 1, r.element(), r.score(), r.seconds()));
        return out;
    }

    /** Puts the run's circuit on the grid. */
    @Override
    public void apply(Session.RunRecord run) {
        working.set(working.parse(run.circuit()));
    }

    @Override
    public String describe(Session.RunRecord r) {
        int size = r.circuit().equals("none") ? 0 : r.circuit().equals("all") ? -1 : r.circuit().split(",").length;
        return String.format(Locale.ROOT, "%s T=%s on %s → %s nodes, %.2f %%%s", r.method(), RunKind.fmt(r.threshold()),
                r.task(), size < 0 ? "all" : Integer.toString(size), r.score(), r.cancelled() ? " (cancelled)" : "");
    }

    @Override
    public boolean ofThisModel(Session.RunRecord r) {
        return tasks.ofThisModel(r.model());
    }

    /** A run as the engine's result (for the exports), on the working circuit's model shape. */
    public PruneResult result(Session.RunRecord r) {
        return SessionMapper.result(r, working.layersProperty().get(), working.headsProperty().get());
    }

    /** Keeps a run's circuit under a name. */
    public void saveAs(Session.RunRecord r, String name) {
        if (r == null || name == null || name.isBlank()) return;
        saveCircuit.accept(new Session.NamedCircuit(name.trim(), r.circuit(), r.task(), r.score(),
                r.method() + " T=" + RunKind.fmt(r.threshold()) + (r.cancelled() ? " (cancelled)" : "")).withModel(r.model()));
    }

    public ObjectProperty<SearchMethod> methodProperty() {
        return method;
    }

    public BooleanProperty startFromGridProperty() {
        return startFromGrid;
    }

    public LongProperty seedProperty() {
        return seed;
    }

    public IntegerProperty iterationsProperty() {
        return iterations;
    }
}
