package org.circuitbench.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.circuitbench.model.Gpt2Tokenizer;
import org.circuitbench.task.TaskDefinition;
import org.circuitbench.task.TaskException;
import org.circuitbench.task.TaskFile;
import org.circuitbench.task.TaskFiles;
import org.circuitbench.task.TaskProblem;
import org.circuitbench.task.TokenizedTask;
import org.circuitbench.task.library.LibraryTask;
import org.circuitbench.task.library.TaskLibrary;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Set;

/** {@code task-library list} and {@code task-library make ID --seed N --count N --out FILE} (docs/task-library.md). */
final class LibraryCommands {
    private static final ObjectMapper JSON = new ObjectMapper();

    private LibraryCommands() {
    }

    static ObjectNode run(Args a, PrintStream err) throws Exception {
        if (a.positional().isEmpty()) throw new Args.UsageException("task-library takes list, or make ID --out FILE.");
        String action = a.positional().get(0);
        return switch (action) {
            case "list" -> list(a);
            case "make" -> make(a, err);
            default -> throw new Args.UsageException("task-library takes list or make, not '" + org.circuitbench.util.Texts.cap(action) + "'.");
        };
    }

    private static ObjectNode list(Args a) {
        a.allowOnly(Set.of());
        if (a.positional().size() > 1) throw new Args.UsageException("task-library list takes no other argument.");
        ObjectNode o = JSON.createObjectNode();
        ArrayNode tasks = o.putArray("tasks");
        for (LibraryTask t : TaskLibrary.tasks()) {
            tasks.addObject().put("id", t.id()).put("title", t.title()).put("metric", t.metric()).put("default_count", t.defaultCount())
                    .put("count", t.countMeans()).put("source", t.source());
        }
        return o;
    }

    /** Generates a library task with GPT-2's tokenizer (it finds the position labels) and writes it as a task file. */
    private static ObjectNode make(Args a, PrintStream err) throws Exception {
        a.allowOnly(Set.of("seed", "count", "out"));
        if (a.positional().size() != 2) throw new Args.UsageException("task-library make takes one task id, e.g. task-library make ioi --out ioi.json.");
        LibraryTask task = TaskLibrary.get(a.positional().get(1));
        long seed = a.integer("seed", 1L);
        int count = a.integer("count", task.defaultCount(), 1, TaskDefinition.MAX_PROMPTS);
        Path out = Path.of(a.required("out", "(the task file to write)"));
        Commands.checkOut(out);
        TaskFile file;
        TokenizedTask checked;
        try (Gpt2Tokenizer tok = Gpt2Tokenizer.bundled()) {
            file = task.definition(seed, count).generate(tok::encode);
            checked = TokenizedTask.check(file, tok::encode);
        }
        for (TaskProblem p : checked.problems()) {
            if (p.isError()) throw new TaskException(task.id() + " (seed " + seed + ", count " + count + ") makes a task with a problem: " + p.message());
            err.println("warning: " + p.message());
        }
        TaskFiles.write(out, file);
        ObjectNode o = JSON.createObjectNode();
        o.put("task", task.id()).put("seed", seed).put("count", count).put("out", out.toString())
                .put("clean", file.clean().size()).put("corrupt", file.corrupt().size()).put("templates", checked.templates().size());
        return o;
    }
}
