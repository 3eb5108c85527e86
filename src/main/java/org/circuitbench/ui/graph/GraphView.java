package org.circuitbench.ui.graph;

import javafx.beans.binding.Bindings;
import javafx.geometry.Insets;
import javafx.geometry.Orientation;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.ProgressIndicator;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.Separator;
import javafx.scene.control.Slider;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.FlowPane;
import javafx.scene.layout.HBox;
import javafx.scene.control.TitledPane;
import javafx.scene.control.ComboBox;
import javafx.collections.FXCollections;
import org.circuitbench.ablation.AttributionMethod;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import org.circuitbench.ablation.EdgeAttribution;
import org.circuitbench.ablation.EdgeCircuit;
import org.circuitbench.ablation.EdgeGraph;
import org.circuitbench.session.Session;
import org.circuitbench.ui.common.Controls;

import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;

/**
 * The Graph view: the edge graph on a canvas (click an edge or a node, hover for numbers, scroll
 * to zoom, drag to pan), the exact score beside it, the attribution slider, the saved edge
 * circuits, and the panel of runs on edges. It only binds {@link GraphViewModel}.
 */
public final class GraphView extends BorderPane {
    private final GraphViewModel vm;
    private final GraphEdits edits;
    private final GraphAttribution attribution;
    private final javafx.scene.Node runs;
    private final GraphCanvas canvas = new GraphCanvas();
    private final Label drawn = new Label();
    private GraphLayout layout;
    private EdgeGraph layoutOf; // the graph that layout is of
    private boolean stale; // the view model changed since the last frame

    /** {@code runs}: the panel of runs on edges (the runs room's), shown beside the graph. */
    public GraphView(GraphViewModel vm, javafx.scene.Node runs) {
        this.vm = vm;
        this.edits = vm.edits();
        this.attribution = vm.attribution();
        this.runs = runs;
        setId("graph-view");
        canvas.setId("graph-canvas");
        canvas.setOnEdgeClicked(edits::toggleEdge);
        canvas.setOnNodeClicked(edits::toggleNode);
        canvas.setOnTakeBack(edits::cancelToggleNode);
        canvas.setEdgeInfo(vm::edgeInfo);
        canvas.setOnDrawn(n -> drawn.setText(String.format(Locale.ROOT, "%,d edges drawn of %,d kept · frame %.0f ms · scroll to zoom, drag to pan",
                n, edits.circuit() == null ? 0 : edits.circuit().size(), canvas.lastFrameMillis())));
        edits.graphProperty().addListener((o, was, g) -> changed());
        edits.circuitProperty().addListener((o, was, now) -> changed());
        attribution.attributionProperty().addListener((o, was, now) -> changed());
        vm.activeProperty().addListener((o, was, shown) -> refresh());

        setTop(toolbar());
        setCenter(canvas);
        // the side panel scrolls in a short window rather than squash its lists and cut its lines
        ScrollPane sideScroll = new ScrollPane(side());
        sideScroll.setFitToWidth(true);
        sideScroll.setHbarPolicy(ScrollPane.ScrollBarPolicy.NEVER);
        sideScroll.setId("graph-side");
        sideScroll.getStyleClass().add("edge-to-edge");
        setRight(sideScroll);
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
        EdgeGraph g = edits.graphProperty().get();
        if (layoutOf != g) {
            layoutOf = g;
            layout = g == null ? null : new GraphLayout(g);
            canvas.setLayout(layout);
        }
        redraw();
    }

