package org.circuitbench.ui.graph;

import javafx.beans.binding.Bindings;
import javafx.collections.ListChangeListener;
import javafx.geometry.Insets;
import javafx.geometry.Orientation;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.ProgressIndicator;
import javafx.scene.control.Separator;
import javafx.scene.control.Slider;
import javafx.scene.control.TextField;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import org.circuitbench.ablation.EdgeAttribution;
import org.circuitbench.ablation.EdgeCircuit;
import org.circuitbench.ablation.EdgeGraph;
import org.circuitbench.session.Session;
import org.circuitbench.ui.common.Controls;

import java.util.Arrays;
import java.util.BitSet;
import java.util.Locale;

/**
 * The Graph view: the edge graph on a canvas (click an edge or a node, hover for numbers, scroll
 * to zoom, drag to pan), the exact score beside it, the attribution slider, and edge runs. It only
 * binds {@link GraphViewModel}.
 */
public final class GraphView extends BorderPane {
    private final GraphViewModel vm;
    private final GraphCanvas canvas = new GraphCanvas();
    private final Label drawn = new Label();
    private GraphLayout layout;
    private EdgeGraph layoutOf; // the graph that layout is of
    private boolean stale; // the view model changed since the last frame

    public GraphView(GraphViewModel vm) {
        this.vm = vm;
        setId("graph-view");
        canvas.setId("graph-canvas");
        canvas.setOnEdgeClicked(vm::toggleEdge);
        canvas.setOnNodeClicked(vm::toggleNode);
        canvas.setEdgeInfo(vm::edgeInfo);
        canvas.setOnDrawn(n -> drawn.setText(String.format(Locale.ROOT, "%,d edges drawn of %,d kept · frame %.0f ms · scroll to zoom, drag to pan",
                n, vm.circuit() == null ? 0 : vm.circuit().size(), canvas.lastFrameMillis())));
        vm.graphProperty().addListener((o, was, g) -> changed());
        vm.circuitProperty().addListener((o, was, now) -> changed());
        vm.attributionProperty().addListener((o, was, now) -> changed());
        vm.activeProperty().addListener((o, was, shown) -> refresh());

        setTop(toolbar());
        setCenter(canvas);
        setRight(side());
        drawn.getStyleClass().add("caption");
        drawn.setId("graph-drawn");
        setBottom(drawn);
        BorderPane.setMargin(drawn, new Insets(4, 0, 0, 0));
        setPadding(new Insets(10));
    }

    /** The canvas, with what the view model holds now drawn (even while the tab is hidden: an export asks). */
    public GraphCanvas canvas() {
        draw();
        return canvas;
    }

    public GraphLayout graphLayout() {
        draw();
        return layout;
    }

    /**
     * The graph is laid out and drawn only while its tab shows: at the app's start, and while
     * another tab is in front, a change costs nothing until the tab is shown.
     */
    private void changed() {
        stale = true;
        refresh();
    }

    private void refresh() {
        if (vm.activeProperty().get()) draw();
    }

    private void draw() {
        if (!stale) return;
        stale = false;
        EdgeGraph g = vm.graphProperty().get();
        if (layoutOf != g) {
            layoutOf = g;
            layout = g == null ? null : new GraphLayout(g);
            canvas.setLayout(layout);
        }
        redraw();
    }

    private void redraw() {
        EdgeCircuit c = vm.circuit();
        if (c == null) {
            canvas.show(new BitSet(), new BitSet(), null);
            return;
        }
        EdgeAttribution a = vm.attributionProperty().get();
        float[] byId = null;
        if (a != null && a.state().graph().equals(c.graph())) {
            EdgeGraph g = c.graph();
            byId = new float[g.edgeCount()];
            Arrays.fill(byId, Float.NaN);
            for (EdgeAttribution.EdgeValue e : a.edges()) byId[g.id(e.edge())] = (float) e.attribution();
        }
        BitSet alive = new BitSet();
        for (int s = 0; s < c.graph().senderCount(); s++) if (c.hasOutEdge(s)) alive.set(s);
        canvas.show(c.ids(), alive, byId);
    }

