package org.circuitbench.session;

import org.circuitbench.task.TaskDefinition;
import org.circuitbench.task.TaskException;
import org.circuitbench.task.library.LibraryTask;
import org.circuitbench.task.library.SeedTasks;
import org.circuitbench.task.library.TaskLibrary;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The sample sessions shipped in {@code samples/sessions}: the seed notebook's tasks, built as the
 * seed builds them, each for GPT-2 small and for the demo model, and the circuits the seed reports
 * for GPT-2 small.
 */
public final class SampleSessions {
    public static final String GPT2 = "gpt2";
    public static final String DEMO = org.circuitbench.model.AppPaths.DEMO_REF;

    private SampleSessions() {
    }

    /** Digits increasing, exactly as the seed (the task library's digits with seed 1 and 100 corrupt prompts). */
    public static TaskDefinition digits() {
        return SeedTasks.digits(1, 100);
    }

    /** Number words: "one two three four" → "five", the same way. */
    public static TaskDefinition numwords() {
        return SeedTasks.numwords(1, 100);
    }

    /** Months: "January February March" → "April". */
    public static TaskDefinition months() {
        return SeedTasks.months(1, 100);
    }

    /** Decreasing numerals, the contrast task: "{a+3} {a+2} {a+1} {a}" → "{a-1}". */
    public static TaskDefinition decreasing() {
        return SeedTasks.decreasing(1, 100);
    }

    /** The circuits the seed reports for GPT-2 small (its last cells, and bf_3). */
    public static List<Session.NamedCircuit> seedCircuits() {
        Map<String, String[]> c = new LinkedHashMap<>();
        c.put("fb 80, digits incr (seed)", new String[] {"digits increasing", "82.9496",
                "1.5,3.3,3.7,3.10,3.11,4.4,4.6,4.7,4.10,4.11,5.0,5.2,5.3,5.4,5.6,6.3,6.8,6.10,7.0,7.2,7.7,7.8,7.10,7.11,8.0,8.1,8.6,8.8,8.9,8.11,9.1,11.8"});
        c.put("fb 80, numwords (seed)", new String[] {"number words", "48.0918 on digits",
                "3.2,4.4,4.8,4.10,4.11,5.5,5.6,5.7,5.8,6.1,6.7,6.9,6.10,7.0,7.2,7.5,7.6,7.7,7.8,7.10,7.11,8.0,8.1,8.6,8.8,8.11,9.1,10.2"});
        c.put("fb 80, months (seed)", new String[] {"months", "28.4399 on digits", "4.4,7.11,8.6,8.9,8.11,9.1,9.5,11.10"});
        c.put("greater-than (seed)", new String[] {null, "12.5404 on digits", "0.1,0.3,0.5,5.5,6.1,6.9,7.10,8.11,9.1"});
        c.put("IOI (seed)", new String[] {null, "2.0818 on digits",
                "0.1,0.10,2.2,3.0,4.11,5.5,5.8,5.9,6.9,7.3,7.9,8.6,8.10,9.0,9.6,9.7,9.9,10.0,10.1,10.2,10.6,10.7,10.10,11.2,11.9,11.10"});
        c.put("bf 3, digits incr (seed)", new String[] {"digits increasing", "97.0464",
                "0.1,0.2,0.3,0.5,0.8,0.9,0.10,1.0,1.5,1.7,2.0,2.2,2.3,2.4,2.6,2.9,3.3,3.7,3.11,4.4,4.7,4.10,5.2,5.3,5.4,5.6,5.8,5.11,"
                        + "6.1,6.3,6.6,6.8,6.10,7.2,7.6,7.8,7.10,7.11,8.6,8.8,8.11,9.1,11.10"});
        List<Session.NamedCircuit> out = new ArrayList<>();
        c.forEach((name, v) -> out.add(new Session.NamedCircuit(name, v[2], v[0], null,
                "reported by the seed notebook for GPT-2 small (score there: " + v[1] + "); rescored here once GPT-2 is loaded")));
        return out;
    }

    public static Session.SessionTask task(TaskDefinition d) {
        return new Session.SessionTask(d.name(), d, null, null);
    }

    /** A one-task session. */
    public static Session single(TaskDefinition d, String model, List<Session.NamedCircuit> circuits) {
        return new Session(Session.SCHEMA_VERSION, new Session.ModelRef(model, "auto"), List.of(task(d)), circuits, List.of(),
                new Session.UiState(d.name(), "all", null, null));
    }

    /** All four tasks, to compare circuits across them. */
    public static Session crossTask(String model, List<Session.NamedCircuit> circuits) {
        return new Session(Session.SCHEMA_VERSION, new Session.ModelRef(model, "auto"),
                List.of(task(digits()), task(numwords()), task(months()), task(decreasing())), circuits, List.of(),
                new Session.UiState(digits().name(), "all", null, circuits.stream().limit(3).map(Session.NamedCircuit::name).toList()));
    }

    /** The task library's own tasks in the samples: IOI, greater-than and induction, with seed 1 and their usual counts. */
    public static final List<String> LIBRARY = List.of("ioi", "greater-than", "induction");

    public static TaskDefinition library(String id) {
        try {
            LibraryTask t = TaskLibrary.get(id);
            return t.definition(1, t.defaultCount());
        } catch (TaskException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /**
     * A library task's GPT-2 session: its task and the circuit the seed lists for it (IOI's is the 26
     * heads of Wang et al.'s circuit; greater-than's is the seed's), now tied to the task.
     */
    public static Session libraryGpt2(String id) {
        TaskDefinition d = library(id);
        String seedName = switch (id) {
            case "ioi" -> "IOI (seed)";
            case "greater-than" -> "greater-than (seed)";
            default -> null;
        };
        List<Session.NamedCircuit> circuits = seedCircuits().stream().filter(c -> c.name().equals(seedName))
                .map(c -> new Session.NamedCircuit(c.name(), c.circuit(), d.name(), null, c.note())).toList();
        return single(d, GPT2, circuits);
    }

    /** The library's tasks together on one model (the demo model: they run, though it was trained only on sequences). */
    public static Session librarySession(String model, List<String> ids) {
        List<Session.SessionTask> tasks = ids.stream().map(id -> task(library(id))).toList();
        return new Session(Session.SCHEMA_VERSION, new Session.ModelRef(model, "auto"), tasks, List.of(), List.of(),
                new Session.UiState(tasks.get(0).name(), "all", null, null));
    }

    public static List<TaskDefinition> all() {
        return List.of(digits(), numwords(), months(), decreasing());
    }

    /** File stem of a task's samples: digits, numwords, months, decreasing. */
    public static String stem(TaskDefinition d) {
        return d.templates().get(0).id();
    }
}
