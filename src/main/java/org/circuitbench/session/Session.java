package org.circuitbench.session;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonValue;
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
        @JsonInclude(value = JsonInclude.Include.CUSTOM, valueFilter = EdgeWork.OmitEmpty.class) EdgeWork edges,
        List<ExplanationRecord> explanations) {

    /**
     * 2: edge circuits, edge runs and the graph ({@link EdgeWork}), and the Heads view's
     * explanations. Version 1 files have neither, and open as they are.
     */
    public static final int SCHEMA_VERSION = 2;

    public Session {
        tasks = tasks == null ? List.of() : List.copyOf(tasks);
        circuits = circuits == null ? List.of() : List.copyOf(circuits);
        runs = runs == null ? List.of() : List.copyOf(runs);
        ui = ui == null ? UiState.EMPTY : ui;
        edges = edges == null ? EdgeWork.EMPTY : edges;
        explanations = explanations == null ? List.of() : List.copyOf(explanations);
    }

    /** A session without edge work or explanations (as version 1 files are). */
    public Session(int schemaVersion, ModelRef model, List<SessionTask> tasks, List<NamedCircuit> circuits, List<RunRecord> runs, UiState ui) {
        this(schemaVersion, model, tasks, circuits, runs, ui, EdgeWork.EMPTY, List.of());
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

    /** A circuit worth keeping, with where it came from; {@code model}: the model its score is of (null: the session's, in older files). */
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record NamedCircuit(String name, String circuit, String task, Double score, String note, String model) {
        public NamedCircuit(String name, String circuit, String task, Double score, String note) {
            this(name, circuit, task, score, note, null);
        }

        public NamedCircuit withModel(String m) {
            return new NamedCircuit(name, circuit, task, score, note, m);
        }
    }

    /**
     * A finished (or cancelled) prune: its settings, its removal log and its result. Circuits are
     * specs ({@code 0.1,4.4}) as the model's shape is needed to read them; {@link SessionMapper}
     * turns a record into the engine's result and back.
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
            double score,
            long evaluations,
            double seconds,
            boolean cancelled,
            String finishedAt,
            String model) {
        public RunRecord {
            removals = removals == null ? List.of() : List.copyOf(removals);
        }

        public RunRecord(String id, String task, SearchMethod method, double threshold, String start, long seed, int iterations,
                         List<RemovalRecord> removals, String circuit, double score, long evaluations, double seconds, boolean cancelled,
                         String finishedAt) {
            this(id, task, method, threshold, start, seed, iterations, removals, circuit, score, evaluations, seconds, cancelled, finishedAt, null);
        }

        /** The same run, of model {@code m} (the model it ran on; null: the session's, in older files). */
        public RunRecord withModel(String m) {
            return new RunRecord(id, task, method, threshold, start, seed, iterations, removals, circuit, score, evaluations, seconds,
                    cancelled, finishedAt, m);
        }
    }

    /** One removal of a run: the node, the score right after, seconds since the start, and the pass (from 1; 0 in files from before passes were kept). */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record RemovalRecord(String head, double score, double seconds, int pass) {
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
    public record ImportanceRecord(String circuit, double circuitScore, List<NodeScore> entries, boolean cancelled) {
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

    /** OV next and copy scores in percent of {@code pairs} (prompt, label) pairs. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record OvRecord(double[][] next, double[][] copy, int pairs, int pairsWithSuccessor) {
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
     * circuits compared, the importance sweep), a task edit not applied yet, and the Heads view's
     * measure and scope, so that reopening shows the same.
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record UiState(String selectedTask, String grid, Overlay overlay, List<String> compared, ImportanceRecord importance,
                          Draft draft, String headsMeasure, String headsScope) {
        public static final UiState EMPTY = new UiState(null, null, null, null, null);

        public UiState(String selectedTask, String grid, Overlay overlay, List<String> compared, ImportanceRecord importance) {
            this(selectedTask, grid, overlay, compared, importance, null, null, null);
        }

        public UiState(String selectedTask, String grid, Overlay overlay, List<String> compared) {
            this(selectedTask, grid, overlay, compared, null);
        }

        /** The same, with the editor's draft and the Heads view's choices as given. */
        public UiState with(Draft d, String measure, String scope) {
            return new UiState(selectedTask, grid, overlay, compared, importance, d, measure, scope);
        }

        /** What the file keeps as the researcher's work: where the window looked (task, overlay, compared, Heads choices) is left out. */
        public UiState work() {
            return new UiState(null, grid, null, null, importance, draft, null, null);
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

    /**
     * The edge level (schema 2): named edge circuits, edge runs, and the Graph view's circuit (null:
     * every edge). Edge sets are stored by their kept or their removed edges, whichever is shorter.
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record EdgeWork(List<NamedEdgeCircuit> circuits, List<EdgeRunRecord> runs, EdgeSet graph) {
        public static final EdgeWork EMPTY = new EdgeWork(List.of(), List.of(), null);

        public EdgeWork {
            circuits = circuits == null ? List.of() : List.copyOf(circuits);
            runs = runs == null ? List.of() : List.copyOf(runs);
        }

        @com.fasterxml.jackson.annotation.JsonIgnore
        public boolean isEmpty() {
            return circuits.isEmpty() && runs.isEmpty() && graph == null;
        }

        /** Leaves an empty edge part out of the file, so sessions without edges read as before. */
        public static final class OmitEmpty {
            @Override
            public boolean equals(Object o) {
                return o == null || (o instanceof EdgeWork e && e.isEmpty());
            }

            @Override
            public int hashCode() {
                return 0;
            }
        }
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

    /** An edge circuit worth keeping, with where it came from. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record NamedEdgeCircuit(String name, String task, EdgeSet edges, Double score, String note, String model) {
        public NamedEdgeCircuit(String name, String task, EdgeSet edges, Double score, String note) {
            this(name, task, edges, score, note, null);
        }

        public NamedEdgeCircuit withModel(String m) {
            return new NamedEdgeCircuit(name, task, edges, score, note, m);
        }
    }

    /**
     * An edge run: the prune of edges.md ({@code greedy}) or the minimal circuit by attribution
     * ({@code attribution}, with its faithfulness curve), its removal log and its result.
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record EdgeRunRecord(String id, String task, String method, double threshold, String start, List<EdgeRemovalRecord> removals,
                                EdgeSet kept, double score, long evaluations, double seconds, boolean cancelled, String finishedAt,
                                List<CurvePoint> curve, String model) {
        public EdgeRunRecord {
            removals = removals == null ? List.of() : List.copyOf(removals);
            curve = curve == null ? List.of() : List.copyOf(curve);
        }

        public EdgeRunRecord(String id, String task, String method, double threshold, String start, List<EdgeRemovalRecord> removals,
                             EdgeSet kept, double score, long evaluations, double seconds, boolean cancelled, String finishedAt,
                             List<CurvePoint> curve) {
            this(id, task, method, threshold, start, removals, kept, score, evaluations, seconds, cancelled, finishedAt, curve, null);
        }

        /** The same run, of model {@code m} (the model it ran on; null: the session's, in older files). */
        public EdgeRunRecord withModel(String m) {
            return new EdgeRunRecord(id, task, method, threshold, start, removals, kept, score, evaluations, seconds, cancelled,
                    finishedAt, curve, m);
        }
    }

    /** One removal of an edge run: the edge, the score right after, seconds since the start. */
    public record EdgeRemovalRecord(String edge, double score, double seconds) {
    }

    /** A point of a faithfulness curve: the top-n edges and their exact score. */
    public record CurvePoint(int edges, double score) {
    }

    public Session withModel(ModelRef m) {
        return new Session(schemaVersion, m, tasks, circuits, runs, ui, edges, explanations);
    }

    public Session withTasks(List<SessionTask> t) {
        return new Session(schemaVersion, model, t, circuits, runs, ui, edges, explanations);
    }

    public Session withCircuits(List<NamedCircuit> c) {
        return new Session(schemaVersion, model, tasks, c, runs, ui, edges, explanations);
    }

    public Session withRuns(List<RunRecord> r) {
        return new Session(schemaVersion, model, tasks, circuits, r, ui, edges, explanations);
    }

    public Session withUi(UiState u) {
        return new Session(schemaVersion, model, tasks, circuits, runs, u, edges, explanations);
    }

    public Session withExplanations(List<ExplanationRecord> e) {
        return new Session(schemaVersion, model, tasks, circuits, runs, ui, edges, e);
    }

    public Session withEdges(EdgeWork e) {
        return new Session(schemaVersion, model, tasks, circuits, runs, ui, e, explanations);
    }

    public Session addCircuit(NamedCircuit c) {
        List<NamedCircuit> l = new ArrayList<>(circuits);
        l.removeIf(x -> x.name().equals(c.name()));
        l.add(c);
        return withCircuits(l);
    }
}
