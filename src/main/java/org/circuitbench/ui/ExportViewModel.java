package org.circuitbench.ui;

import org.circuitbench.ablation.Circuit;
import org.circuitbench.search.CircuitFormats;
import org.circuitbench.search.PruneResult;
import org.circuitbench.util.AtomicFiles;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * File → Export: the grid's circuit in the formats of the headless {@code prune --export}, a run's
 * removal log as CSV, and the grid as a PNG. Files are written atomically; a failure is said in a
 * dialog and leaves any old file whole.
 */
public final class ExportViewModel {
    /** An image of the grid, as the view renders it. */
    @FunctionalInterface
    public interface Png {
        byte[] bytes() throws IOException;
    }

    private final DialogService dialogs;
    private final GridViewModel grid;
    private final RunsViewModel runs;
    private final Supplier<String> modelName;
    private final Supplier<String> taskName;

    public ExportViewModel(AppServices services, GridViewModel grid, RunsViewModel runs, Supplier<String> modelName, Supplier<String> taskName) {
        this.dialogs = services.dialogs();
        this.grid = grid;
        this.runs = runs;
        this.modelName = modelName;
        this.taskName = taskName;
    }

    /** The grid's circuit as JSON, the paper's JSON or a Python list. */
    public void exportGridCircuit(CircuitFormats.Format format) {
        Circuit c = grid.circuit();
        if (c == null) {
            dialogs.error("No circuit on the grid", "Open a task first; the grid then holds a circuit to export.");
            return;
        }
        boolean py = format == CircuitFormats.Format.PYTHON;
        dialogs.saveFile("Export the grid's circuit", py ? DialogService.FileType.PYTHON : DialogService.FileType.JSON,
                        py ? "circuit.py" : "circuit.json")
                .ifPresent(p -> write(p, CircuitFormats.export(format, c, modelName.get(), taskName.get()) + "\n"));
    }

    /** The selected run's removal log as CSV (step, node, score after, seconds, pass). */
    public void exportSelectedRun() {
        Optional<PruneResult<?, ?>> r = runs.selectedResult();
        if (r.isEmpty()) {
            dialogs.error("No run selected", "Select a run in the Runs tab first.");
            return;
        }
        dialogs.saveFile("Export the removal log", DialogService.FileType.CSV, "removals.csv")
                .ifPresent(p -> write(p, CircuitFormats.export(CircuitFormats.Format.CSV, r.get(), modelName.get(),
                        runs.selectedProperty().get().task())));
    }

    public void exportGridImage(Png png) {
        saveImage(dialogs, "Export the grid as an image", "grid.png", png);
    }

    private void write(Path p, String text) {
        writeText(dialogs, p, text);
    }

    /** Asks where, then writes the image there; a failure is said in a dialog (every view's image export). */
    static void saveImage(DialogService dialogs, String title, String name, Png png) {
        dialogs.saveFile(title, DialogService.FileType.PNG, name).ifPresent(p -> {
            try {
                AtomicFiles.write(p, png.bytes());
            } catch (IOException e) {
                dialogs.error("Cannot write " + p.getFileName(), e.getMessage());
            }
        });
    }

    /** Writes an export the user chose a file for, atomically; a failure is said in a dialog. */
    static void writeText(DialogService dialogs, Path p, String text) {
        try {
            AtomicFiles.writeString(p, text);
        } catch (IOException e) {
            dialogs.error("Cannot write " + p.getFileName(), e.getMessage());
        }
    }
}
