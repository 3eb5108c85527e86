package org.circuitbench.ui.common;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Every question and message the app puts in a window, so that view models ask through it and
 * tests answer for the user (as JabRef's DialogService). {@link FxDialogService} shows them.
 */
public interface DialogService {
    /** What to do with unsaved changes. */
    enum Unsaved { SAVE, DISCARD, CANCEL }

    /** A kind of file for the file choosers: a description and its patterns. */
    record FileType(String description, List<String> patterns) {
        public static final FileType SESSION = new FileType("Circuit Workbench sessions", List.of("*.cbsession.json", "*.json"));
        public static final FileType TASK = new FileType("Task files", List.of("*.json"));
        public static final FileType PNG = new FileType("PNG images", List.of("*.png"));
        public static final FileType CSV = new FileType("CSV files", List.of("*.csv"));
        public static final FileType JSON = new FileType("JSON files", List.of("*.json"));
        public static final FileType PYTHON = new FileType("Python files", List.of("*.py"));
    }

    void error(String header, String message);

    void info(String header, String message);

    /** A yes/no question with the buttons named for what they do; true for {@code yes}. */
    boolean confirm(String header, String message, String yes, String no);

    /** Save, Don't save or Cancel. */
    Unsaved askToSave(String header, String message);

    /** Apply, Don't apply or Cancel (a task edited and not applied): SAVE stands for Apply. */
    Unsaved askToApply(String header, String message);

    Optional<Path> openFile(String title, FileType type, Path initialFolder);

    /** Where to save: the chooser opens in {@code initialFolder} (null: where it likes) with {@code initialName}. */
    Optional<Path> saveFile(String title, FileType type, String initialName, Path initialFolder);

    default Optional<Path> saveFile(String title, FileType type, String initialName) {
        return saveFile(title, type, initialName, null);
    }

    Optional<Path> openFolder(String title);

    Optional<String> input(String header, String initial);

    Optional<String> choose(String header, List<String> choices, String initial);
}
