package org.circuitbench.session;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonValue;
import org.circuitbench.ablation.Level;
import org.circuitbench.search.SearchMethod;
import org.circuitbench.task.TaskDefinition;
import org.circuitbench.task.TaskFile;

import java.util.ArrayList;
import java.util.List;

/**
 * Everything a researcher's work holds, saved as one JSON file: the model, the tasks with their
 * generators and seeds (so the prompts rebuild exactly), named circuits, every run with its
 * settings and log, and the state of the window.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Session(
        int schemaVersion,
        ModelRef model,
        List<SessionTask> tasks,
        List<NamedCircuit> circuits,
        List<RunRecord> runs,
        UiState ui,
        List<ExplanationRecord> explanations,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<FaithfulnessRecord> faithfulness) {

    /**
     * 3: one list of circuits and one of runs for both levels (each says its level), the Graph
     * view's circuit in {@link UiState}. 2 kept the edge level apart (an {@code edges} object with
     * its own circuits, runs and graph) and added the Heads view's explanations; 1 has neither.
     * Files of versions 1 and 2 open as version 3 ({@link SessionFiles} moves their parts).
     */
    public static final int SCHEMA_VERSION = 3;

    public Session {
        tasks = tasks == null ? List.of() : List.copyOf(tasks);
        circuits = circuits == null ? List.of() : List.copyOf(circuits);
        runs = runs == null ? List.of() : List.copyOf(runs);
        ui = ui == null ? UiState.EMPTY : ui;
        explanations = explanations == null ? List.of() : List.copyOf(explanations);
        faithfulness = faithfulness == null ? List.of() : List.copyOf(faithfulness);
    }

    /** A session without faithfulness curves. */
    public Session(int schemaVersion, ModelRef model, List<SessionTask> tasks, List<NamedCircuit> circuits, List<RunRecord> runs, UiState ui,
                   List<ExplanationRecord> explanations) {
        this(schemaVersion, model, tasks, circuits, runs, ui, explanations, List.of());
    }

    /** A session without explanations. */
    public Session(int schemaVersion, ModelRef model, List<SessionTask> tasks, List<NamedCircuit> circuits, List<RunRecord> runs, UiState ui) {
        this(schemaVersion, model, tasks, circuits, runs, ui, List.of());
    }

    /** The circuits of one level, in order. */
    public List<NamedCircuit> circuits(Level level) {
        return circuits.stream().filter(c -> c.level() == level).toList();
    }

    /** The runs of one level, in order. */
    public List<RunRecord> runs(Level level) {
        return runs.stream().filter(r -> r.level() == level).toList();
    }

    public static Session empty() {
        return new Session(SCHEMA_VERSION, null, List.of(), List.of(), List.of(), UiState.EMPTY);
    }

    /**
     * Which model: a hub name ({@code gpt2}), a folder path, or {@code demo:seqcont-tiny} for the
     * bundled demo model. {@code device} is auto, cpu or gpu[:n].
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ModelRef(String name, String device) {
    }

    /**
     * A task: its generator definition when it has one (the prompts are then rebuilt from it), or
     * the prompts themselves when it was imported from a task file.
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record SessionTask(String name, TaskDefinition definition, TaskFile prompts, String note) {
    }

    /**
     * A circuit worth keeping, with where it came from: a node circuit as a spec ({@code circuit},
     * such as {@code 0.1,4.4}), or an edge circuit as an {@link EdgeSet} ({@code edges}). A record
     * without a level is a node circuit (files before version 3). {@code model}: the model its
     * score is of (null: the session's, in files before results named their model).
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record NamedCircuit(String name, Level level, String circuit, EdgeSet edges, String task, Double score, String note, String model) {
        public NamedCircuit {
            level = level == null ? Level.NODES : level;
        }

        /** A circuit whose score's model is not said (the session's). */
        public NamedCircuit(String name, Level level, String circuit, EdgeSet edges, String task, Double score, String note) {
            this(name, level, circuit, edges, task, score, note, null);
        }

        /** The same circuit, its score of model {@code m} (null: the session's, as in files before results named their model). */
        public NamedCircuit withModel(String m) {
            return new NamedCircuit(name, level, circuit, edges, task, score, note, m);
        }

        /** A node circuit. */
        public NamedCircuit(String name, String circuit, String task, Double score, String note) {
            this(name, Level.NODES, circuit, null, task, score, note);
        }

        /** An edge circuit. */
        public NamedCircuit(String name, EdgeSet edges, String task, Double score, String note) {
            this(name, Level.EDGES, null, edges, task, score, note);
        }
    }

    /**
     * A finished (or cancelled) search at either level: its settings, its removal log and its
     * result. Node circuits are specs ({@code 0.1,4.4}: reading one needs the model's shape), edge
     * circuits {@link EdgeSet}s: {@code circuit} holds a node run's result, {@code kept} an edge
     * run's. {@code start} is the start's spec or, for a start that has none, a label such as "the
     * graph (453 edges)". A search by attribution keeps its faithfulness curve. The level is the
     * method's; {@link SessionMapper} turns a record into the engine's result and back. {@code model}
     * is the model it ran on (null: the session's, in files before runs named their model).
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record RunRecord(
            String id,
            String task,
            SearchMethod method,
            double threshold,
            String start,
            long seed,
            int iterations,
            List<RemovalRecord> removals,
            String circuit,
            EdgeSet kept,
            double score,
            long evaluations,
            double seconds,
            boolean cancelled,
            String finishedAt,
            @JsonInclude(JsonInclude.Include.NON_EMPTY) List<CurvePoint> curve,
            @JsonInclude(JsonInclude.Include.NON_NULL) MethodRecord scoring,
            @JsonInclude(JsonInclude.Include.NON_NULL) String model) {
        public RunRecord {
            removals = removals == null ? List.of() : List.copyOf(removals);
            curve = curve == null ? List.of() : List.copyOf(curve);
        }

        /** A run whose model is not said (the session's). */
        public RunRecord(String id, String task, SearchMethod method, double threshold, String start, long seed, int iterations,
                         List<RemovalRecord> removals, String circuit, EdgeSet kept, double score, long evaluations, double seconds,
                         boolean cancelled, String finishedAt, List<CurvePoint> curve, MethodRecord scoring) {
            this(id, task, method, threshold, start, seed, iterations, removals, circuit, kept, score, evaluations, seconds, cancelled,
                    finishedAt, curve, scoring, null);
        }

        /** The same run, of model {@code m} (the model it ran on; null: the session's, in files before runs named their model). */
        public RunRecord withModel(String m) {
            return new RunRecord(id, task, method, threshold, start, seed, iterations, removals, circuit, kept, score, evaluations, seconds,
                    cancelled, finishedAt, curve, scoring, m);
        }

        @com.fasterxml.jackson.annotation.JsonIgnore
        public Level level() {
            return method == null ? Level.NODES : method.level;
        }
    }

    /**
     * The scoring method (docs/methods.md) by its command-line words: the window's (in
     * {@link UiState}) or the one that made a run's or a sweep's scores ({@code scoring}). Null for
     * the seed's method, so files that never chose one stay as they were.
     */
    public record MethodRecord(String ablation, String metric, String normalisation) {
        public static MethodRecord of(org.circuitbench.ablation.Method m) {
            return m == null || m.isDefault() ? null : new MethodRecord(m.ablation().id, m.metric().id, m.normalisation().id);
        }

        /** The method; a word this version does not know is refused with the field's meaning. */
        public org.circuitbench.ablation.Method method() {
            return org.circuitbench.ablation.Method.parse(ablation, metric, normalisation);
        }
    }

    /**
     * One removal of a run: the node or edge, the score right after, seconds since the start, and
     * the pass (from 1; 0 in files from before passes were kept, and in edge runs of version 2).
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record RemovalRecord(String element, double score, double seconds, int pass) {
    }

    /** A point of a faithfulness curve: the top-n edges and their exact score. */
    public record CurvePoint(int edges, double score) {
    }

    /** The grid's overlays. */
    public enum Overlay {
        NONE, IMPORTANCE, COMPARE, ATTRIBUTION;

        @JsonValue
        public String id() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        @JsonCreator
        public static Overlay parse(String s) {
            if (s == null || s.isBlank()) return NONE;
            for (Overlay o : values()) if (o.id().equalsIgnoreCase(s.trim())) return o;
            throw new IllegalArgumentException("Unknown overlay '" + s + "'; use none, importance, compare or attribution.");
        }
    }

    /** An importance sweep as the grid and the chart show it: each node's score without it. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ImportanceRecord(String circuit, double circuitScore, List<NodeScore> entries, boolean cancelled, MethodRecord scoring) {
        public ImportanceRecord {
            entries = entries == null ? List.of() : List.copyOf(entries);
        }
    }

    /** A node and the circuit's score without it. */
    public record NodeScore(String node, double scoreWithout) {
    }

    /**
     * The measures of docs/explain.md on one task, for one model and scope ({@code full}, a node
     * circuit's spec, or {@code edges:} and an edge circuit's spec), as the Heads view computed
     * them; each part null when it was not computed. Per-head arrays are [layer][head]; a value
     * that does not exist (a head outside the circuit) is written "NaN". {@link SessionMapper}
     * turns a record into the engine's values and back.
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ExplanationRecord(String task, String model, String scope, Double logitDiff, Double fullLogitDiff,
                                    DlaRecord dla, LensRecord lens, AttentionRecord attention, OvRecord ov,
                                    HeadTypesRecord heads, EstimateRecord estimate, Double seconds) {
    }

    /** Direct logit attribution: each component's share of the logit difference. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record DlaRecord(double embed, double[][] heads, double[] attnBias, double[] mlp, double lnBias) {
    }

    /** The logit lens after each layer's attention and after its MLP. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record LensRecord(double[] afterAttn, double[] afterMlp) {
    }

    /** Mean attention from end to each label ({@code values[label][layer][head]}, end last) and to unlabelled positions. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record AttentionRecord(List<String> labels, double[][][] values, double[][] unlabelled) {
    }

    /**
     * OV next and copy scores in percent of {@code pairs} (prompt, label) pairs, under
     * {@code definition} ({@code as-run} or {@code layer1}); absent in files written before there
     * were two, which all hold {@code layer1}.
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record OvRecord(double[][] next, double[][] copy, int pairs, int pairsWithSuccessor, String definition) {
    }

    /** head_detector's scores on the full model, with the random input they were computed on. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record HeadTypesRecord(double[][] previousToken, double[][] duplicateToken, double[][] induction,
                                  long seed, int halfLength, int batch, long bos) {
    }

    /** The attribution estimate of each node's drop at the scope (one backward pass), and the scope's score. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record EstimateRecord(double score, double[][] heads, double[] mlp) {
    }

    /**
     * Where the window was: the task shown, the grid's circuit, the overlay and its data (the
     * circuits compared, the importance sweep), the Graph view's edge circuit (null: every edge),
     * the scoring method, a task edit not applied yet, and the Heads view's measure and scope, so
     * that reopening shows the same.
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record UiState(String selectedTask, String grid, Overlay overlay, List<String> compared, ImportanceRecord importance,
                          EdgeSet graph, MethodRecord method, Draft draft, String headsMeasure, String headsScope) {
        public static final UiState EMPTY = new UiState(null, null, null, null, null);

        public UiState(String selectedTask, String grid, Overlay overlay, List<String> compared, ImportanceRecord importance,
                       EdgeSet graph, MethodRecord method) {
            this(selectedTask, grid, overlay, compared, importance, graph, method, null, null, null);
        }

        public UiState(String selectedTask, String grid, Overlay overlay, List<String> compared, ImportanceRecord importance,
                       EdgeSet graph) {
            this(selectedTask, grid, overlay, compared, importance, graph, null);
        }

        public UiState(String selectedTask, String grid, Overlay overlay, List<String> compared, ImportanceRecord importance) {
            this(selectedTask, grid, overlay, compared, importance, null, null);
        }

        public UiState(String selectedTask, String grid, Overlay overlay, List<String> compared) {
            this(selectedTask, grid, overlay, compared, null);
        }

        public UiState withGraph(EdgeSet g) {
            return new UiState(selectedTask, grid, overlay, compared, importance, g, method, draft, headsMeasure, headsScope);
        }

        /** The same, with the editor's draft and the Heads view's choices as given. */
        public UiState with(Draft d, String measure, String scope) {
            return new UiState(selectedTask, grid, overlay, compared, importance, graph, method, d, measure, scope);
        }

        /**
         * What the file keeps as the researcher's work: where the window looked (task, overlay,
         * compared, Heads choices) is left out; the graph's circuit and the scoring method are work.
         */
        public UiState work() {
            return new UiState(null, grid, null, null, importance, graph, method, draft, null, null);
        }
    }

    /**
     * A task edited in the task editor and not applied yet (the session keeps it, so it is never
     * lost unasked): the task as the editor holds it, and the name of the task it edits (null: a
     * new task).
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Draft(String of, SessionTask task) {
    }

    /** A set of edges: the kept ones, or every edge but the removed ones (exactly one is given). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record EdgeSet(List<String> kept, List<String> removed) {
        public EdgeSet {
            if ((kept == null) == (removed == null)) throw new IllegalArgumentException("an edge set gives 'kept' or 'removed', one of them");
            kept = kept == null ? null : List.copyOf(kept);
            removed = removed == null ? null : List.copyOf(removed);
        }
    }

    public Session withModel(ModelRef m) {
        return new Session(schemaVersion, m, tasks, circuits, runs, ui, explanations, faithfulness);
    }

    public Session withTasks(List<SessionTask> t) {
        return new Session(schemaVersion, model, t, circuits, runs, ui, explanations, faithfulness);
    }

    public Session withCircuits(List<NamedCircuit> c) {
        return new Session(schemaVersion, model, tasks, c, runs, ui, explanations, faithfulness);
    }

    public Session withRuns(List<RunRecord> r) {
        return new Session(schemaVersion, model, tasks, circuits, r, ui, explanations, faithfulness);
    }

    public Session withUi(UiState u) {
        return new Session(schemaVersion, model, tasks, circuits, runs, u, explanations, faithfulness);
    }

    public Session withExplanations(List<ExplanationRecord> e) {
        return new Session(schemaVersion, model, tasks, circuits, runs, ui, e, faithfulness);
    }

    public Session withFaithfulness(List<FaithfulnessRecord> f) {
        return new Session(schemaVersion, model, tasks, circuits, runs, ui, explanations, f);
    }

    /**
     * The Graph view's faithfulness curves of one task (docs/methods.md): the ranking (its id, and
     * for EAP-IG its steps and rule), the method that scored, and each order's curve.
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record FaithfulnessRecord(String task, String ranking, Integer steps, String riemann, MethodRecord scoring, int items,
                                     double fullScore, double emptyScore, List<CurveRecord> curves) {
        public FaithfulnessRecord {
            curves = curves == null ? List.of() : List.copyOf(curves);
        }
    }

    /** One order's curve (signed or absolute) with MIB's two areas. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record CurveRecord(String order, double areaUnder, double areaFrom1, List<FaithfulnessPoint> points) {
        public CurveRecord {
            points = points == null ? List.of() : List.copyOf(points);
        }
    }

    /** One point: the fraction of all edges, k, the circuit (kept or removed edges, the shorter list), its score and 100 f. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record FaithfulnessPoint(double fraction, int k, EdgeSet edges, double score, double faithfulness) {
    }

    public Session addCircuit(NamedCircuit c) {
        List<NamedCircuit> l = new ArrayList<>(circuits);
        l.removeIf(x -> x.name().equals(c.name()));
        l.add(c);
        return withCircuits(l);
    }
}
