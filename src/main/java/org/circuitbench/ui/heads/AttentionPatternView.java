package org.circuitbench.ui.heads;

import javafx.geometry.Insets;
import javafx.geometry.VPos;
import javafx.scene.Scene;
import javafx.scene.canvas.Canvas;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.control.CheckBox;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.layout.HBox;
import javafx.scene.layout.VBox;
import javafx.scene.paint.Color;
import javafx.scene.text.Font;
import javafx.scene.text.TextAlignment;
import javafx.stage.Stage;
import javafx.stage.Window;
import org.circuitbench.ablation.AttentionPatterns;
import org.circuitbench.ablation.Node;
import org.circuitbench.ui.common.Cells;

import java.util.Locale;

/** A head's query × key attention heatmap on a chosen prompt, with the tokens on both axes. */
public final class AttentionPatternView extends VBox {
    private final Canvas canvas = new Canvas(420, 420);
    private final Label status = new Label();

    AttentionPatternView(HeadsViewModel vm, Node.Head head) {
        setPadding(new Insets(10));
        setSpacing(8);
        ComboBox<String> prompt = new ComboBox<>();
        prompt.setId("pattern-prompt");
        prompt.getItems().setAll(vm.cleanPrompts());
        prompt.getSelectionModel().select(0);
        CheckBox ablated = new CheckBox("with the grid's circuit ablated below this layer");
        Runnable compute = () -> {
            int i = prompt.getSelectionModel().getSelectedIndex();
            if (i < 0) return;
            status.setText("computing…");
            vm.attentionPattern(head, i, ablated.isSelected(), this::draw, status::setText);
        };
        prompt.setOnAction(e -> compute.run());
        ablated.setOnAction(e -> compute.run());
        getChildren().addAll(new HBox(8, new Label("Prompt"), prompt), ablated, canvas, status);
        canvas.setId("pattern-canvas");
        compute.run();
    }

    public static void show(Window owner, HeadsViewModel vm, Node.Head head) {
        Stage s = new Stage();
        s.initOwner(owner);
        s.setTitle("Attention pattern of head " + head);
        s.setScene(new Scene(new AttentionPatternView(vm, head)));
        s.show();
    }

    private void draw(AttentionPatterns.Pattern p) {
        paint(canvas, p);
        status.setText("rows: queries, columns: keys · head " + p.head() + (p.ablated() ? " · circuit ablated below" : " · full model"));
    }

    /** The pattern as a query × key heatmap with the tokens on both axes (values written where the cells are big enough). */
    static void paint(Canvas canvas, AttentionPatterns.Pattern p) {
        int n = p.tokens().length;
        double margin = 90, cell = Math.min(48, (canvas.getWidth() - margin - 10) / Math.max(1, n));
        GraphicsContext g = canvas.getGraphicsContext2D();
        g.setFill(Color.WHITE);
        g.fillRect(0, 0, canvas.getWidth(), canvas.getHeight());
        g.setFont(Font.font(11));
        for (int q = 0; q < n; q++) {
            for (int k = 0; k < n; k++) {
                double w = p.weights()[q][k];
                g.setFill(Cells.heat(w));
                g.fillRect(margin + k * cell, margin + q * cell, cell - 1, cell - 1);
                if (cell >= 30) {
                    g.setFill(w > 0.5 ? Color.WHITE : Color.BLACK);
                    g.setTextAlign(TextAlignment.CENTER);
                    g.setTextBaseline(VPos.CENTER);
                    g.fillText(String.format(Locale.ROOT, "%.2f", w), margin + k * cell + cell / 2, margin + q * cell + cell / 2);
                }
            }
            String tok = p.tokens()[q].replace(' ', '␣');
            g.setFill(Color.BLACK);
            g.setTextAlign(TextAlignment.RIGHT);
            g.setTextBaseline(VPos.CENTER);
            g.fillText(tok, margin - 6, margin + q * cell + cell / 2);
            g.save();
            g.translate(margin + q * cell + cell / 2, margin - 6);
            g.rotate(-60);
            g.setTextAlign(TextAlignment.LEFT);
            g.fillText(tok, 0, 0);
            g.restore();
        }
    }
}
