package org.circuitbench.model.download;

import org.circuitbench.util.Texts;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CancellationException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The download core that the hub's model download and the CUDA build's download share: a GET
 * into a partial file that resumes where the file ends, trusting a ranged answer only when its
 * {@code Content-Range} starts there and its length fits; redirects followed by hand, to http(s)
 * addresses only; never more bytes than the file holds; and a watchdog that reports a quiet
 * connection, gives up after {@link Patience#timeout()} without a byte (the stall rule) or under
 * {@link Patience#minBytesPerSecond()} over a window (the rate rule), and stops at once on cancel.
 * Every failure is one line in the caller's {@link Wording}.
 */
public final class ResumableDownload {
    /**
     * The request of one hop. {@code sameOrigin}: this hop and every one before it are on the
     * first address's origin (scheme, host, port), so credentials may go along; {@code from}: the
     * byte the body should start at (the Range header is added here when it is not 0).
     */
    @FunctionalInterface
    public interface Requests {
        HttpRequest.Builder to(URI uri, boolean sameOrigin, long from);
    }

    private static final int MAX_HOPS = 8;
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes\\s+(\\d{1,18})-(\\d{1,18})/(\\d{1,18}|\\*)");

    private final HttpClient http;
    private final Patience patience;
    private final Wording words;
    private final UnaryOperator<String> redact;

    /** {@code redact} blanks out anything secret in a message that a server or the network echoes. */
    public ResumableDownload(Patience patience, Wording words, UnaryOperator<String> redact) {
        this.patience = patience;
        this.words = words;
        this.redact = redact;
        Duration connect = patience.timeout().compareTo(Duration.ofSeconds(20)) < 0 ? patience.timeout() : Duration.ofSeconds(20);
        this.http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).connectTimeout(connect).build();
    }

    public Patience patience() {
        return patience;
    }

    /** A request with the app's User-Agent, waiting {@link Patience#timeout()} for the answer. */
    public HttpRequest.Builder request(URI uri) {
        return HttpRequest.newBuilder(uri).timeout(patience.timeout()).header("User-Agent", "circuitbench/0.1");
    }

    /**
     * Downloads {@code uri} into {@code partial}, resuming from the bytes it holds, until it holds
     * {@code size} bytes (the whole body when {@code size} is -1). {@code listener} hears the bytes
     * of this file. A cancel throws {@link CancellationException} and keeps the partial file.
     */
    public void fetch(URI uri, String file, long size, Path partial, Requests requests, DownloadListener listener,
                      BooleanSupplier cancelled) throws IOException {
        long have = sizeOr0(partial);
        if (size >= 0 && have > size) {
            Files.delete(partial);
            have = 0;
        }
        if (size < 0 || have < size) receive(uri, file, size, partial, have, requests, listener, cancelled);
        long got = sizeOr0(partial);
        if (size >= 0 && got != size) { // more is never written (see copy), so this is always too little
            throw new IOException("Downloading " + file + " ended early: " + got + " of " + size + " bytes. The partial file "
                    + partial + " is kept; " + words.resume() + "." + words.tail());
        }
    }

    /**
     * GETs the rest of the file and appends it. A ranged answer that does not start where the
     * partial file ends, or whose length does not fit, is not appended: the file starts again.
     */
    private void receive(URI uri, String file, long size, Path partial, long have, Requests requests, DownloadListener listener,
                         BooleanSupplier cancelled) throws IOException {
        HttpResponse<InputStream> r = get(uri, file, requests, have);
        int code = r.statusCode();
        if (have > 0 && (code == 416 || (code == 206 && problem(r, have, size) != null))) {
            r.body().close(); // the server got the range wrong: appending would corrupt the file
            Files.deleteIfExists(partial);
            have = 0;
            r = get(uri, file, requests, 0);
            code = r.statusCode();
        }
        if (code != 200 && code != 206) {
            r.body().close();
            throw new IOException("Downloading " + file + " failed: HTTP " + code + " from " + r.uri().getHost() + ". Try again later, or "
                    + words.elsewhere() + "." + words.tail());
        }
        if (code == 200 && have > 0) { // the server ignored the range: start again
            have = 0;
            Files.deleteIfExists(partial);
        }
        String problem = problem(r, have, size);
        if (problem != null) {
            r.body().close();
            throw new IOException("Downloading " + file + " failed: " + r.uri().getHost() + " " + problem + "; nothing was written. "
                    + "Try again later, or " + words.elsewhere() + "." + words.tail());
        }
        copy(r.body(), r.uri().getHost(), file, size, partial, have, listener, cancelled);
    }

    /**
     * Why an answer cannot be appended at {@code from} to a file of {@code size} bytes, or null:
     * a 206 whose Content-Range does not start there or does not fit, or a Content-Length that
     * is not the length the range (or, for a 200, the file) has.
     */
    static String problem(HttpResponse<?> r, long from, long size) {
        HttpHeaders h = r.headers();
        long expected = size;
        if (r.statusCode() == 206) {
            String range = h.firstValue("content-range").orElse("");
            if (!rangeStartsAt(h, from, size)) {
                return "answered with the wrong part of the file (Content-Range '" + Texts.cap(range) + "', wanted bytes from " + from + ")";
            }
            Matcher m = CONTENT_RANGE.matcher(range.trim());
            expected = m.matches() ? Long.parseLong(m.group(2)) - Long.parseLong(m.group(1)) + 1 : -1;
        }
        long length = h.firstValueAsLong("content-length").orElse(-1);
        if (length >= 0 && expected >= 0 && length != expected) {
            return "sent a body of " + length + " bytes where " + expected + " were due (Content-Range '"
                    + Texts.cap(h.firstValue("content-range").orElse("")) + "', the file has " + size + " bytes)";
        }
        return null;
    }

    /** Whether a 206 answer's {@code Content-Range: bytes START-END/TOTAL} starts at {@code from} and fits the size. */
    public static boolean rangeStartsAt(HttpHeaders h, long from, long size) {
        Matcher m = CONTENT_RANGE.matcher(h.firstValue("content-range").orElse("").trim());
        if (!m.matches()) return false;
        long start = Long.parseLong(m.group(1)), end = Long.parseLong(m.group(2));
        boolean totalOk = m.group(3).equals("*") || size < 0 || Long.parseLong(m.group(3)) == size;
        return start == from && end >= start && totalOk && (size < 0 || end < size);
    }

    /**
     * Appends the body to the partial file, never past {@code size}. The watchdog notes a quiet
     * connection to the listener and closes it on cancel, after the timeout without a byte, or
     * when a window brought fewer bytes than the rate rule asks, so that nothing hangs.
     */
    private void copy(InputStream in, String host, String file, long size, Path partial, long have, DownloadListener listener,
                      BooleanSupplier cancelled) throws IOException {
        long timeout = patience.timeout().toNanos(), window = patience.window().toNanos();
        AtomicLong lastData = new AtomicLong(System.nanoTime());
        AtomicLong done = new AtomicLong(have);
        AtomicLong windowStart = new AtomicLong(System.nanoTime()), windowFrom = new AtomicLong(have), windowGot = new AtomicLong();
        AtomicBoolean stalled = new AtomicBoolean(), slow = new AtomicBoolean(), stopped = new AtomicBoolean();
        long period = Math.clamp(Math.min(timeout, window) / 10_000_000, 50, 1000);
        long notice = Math.max(timeout / 6, 1_000_000_000L); // say so after a few quiet seconds
        ScheduledFuture<?> watch = WATCHDOG.scheduleAtFixedRate(() -> {
            long now = System.nanoTime(), quiet = now - lastData.get();
            boolean stop = cancelled.getAsBoolean();
            if (!stop && quiet >= timeout) {
                stalled.set(true);
                stop = true;
            } else if (!stop && now - windowStart.get() >= window) {
                long got = done.get() - windowFrom.get();
                if (got < patience.bytesPerWindow()) {
                    windowGot.set(got);
                    slow.set(true);
                    stop = true;
                } else {
                    windowStart.set(now);
                    windowFrom.set(done.get());
                }
            }
            if (stop) {
                stopped.set(true);
                try {
                    in.close(); // unblocks the read below
                } catch (IOException ignored) {
                    // closing is all that is wanted
                }
            } else if (quiet >= notice) {
                listener.stalled(file, done.get(), size, quiet / 1_000_000_000L);
            }
        }, period, period, TimeUnit.MILLISECONDS);
        long room = size >= 0 ? size - have : Long.MAX_VALUE; // what this body may add
        boolean overflow = false;
        try (in; OutputStream out = Files.newOutputStream(partial, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                lastData.set(System.nanoTime());
                if (n > room) {
                    overflow = true;
                    break;
                }
                out.write(buf, 0, n);
                room -= n;
                listener.progress(file, done.addAndGet(n), size);
                if (cancelled.getAsBoolean()) throw cancelledAt(done.get(), file);
            }
        } catch (IOException e) {
            if (cancelled.getAsBoolean()) throw cancelledAt(done.get(), file);
            String kept = " The partial file " + partial + " is kept; " + words.resume() + ", or " + words.elsewhere() + "." + words.tail();
            if (stalled.get()) {
                throw new IOException("Downloading " + file + " stalled: " + host + " sent no data for " + Patience.seconds(patience.timeout())
                        + " (" + received(done.get(), size) + ")." + kept, e);
            }
            if (slow.get()) {
                throw new IOException("Downloading " + file + " is too slow: " + host + " sent " + windowGot.get() + " bytes in the last "
                        + Patience.seconds(patience.window()) + ", under the minimum of " + patience.rateRule() + " ("
                        + received(done.get(), size) + ")." + kept, e);
            }
            throw new IOException("Downloading " + file + " broke off (" + redact.apply(String.valueOf(e.getMessage())) + "). The partial file "
                    + partial + " is kept; " + words.resume() + "." + words.tail(), e);
        } finally {
            watch.cancel(false);
        }
        if (overflow) {
            Files.deleteIfExists(partial);
            throw new IOException("Downloading " + file + " failed: " + host + " sent more than the file's " + size + " bytes, so what "
                    + "arrived cannot be trusted and was deleted. Try again later, or " + words.elsewhere() + "." + words.tail());
        }
        if (stopped.get() && cancelled.getAsBoolean()) throw cancelledAt(done.get(), file);
    }

    private static String received(long done, long size) {
        return size < 0 ? String.format(Locale.ROOT, "%.1f MB received", done / 1e6)
                : String.format(Locale.ROOT, "%.1f of %.1f MB received", done / 1e6, size / 1e6);
    }

    private static CancellationException cancelledAt(long done, String file) {
        return new CancellationException("Download cancelled; " + done / 1_000_000
                + " MB of " + file + " are kept and the next download resumes from there.");
    }

    /** Watches downloads for stalls and drips; a daemon thread, so it never keeps the app alive. */
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "download-watchdog");
        t.setDaemon(true);
        return t;
    });

    /** GET with a range, following redirects (see {@link #follow}). */
    private HttpResponse<InputStream> get(URI uri, String file, Requests requests, long from) throws IOException {
        return follow(uri, file, requests, from, "GET", HttpResponse.BodyHandlers.ofInputStream());
    }

    /**
     * Sends {@code method} (GET or HEAD), following redirects by hand: each hop's request comes
     * from {@code requests}, told whether every hop so far stayed on the first origin, and a
     * redirect may lead only to an http(s) address. {@code what} names the file in messages.
     */
    public <T> HttpResponse<T> follow(URI uri, String what, Requests requests, long from, String method,
                                      HttpResponse.BodyHandler<T> handler) throws IOException {
        URI current = uri;
        String first = origin(uri);
        boolean same = true;
        for (int hops = 0; hops < MAX_HOPS; hops++) {
            same = same && origin(current).equals(first);
            HttpRequest.Builder b = requests.to(current, same, from);
            if (from > 0) b.header("Range", "bytes=" + from + "-");
            HttpResponse<T> r = send(b.method(method, HttpRequest.BodyPublishers.noBody()).build(), handler);
            int code = r.statusCode();
            if (code >= 300 && code < 400 && r.headers().firstValue("location").isPresent()) {
                if (r.body() instanceof AutoCloseable c) {
                    try {
                        c.close();
                    } catch (Exception ignored) {
                        // the redirect's body is not wanted
                    }
                }
                current = redirect(current, r.headers().firstValue("location").get(), what);
                continue;
            }
            return r;
        }
        throw new IOException("Downloading " + what + " failed: more than " + MAX_HOPS + " redirects, the last to " + current.getHost()
                + ". Try again later, or " + words.elsewhere() + "." + words.tail());
    }

    /** Where a redirect from {@code from} leads, if that is an http(s) address. */
    URI redirect(URI from, String location, String file) throws IOException {
        URI next;
        try {
            next = from.resolve(location.trim());
        } catch (IllegalArgumentException e) {
            next = null;
        }
        String scheme = next == null || next.getScheme() == null ? "" : next.getScheme().toLowerCase(Locale.ROOT);
        if (next == null || !(scheme.equals("http") || scheme.equals("https")) || next.getHost() == null) {
            throw new IOException(from.getHost() + " redirected " + file + " to '" + Texts.cap(location)
                    + "', which is not an http(s) address; nothing was fetched from there. Try again later, or " + words.elsewhere()
                    + "." + words.tail());
        }
        return next;
    }

    /** scheme://host:port, with the scheme's default port made explicit. */
    public static String origin(URI u) {
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        int port = u.getPort() >= 0 ? u.getPort() : scheme.equals("https") ? 443 : scheme.equals("http") ? 80 : -1;
        String host = u.getHost() == null ? "" : u.getHost().toLowerCase(Locale.ROOT);
        return scheme + "://" + host + ":" + port;
    }

    /** Sends a request; a failure to connect or to get an answer in time becomes one line that says what to do. */
    public <T> HttpResponse<T> send(HttpRequest req, HttpResponse.BodyHandler<T> handler) throws IOException {
        String host = req.uri().getHost();
        try {
            return http.send(req, handler);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while talking to " + host + ".", e);
        } catch (java.net.http.HttpConnectTimeoutException e) {
            throw new IOException("Cannot reach " + host + " (no connection within " + Math.min(20, patience.timeout().toSeconds())
                    + " s). " + words.unreachable(), e);
        } catch (java.net.http.HttpTimeoutException e) {
            throw new IOException(host + " did not answer within " + Patience.seconds(patience.timeout()) + " (" + req.method() + " "
                    + req.uri().getPath() + "). " + words.unreachable(), e);
        } catch (IOException e) {
            throw new IOException("Cannot reach " + host + " (" + why(e) + "). " + words.unreachable(), e);
        }
    }

    /** What went wrong with a connection, in words (the exception's class name means nothing to a user). */
    private String why(IOException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.net.ConnectException) return "the connection was refused";
            if (t instanceof java.net.UnknownHostException) return "no such host";
            if (t instanceof javax.net.ssl.SSLException) return "the secure connection failed: " + redact.apply(String.valueOf(t.getMessage()));
        }
        String m = e.getMessage();
        return m == null || m.isBlank() ? "the connection failed" : redact.apply(m);
    }

    private static long sizeOr0(Path f) throws IOException {
        return Files.isRegularFile(f) ? Files.size(f) : 0;
    }
}
