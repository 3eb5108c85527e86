package org.circuitbench.task;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.circuitbench.util.Texts;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads and writes task files; every structural error names the prompt and the field. */
public final class TaskFiles {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private TaskFiles() {
    }

    public static TaskFile read(Path file) throws TaskException {
        String text;
        try {
            text = org.circuitbench.util.JsonErrors.readText(file, "Task file");
        } catch (IOException e) {
            throw new TaskException(e.getMessage(), e);
        }
        return parse(text, file.toString());
    }

    public static TaskFile parse(String json, String source) throws TaskException {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new TaskException(source + " is not valid JSON" + org.circuitbench.util.JsonErrors.where(e) + ": "
                    + Texts.cap(e.getOriginalMessage().lines().findFirst().orElse("")));
        }
        if (root == null || !root.isObject()) {
            throw new TaskException(source + ": the task must be a JSON object with 'clean' and 'corrupt' lists.");
        }
        JsonNode clean = root.get("clean");
        JsonNode corrupt = root.get("corrupt");
        if (clean == null) throw new TaskException(source + " lacks the field 'clean' (the prompts to score).");
        if (corrupt == null) throw new TaskException(source + " lacks the field 'corrupt' (the prompts whose activations give the means).");
        if (!clean.isArray() || clean.isEmpty()) {
            throw new TaskException(source + ": 'clean' must be a list with at least one prompt.");
        }
        if (!corrupt.isArray()) throw new TaskException(source + ": 'corrupt' must be a list of prompts.");
        List<Prompt> cleanPrompts = new ArrayList<>();
        for (int i = 0; i < clean.size(); i++) cleanPrompts.add(prompt(source, "clean", i, clean.get(i), true));
        List<Prompt> corruptPrompts = new ArrayList<>();
        for (int i = 0; i < corrupt.size(); i++) corruptPrompts.add(prompt(source, "corrupt", i, corrupt.get(i), false));
        List<String> keep = null;
        JsonNode keepNode = root.get("keep");
        if (keepNode != null && !keepNode.isNull()) {
            if (!keepNode.isArray()) throw new TaskException(source + ": 'keep' must be a list of position labels.");
            keep = new ArrayList<>();
            for (JsonNode k : keepNode) {
                if (!k.isTextual()) throw new TaskException(source + ": 'keep' must hold label strings, found " + Texts.cap(k.toString()));
                keep.add(k.asText());
            }
        }
        return new TaskFile(root.path("name").asText(""), cleanPrompts, corruptPrompts, keep, answerSpace(source, root));
    }

    /** "answer_space": false when the answers follow the prompt without a space (absent: true, the seed's rule). */
    private static Boolean answerSpace(String source, JsonNode root) throws TaskException {
        JsonNode v = root.get("answer_space");
        if (v == null || v.isNull()) return null;
        if (!v.isBoolean()) {
            throw new TaskException(source + ": 'answer_space' must be true (an answer's token is the first token of \" \" + answer) "
                    + "or false (of the answer itself), found " + Texts.cap(v.toString()) + ".");
        }
        return v.asBoolean();
    }

    private static Prompt prompt(String source, String set, int i, JsonNode n, boolean needsAnswers) throws TaskException {
        String where = source + ": " + set + "[" + i + "]";
        if (!n.isObject()) throw new TaskException(where + " must be an object with a 'text'.");
        String text = text(where, n, "text", true);
        if (text.isEmpty()) throw new TaskException(where + " has an empty 'text'.");
        List<String> correct = answers(where, n, "correct", needsAnswers);
        List<String> incorrect = answers(where, n, "incorrect", needsAnswers);
        String template = text(where, n, "template", false);
        Integer pairedWith = pairedClean(where, n, needsAnswers);
        Map<String, Integer> positions = new LinkedHashMap<>();
        JsonNode pos = n.get("positions");
        if (pos != null && !pos.isNull()) {
            if (!pos.isObject()) throw new TaskException(where + ": 'positions' must map labels to token indices.");
            for (var it = pos.fields(); it.hasNext(); ) {
                var e = it.next();
                if (!e.getValue().canConvertToInt() || !e.getValue().isIntegralNumber()) {
                    throw new TaskException(where + ": position '" + Texts.cap(e.getKey()) + "' must be a token index, found " + Texts.cap(e.getValue().toString()));
                }
                if (e.getKey().equals("end")) {
                    throw new TaskException(where + ": 'end' is always the last token and cannot be set in 'positions'.");
                }
                positions.put(e.getKey(), e.getValue().asInt());
            }
        }
        return new Prompt(text, correct, incorrect, template, positions, pairedWith);
    }

    /** An answer: one string, or a set written as a non-empty list of strings. */
    private static List<String> answers(String where, JsonNode n, String field, boolean required) throws TaskException {
        JsonNode v = n.get(field);
        if (v == null || !v.isArray()) {
            String one = text(where, n, field, required);
            return one == null ? null : List.of(one);
        }
        if (v.isEmpty()) throw new TaskException(where + ": '" + field + "' is an empty list; give at least one answer.");
        List<String> out = new ArrayList<>();
        for (JsonNode a : v) {
            if (!a.isTextual()) {
                throw new TaskException(where + ": '" + field + "' must hold answer strings, found " + Texts.cap(a.toString()) + ".");
            }
            out.add(a.asText());
        }
        return out;
    }

    /** A corrupt prompt's "clean": the 0-based index of the clean prompt it is paired with for patching. */
    private static Integer pairedClean(String where, JsonNode n, boolean isClean) throws TaskException {
        JsonNode v = n.get("clean");
        if (v == null || v.isNull()) return null;
        if (isClean) {
            throw new TaskException(where + ": 'clean' pairs a corrupt prompt with a clean one; a clean prompt does not take it.");
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < 0) {
            throw new TaskException(where + ": 'clean' must be the 0-based index of a clean prompt, found " + Texts.cap(v.toString()) + ".");
        }
        return v.asInt();
    }

    private static String text(String where, JsonNode n, String field, boolean required) throws TaskException {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            if (required) throw new TaskException(where + " lacks the field '" + field + "'.");
            return null;
        }
        if (!v.isValueNode()) throw new TaskException(where + ": '" + field + "' must be a string.");
        return v.asText();
    }

    public static String toJson(TaskFile task) {
        ObjectNode root = JSON.createObjectNode();
        if (!task.name().isEmpty()) root.put("name", task.name());
        ArrayNode clean = root.putArray("clean");
        for (Prompt p : task.clean()) writePrompt(clean.addObject(), p);
        ArrayNode corrupt = root.putArray("corrupt");
        for (Prompt p : task.corrupt()) writePrompt(corrupt.addObject(), p);
        if (task.keep() != null) {
            ArrayNode keep = root.putArray("keep");
            task.keep().forEach(keep::add);
        }
        if (task.answerSpace() != null) root.put("answer_space", task.answerSpace());
        try {
            return JSON.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void writePrompt(ObjectNode o, Prompt p) {
        o.put("text", p.text());
        writeAnswers(o, "correct", p.correct());
        writeAnswers(o, "incorrect", p.incorrect());
        if (!p.template().isEmpty()) o.put("template", p.template());
        if (p.clean() != null) o.put("clean", p.clean());
        if (!p.positions().isEmpty()) {
            ObjectNode pos = o.putObject("positions");
            // in token order: a prompt's map has no order of its own, and a file written twice should read the same
            p.positions().entrySet().stream()
                    .sorted(Map.Entry.<String, Integer>comparingByValue().thenComparing(Map.Entry.comparingByKey()))
                    .forEach(e -> pos.put(e.getKey(), e.getValue()));
        }
    }

    /** One answer as a string (as task files always had it), a set as a list. */
    private static void writeAnswers(ObjectNode o, String field, List<String> answers) {
        if (answers == null) return;
        if (answers.size() == 1) {
            o.put(field, answers.get(0));
        } else {
            ArrayNode a = o.putArray(field);
            answers.forEach(a::add);
        }
    }

    /** Writes atomically: a temporary file next to the target, then a move. */
    public static void write(Path file, TaskFile task) throws IOException {
        org.circuitbench.util.AtomicFiles.writeString(file, toJson(task) + "\n");
    }
}
