package org.circuitbench.ui.app;

import org.circuitbench.ablation.Circuit;
import org.circuitbench.search.CircuitFormats;
import org.circuitbench.search.PruneResult;
import org.circuitbench.session.Session;
import org.circuitbench.ui.common.AppServices;
import org.circuitbench.ui.common.DialogService;
import org.circuitbench.ui.common.Exports;
import org.circuitbench.ui.grid.GridViewModel;
import org.circuitbench.ui.runs.NodePrunes;
import org.circuitbench.ui.runs.RunViewModel;

import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * File → Export: the grid's circuit in the formats of the headless {@code prune --export}, a run's
 * removal log as CSV, and the grid as a PNG. Files are written atomically; a failure is said in a
 * dialog and leaves any old file whole.
 */
public final class ExportViewModel {
    private final DialogService dialogs;
    private final GridViewModel grid;
    private final RunViewModel<Session.RunRecord> runs;
    private final NodePrunes prunes;
    private final Supplier<String> modelName;
    private final Supplier<String> taskName;

    public ExportViewModel(AppServices services, GridViewModel grid, RunViewModel<Session.RunRecord> runs, NodePrunes prunes,
                           Supplier<String> modelName, Supplier<String> taskName) {
        this.dialogs = services.dialogs();
        this.grid = grid;
        this.runs = runs;
        this.prunes = prunes;
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
        Optional<PruneResult> r = Optional.ofNullable(runs.selectedProperty().get()).map(prunes::result);
        if (r.isEmpty()) {
            dialogs.error("No run selected", "Select a run in the Runs tab first.");
            return;
        }
        dialogs.saveFile("Export the removal log", DialogService.FileType.CSV, "removals.csv")
                .ifPresent(p -> write(p, CircuitFormats.export(CircuitFormats.Format.CSV, r.get(), modelName.get(),
                        runs.selectedProperty().get().task())));
    }

    public void exportGridImage(Exports.Png png) {
        Exports.saveImage(dialogs, "Export the grid as an image", "grid.png", png);
    }

    private void write(Path p, String text) {
        Exports.writeText(dialogs, p, text);
    }
}
