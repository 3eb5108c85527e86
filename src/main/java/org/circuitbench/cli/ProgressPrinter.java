package org.circuitbench.cli;

import org.circuitbench.search.JobListener;
import org.circuitbench.search.Progress;
import org.circuitbench.search.Removal;

import java.io.PrintStream;
import java.util.Locale;

/** {@code --progress}: a line on stderr for each removal, and a status line at most twice a second. */
final class ProgressPrinter<R> implements JobListener<R> {
    private final PrintStream err;
    private String title = "";
    private long started;
    private long lastPrint;

    ProgressPrinter(PrintStream err) {
        this.err = err;
    }

    @Override
    public void started(String title, long total) {
        this.title = title;
        this.started = System.nanoTime();
        err.println("[" + title + "] started" + (total > 0 ? ", " + total + " evaluations" : ""));
    }

    @Override
    public void removal(Removal<?> r) {
        err.printf(Locale.ROOT, "[%s] removed %s -> %.4f (%.1f s)%n", title, r.element(), r.score(), r.elapsedSeconds());
    }

    @Override
    public void progress(Progress p) {
        long now = System.nanoTime();
        if (now - lastPrint < 500_000_000L && p.done() != p.total()) return;
        lastPrint = now;
        double sec = (now - started) / 1e9;
        String eta = p.total() > 0 && p.done() > 0
                ? String.format(Locale.ROOT, ", ETA %.0f s", sec / p.done() * (p.total() - p.done())) : "";
        String of = p.total() > 0 ? "/" + p.total() : "";
        err.printf(Locale.ROOT, "[%s] %d%s evaluations, %s, %.1f s%s%n", title, p.done(), of, p.message(), sec, eta);
    }
}
