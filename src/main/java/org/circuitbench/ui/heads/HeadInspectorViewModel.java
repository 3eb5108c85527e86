package org.circuitbench.ui.heads;

import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyIntegerProperty;
import javafx.beans.property.ReadOnlyIntegerWrapper;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import org.circuitbench.ablation.AblationTask;
import org.circuitbench.ablation.AttentionPatterns;
import org.circuitbench.ablation.Circuit;
import org.circuitbench.ablation.Node;
import org.circuitbench.explain.Explainer;
import org.circuitbench.explain.Explanation;
import org.circuitbench.explain.HeadAttribution;
import org.circuitbench.explain.OvTokens;
import org.circuitbench.explain.Scope;
import org.circuitbench.search.Importance;
import org.circuitbench.search.Job;
import org.circuitbench.task.Prompt;
import org.circuitbench.ui.common.AppServices;
import org.circuitbench.ui.common.JobState;
import org.circuitbench.ui.common.SessionTasks;
import org.circuitbench.ui.common.Workspace;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * The head inspector: one head's measures together (the full model's beside the chosen scope's),
 * its attention pattern on a chosen prompt and its OV top 5 tokens for each labelled token of that
 * prompt, both on the scope's pass and computed in the background, and its exact and estimated
 * drop. {@link #inspect} opens it from anywhere (the grid, a heatmap, the Graph view).
 */
public final class HeadInspectorViewModel {
    /** One measure of the head: the full model's value and the scope's, as shown. */
    public record Row(String measure, String full, String scope) {
    }

    private final Workspace workspace;
    private final SessionTasks tasks;
    private final HeadsViewModel heads;

    private final ReadOnlyObjectWrapper<Node.Head> head = new ReadOnlyObjectWrapper<>();
    private final ReadOnlyIntegerWrapper requests = new ReadOnlyIntegerWrapper(0);
    private final StringProperty title = new SimpleStringProperty("");
    private final StringProperty scopeName = new SimpleStringProperty("");
    private final ObservableList<Row> rows = FXCollections.observableArrayList();
    private final ObservableList<String> prompts = FXCollections.observableArrayList();
    private final IntegerProperty prompt = new SimpleIntegerProperty(0);
    private final ObjectProperty<AttentionPatterns.Pattern> pattern = new SimpleObjectProperty<>();
    private final ObservableList<OvTokens.Entry> ovTokens = FXCollections.observableArrayList();
    private final JobState jobs;
    private final StringProperty status;
    private final StringProperty hint = new SimpleStringProperty("");
    private OvTokens lastOv;   // all prompts' entries of the last head and scope, so another prompt needs no new pass
    private String lastOvKey;

    HeadInspectorViewModel(AppServices services, SessionTasks tasks, HeadsViewModel heads) {
        this.jobs = new JobState(services);
        this.status = jobs.statusProperty();
        this.workspace = services.workspace();
        this.tasks = tasks;
        this.heads = heads;
        prompt.addListener((o, a, b) -> {
            if (head.get() != null) load();
        });
    }

    /** Shows {@code h}: its measures at once, its pattern and OV tokens once computed; the view opens (or raises) its window. */
    public void inspect(Node.Head h) {
        AblationTask t = heads.task().orElse(null);
        if (t == null) return;
        var cfg = t.model().config();
        if (h.layer() >= cfg.nLayer() || h.head() >= cfg.nHead()) return;
        boolean same = h.equals(head.get());
        head.set(h);
        prompts.setAll(t.tokenized().task().clean().stream().map(Prompt::text).toList());
        if (prompt.get() >= prompts.size()) prompt.set(0);
        refresh();
        if (!same || pattern.get() == null) load();
        requests.set(requests.get() + 1);
    }

    /** Nothing inspected (another session or task): the view closes its window. */
    public void clear() {
        jobs.reset();
        head.set(null);
        rows.clear();
        prompts.clear();
        pattern.set(null);
        ovTokens.clear();
        lastOv = null;
        lastOvKey = null;
        status.set("");
        title.set("");
    }

    /** The measures table from what the Heads view holds now (called by it after every change). */
    void refresh() {
        Node.Head h = head.get();
        AblationTask t = heads.task().orElse(null);
        if (h == null || t == null) return;
        Scope s = heads.scopeNow();
        String name = heads.scopeName();
        scopeName.set(s == null || s instanceof Scope.Full ? "" : name);
        Circuit c = s == null ? null : heads.circuitOf(s);
        title.set("Head " + h + " · " + tasks.selectedName() + (s == null || s instanceof Scope.Full ? " · full model"
                : " · " + name.toLowerCase(Locale.ROOT) + (c == null ? "" : c.keeps(h) ? " (in it)" : " (not in it: mean-ablated)")));
        Explanation full = heads.explanation(heads.key(Scope.FULL));
        Explanation scoped = s == null || s instanceof Scope.Full ? null : heads.explanation(heads.key(s));
        boolean two = s != null && !(s instanceof Scope.Full);
        List<Row> out = new ArrayList<>();
        add(out, "DLA (logits)", full, scoped, two, x -> x.dla() == null ? null : fmt("%.4f", x.dla().head(h.layer(), h.head())));
        List<String> labels = full != null && full.attention() != null ? full.attention().labels()
                : scoped != null && scoped.attention() != null ? scoped.attention().labels() : List.of();
        for (String l : labels) {
            add(out, "attention to " + l, full, scoped, two, x -> x.attention() == null || !x.attention().labels().contains(l) ? null
                    : fmt("%.3f", x.attention().value(l, h.layer(), h.head())));
        }
        add(out, "OV next (%)", full, scoped, two, x -> x.ov() == null ? null : fmt("%.1f", x.ov().next(h.layer(), h.head())));
        add(out, "OV copy (%)", full, scoped, two, x -> x.ov() == null ? null : fmt("%.1f", x.ov().copy(h.layer(), h.head())));
        Explanation withTypes = full != null && full.heads() != null ? full : scoped != null && scoped.heads() != null ? scoped : null;
        String fullOnly = two ? "(full model only)" : "";
        for (String[] k : new String[][] {{"previous token", "p"}, {"duplicate token", "d"}, {"induction", "i"}}) {
            String v = withTypes == null ? "–" : fmt("%.3f", switch (k[1]) {
                case "p" -> withTypes.heads().previousToken()[h.layer()][h.head()];
                case "d" -> withTypes.heads().duplicateToken()[h.layer()][h.head()];
                default -> withTypes.heads().induction()[h.layer()][h.head()];
            });
            out.add(new Row(k[0], v, fullOnly));
        }
        out.add(new Row("exact drop (points)", exact(Scope.FULL, h), two ? exact(s, h) : ""));
        out.add(new Row("estimated drop", estimate(Scope.FULL, h), two ? estimate(s, h) : ""));
        rows.setAll(out);
        boolean missing = out.stream().anyMatch(r -> r.full().equals("–") || r.scope().equals("–"));
        hint.set(missing ? "– : not computed yet. On the Heads tab, Compute fills the measures for the scope chosen there; "
                + "Estimate and Exact sweep fill the drops." : "");
    }

    private static void add(List<Row> out, String name, Explanation full, Explanation scoped, boolean two, Function<Explanation, String> f) {
        String a = full == null ? null : f.apply(full), b = scoped == null ? null : f.apply(scoped);
        out.add(new Row(name, a == null ? "–" : a, two ? (b == null ? "–" : b) : ""));
    }

    private String exact(Scope s, Node.Head h) {
        Importance.Result r = heads.exact(s);
        if (r == null) return "–";
        for (Importance.Entry e : r.entries()) if (e.node().equals(h)) return fmt("%.4f", e.drop(r.circuitScore()));
        return "not in it";
    }

    private String estimate(Scope s, Node.Head h) {
        HeadAttribution a = heads.storedEstimate(heads.key(s));
        if (a == null) return "–";
        double d = a.drop(h);
        return Double.isNaN(d) ? "not in it" : fmt("%.4f", d);
    }

    private static String fmt(String f, double v) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, f, v);
    }

    /** The pattern and the OV tokens of the head on the chosen prompt, on the scope's pass, in the background. */
    private void load() {
        Node.Head h = head.get();
        AblationTask t = heads.task().orElse(null);
        Scope s = heads.scopeNow();
        int p = prompt.get();
        if (h == null || t == null || s == null || p < 0 || p >= prompts.size()) return;
        Explainer ex = heads.explainer(t);
        String ovKey = h + "@" + HeadsViewModel.scopeKey(s) + "@" + tasks.selectedName();
        boolean labelled = ex.attentionLabels().size() > 1 && t.model().config().nLayer() > 1;
        OvTokens known = ovKey.equals(lastOvKey) ? lastOv : null;
        pattern.set(null);
        ovTokens.setAll(known == null ? List.of() : known.forPrompt(p));
        status.set("computing head " + h + "'s pattern" + (labelled && known == null ? " and OV tokens" : "") + "…");
        record Result(AttentionPatterns.Pattern pattern, OvTokens ov) {
        }
        jobs.start(Job.of("inspect head " + h, workspace.reading(ctx -> new Result(ex.pattern(s, p, h),
                        labelled && known == null ? ex.ovTokens(s, h) : known)))
                .onSuccess(r -> { // only the newest request's: another head, prompt or scope since drops it
                    pattern.set(r.pattern());
                    if (r.ov() != null) {
                        lastOv = r.ov();
                        lastOvKey = ovKey;
                        ovTokens.setAll(r.ov().forPrompt(p));
                    }
                    status.set(labelled ? "" : "OV tokens need labelled positions (S1, S2, …), which this task has not.");
                })
                .onFailure(x -> status.set("failed: " + Job.message(x))));
    }

    /** The scope changed in the Heads view: the pattern and tokens follow it. */
    void scopeChanged() {
        if (head.get() != null) load();
    }

    public ReadOnlyObjectProperty<Node.Head> headProperty() { return head.getReadOnlyProperty(); }
    /** Counts {@link #inspect} calls: the view raises its window on each. */
    public ReadOnlyIntegerProperty requestsProperty() { return requests.getReadOnlyProperty(); }
    public StringProperty titleProperty() { return title; }
    /** The scope column's name; empty when the scope is the full model (one column). */
    public StringProperty scopeNameProperty() { return scopeName; }
    public ObservableList<Row> rows() { return rows; }
    public ObservableList<String> prompts() { return prompts; }
    public IntegerProperty promptProperty() { return prompt; }
    public ObjectProperty<AttentionPatterns.Pattern> patternProperty() { return pattern; }
    public ObservableList<OvTokens.Entry> ovTokens() { return ovTokens; }
    public StringProperty statusProperty() { return status; }
    /** What the table lacks and how to fill it; empty when every value is there. */
    public StringProperty hintProperty() { return hint; }
}
