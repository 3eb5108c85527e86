package org.circuitbench.ui.common;

import javafx.application.Platform;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.testfx.util.WaitForAsyncUtils;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Fails a TestFX test when any exception reached the FX thread uncaught during it (a view's
 * listener, a job's handler, a skin), even if everything the test looked at seemed right.
 * Register it after ApplicationExtension, which starts the FX thread.
 */
public final class FxExceptionGuard implements BeforeEachCallback, AfterEachCallback {
    public static final List<Throwable> CAUGHT = new CopyOnWriteArrayList<>();

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        CAUGHT.clear();
        WaitForAsyncUtils.asyncFx(() -> Thread.currentThread().setUncaughtExceptionHandler((t, e) -> CAUGHT.add(e))).get();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        WaitForAsyncUtils.waitForFxEvents();
        if (CAUGHT.isEmpty()) return;
        StringWriter w = new StringWriter();
        CAUGHT.forEach(e -> e.printStackTrace(new PrintWriter(w)));
        CAUGHT.clear();
        throw new AssertionError("an exception reached the FX thread uncaught:\n" + w);
    }

    /** Runs {@code r} on the FX thread and waits, for tests of the guard itself. */
    public static void onFx(Runnable r) {
        Platform.runLater(r);
        WaitForAsyncUtils.waitForFxEvents();
    }
}