    private HBox toolbar() {
        Button all = Controls.button("All", "graph-all", vm::selectAll);
        Button none = Controls.button("None", "graph-none", vm::selectNone);
        Button undo = Controls.button("Undo", "graph-undo", vm::undo);
        Button redo = Controls.button("Redo", "graph-redo", vm::redo);
        undo.disableProperty().bind(vm.canUndoProperty().not());
        redo.disableProperty().bind(vm.canRedoProperty().not());
        Button fit = Controls.button("Fit", "graph-fit", canvas::fit);
        Button attribute = Controls.button("Attribution here", "graph-attribute", vm::computeAttribution);
        attribute.setTooltip(new Tooltip("One forward and one backward pass at the graph's circuit: every kept edge's estimated effect, "
                + "drawn as colour (red: removing it hurts) and width."));
        Slider slider = new Slider(0, 1, 1);
        slider.setId("graph-topn");
        slider.setPrefWidth(220);
        slider.setBlockIncrement(1);
        vm.attributionProperty().addListener((o, was, a) -> {
            slider.setMax(a == null ? 1 : a.state().size());
            slider.setValue(vm.topNProperty().get());
        });
        slider.valueProperty().addListener((o, was, now) -> vm.topNProperty().set((int) Math.round(now.doubleValue())));
        vm.topNProperty().addListener((o, was, now) -> {
            if (Math.round(slider.getValue()) != now.intValue()) slider.setValue(now.intValue());
        });
        slider.disableProperty().bind(vm.attributionProperty().isNull());
        Label topN = new Label();
        topN.textProperty().bind(Bindings.when(vm.attributionProperty().isNull()).then("")
                .otherwise(Bindings.format("top %,d edges", vm.topNProperty())));
        Button keep = Controls.button("Keep top n", "graph-keep-topn", vm::applyTopN);
        keep.disableProperty().bind(vm.attributionProperty().isNull());
        keep.setTooltip(new Tooltip("Keep the n edges with the largest attribution; the score beside the graph is their exact score."));
        HBox bar = new HBox(6, all, none, undo, redo, fit, new Separator(Orientation.VERTICAL), attribute, slider, topN, keep);
        bar.setAlignment(Pos.CENTER_LEFT);
        bar.setPadding(new Insets(0, 0, 6, 0));
        Label attrText = new Label();
        attrText.textProperty().bind(vm.attributionCaption());
        attrText.getStyleClass().add("caption");
        VBox top = new VBox(2, bar, attrText);
        return new HBox(top);
    }

