package org.circuitbench.ui.common;

import javafx.embed.swing.SwingFXUtils;
import org.circuitbench.util.AtomicFiles;

import javax.imageio.ImageIO;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Writing what a view exports: an image as the view renders it, or a text, to a file the user
 * chose, atomically; a failure is said in a dialog and leaves any old file whole.
 */
public final class Exports {
    private Exports() {
    }

    /** An image of a view, as it renders it. */
    @FunctionalInterface
    public interface Png {
        byte[] bytes() throws IOException;
    }

    /** Asks where, then writes the image there; a failure is said in a dialog (every view's image export). */
    public static void saveImage(DialogService dialogs, String title, String name, Png png) {
        dialogs.saveFile(title, DialogService.FileType.PNG, name).ifPresent(p -> {
            try {
                AtomicFiles.write(p, png.bytes());
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

    /** A node as PNG bytes. */
    public static byte[] png(javafx.scene.Node node) throws IOException {
        var image = node.snapshot(null, null);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(SwingFXUtils.fromFXImage(image, null), "png", out);
        return out.toByteArray();
    }

    /** A node as a PNG file, written atomically. */
    public static void writePng(javafx.scene.Node node, Path file) throws IOException {
        AtomicFiles.write(file, png(node));
    }
}
