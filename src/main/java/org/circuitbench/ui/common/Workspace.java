package org.circuitbench.ui.common;

import org.circuitbench.ablation.AblationTask;
import org.circuitbench.ablation.EdgeEvaluator;
import org.circuitbench.ablation.EvaluatorHandle;
import org.circuitbench.ablation.FastEvaluator;
import org.circuitbench.ablation.Method;
import org.circuitbench.model.LoadedModel;
import org.circuitbench.search.Job;
import org.circuitbench.session.Session;
import org.circuitbench.task.TaskException;
import org.circuitbench.task.TaskFile;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The engine behind the window: the loaded model, the tasks prepared on it, and one fast evaluator
 * per task for the live grid. A prepared task is found by its content ({@link TaskKey}), never by
 * its name alone, so a task of another session that shares a name is never used in its place.
 * Jobs that compute hold a read lock; replacing the model or freeing a task takes the write lock,
 * so tensors are never freed under a running job.
 */
public final class Workspace implements AutoCloseable {
    /**
     * A task's identity here: its definition (which rebuilds its prompts exactly), or its imported
     * prompts, and the method it is scored by (another ablation kind means other values).
     */
    public record TaskKey(Object content, Method method) {
        public static TaskKey of(Session.SessionTask t) {
            return of(t, Method.DEFAULT);
        }

        public static TaskKey of(Session.SessionTask t, Method method) {
            return new TaskKey(t.definition() != null ? t.definition() : t.prompts(), method);
        }
    }

    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private LoadedModel model;
    private final Map<TaskKey, AblationTask> tasks = new HashMap<>();
    private final Map<TaskKey, EvaluatorHandle<FastEvaluator>> live = new HashMap<>();
    private final Map<TaskKey, EvaluatorHandle<EdgeEvaluator>> edges = new HashMap<>();

    public LoadedModel model() {
        return model;
    }

    /** The work of a job, run while holding the read lock (the model and tasks stay loaded meanwhile). */
    public <R> Job.Body<R> reading(Job.Body<R> body) {
        return ctx -> {
            lock.readLock().lock();
            try {
                return body.run(ctx);
            } finally {
                lock.readLock().unlock();
            }
        };
    }

    /** Installs a new model; the old one and every task prepared on it are closed. */
    public void setModel(LoadedModel m) {
        lock.writeLock().lock();
        try {
            for (TaskKey k : new ArrayList<>(tasks.keySet())) close(k);
            if (model != null) model.close();
            model = m;
        } finally {
            lock.writeLock().unlock();
        }
    }

    // ---- ahead of the view models: what the app's start reads while the window is built -------

    /** A model read ahead: for which reference and device, and when it is read (null: it failed or was dropped). */
    private static final class Ahead {
        final String ref, device;
        final CompletableFuture<LoadedModel> model = new CompletableFuture<>();
        boolean dropped; // guarded by the Ahead

        Ahead(String ref, String device) {
            this.ref = ref;
            this.device = device;
        }
    }

    private final Object aheadLock = new Object();
    /** What the start reads ahead; incomplete until it says (after {@link #expectAhead}), null for nothing. */
    private CompletableFuture<Ahead> ahead = CompletableFuture.completedFuture(null); // guarded by aheadLock
    private final Map<TaskKey, CompletableFuture<Void>> aheadTasks = new HashMap<>();

    /**
     * The app's start will say ({@link #loadAhead}, or {@link #noAhead}) whether it reads a model
     * ahead; until then a load that asks ({@link #takeAhead}) waits, so that the model read ahead
     * never lands over one the user asked for.
     */
    public void expectAhead() {
        synchronized (aheadLock) {
            ahead = new CompletableFuture<>();
        }
    }

    /** The start reads no model ahead (or no more: harmless after {@link #loadAhead}). */
    public void noAhead() {
        synchronized (aheadLock) {
            ahead.complete(null);
        }
    }

    /**
     * Reads a model before any view model asks for it (the app's start, while the window is built)
     * and installs it; the first load of the same reference on the same device takes it
     * ({@link #takeAhead}) instead of reading it again. Runs in the caller's thread.
     */
    public void loadAhead(String ref, String device, Callable<LoadedModel> open) throws Exception {
        Ahead a = new Ahead(ref, device);
        synchronized (aheadLock) {
            if (!ahead.complete(a)) ahead = CompletableFuture.completedFuture(a);
        }
        try {
            LoadedModel m = open.call();
            synchronized (a) {
                if (a.dropped) { // another model was asked for meanwhile
                    m.close();
                    a.model.complete(null);
                    return;
                }
                setModel(m);
            }
            a.model.complete(m);
        } catch (Exception | Error e) {
            a.model.complete(null);
            throw e;
        }
    }

