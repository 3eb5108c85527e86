package org.circuitbench.ui.runs;

import javafx.beans.binding.Bindings;
import javafx.beans.binding.StringBinding;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyDoubleProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import javafx.collections.transformation.FilteredList;
import org.circuitbench.search.Job;
import org.circuitbench.ui.common.AppServices;
import org.circuitbench.ui.common.JobState;

import java.util.List;

/**
 * Runs of one kind, with one lifecycle whatever they prune: the threshold as typed (a value that
 * is not a number blocks Run and says so), the run in progress (progress, time left, the engine's
 * own line, a log that fills as it goes, Cancel that keeps the partial log), and the history of
 * every run, each reopenable and applicable. The Runs tab shows node prunes with it, the Graph view
 * runs on edges: two {@link RunKind}s of this one view model.
 *
 * @param <R> the run's record, as the session keeps it
 */
public final class RunViewModel<R> {
    private final RunKind<R> kind;
    private final String example; // a threshold to suggest, the default
    private final JobState jobs;
    private final StringProperty status;
    private final DoubleProperty threshold;
    private final StringProperty thresholdText;
    private final BooleanProperty thresholdValid = new SimpleBooleanProperty(true);
    private final StringProperty message = new SimpleStringProperty(""); // the engine's line for the last step
    private final StringBinding eta;
    private final ObservableList<LogRow> log = FXCollections.observableArrayList();
    private final ObservableList<R> history = FXCollections.observableArrayList(); // every run of the session
    private final FilteredList<R> shown = new FilteredList<>(history);              // the runs of the session's model now
    private final StringBinding hiddenNote;
    private final ObjectProperty<R> selected = new SimpleObjectProperty<>();
    private Runnable onChange = () -> { };

    public RunViewModel(AppServices services, RunKind<R> kind, double defaultThreshold) {
        this.kind = kind;
        this.example = RunKind.fmt(defaultThreshold);
        this.jobs = new JobState(services);
        this.status = jobs.statusProperty();
        this.threshold = new SimpleDoubleProperty(defaultThreshold);
        this.thresholdText = new SimpleStringProperty(RunKind.fmt(defaultThreshold));
        this.eta = Bindings.createStringBinding(() -> !jobs.isRunning() ? ""
                : message.get().isBlank() ? jobs.etaProperty().get()
                : jobs.etaProperty().get().isBlank() ? message.get() : message.get() + " · " + jobs.etaProperty().get(),
                jobs.runningProperty(), jobs.etaProperty(), message);
        shown.setPredicate(kind::ofThisModel);
        this.hiddenNote = Bindings.createStringBinding(() -> {
            int hidden = history.size() - shown.size();
            return hidden == 0 ? "" : hidden + (hidden == 1 ? " run" : " runs") + " of another model, kept in the session and not shown.";
        }, history, shown);
        selected.addListener((o, was, now) -> {
            if (now != null && !jobs.isRunning()) showLog(now);
        });
        threshold.addListener((o, was, now) -> {
            if (thresholdValid.get() && !RunKind.fmt(now.doubleValue()).equals(thresholdText.get().trim())) thresholdText.set(RunKind.fmt(now.doubleValue()));
        });
        thresholdText.addListener((o, was, now) -> readThreshold(now));
    }

    /** The threshold as typed: a number sets it; anything else says so and blocks Run until fixed. */
    private void readThreshold(String text) {
        try {
            double t = Double.parseDouble(text.trim());
            thresholdValid.set(true);
            threshold.set(t);
            if (status.get().startsWith("Threshold")) status.set("");
        } catch (NumberFormatException e) {
            thresholdValid.set(false);
            status.set("Threshold '" + text.trim() + "' is not a number; give a percentage such as " + example + ".");
        }
    }

    /** Called when a run ends (the session keeps its record). */
    public void setOnChange(Runnable r) {
        onChange = r;
    }

    public RunKind<R> kind() {
        return kind;
    }

    /** Another session: its runs replace these, and a running one of the old session is stopped and dropped. */
    public void clear(List<R> runs) {
        jobs.reset();
        message.set("");
        status.set(thresholdValid.get() ? "" : status.get());
        selected.set(null);
        log.clear();
        history.setAll(runs);
    }

    /**
     * The session's model changed: only its runs show, and nothing of the old model's stays on
     * screen (a run of it still going is stopped and dropped; its log and selection go).
     */
    public void modelChanged() {
        jobs.reset();
        message.set("");
        status.set(thresholdValid.get() ? "" : status.get());
        selected.set(null);
        log.clear();
        shown.setPredicate(null);
        shown.setPredicate(kind::ofThisModel);
    }

    /** Starts a run on the current task; bad settings give a message in {@link #statusProperty()}. */
    public boolean start() {
        if (jobs.isRunning()) return false;
        if (!thresholdValid.get()) {
            readThreshold(thresholdText.get());
            return false;
        }
        RunKind.Launch<R> launch;
        try {
            launch = kind.launch(threshold.get());
        } catch (IllegalArgumentException e) {
            status.set(e.getMessage());
            return false;
        }
        log.clear();
        message.set("");
        status.set(launch.status());
        jobs.start(Job.of(launch.title(), launch.work())
                .onProgress(p -> message.set(p.message() == null ? "" : p.message()))
                .onRemoval(r -> log.add(new LogRow(log.size() + 1, r.element().toString(), r.score(), r.elapsedSeconds())))
                .onSuccess(this::finished)
                .onFailure(x -> status.set("the run failed: " + Job.message(x))));
        return true;
    }

    private void finished(RunKind.Outcome<R> o) {
        for (LogRow r : o.curve()) log.add(new LogRow(log.size() + 1, r.element(), r.score(), r.seconds()));
        if (!o.cancelled()) jobs.setProgress(1); // a cancelled run's bar stays where it stopped
        history.add(o.record());
        selected.set(o.record());
        status.set(o.summary());
        onChange.run();
    }

    public void cancel() {
        if (!jobs.isRunning()) return;
        jobs.cancel();
        status.set("cancelling after the current evaluation…");
    }

    /** Shows a past run's log. */
    public void showLog(R run) {
        log.setAll(kind.log(run));
    }

    /** Puts the selected run's circuit where this kind of run edits. */
    public void applySelected() {
        R r = selected.get();
        if (r == null) return;
        try {
            kind.apply(r);
        } catch (IllegalArgumentException e) {
            status.set(e.getMessage());
        }
    }

    public DoubleProperty thresholdProperty() {
        return threshold;
    }

    /** The threshold field's text; the view binds to it. */
    public StringProperty thresholdTextProperty() {
        return thresholdText;
    }

    public BooleanProperty thresholdValidProperty() {
        return thresholdValid;
    }

    public ReadOnlyBooleanProperty runningProperty() {
        return jobs.runningProperty();
    }

    public ReadOnlyDoubleProperty progressProperty() {
        return jobs.progressProperty();
    }

    public StringProperty statusProperty() {
        return status;
    }

    /** While a run goes: the engine's line for its last step, how far it is and the time left; empty once it ends. */
    public StringBinding etaProperty() {
        return eta;
    }

    public ObservableList<LogRow> log() {
        return log;
    }

    /** Every run of the session (what it saves), of any model. */
    public ObservableList<R> history() {
        return history;
    }

    /** The runs of the session's model now: what the history list shows. */
    public ObservableList<R> shown() {
        return shown;
    }

    /** How many runs of other models are kept and not shown; empty when there are none. */
    public StringBinding hiddenNoteProperty() {
        return hiddenNote;
    }

    public ObjectProperty<R> selectedProperty() {
        return selected;
    }
}
