package org.circuitbench.ui.heads;

import javafx.collections.ListChangeListener;
import javafx.geometry.Insets;
import javafx.geometry.Orientation;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.SplitPane;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.FlowPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import org.circuitbench.ui.common.Controls;
import org.circuitbench.ui.common.Exports;

/**
 * The Heads tab: a measure and a scope to choose, one heatmap on the layers × heads grid, the
 * logit lens of the full model beside the scope's, and the estimate against the exact drops. It
 * only binds; {@link HeadsViewModel} computes and holds everything.
 */
public final class HeadsView extends BorderPane {
    private final HeatmapView heatmap = new HeatmapView();
    private final LensChart lens = new LensChart();
    private final ScatterPlot scatter = new ScatterPlot();

    public HeadsView(HeadsViewModel vm) {
        getStyleClass().add("heads-view");
        ComboBox<HeadMeasure> measure = new ComboBox<>(vm.measures());
        measure.setId("heads-measure");
        measure.valueProperty().bindBidirectional(vm.selectedMeasureProperty());
        measure.setVisibleRowCount(16);
        ComboBox<HeadsViewModel.ScopeChoice> scope = new ComboBox<>(vm.scopes());
        scope.setId("heads-scope");
        scope.valueProperty().bindBidirectional(vm.selectedScopeProperty());
        scope.setTooltip(new Tooltip("Which pass the measures read: the full model, the grid's circuit with every other node mean-ablated, "
                + "or the graph's edge circuit with every other edge carrying its sender's mean."));
        Button compute = Controls.fixed(Controls.button("Compute", "heads-compute", vm::compute));
        compute.setTooltip(new Tooltip("Computes every measure the scope lacks, in the background: DLA, lens, attention and head types "
                + "in seconds, then OV (each head reads the whole vocabulary)."));
        compute.disableProperty().bind(vm.busyProperty());
        compute.getStyleClass().add("primary");
        Button cancel = Controls.fixed(Controls.button("Cancel", "heads-cancel", vm::cancel));
        cancel.disableProperty().bind(vm.busyProperty().not());
        Button estimate = Controls.fixed(Controls.button("Estimate", "heads-estimate", vm::estimate));
        estimate.setTooltip(new Tooltip("Each node's estimated drop at the scope: one forward and one backward pass (edge attribution patching)."));
        estimate.disableProperty().bind(vm.estimatingProperty());
        Button exact = Controls.fixed(Controls.button("Exact sweep", "heads-exact", vm::runExact));
        exact.setTooltip(new Tooltip("Scores the grid's circuit without each of its nodes (the Importance tab's sweep)."));
        ProgressBar progress = new ProgressBar();
        progress.setId("heads-progress");
        progress.setPrefWidth(110);
        progress.progressProperty().bind(vm.progressProperty());
        progress.visibleProperty().bind(vm.busyProperty().or(vm.estimatingProperty()));
        Label status = new Label();
        status.setId("heads-status");
        status.setWrapText(true);
        status.textProperty().bind(vm.statusProperty());
        HBox.setHgrow(status, Priority.ALWAYS);
        // wraps in a narrow window rather than cut the choosers or their labels
        measure.setMinWidth(Region.USE_PREF_SIZE);
        scope.setMinWidth(Region.USE_PREF_SIZE);
        FlowPane controls = new FlowPane(8, 6, new HBox(6, label("Measure"), measure), new HBox(6, label("Scope"), scope),
                compute, cancel, estimate, exact, progress);
        for (javafx.scene.Node n : controls.getChildren()) if (n instanceof HBox b) b.setAlignment(Pos.CENTER_LEFT);
        controls.setAlignment(Pos.CENTER_LEFT);
        VBox top = new VBox(4, controls, status);
        top.setPadding(new Insets(0, 0, 6, 0));
        setTop(top);

        heatmap.setOnInspect(vm::inspect);
        Label placeholder = new Label();
        placeholder.setId("heads-placeholder");
        placeholder.setWrapText(true);
        placeholder.setMaxWidth(520);
        placeholder.textProperty().bind(vm.placeholderProperty());
        placeholder.visibleProperty().bind(vm.placeholderProperty().isNotEmpty());
        placeholder.managedProperty().bind(placeholder.visibleProperty());
        vm.heatmapProperty().addListener((o, a, h) -> heatmap.show(h));
        heatmap.show(vm.heatmapProperty().get());
        Button csv = Controls.fixed(Controls.button("Export CSV…", "heads-export-csv", vm::exportCsv));
        Button png = Controls.fixed(Controls.button("Export PNG…", "heads-export-png", () -> vm.exportHeatmapPng(scale -> Exports.png(heatmap, scale))));
        csv.disableProperty().bind(vm.heatmapProperty().isNull());
        png.disableProperty().bind(vm.heatmapProperty().isNull());
        Label hint = new Label("Double-click a head for the head inspector.");
        hint.getStyleClass().add("caption");
        HBox exports = new HBox(8, csv, png, hint);
        exports.setAlignment(Pos.CENTER_LEFT);
        VBox left = new VBox(8, placeholder, heatmap, exports);
        left.setPadding(new Insets(4));
        ScrollPane leftScroll = new ScrollPane(left);
        leftScroll.setFitToWidth(true);
        // as wide as the heatmap's narrowest cells need (its columns never hide behind a scrollbar)
        leftScroll.minWidthProperty().bind(javafx.beans.binding.Bindings.createDoubleBinding(
                () -> heatmap.minWidth(-1) + 2 * left.getPadding().getLeft() + 16, heatmap.widthProperty(), vm.heatmapProperty()));

        vm.lens().addListener((ListChangeListener<HeadsViewModel.LensSeries>) c -> lens.show(vm.lens()));
        lens.show(vm.lens());
        Button lensCsv = Controls.fixed(Controls.button("Lens CSV…", "heads-lens-csv", vm::exportLensCsv));
        Button lensPng = Controls.fixed(Controls.button("Lens PNG…", "heads-lens-png", () -> vm.exportLensPng(scale -> Exports.png(lens, scale))));
        lensCsv.disableProperty().bind(javafx.beans.binding.Bindings.isEmpty(vm.lens())); // as the heatmap's: nothing to export yet
        lensPng.disableProperty().bind(javafx.beans.binding.Bindings.isEmpty(vm.lens()));
        HBox lensExports = new HBox(8, lensCsv, lensPng);
        Label scatterTitle = new Label("Estimated against exact drop");
        scatterTitle.getStyleClass().add("section");
        scatterTitle.setWrapText(true); // on two lines in a narrow window (1024 wide) rather than cut
        Label scatterCaption = new Label();
        scatterCaption.setId("scatter-caption");
        scatterCaption.getStyleClass().add("caption");
        scatterCaption.setWrapText(true);
        scatterCaption.textProperty().bind(vm.scatterCaptionProperty());
        vm.scatter().addListener((ListChangeListener<HeadsViewModel.ScatterPoint>) c -> scatter.setPoints(vm.scatter()));
        scatter.setPoints(vm.scatter());
        VBox right = new VBox(6, lens, lensExports, scatterTitle, scatter, scatterCaption);
        VBox.setVgrow(lens, Priority.ALWAYS);
        VBox.setVgrow(scatter, Priority.ALWAYS);
        right.setPadding(new Insets(4));
        right.setMinWidth(200);

        SplitPane split = new SplitPane(leftScroll, right);
        split.setOrientation(Orientation.HORIZONTAL);
        split.setDividerPositions(0.6); // the 12 × 12 heatmap with its MLP column fits at 1280 × 800
        setCenter(split);
        setPadding(new Insets(8));
    }

    private static Label label(String text) {
        Label l = new Label(text);
        l.setMinWidth(Label.USE_PREF_SIZE);
        return l;
    }

    HeatmapView heatmap() {
        return heatmap;
    }
}
