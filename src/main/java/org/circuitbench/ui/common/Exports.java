package org.circuitbench.ui.common;

import javafx.embed.swing.SwingFXUtils;
import javafx.scene.SnapshotParameters;
import javafx.scene.transform.Transform;
import org.circuitbench.util.AtomicFiles;

import javax.imageio.ImageIO;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Writing what a view exports: an image as the view renders it, or a text, to a file the user
 * chose, atomically; a failure is said in a dialog and leaves any old file whole.
 */
public final class Exports {
    private Exports() {
    }

    /** An image of a view, as it renders it, {@code scale} times its size on screen. */
    @FunctionalInterface
    public interface Png {
        byte[] bytes(double scale) throws IOException;
    }

    /** The image sizes offered: the view's size on screen, or two or three times it (for slides and print). */
    public static final List<String> SIZES = List.of("1× (as on screen)", "2×", "3×");

    /** Asks the size and where, then writes the image there; a failure is said in a dialog (every view's image export). */
    public static void saveImage(DialogService dialogs, String title, String name, Png png) {
        Optional<String> size = dialogs.choose("Image size (" + name + ")", SIZES, SIZES.get(1));
        if (size.isEmpty()) return;
        double scale = Math.max(1, SIZES.indexOf(size.get()) + 1);
        dialogs.saveFile(title, DialogService.FileType.PNG, name).ifPresent(p -> {
            try {
                AtomicFiles.write(p, png.bytes(scale));
            } catch (IOException e) {
                dialogs.error("Cannot write " + p.getFileName(), e.getMessage());
            }
        });
    }

    /** Writes an export the user chose a file for, atomically; a failure is said in a dialog. */
    public static void writeText(DialogService dialogs, Path p, String text) {
        try {
            AtomicFiles.writeString(p, text);
        } catch (IOException e) {
            dialogs.error("Cannot write " + p.getFileName(), e.getMessage());
        }
    }

    /** A node as PNG bytes, at its size on screen. */
    public static byte[] png(javafx.scene.Node node) throws IOException {
        return png(node, 1);
    }

    /** A node as PNG bytes, {@code scale} times its size on screen (drawn at that resolution, not enlarged). */
    public static byte[] png(javafx.scene.Node node, double scale) throws IOException {
        SnapshotParameters sp = new SnapshotParameters();
        sp.setTransform(Transform.scale(scale, scale));
        var image = node.snapshot(sp, null);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(SwingFXUtils.fromFXImage(image, null), "png", out);
        return out.toByteArray();
    }

    /** A node as a PNG file, written atomically. */
    public static void writePng(javafx.scene.Node node, Path file) throws IOException {
        AtomicFiles.write(file, png(node));
    }
}
