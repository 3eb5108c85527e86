package org.circuitbench.ui.app;

import javafx.beans.property.BooleanProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import org.circuitbench.model.AppPaths;
import org.circuitbench.session.RecoveryStore;
import org.circuitbench.session.Session;
import org.circuitbench.session.SessionException;
import org.circuitbench.session.SessionFiles;
import org.circuitbench.ui.common.DialogService;
import org.circuitbench.util.AtomicFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The open session as a document: the file it came from (none: untitled), whether the screen
 * differs from that file (the title's •), and every way a session comes and goes: New, Open, a
 * sample, Open recent, Save, Save as, the recovery copy written while there are unsaved changes
 * and offered at the next start, and the question before unsaved work would be lost. The window
 * ({@link Window}) shows the session and says what it holds now.
 */
public final class SessionDocument {
    /** What the document needs of the window that shows the session. */
    public interface Window {
        /** The session as the screen shows it now. */
        Session snapshot();

        /** Shows a session: what was computed for the old one goes, and its model is loaded if another is. */
        void show(Session s);

        /** Whether a prune, an edge run, a sweep or an explanation is running. */
        boolean workRunning();

        /** The session's model (a new session keeps it). */
        Session.ModelRef model();

        /** Loads a model (a folder named on the command line; the demo model when there is no sample). */
        void loadModel(String ref);
    }

    private final Window window;
    private final DialogService dialogs;
    private final Clock clock;
    private final RecoveryStore recovery;
    private final Path recentFile;
    private final StringProperty error;
    private final StringProperty status;
    private final ObjectProperty<Path> file = new SimpleObjectProperty<>();
    private final BooleanProperty dirty = new SimpleBooleanProperty(false);
    private final StringProperty title = new SimpleStringProperty("Circuit Workbench");
    private final ObservableList<Path> recent = FXCollections.observableArrayList();
    private Optional<RecoveryStore.Recovery> offeredRecovery = Optional.empty();
    private String baseline;   // the work as the file holds it (as the screen showed it when opened or saved); null: no file matches
    private boolean discarded; // the user answered Don't save to the last question, and has changed nothing since
    private Path template;     // the sample this untitled session was opened from: Save as suggests its name

    /** {@code error} and {@code status}: the window's error bar and status line. */
    public SessionDocument(Window window, DialogService dialogs, Clock clock, RecoveryStore recovery, Path userDir,
                           StringProperty error, StringProperty status) {
        this.window = window;
        this.dialogs = dialogs;
        this.clock = clock;
        this.recovery = recovery;
        this.recentFile = userDir.resolve("recent.txt");
        this.error = error;
        this.status = status;
        file.addListener((o, a, b) -> updateTitle());
        dirty.addListener((o, a, b) -> updateTitle());
        loadRecent();
    }

    /** Shows {@code s} as the session of file {@code from} (null: untitled), unchanged since. */
    public void apply(Session s, Path from) {
        window.show(s);
        file.set(from);
        template = null;
        saved(window.snapshot());
    }

    /** {@code shown} is what the file holds now: the screen matches it. */
    private void saved(Session shown) {
        baseline = work(shown);
        discarded = false;
        dirty.set(false);
    }

    /**
     * Whether the screen differs from the file: the work the session holds (its tasks, an unapplied
     * task edit, circuits, runs, results, the grid's circuit, the model) compared with what was
     * last opened or saved. Where the window looks (the task, the overlay, the Heads view's choices)
     * is not work: changing it asks nothing.
     */
    public boolean isModified() {
        return baseline == null || !work(window.snapshot()).equals(baseline);
    }

    /** The work of a session, in the file's words, for comparing. */
    static String work(Session s) {
        return SessionFiles.toJson(new Session(0, s.model(), s.tasks(), s.circuits(), s.runs(), s.ui().work(), s.explanations(), s.faithfulness()));
    }

    /** File → New: an empty session for the same model, after asking about unsaved work. */
    public void newSession() {
        if (!mayReplaceSession("start a new session")) return;
        apply(new Session(Session.SCHEMA_VERSION, window.model(), List.of(), List.of(), List.of(), Session.UiState.EMPTY), null);
        recovery.clear(); // the old session's copy: its work was saved, or the user declined it
    }

    /** File → Open…: asks about unsaved work, then for the file. */
    public void openSession() {
        if (!mayReplaceSession("open another session")) return;
        dialogs.openFile("Open a session", DialogService.FileType.SESSION, file.get() == null ? null : file.get().getParent())
                .ifPresent(this::openOrSay);
    }

    /** File → Open recent. */
    public void openRecent(Path p) {
        if (mayReplaceSession("open " + p.getFileName())) openOrSay(p);
    }

    /** File → Open a sample session…: the sample opens as an untitled copy, so saving never changes it. */
    public void openSample() {
        if (!mayReplaceSession("open a sample session")) return;
        dialogs.openFile("Open a sample session", DialogService.FileType.SESSION, AppPaths.samples().map(s -> s.resolve("sessions")).orElse(null))
                .ifPresent(p -> {
                    if (openOrSay(p)) asTemplate(p);
                });
    }

    private boolean openOrSay(Path p) {
        if (open(p)) return true;
        dialogs.error("Cannot open " + p.getFileName(), error.get());
        return false;
    }

    /** Opens a session file; a file that cannot be read leaves everything as it was. No question is asked. */
    public boolean open(Path path) {
        Session before = window.snapshot();
        Path beforeFile = file.get(), beforeTemplate = template;
        String beforeBaseline = baseline;
        boolean beforeDirty = dirty.get();
        try {
            Session s = SessionFiles.read(path);
            apply(s, path);
            recovery.clear(); // the old session's copy: its work was saved, or the user declined it
            remember(path);
            error.set("");
            return true;
        } catch (SessionException e) {
            error.set(e.getMessage());
            return false;
        } catch (RuntimeException e) { // a session the checks missed: put the previous one back
            apply(before, beforeFile);
            template = beforeTemplate;
            baseline = beforeBaseline;
            dirty.set(beforeDirty);
            error.set(path + " could not be opened (" + e + "). The session that was open is unchanged.");
            return false;
        }
    }

    /**
     * Before unsaved work would go (New, Open, a sample, Quit): Save, Don't save or Cancel; and a
     * running prune or sweep is stopped only if the user agrees. True when the action may go on.
     */
    public boolean mayReplaceSession(String action) {
        boolean running = window.workRunning();
        if (dirty.get()) {
            String name = file.get() == null ? "the untitled session" : file.get().getFileName().toString();
            DialogService.Unsaved answer = dialogs.askToSave("Save the changes to " + name + "?",
                    "The session has unsaved changes. To " + action + ", save them first, or leave them unsaved: they are then lost."
                            + (running ? " The running work stops either way." : ""));
            switch (answer) {
                case CANCEL -> {
                    return false;
                }
                case SAVE -> {
                    return saveSession();
                }
                case DISCARD -> {
                    discarded = true; // nothing changes until the action really replaces the session (a chooser may still be cancelled)
                    return true;
                }
            }
        }
        return !running || dialogs.confirm("Stop the running work?", "A prune, an edge run, an importance sweep or an explanation is running. To " + action
                + ", it stops and its result is not kept.", "Stop it", "Keep working");
    }

    /** Quit (the menu, Ctrl+Q or the window's close button): asks as for any lost work; true when the app may close. */
    public boolean requestQuit() {
        return mayReplaceSession("quit");
    }

    /** File → Save: to the session's file, or asks for one. False when not saved (cancelled, or an error that was shown). */
    public boolean saveSession() {
        if (file.get() == null) return saveSessionAs();
        if (save()) return true;
        dialogs.error("Not saved", error.get());
        return false;
    }

    /** File → Save as… */
    public boolean saveSessionAs() {
        Path suggested = suggestedFile();
        Optional<Path> p = dialogs.saveFile("Save the session", DialogService.FileType.SESSION, suggested.getFileName().toString(),
                suggested.getParent());
        if (p.isEmpty()) return false;
        if (saveAs(p.get())) return true;
        dialogs.error("Not saved", error.get());
        return false;
    }

    public boolean save() {
        return file.get() != null && saveAs(file.get());
    }

    public boolean saveAs(Path path) {
        Path p = path.toString().endsWith(".json") ? path : Path.of(path + SessionFiles.EXTENSION);
        try {
            Session shown = window.snapshot();
            SessionFiles.write(p, shown);
            file.set(p);
            saved(shown); // the file holds this now: later edits are compared with it, not with what was opened
            recovery.clear();
            remember(p);
            status.set("saved " + p.getFileName());
            return true;
        } catch (IOException e) {
            error.set("Could not save " + p + ": " + e.getMessage() + ". The previous file is unchanged.");
            return false;
        }
    }

    /** Copies the session to the recovery file if it has unsaved changes. */
    public void autosave() {
        if (!dirty.get()) return;
        try {
            recovery.save(window.snapshot(), file.get());
        } catch (IOException e) {
            status.set("autosave failed: " + e.getMessage());
        }
    }

    public Optional<RecoveryStore.Recovery> pendingRecovery() {
        offeredRecovery = recovery.pending();
        return offeredRecovery;
    }

    /** Recovery copies that {@link #pendingRecovery()} found damaged and kept aside, and where; "" if none. */
    public String recoveryDamage() {
        return String.join(" ", recovery.damaged());
    }

    public void recover(RecoveryStore.Recovery r) {
        apply(r.session(), r.originalFile() == null ? null : Path.of(r.originalFile()));
        baseline = null; // recovered work is not what any file holds
        dirty.set(true);
        try {
            recovery.adopt(r); // this instance's copy now; the old one goes
        } catch (IOException e) {
            status.set("autosave failed: " + e.getMessage());
        }
    }

    public void discardRecovery() {
        offeredRecovery.ifPresent(recovery::discard);
    }

    /** The recovery question's text: which session, and when its copy was made, in the user's words. */
    String recoveryQuestion(RecoveryStore.Recovery r) {
        String which = r.originalFile() == null ? "an untitled session" : Path.of(r.originalFile()).getFileName().toString();
        return "Circuit Workbench closed without saving the changes to " + which + ". A copy made " + when(r.savedAt(), clock)
                + " was kept. Recover it, or discard it for good?";
    }

    /** "today at 14:05", "yesterday at 09:12", "on 3 March 2025 at 14:05", in the clock's time zone. */
    static String when(Instant t, Clock clock) {
        ZonedDateTime at = t.atZone(clock.getZone());
        LocalDate today = LocalDate.now(clock);
        String time = at.format(DateTimeFormatter.ofPattern("HH:mm", Locale.ENGLISH));
        if (at.toLocalDate().equals(today)) return "today at " + time;
        if (at.toLocalDate().equals(today.minusDays(1))) return "yesterday at " + time;
        return "on " + at.format(DateTimeFormatter.ofPattern("d MMMM yyyy", Locale.ENGLISH)) + " at " + time;
    }

    /** Exit: unsaved changes the user did not decline get a fresh recovery copy (offered at the next start); else none is left. */
    public void closing() {
        if (dirty.get() && !discarded) autosave(); else recovery.clear();
        recovery.close();
    }

    /**
     * The first session: one named on the command line (a session file, or a model folder with the
     * demo session); else a recovery copy left by a run that did not close, if the user wants it;
     * else the demo.
     */
    public void start(List<String> args) {
        Optional<RecoveryStore.Recovery> rec = pendingRecovery();
        if (!recoveryDamage().isEmpty()) dialogs.error("A recovery copy is damaged", recoveryDamage());
        if (!args.isEmpty()) {
            Path p = Path.of(args.get(0));
            if (p.toString().endsWith(".json")) {
                if (!open(p)) {
                    dialogs.error("Cannot open " + p.getFileName(), error.get());
                    openDemo();
                }
            } else {
                openDemo();
                window.loadModel(p.toString());
            }
            return;
        }
        if (rec.isPresent()) {
            if (dialogs.confirm("Recover unsaved work?", recoveryQuestion(rec.get()), "Recover", "Discard")) {
                recover(rec.get());
                return;
            }
            discardRecovery();
        }
        openDemo();
    }

    /** The user changed something: the title's • says whether the screen still matches the file, and "saved …" goes. */
    public void changed() {
        discarded = false;
        boolean modified = isModified();
        dirty.set(modified);
        if (modified && status.get() != null && status.get().startsWith("saved ")) status.set("");
    }

    private void updateTitle() {
        String name = file.get() == null ? "untitled" : file.get().getFileName().toString();
        title.set((dirty.get() ? "• " : "") + name + " — Circuit Workbench");
    }

    private void loadRecent() {
        try {
            if (Files.isRegularFile(recentFile)) {
                recent.setAll(Files.readAllLines(recentFile).stream().filter(l -> !l.isBlank()).map(Path::of).limit(10).toList());
            }
        } catch (IOException | java.nio.file.InvalidPathException ignored) {
            // no recent files is fine
        }
    }

    private void remember(Path p) {
        recent.remove(p.toAbsolutePath());
        recent.add(0, p.toAbsolutePath());
        writeRecent();
    }

    private void writeRecent() {
        while (recent.size() > 10) recent.remove(recent.size() - 1);
        try {
            AtomicFiles.writeString(recentFile, String.join("\n", recent.stream().map(Path::toString).toList()) + "\n");
        } catch (IOException ignored) {
            // the list is a convenience
        }
    }

    /** A sample is a template: it shows untitled, so saving asks where (and suggests the sample's name). */
    private void asTemplate(Path sample) {
        file.set(null);
        template = sample;
        if (recent.remove(sample.toAbsolutePath())) writeRecent(); // Open recent never opens a sample as the file to save to
    }

    /**
     * What Save as suggests: the session's own file; an untitled session from a sample, the
     * sample's name in the folder last used (the user's home at first); else session.cbsession.json there.
     */
    Path suggestedFile() {
        if (file.get() != null) return file.get().toAbsolutePath();
        Path folder = recent.isEmpty() || recent.get(0).getParent() == null ? Path.of(System.getProperty("user.home")) : recent.get(0).getParent();
        return folder.resolve(template != null ? template.getFileName().toString() : "session" + SessionFiles.EXTENSION);
    }

    /** The digits sample session on the bundled demo model, which the first start opens; empty if it is missing. */
    static Optional<Path> demoSession() {
        return AppPaths.samples().map(s -> s.resolve("sessions").resolve("digits-seqcont-tiny" + SessionFiles.EXTENSION))
                .filter(Files::isRegularFile);
    }

    /** Opens the digits sample session on the bundled demo model (the first start). */
    public void openDemo() {
        Optional<Path> digits = demoSession();
        if (digits.isPresent() && open(digits.get())) {
            asTemplate(digits.get());
            return;
        }
        window.loadModel(AppPaths.DEMO_REF);
    }

    public ObjectProperty<Path> fileProperty() { return file; }
    public BooleanProperty dirtyProperty() { return dirty; }
    public StringProperty titleProperty() { return title; }
    public ObservableList<Path> recent() { return recent; }
}
