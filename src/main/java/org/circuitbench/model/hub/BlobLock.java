package org.circuitbench.model.hub;

import org.circuitbench.model.download.DownloadListener;

import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * One download of a blob at a time: a lock within this JVM, then a file lock against other
 * processes. A second download of the same file waits, then finds it complete.
 */
final class BlobLock implements AutoCloseable {
    private static final Map<Path, java.util.concurrent.locks.ReentrantLock> IN_PROCESS = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.concurrent.locks.ReentrantLock local;
    private final java.nio.channels.FileChannel channel;
    private final java.nio.channels.FileLock lock;

    private BlobLock(java.util.concurrent.locks.ReentrantLock local, java.nio.channels.FileChannel channel, java.nio.channels.FileLock lock) {
        this.local = local;
        this.channel = channel;
        this.lock = lock;
    }

    static BlobLock acquire(Path file, String name, long size, DownloadListener listener, BooleanSupplier cancelled) throws IOException {
        var local = IN_PROCESS.computeIfAbsent(file, k -> new java.util.concurrent.locks.ReentrantLock());
        boolean told = false;
        try {
            while (!local.tryLock(200, TimeUnit.MILLISECONDS)) {
                if (cancelled.getAsBoolean()) throw new java.util.concurrent.CancellationException("Download cancelled while waiting for another download of " + name + ".");
                if (!told) listener.progress(name + " (waiting for another download of it)", 0, size);
                told = true;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while waiting for another download of " + name + ".", e);
        }
        java.nio.channels.FileChannel ch = null;
        try {
            ch = java.nio.channels.FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            java.nio.channels.FileLock l;
            while ((l = ch.tryLock()) == null) {
                if (cancelled.getAsBoolean()) throw new java.util.concurrent.CancellationException("Download cancelled while waiting for another download of " + name + ".");
                if (!told) listener.progress(name + " (waiting for another program's download of it)", 0, size);
                told = true;
                Thread.sleep(200);
            }
            return new BlobLock(local, ch, l);
        } catch (IOException | RuntimeException | InterruptedException e) {
            if (ch != null) ch.close();
            local.unlock();
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
                throw new IOException("Interrupted while waiting for another download of " + name + ".", e);
            }
            if (e instanceof IOException io) throw io;
            throw (RuntimeException) e;
        }
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
            channel.close();
        } finally {
            local.unlock();
        }
    }
}
