package org.circuitbench.ablation;

import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * An evaluator shared between jobs, and the engine's threading contract, written here once:
 * <ol>
 *   <li><b>One thread at a time.</b> An evaluator ({@link FastEvaluator}, {@link ReferenceEvaluator},
 *       {@link EdgeEvaluator} with its {@link EdgeAttributor}) keeps the activations of its base
 *       circuit between calls and is not thread-safe. A job that makes its own evaluator (a prune,
 *       a command) uses it alone and locks nothing.</li>
 *   <li><b>Shared only through a handle.</b> An evaluator that several jobs use (the app's per-task
 *       evaluators for the live grid, the graph and the Heads view) is handed out as this handle.
 *       {@link #use} runs one piece of work with the evaluator under the handle's lock, so the uses
 *       of different jobs never interleave: a "set the base, then score" stays one step. Callers
 *       never lock. The evaluator must not leave the piece of work, nor must arrays it returns in
 *       the caller's NDScope outlive it.</li>
 *   <li><b>Made on first use.</b> Making an evaluator takes the task's means onto the device, so a
 *       handle makes it inside the first {@link #use}, in that job's thread, never where the handle
 *       is handed out (the FX thread).</li>
 *   <li><b>Autograd is per process.</b> PyTorch keeps one gradient collector per process, so
 *       {@link EdgeAttributor} runs the attributions of all attributors one at a time; it sees to
 *       that itself. The scalars of recorded ops are arrays that outlive the backward pass
 *       ({@link org.circuitbench.model.Scalars}), whatever other threads' garbage collection does.</li>
 *   <li><b>Lifetime.</b> {@link #close} waits for a running use, so an evaluator is never freed under
 *       one; the task's arrays are freed only after its evaluators (the app's Workspace frees a task
 *       under its write lock, while jobs compute under the read lock).</li>
 * </ol>
 *
 * @param <E> the evaluator
 */
public final class EvaluatorHandle<E extends AutoCloseable> implements AutoCloseable {
    private final ReentrantLock lock = new ReentrantLock();
    private final AblationTask task;
    private final Supplier<E> make;
    private E evaluator;
    private boolean closed;

    /** A handle on {@code make}'s evaluator for {@code task}; {@code make} runs in the first {@link #use}. */
    public EvaluatorHandle(AblationTask task, Supplier<E> make) {
        this.task = task;
        this.make = make;
    }

    /** The task the evaluator scores; reading it needs no lock. */
    public AblationTask task() {
        return task;
    }

    /** Runs {@code work} with the evaluator, after every other use and before the next. */
    public <R> R use(Function<? super E, R> work) {
        lock.lock();
        try {
            if (closed) throw new IllegalStateException("The task's evaluator was freed (another model or session took its place).");
            if (evaluator == null) evaluator = make.get();
            return work.apply(evaluator);
        } finally {
            lock.unlock();
        }
    }

    /** Frees the evaluator once no use is running; a later use is refused. */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            if (evaluator != null) evaluator.close();
        } catch (Exception e) {
            throw new IllegalStateException("Could not free the evaluator: " + e.getMessage(), e);
        } finally {
            evaluator = null;
            lock.unlock();
        }
    }
}
