package org.circuitbench.ui;

import org.circuitbench.ablation.AblationTask;
import org.circuitbench.ablation.FastEvaluator;
import org.circuitbench.model.LoadedModel;
import org.circuitbench.search.Job;
import org.circuitbench.search.JobContext;
import org.circuitbench.task.TaskException;
import org.circuitbench.task.TaskFile;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The engine behind the window: the loaded model, each task prepared on it, and one fast
 * evaluator per task for the live grid. Jobs that compute hold a read lock; replacing the model or
 * a task takes the write lock, so tensors are never freed under a running job.
 */
public final class Workspace implements AutoCloseable {
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private LoadedModel model;
    private final Map<String, AblationTask> tasks = new HashMap<>();
    private final Map<String, FastEvaluator> live = new HashMap<>();

    public LoadedModel model() {
        return model;
    }

    /** Wraps a job so that it holds the read lock while it runs. */
    public <R> Job<R> guarded(Job<R> job) {
        return new Job<>() {
            @Override
            public String title() {
                return job.title();
            }

            @Override
            public R run(JobContext context) throws Exception {
                lock.readLock().lock();
                try {
                    return job.run(context);
                } finally {
                    lock.readLock().unlock();
                }
            }
        };
    }

    /** Installs a new model; the old one and every task prepared on it are closed. */
    public void setModel(LoadedModel m) {
        lock.writeLock().lock();
        try {
            clearTasks();
            if (model != null) model.close();
            model = m;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Prepares (or re-prepares) a task on the current model. */
    public AblationTask prepare(String name, TaskFile file) throws TaskException {
        LoadedModel m;
        AblationTask t;
        lock.readLock().lock(); // the model stays loaded while the means are taken
        try {
            m = model;
            if (m == null) throw new TaskException("No model is loaded.");
            t = AblationTask.prepare(m, file);
        } finally {
            lock.readLock().unlock();
        }
        lock.writeLock().lock();
        try {
            if (model != m) { // the model changed meanwhile: this task belongs to the old one
                t.close();
                throw new TaskException("The model changed while the task was being prepared.");
            }
            close(name);
            tasks.put(name, t);
        } finally {
            lock.writeLock().unlock();
        }
        return t;
    }

    public Optional<AblationTask> task(String name) {
        lock.readLock().lock();
        try {
            return Optional.ofNullable(tasks.get(name));
        } finally {
            lock.readLock().unlock();
        }
    }

    /** The evaluator the grid scores with; it keeps the grid's circuit as its cached base. */
    public FastEvaluator live(String name) {
        AblationTask t = task(name).orElseThrow(() -> new IllegalStateException("Task '" + name + "' is not prepared."));
        synchronized (this) {
            FastEvaluator e = live.get(name);
            if (e == null || e.task() != t) {
                e = new FastEvaluator(t);
                live.put(name, e);
            }
            return e;
        }
    }

    public void remove(String name) {
        lock.writeLock().lock();
        try {
            close(name);
        } finally {
            lock.writeLock().unlock();
        }
    }

    private void close(String name) {
        FastEvaluator e;
        synchronized (this) {
            e = live.remove(name);
        }
        if (e != null) e.close();
        AblationTask t = tasks.remove(name);
        if (t != null) t.close();
    }

    private void clearTasks() {
        for (String n : new java.util.ArrayList<>(tasks.keySet())) close(n);
    }

    @Override
    public void close() {
        setModel(null);
    }
}
