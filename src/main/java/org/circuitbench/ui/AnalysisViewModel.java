package org.circuitbench.ui;

import javafx.beans.property.BooleanProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import org.circuitbench.ablation.AblationTask;
import org.circuitbench.ablation.Circuit;
import org.circuitbench.ablation.Evaluator;
import org.circuitbench.ablation.FastEvaluator;
import org.circuitbench.ablation.Node;
import org.circuitbench.search.Comparison;
import org.circuitbench.search.CrossTaskMatrix;
import org.circuitbench.search.Importance;
import org.circuitbench.search.Job;
import org.circuitbench.search.JobContext;
import org.circuitbench.search.JobListener;
import org.circuitbench.session.Session;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** Head importance of the grid's circuit, comparison of named circuits, and the cross-task matrix. */
public final class AnalysisViewModel {
    private final BackgroundRunner runner;
    private final Workspace workspace;
    private final Supplier<String> taskName;
    private final GridViewModel grid;
    private final ObservableList<Session.NamedCircuit> named;
    private final ObservableList<String> taskNames;
    private final java.util.function.Function<String, Boolean> ensurePrepared;

    private final BooleanProperty busy = new SimpleBooleanProperty(false);
    private final StringProperty status = new SimpleStringProperty("");
    private final ObservableList<Importance.Entry> importance = FXCollections.observableArrayList();
    private final ObservableList<Comparison.Row> comparison = FXCollections.observableArrayList();
    private final ObjectProperty<CrossTaskMatrix.Result> matrix = new SimpleObjectProperty<>();
    private final ObservableList<String> selectedForCompare = FXCollections.observableArrayList();
    private RunningJob<?> current;

    public AnalysisViewModel(BackgroundRunner runner, Workspace workspace, Supplier<String> taskName, GridViewModel grid,
                             ObservableList<Session.NamedCircuit> named, ObservableList<String> taskNames,
                             java.util.function.Function<String, Boolean> ensurePrepared) {
        this.runner = runner;
        this.workspace = workspace;
        this.taskName = taskName;
        this.grid = grid;
        this.named = named;
        this.taskNames = taskNames;
        this.ensurePrepared = ensurePrepared;
    }

    private AblationTask task() {
        String n = taskName.get();
        return n == null ? null : workspace.task(n).orElse(null);
    }

    /** Ranks the grid circuit's heads by the score without each; shows it as the grid overlay too. */
    public void runImportance() {
        AblationTask t = task();
        Circuit c = grid.circuit();
        if (t == null || busy.get()) return;
        if (c.isEmpty()) {
            status.set("The circuit on the grid is empty; importance needs heads.");
            return;
        }
        begin("ranking " + c.size() + " nodes");
        current = runner.start(workspace.guarded(new Job<Importance.Result>() {
            @Override
            public String title() {
                return "importance of " + c.size() + " nodes";
            }

            @Override
            public Importance.Result run(JobContext ctx) {
                try (FastEvaluator ev = new FastEvaluator(t)) {
                    return new Importance(ev, c).run(ctx);
                }
            }
        }), new Done<>(r -> {
            importance.setAll(r.entries());
            Map<Node, Double> m = new LinkedHashMap<>();
            r.entries().forEach(e -> m.put(e.node(), e.scoreWithout()));
            grid.showImportance(m, r.circuitScore());
            status.set(String.format(java.util.Locale.ROOT, "circuit at %.2f %%; %d nodes ranked%s", r.circuitScore(),
                    r.entries().size(), r.cancelled() ? " (cancelled)" : ""));
        }));
    }

    /** Set operations of the chosen named circuits, scored on the current task; membership on the grid. */
    public void runComparison() {
        AblationTask t = task();
        Map<String, Circuit> circuits = chosen();
        if (t == null || busy.get()) return;
        if (circuits.size() < 2) {
            status.set("Choose two or three named circuits to compare.");
            return;
        }
        begin("comparing " + String.join(", ", circuits.keySet()));
        current = runner.start(workspace.guarded(new Job<List<Comparison.Row>>() {
            @Override
            public String title() {
                return "compare " + circuits.size() + " circuits";
            }

            @Override
            public List<Comparison.Row> run(JobContext ctx) {
                try (FastEvaluator ev = new FastEvaluator(t)) {
                    return new Comparison(ev, circuits).run(ctx);
                }
            }
        }), new Done<>(rows -> {
            comparison.setAll(rows);
            List<GridViewModel.NamedCircuitView> views = new ArrayList<>();
            circuits.forEach((n, c) -> views.add(new GridViewModel.NamedCircuitView(n, c)));
            grid.showComparison(views);
            status.set(rows.size() + " sets scored");
        }));
    }

