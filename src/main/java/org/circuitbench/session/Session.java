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
        UiState ui) {

    public static final int SCHEMA_VERSION = 1;

    public Session {
        tasks = tasks == null ? List.of() : List.copyOf(tasks);
        circuits = circuits == null ? List.of() : List.copyOf(circuits);
        runs = runs == null ? List.of() : List.copyOf(runs);
        ui = ui == null ? UiState.EMPTY : ui;
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

    /** A circuit worth keeping, with where it came from. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record NamedCircuit(String name, String circuit, String task, Double score, String note) {
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
            String finishedAt) {
        public RunRecord {
            removals = removals == null ? List.of() : List.copyOf(removals);
        }
    }

    /** One removal of a run: the node, the score right after, seconds since the start, and the pass (from 1; 0 in files from before passes were kept). */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record RemovalRecord(String head, double score, double seconds, int pass) {
    }

    /** The grid's overlays. */
    public enum Overlay {
        NONE, IMPORTANCE, COMPARE;

        @JsonValue
        public String id() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        @JsonCreator
        public static Overlay parse(String s) {
            if (s == null || s.isBlank()) return NONE;
            for (Overlay o : values()) if (o.id().equalsIgnoreCase(s.trim())) return o;
            throw new IllegalArgumentException("Unknown overlay '" + s + "'; use none, importance or compare.");
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
     * Where the window was: the task shown, the grid's circuit, the overlay and its data (the
     * circuits compared, the importance sweep), so that reopening shows the same.
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record UiState(String selectedTask, String grid, Overlay overlay, List<String> compared, ImportanceRecord importance) {
        public static final UiState EMPTY = new UiState(null, null, null, null, null);

        public UiState(String selectedTask, String grid, Overlay overlay, List<String> compared) {
            this(selectedTask, grid, overlay, compared, null);
        }
    }

    public Session withModel(ModelRef m) {
        return new Session(schemaVersion, m, tasks, circuits, runs, ui);
    }

    public Session withTasks(List<SessionTask> t) {
        return new Session(schemaVersion, model, t, circuits, runs, ui);
    }

    public Session withCircuits(List<NamedCircuit> c) {
        return new Session(schemaVersion, model, tasks, c, runs, ui);
    }

    public Session withRuns(List<RunRecord> r) {
        return new Session(schemaVersion, model, tasks, circuits, r, ui);
    }

    public Session withUi(UiState u) {
        return new Session(schemaVersion, model, tasks, circuits, runs, u);
    }

    public Session addCircuit(NamedCircuit c) {
        List<NamedCircuit> l = new ArrayList<>(circuits);
        l.removeIf(x -> x.name().equals(c.name()));
        l.add(c);
        return withCircuits(l);
    }
}
