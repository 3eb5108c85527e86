package org.circuitbench.ui.common;

import org.circuitbench.ablation.AblationTask;
import org.circuitbench.ablation.EdgeEvaluator;
import org.circuitbench.ablation.EvaluatorHandle;
import org.circuitbench.ablation.FastEvaluator;
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
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The engine behind the window: the loaded model, the tasks prepared on it, and one fast evaluator
 * per task for the live grid. A prepared task is found by its content ({@link TaskKey}), never by
 * its name alone, so a task of another session that shares a name is never used in its place.
 * Jobs that compute hold a read lock; replacing the model or freeing a task takes the write lock,
 * so tensors are never freed under a running job.
 */
public final class Workspace implements AutoCloseable {
    /** A task's identity here: its definition (which rebuilds its prompts exactly), or its imported prompts. */
    public record TaskKey(Object content) {
        public static TaskKey of(Session.SessionTask t) {
            return new TaskKey(t.definition() != null ? t.definition() : t.prompts());
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

    /** The task prepared for {@code key} on the current model, preparing it from {@code file} if it is not yet. */
    public AblationTask prepare(TaskKey key, Callable<TaskFile> file) throws TaskException {
        Optional<AblationTask> ready = task(key);
        if (ready.isPresent()) return ready.get();
        LoadedModel m;
        AblationTask t;
        lock.readLock().lock(); // the model stays loaded while the means are taken
        try {
            m = model;
            if (m == null) throw new TaskException("No model is loaded.");
            t = AblationTask.prepare(m, file.call());
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