    /** Every chosen circuit (or all named ones) on every task of the session. */
    public void runMatrix() {
        if (busy.get()) return;
        Map<String, Circuit> circuits = chosen().isEmpty() ? all() : chosen();
        if (circuits.isEmpty()) {
            status.set("There are no named circuits yet: save one from the grid or from a run.");
            return;
        }
        List<String> tasks = new ArrayList<>(taskNames);
        begin("scoring " + circuits.size() + " circuits on " + tasks.size() + " tasks");
        Job<CrossTaskMatrix.Result> score = workspace.guarded(new Job<>() {
            @Override
            public String title() {
                return circuits.size() + " circuits × " + tasks.size() + " tasks";
            }

            @Override
            public CrossTaskMatrix.Result run(JobContext ctx) {
                Map<String, Evaluator> evs = new LinkedHashMap<>();
                try {
                    for (String name : tasks) workspace.task(name).ifPresent(t -> evs.put(name, new FastEvaluator(t)));
                    return new CrossTaskMatrix(circuits, evs).run(ctx);
                } finally {
                    evs.values().forEach(Evaluator::close);
                }
            }
        });
        // tasks not yet prepared are prepared first, outside the read lock that scoring holds
        current = runner.start(new Job<CrossTaskMatrix.Result>() {
            @Override
            public String title() {
                return score.title();
            }

            @Override
            public CrossTaskMatrix.Result run(JobContext ctx) throws Exception {
                for (String name : tasks) ensurePrepared.apply(name);
                return score.run(ctx);
            }
        }, new Done<>(r -> {
            matrix.set(r);
            status.set(r.circuits().size() + " × " + r.tasks().size() + " scores");
        }));
    }

    private Map<String, Circuit> chosen() {
        Map<String, Circuit> out = new LinkedHashMap<>();
        for (String n : selectedForCompare) {
            named.stream().filter(c -> c.name().equals(n)).findFirst().ifPresent(c -> out.put(n, parse(c)));
        }
        return out;
    }

    private Map<String, Circuit> all() {
        Map<String, Circuit> out = new LinkedHashMap<>();
        for (Session.NamedCircuit c : named) {
            try {
                out.put(c.name(), parse(c));
            } catch (IllegalArgumentException ignored) {
                // a circuit of another model shape is skipped
            }
        }
        return out;
    }

    private Circuit parse(Session.NamedCircuit c) {
        return Circuit.parse(c.circuit(), grid.layersProperty().get(), grid.headsProperty().get());
    }

    private void begin(String what) {
        busy.set(true);
        status.set(what + "…");
    }

    public void cancel() {
        if (current != null) current.cancel();
    }

    /** Finishes a job: results on success, the message on failure, busy off either way. */
    private final class Done<R> implements JobListener<R> {
        private final java.util.function.Consumer<R> onResult;

        Done(java.util.function.Consumer<R> onResult) {
            this.onResult = onResult;
        }

        @Override
        public void finished(R r) {
            busy.set(false);
            onResult.accept(r);
        }

        @Override
        public void failed(Throwable cause) {
            busy.set(false);
            status.set("failed: " + (cause.getMessage() == null ? cause : cause.getMessage()));
        }
    }

    public BooleanProperty busyProperty() {
        return busy;
    }

    public StringProperty statusProperty() {
        return status;
    }

    public ObservableList<Importance.Entry> importance() {
        return importance;
    }

    public ObservableList<Comparison.Row> comparison() {
        return comparison;
    }

    public ObjectProperty<CrossTaskMatrix.Result> matrixProperty() {
        return matrix;
    }

    public ObservableList<String> selectedForCompare() {
        return selectedForCompare;
    }
}
