package org.circuitbench.ui.common;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

/**
 * The user, as a script: each question takes the next scripted answer of its kind, and a question
 * nobody scripted fails the test (so no dialog goes unnoticed). Messages and questions are logged.
 */
public final class ScriptedDialogs implements DialogService {
    public final List<String> shown = new ArrayList<>(); // "error: header", "askToSave: header", …
    public Path suggested; // the last file a save chooser suggested (its folder and name)
    private final Deque<Object> answers = new ArrayDeque<>();

    /** Queues answers: an {@link Unsaved}, a Boolean for confirm, a Path (or null for Cancel) for file choosers, a String for input. */
    public ScriptedDialogs answer(Object... a) {
        for (Object o : a) answers.add(o == null ? NONE : o);
        return this;
    }

    private static final Object NONE = new Object();

    public boolean allAnswered() {
        return answers.isEmpty();
    }

    private <T> T next(Class<T> type, String question) {
        if (answers.isEmpty()) throw new AssertionError("unexpected dialog: " + question + " (shown so far: " + shown + ")");
        Object a = answers.poll();
        if (a == NONE) return null;
        if (!type.isInstance(a)) throw new AssertionError("dialog " + question + " wants a " + type.getSimpleName() + ", the script has " + a);
        return type.cast(a);
    }

    @Override
    public void error(String header, String message) {
        shown.add("error: " + header + ": " + message);
    }

    @Override
    public void info(String header, String message) {
        shown.add("info: " + header + ": " + message);
    }

    @Override
    public boolean confirm(String header, String message, String yes, String no) {
        shown.add("confirm: " + header + ": " + message);
        return next(Boolean.class, "confirm " + header);
    }

    @Override
    public Unsaved askToSave(String header, String message) {
        shown.add("askToSave: " + header + ": " + message);
        return next(Unsaved.class, "askToSave " + header);
    }

    @Override
    public Unsaved askToApply(String header, String message) {
        shown.add("askToApply: " + header + ": " + message);
        return next(Unsaved.class, "askToApply " + header);
    }

    @Override
    public Optional<Path> openFile(String title, FileType type, Path initialFolder) {
        shown.add("openFile: " + title);
        return Optional.ofNullable(next(Path.class, "openFile " + title));
    }

    @Override
    public Optional<Path> saveFile(String title, FileType type, String initialName, Path initialFolder) {
        shown.add("saveFile: " + title);
        suggested = initialFolder == null ? Path.of(initialName) : initialFolder.resolve(initialName);
        return Optional.ofNullable(next(Path.class, "saveFile " + title));
    }

    @Override
    public Optional<Path> openFolder(String title) {
        shown.add("openFolder: " + title);
        return Optional.ofNullable(next(Path.class, "openFolder " + title));
    }

    @Override
    public Optional<String> input(String header, String initial) {
        shown.add("input: " + header);
        return Optional.ofNullable(next(String.class, "input " + header));
    }

    @Override
    public Optional<String> choose(String header, List<String> choices, String initial) {
        shown.add("choose: " + header);
        return Optional.ofNullable(next(String.class, "choose " + header));
    }
}