    private VBox side() {
        Label score = new Label();
        score.setId("graph-score");
        score.getStyleClass().add("score-label");
        score.textProperty().bind(vm.scoreTextProperty());
        ProgressIndicator busy = new ProgressIndicator();
        busy.setPrefSize(22, 22);
        busy.visibleProperty().bind(vm.busyProperty());
        Label detail = new Label();
        detail.setWrapText(true);
        detail.getStyleClass().add("caption");
        detail.textProperty().bind(vm.detailTextProperty());
        Label error = new Label();
        error.setWrapText(true);
        error.getStyleClass().add("error-text");
        error.textProperty().bind(vm.errorProperty());

        ChoiceBox<GraphViewModel.Method> method = new ChoiceBox<>();
        method.setId("graph-method");
        method.getItems().setAll(GraphViewModel.Method.values());
        method.valueProperty().bindBidirectional(vm.methodProperty());
        ChoiceBox<GraphViewModel.Start> start = new ChoiceBox<>();
        start.setId("graph-start");
        start.getItems().setAll(GraphViewModel.Start.values());
        start.valueProperty().bindBidirectional(vm.startProperty());
        TextField threshold = new TextField();
        threshold.setId("graph-threshold");
        threshold.setPrefColumnCount(4);
        threshold.textProperty().bindBidirectional(vm.thresholdTextProperty());
        Button run = Controls.button("Run", "graph-run", vm::startRun);
        run.disableProperty().bind(vm.runningProperty());
        Button cancel = Controls.button("Cancel", "graph-cancel", vm::cancelRun);
        cancel.disableProperty().bind(vm.runningProperty().not());
        ProgressBar progress = new ProgressBar();
        progress.setId("graph-progress");
        progress.setMaxWidth(Double.MAX_VALUE);
        progress.progressProperty().bind(vm.progressProperty());
        progress.visibleProperty().bind(vm.runningProperty().or(vm.progressProperty().greaterThan(0)));
        Label status = new Label();
        status.setWrapText(true);
        status.getStyleClass().add("caption");
        status.textProperty().bind(vm.statusProperty());
        ListView<GraphViewModel.LogRow> log = new ListView<>(vm.log());
        log.setId("graph-log");
        log.setPrefHeight(150);
        log.setCellFactory(l -> new ListCell<>() {
            @Override
            protected void updateItem(GraphViewModel.LogRow r, boolean empty) {
                super.updateItem(r, empty);
                setText(empty || r == null ? null : String.format(Locale.ROOT, "%d. %s → %.4f", r.step(), r.edge(), r.score()));
            }
        });
        vm.log().addListener((ListChangeListener<GraphViewModel.LogRow>) c -> {
            if (!vm.log().isEmpty()) log.scrollTo(vm.log().size() - 1);
        });
        ListView<Session.EdgeRunRecord> history = new ListView<>(vm.history());
        history.setId("graph-history");
        history.setPrefHeight(110);
        history.setCellFactory(l -> new ListCell<>() {
            @Override
            protected void updateItem(Session.EdgeRunRecord r, boolean empty) {
                super.updateItem(r, empty);
                setText(empty || r == null ? null : String.format(Locale.ROOT, "%s T=%s · %s · %.2f %%%s", r.method(), trim(r.threshold()),
                        r.task(), r.score(), r.cancelled() ? " (cancelled)" : ""));
            }
        });
        history.getSelectionModel().selectedItemProperty().addListener((o, was, now) -> vm.selectedProperty().set(now));
        Button apply = Controls.button("Apply to graph", "graph-apply", vm::applySelected);
        apply.disableProperty().bind(vm.selectedProperty().isNull());
        Button save = Controls.button("Save graph as…", "graph-save", vm::askToSave);
        // the circuits kept with Save graph as…: listed here, so a saved graph can be seen and shown again
        ListView<Session.NamedEdgeCircuit> named = new ListView<>(vm.named());
        named.setId("graph-named");
        named.setPrefHeight(80);
        named.setPlaceholder(new Label("Save graph as… keeps the graph here."));
        named.setCellFactory(l -> new ListCell<>() {
            @Override
            protected void updateItem(Session.NamedEdgeCircuit n, boolean empty) {
                super.updateItem(n, empty);
                setText(empty || n == null ? null : n.name() + " · " + n.task()
                        + (n.score() == null ? "" : String.format(Locale.ROOT, " · %.2f %%", n.score())));
            }
        });
        Button showNamed = Controls.button("Show on graph", "graph-show-named", () -> {
            Session.NamedEdgeCircuit n = named.getSelectionModel().getSelectedItem();
            if (n != null) vm.showNamed(n);
        });
        showNamed.disableProperty().bind(named.getSelectionModel().selectedItemProperty().isNull());
        named.setOnMouseClicked(ev -> {
            Session.NamedEdgeCircuit n = named.getSelectionModel().getSelectedItem();
            if (ev.getClickCount() == 2 && n != null) vm.showNamed(n);
        });

        HBox settings = new HBox(6, new Label("T"), threshold, run, cancel);
        settings.setAlignment(Pos.CENTER_LEFT);
        VBox side = new VBox(6, new HBox(8, score, busy), detail, error, new Separator(),
                section("Run on edges"), method, new HBox(6, new Label("from"), start), settings, progress, status, log,
                section("Edge runs"), history, new HBox(6, apply, save), section("Saved edge circuits"), named, showNamed);
        side.setPadding(new Insets(0, 0, 0, 10));
        side.setPrefWidth(330);
        side.setMinWidth(Region.USE_PREF_SIZE);
        VBox.setVgrow(log, Priority.ALWAYS);
        return side;
    }

    private static Label section(String text) {
        Label l = new Label(text);
        l.getStyleClass().add("section");
        return l;
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
