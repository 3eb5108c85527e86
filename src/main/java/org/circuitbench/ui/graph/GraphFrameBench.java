package org.circuitbench.ui.graph;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import javafx.application.Platform;
import javafx.scene.Scene;
import javafx.stage.Stage;
import org.circuitbench.ablation.AblationTask;
import org.circuitbench.ablation.EdgeAttribution;
import org.circuitbench.ablation.EdgeCircuit;
import org.circuitbench.ablation.EdgeEvaluator;
import org.circuitbench.ablation.EdgeGraph;
import org.circuitbench.model.DeviceChoice;
import org.circuitbench.model.LoadedModel;
import org.circuitbench.model.ModelResolver;
import org.circuitbench.task.TaskFiles;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.BitSet;
import java.util.concurrent.CompletableFuture;

/**
 * {@code ./circuitbench bench-graph --model M --task T}: how long the Graph view takes to draw
 * every edge of a model, on the real toolkit (it needs a display; Xvfb will do). Full frames
 * (every edge, culled and batched, plus the snapshot that panning reuses) and the frames shown
 * while the user pans and zooms (the last full frame moved and scaled), in milliseconds.
 */
public final class GraphFrameBench {
    private GraphFrameBench() {
    }

    public static void main(String[] args) throws Exception {
        String model = null, task = null;
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (args[i].equals("--model")) model = args[i + 1];
            else if (args[i].equals("--task")) task = args[i + 1];
        }
        if (model == null || task == null) {
            System.err.println("error: bench-graph needs --model M --task FILE.");
            System.exit(2);
        }
        ObjectNode out;
        try (LoadedModel m = LoadedModel.open(Path.of(model).getFileName().toString(), ModelResolver.fromEnvironment().resolve(model),
                DeviceChoice.resolve("cpu")); AblationTask t = AblationTask.prepare(m, TaskFiles.read(Path.of(task)));
             EdgeEvaluator ev = new EdgeEvaluator(t, false)) {
            EdgeGraph g = ev.graph();
            EdgeCircuit all = EdgeCircuit.all(g);
            EdgeAttribution a = ev.attributor().attribute(all);
            float[] byId = new float[g.edgeCount()];
            Arrays.fill(byId, Float.NaN);
            for (EdgeAttribution.EdgeValue e : a.edges()) byId[g.id(e.edge())] = (float) e.attribution();
            BitSet alive = new BitSet();
            alive.set(0, g.senderCount());
            CompletableFuture<ObjectNode> result = new CompletableFuture<>();
            Platform.startup(() -> {
                try {
                    result.complete(measure(new GraphLayout(g), all.ids(), alive, byId));
                } catch (Throwable e) {
                    result.completeExceptionally(e);
                }
            });
            out = result.get();
            out.put("model", m.name()).put("edges", g.edgeCount());
        } catch (Exception e) {
            System.err.println("error: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            Platform.exit();
            System.exit(1);
            return;
        }
        System.out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(out));
        Platform.exit();
        System.exit(0);
    }

    /** On the FX thread: a 1000 × 700 canvas with every edge; full frames, then pans and zooms. */
    private static ObjectNode measure(GraphLayout layout, BitSet kept, BitSet alive, float[] attribution) {
        GraphCanvas canvas = new GraphCanvas();
        Stage stage = new Stage();
        stage.setScene(new Scene(canvas, 1000, 700));
        stage.show();
        canvas.applyCss();
        canvas.layout();
        canvas.setLayout(layout);
        canvas.show(kept, alive, attribution);
        double[] full = new double[10];
        for (int i = 0; i < full.length; i++) {
            canvas.redraw();
            full[i] = canvas.lastFrameMillis();
        }
        int drawn = canvas.drawnEdges();
        // a pan or zoom frame: the moved image, rasterized (the snapshot forces what a pulse would do)
        double[] pan = new double[60];
        for (int i = 0; i < pan.length; i++) {
            long t0 = System.nanoTime();
            canvas.pan(i % 2 == 0 ? 7 : -5, 3);
            canvas.snapshot(null, null);
            pan[i] = (System.nanoTime() - t0) / 1e6;
        }
        double[] zoom = new double[30];
        for (int i = 0; i < zoom.length; i++) {
            long t0 = System.nanoTime();
            canvas.zoomAt(500, 350, i < 15 ? 1.1 : 1 / 1.1);
            canvas.snapshot(null, null);
            zoom[i] = (System.nanoTime() - t0) / 1e6;
        }
        canvas.zoomAt(500, 350, 4);
        canvas.redraw();
        double zoomedIn = canvas.lastFrameMillis();
        int drawnZoomedIn = canvas.drawnEdges();
        stage.close();
        ObjectNode o = new ObjectMapper().createObjectNode();
        o.put("canvas", "1000x700");
        o.put("pipeline", com.sun.prism.GraphicsPipeline.getPipeline() == null ? "unknown"
                : com.sun.prism.GraphicsPipeline.getPipeline().getClass().getSimpleName());
        o.put("drawn_edges_full_view", drawn);
        o.put("full_frame_ms_median", median(full));
        o.put("full_frame_ms_max", round(Arrays.stream(full).max().orElse(0)));
        o.put("pan_frame_ms_median", median(pan));
        o.put("pan_frame_ms_max", round(Arrays.stream(pan).max().orElse(0)));
        o.put("zoom_frame_ms_median", median(zoom));
        o.put("zoomed_in_4x_full_frame_ms", round(zoomedIn));
        o.put("drawn_edges_zoomed_in_4x", drawnZoomedIn);
        return o;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return round(s[s.length / 2]);
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }
}
