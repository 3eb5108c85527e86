package org.circuitbench.search;

import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * A unit of background work that reports through its context and checks it for cancellation.
 * Engine jobs (a prune, an importance sweep) implement it; the app describes its own work in the
 * small fluent form:
 * <pre>{@code
 * runner.start(Job.of("prepare " + name, ctx -> workspace.prepare(key, file))
 *         .onSuccess(task -> grid.reset(...))
 *         .onFailure(e -> error.set(e.getMessage())));
 * }</pre>
 */
public interface Job<R> {
    String title();

    R run(JobContext context) throws Exception;

    /** The work of a job, as a function of its context. */
    @FunctionalInterface
    interface Body<R> {
        R run(JobContext context) throws Exception;
    }

    /** A job from its title and its work; say what happens to its events with the {@code on…} methods. */
    static <R> Fluent<R> of(String title, Body<R> body) {
        return new Fluent<>(title, body);
    }

    /** An engine job (a {@link Pruner}, an {@link Importance} sweep) in the fluent form. */
    static <R> Fluent<R> of(Job<R> job) {
        return new Fluent<>(job.title(), job::run);
    }

    /**
     * A job together with what to do with its events. The handlers run where the runner delivers
     * events (the FX thread in the app), in order; each is optional.
     */
    final class Fluent<R> implements Job<R> {
        private final String title;
        private final Body<R> body;
        private Consumer<? super R> success = r -> { };
        private Consumer<Throwable> failure = e -> { };
        private Consumer<Progress> progress = p -> { };
        private Consumer<Removal<?>> removal = r -> { };
        private BiConsumer<String, Long> started = (t, n) -> { };

        private Fluent(String title, Body<R> body) {
            this.title = title;
            this.body = body;
        }

        public Fluent<R> onSuccess(Consumer<? super R> c) {
            success = c;
            return this;
        }

        public Fluent<R> onFailure(Consumer<Throwable> c) {
            failure = c;
            return this;
        }

        public Fluent<R> onProgress(Consumer<Progress> c) {
            progress = c;
            return this;
        }

        public Fluent<R> onRemoval(Consumer<Removal<?>> c) {
            removal = c;
            return this;
        }

        public Fluent<R> onStarted(BiConsumer<String, Long> c) {
            started = c;
            return this;
        }

        @Override
        public String title() {
            return title;
        }

        @Override
        public R run(JobContext context) throws Exception {
            return body.run(context);
        }

        /** The handlers as one listener. */
        public JobListener<R> listener() {
            return new JobListener<>() {
                @Override
                public void started(String t, long total) {
                    started.accept(t, total);
                }

                @Override
                public void progress(Progress p) {
                    progress.accept(p);
                }

                @Override
                public void removal(Removal<?> r) {
                    removal.accept(r);
                }

                @Override
                public void finished(R result) {
                    success.accept(result);
                }

                @Override
                public void failed(Throwable cause) {
                    failure.accept(cause);
                }
            };
        }
    }

    /** A failure's message for a status line or a dialog: its own words, never a class name. */
    static String message(Throwable t) {
        Throwable c = t;
        // a wrapper without words of its own (no message, or only its cause's class and message) gives way to its cause
        while (c.getCause() != null && (c.getMessage() == null || c.getMessage().isBlank() || c.getMessage().equals(c.getCause().toString()))) {
            c = c.getCause();
        }
        String m = c.getMessage();
        return m == null || m.isBlank() ? "an internal error (" + c.getClass().getSimpleName() + ")" : m;
    }
}