    /**
     * The model {@link #loadAhead} reads for {@code ref} on {@code device}, installed, once read (it
     * waits); empty when it reads another (which is then dropped), when it failed (the caller reads
     * the model itself, and says why if it fails again), or when it was taken before.
     */
    public Optional<LoadedModel> takeAhead(String ref, String device) {
        CompletableFuture<Ahead> f;
        synchronized (aheadLock) {
            f = ahead;
        }
        Ahead a = f.join(); // the start says what it reads (at once, but for a start still choosing PyTorch's natives)
        synchronized (aheadLock) {
            if (a == null || ahead != f) return Optional.empty(); // nothing ahead, or another load took it
            ahead = CompletableFuture.completedFuture(null);
        }
        if (!a.ref.equals(ref) || !a.device.equals(device)) {
            synchronized (a) {
                a.dropped = true;
            }
            return Optional.empty();
        }
        LoadedModel m = a.model.join();
        lock.readLock().lock();
        try {
            return m != null && m == model ? Optional.of(m) : Optional.empty();
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Prepares a task ahead (the app's start), then runs {@code warm} on it under the read lock (the
     * first score, so that the grid's is quick); {@link #prepare} of the same task meanwhile waits for
     * it instead of preparing it twice. Runs in the caller's thread.
     */
    public void prepareAhead(TaskKey key, Callable<TaskFile> file, java.util.function.Consumer<AblationTask> warm) throws TaskException {
        CompletableFuture<Void> done = new CompletableFuture<>();
        synchronized (aheadTasks) {
            aheadTasks.put(key, done);
        }
        try {
            AblationTask t = prepareNow(key, file);
            lock.readLock().lock();
            try {
                warm.accept(t);
            } finally {
                lock.readLock().unlock();
            }
        } finally {
            synchronized (aheadTasks) {
                aheadTasks.remove(key, done);
            }
            done.complete(null);
        }
    }

    /** The task prepared for {@code key} on the current model, preparing it from {@code file} if it is not yet. */
    public AblationTask prepare(TaskKey key, Callable<TaskFile> file) throws TaskException {
        CompletableFuture<Void> ahead;
        synchronized (aheadTasks) {
            ahead = aheadTasks.get(key);
        }
        if (ahead != null) ahead.join(); // prepared ahead: found below (or, if that failed, prepared here)
        return prepareNow(key, file);
    }

    private AblationTask prepareNow(TaskKey key, Callable<TaskFile> file) throws TaskException {
        Optional<AblationTask> ready = task(key);
        if (ready.isPresent()) return ready.get();
        LoadedModel m;
        AblationTask t;
        lock.readLock().lock(); // the model stays loaded while the means are taken
        try {
            m = model;
            if (m == null) throw new TaskException("No model is loaded.");
            t = AblationTask.prepare(m, file.call(), key.method());
        } catch (TaskException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new TaskException(Job.message(e));
        } finally {
            lock.readLock().unlock();
        }
        lock.writeLock().lock();
        try {
            if (model != m) { // the model changed meanwhile: this task belongs to the old one
                t.close();
                throw new TaskException("The model changed while the task was being prepared.");
            }
            AblationTask other = tasks.get(key);
            if (other != null) { // prepared twice at once: keep the first, which may be in use
                t.close();
                return other;
            }
            tasks.put(key, t);
        } finally {
            lock.writeLock().unlock();
        }
        return t;
    }

    public Optional<AblationTask> task(TaskKey key) {
        lock.readLock().lock();
        try {
            return Optional.ofNullable(tasks.get(key));
        } finally {
            lock.readLock().unlock();
        }
    }

    /** How many tasks are prepared (for tests and the memory summary). */
    public int preparedCount() {
        lock.readLock().lock();
        try {
            return tasks.size();
        } finally {
            lock.readLock().unlock();
        }
    }

    /** The evaluator the grid scores with (it keeps the grid's circuit as its cached base), as a handle ({@link EvaluatorHandle}). */
    public EvaluatorHandle<FastEvaluator> live(TaskKey key) {
        return handle(live, key, FastEvaluator::new);
    }

    /**
     * The task's edge evaluator (the Graph view's live scores, attribution, edge scopes of
     * explanations), as a handle: it is made in the first use, in that job's thread.
     */
    public EvaluatorHandle<EdgeEvaluator> edges(TaskKey key) {
        return handle(edges, key, EdgeEvaluator::new);
    }

    private <E extends AutoCloseable> EvaluatorHandle<E> handle(Map<TaskKey, EvaluatorHandle<E>> handles, TaskKey key,
                                                                 java.util.function.Function<AblationTask, E> make) {
        AblationTask t = task(key).orElseThrow(() -> new IllegalStateException("The task is not prepared."));
        synchronized (handles) {
            EvaluatorHandle<E> h = handles.get(key);
            if (h == null || h.task() != t) {
                h = new EvaluatorHandle<>(t, () -> make.apply(t));
                handles.put(key, h);
            }
            return h;
        }
    }

    /** Whether a task is prepared that {@code keep} does not name. */
    public boolean holdsOtherThan(Set<TaskKey> keep) {
        lock.readLock().lock();
        try {
            return tasks.keySet().stream().anyMatch(k -> !keep.contains(k));
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Frees every prepared task but those of {@code keep} (a new session keeps what it shares with the old). */
    public void retainOnly(Set<TaskKey> keep) {
        lock.writeLock().lock();
        try {
            for (TaskKey k : new ArrayList<>(tasks.keySet())) if (!keep.contains(k)) close(k);
        } finally {
            lock.writeLock().unlock();
        }
    }

    private void close(TaskKey key) {
        for (Map<TaskKey, ? extends EvaluatorHandle<?>> handles : List.of(live, edges)) {
            EvaluatorHandle<?> h;
            synchronized (handles) {
                h = handles.remove(key);
            }
            if (h != null) h.close(); // waits for a running use
        }
        AblationTask t = tasks.remove(key);
        if (t != null) t.close();
    }

    @Override
    public void close() {
        setModel(null);
    }
}