    private void redraw() {
        EdgeCircuit c = edits.circuit();
        if (c == null) {
            canvas.show(new BitSet(), new BitSet(), null);
            return;
        }
        EdgeAttribution a = attribution.attributionProperty().get();
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

    private VBox toolbar() {
        Button[] edit = Controls.editButtons("graph", edits::selectAll, edits::selectNone, edits::undo, edits::redo,
                edits.canUndoProperty(), edits.canRedoProperty());
        Button fit = Controls.button("Fit", "graph-fit", canvas::fit);
        Button attribute = Controls.button("Attribution here", "graph-attribute", attribution::compute);
        attribute.setTooltip(new Tooltip("One forward and one backward pass at the graph's circuit: every kept edge's estimated effect, "
                + "drawn as colour (red: removing it hurts) and width. EAP-IG averages the gradient over 5 points on the path "
                + "from the ablated values (docs/methods.md)."));
        ComboBox<AttributionMethod> by = new ComboBox<>(FXCollections.observableArrayList(GraphAttribution.choices()));
        by.setId("graph-attribution-method");
        by.valueProperty().bindBidirectional(attribution.methodProperty());
        by.setTooltip(new Tooltip("How Attribution here estimates: EAP (one gradient pass) or EAP-IG on the inputs or on the activations"));
        Slider slider = new Slider(0, 1, 1);
        slider.setId("graph-topn");
        slider.setPrefWidth(220);
        slider.setBlockIncrement(1);
        slider.maxProperty().bind(attribution.topNMaxProperty()); // bound before the value, so a value is never clamped to an old end
        slider.valueProperty().addListener((o, was, now) -> attribution.topNProperty().set((int) Math.round(now.doubleValue())));
        attribution.topNProperty().addListener((o, was, now) -> {
            if (Math.round(slider.getValue()) != now.intValue()) slider.setValue(now.intValue());
        });
        slider.disableProperty().bind(attribution.attributionProperty().isNull());
        Label topN = new Label();
        topN.setId("graph-topn-label");
        topN.textProperty().bind(Bindings.when(attribution.attributionProperty().isNull()).then("")
                .otherwise(Bindings.format("top %,d edges", attribution.topNProperty())));
        Button keep = Controls.button("Keep top n", "graph-keep-topn", attribution::applyTopN);
        keep.disableProperty().bind(attribution.attributionProperty().isNull());
        keep.setTooltip(new Tooltip("Keep the n edges with the largest attribution; the score beside the graph is their exact score."));
        // a row that wraps in a narrow window rather than cut its buttons to "…"
        for (Button b : List.of(edit[0], edit[1], edit[2], edit[3], fit, attribute, keep)) Controls.fixed(b);
        Controls.fixed(topN);
        FlowPane bar = new FlowPane(6, 4, edit[0], edit[1], edit[2], edit[3], fit, new Separator(Orientation.VERTICAL), by, attribute, slider, topN, keep);
        bar.setAlignment(Pos.CENTER_LEFT);
        bar.setPadding(new Insets(0, 0, 6, 0));
        Label attrText = new Label();
        attrText.textProperty().bind(attribution.caption());
        attrText.getStyleClass().add("caption");
        attrText.setWrapText(true);
        return new VBox(2, bar, attrText);
    }

    private VBox side() {
        Label score = new Label();
        score.setId("graph-score");
        score.getStyleClass().add("score-label");
        score.textProperty().bind(edits.scoreTextProperty());
        ProgressIndicator busy = new ProgressIndicator();
        busy.setPrefSize(22, 22);
        busy.visibleProperty().bind(edits.busyProperty());
        Label detail = new Label();
        detail.setWrapText(true);
        detail.getStyleClass().add("caption");
        detail.textProperty().bind(edits.detailTextProperty());
        Label error = new Label();
        error.setWrapText(true);
        error.getStyleClass().add("error-text");
        error.textProperty().bind(edits.errorProperty());

        Button save = Controls.button("Save graph as…", "graph-save", vm::askToSave);
        // the circuits kept with Save graph as…: listed here, so a saved graph can be seen and shown again
        ListView<Session.NamedCircuit> named = new ListView<>(edits.named());
        named.setId("graph-named");
        named.setPrefHeight(80);
        named.setPlaceholder(new Label("Save graph as… keeps the graph here."));
        named.setCellFactory(l -> new ListCell<>() {
            @Override
            protected void updateItem(Session.NamedCircuit n, boolean empty) {
                super.updateItem(n, empty);
                setText(empty || n == null ? null : edits.describe(n));
            }
        });
        Button showNamed = Controls.button("Show on graph", "graph-show-named", () -> {
            Session.NamedCircuit n = named.getSelectionModel().getSelectedItem();
            if (n != null) edits.showNamed(n);
        });
        showNamed.disableProperty().bind(named.getSelectionModel().selectedItemProperty().isNull());
        named.setOnMouseClicked(ev -> {
            Session.NamedCircuit n = named.getSelectionModel().getSelectedItem();
            if (ev.getClickCount() == 2 && n != null) edits.showNamed(n);
        });

        TitledPane curves = new TitledPane("Faithfulness curves", new FaithfulnessChart(vm.faithfulness()));
        curves.setId("graph-faithfulness");
        curves.setExpanded(false);
        // the graph's own (its score, its saved circuits) first; the runs below, where the side panel scrolls
        VBox side = new VBox(6, new HBox(8, score, busy), detail, error, new Separator(),
                Controls.section("Saved edge circuits"), new HBox(6, save, showNamed), named, curves, new Separator(), runs);
        side.setPadding(new Insets(0, 0, 0, 10));
        side.setPrefWidth(320);
        side.setMinWidth(240); // inside its scroll pane it takes the viewport's width
        VBox.setVgrow(runs, Priority.ALWAYS);
        return side;
    }

}
