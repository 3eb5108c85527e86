package org.circuitbench.model.gpu;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.GZIPOutputStream;

/**
 * A local stand-in for publish.djl.ai/pytorch/2.7.1 on 127.0.0.1, laid out as DJL publishes it:
 * files.txt, then gzipped libraries per flavor and platform, with ETags (an MD5 for single-part
 * uploads, S3's "…-N" for multipart ones), Range and If-Range. It can drop a connection part-way.
 */
public final class DjlPublishStandIn implements AutoCloseable {
    public static final String PREFIX = "/pytorch/2.7.1/";
    public static final List<String> LIBS = List.of("libc10.so", "libc10_cuda.so", "libtorch.so", "libtorch_cpu.so", "libtorch_cuda.so");
    public static final String CUDA_LIB = "cu128/linux-x86_64/native/lib/libtorch_cuda.so.gz";

    public final Map<String, byte[]> raw = new LinkedHashMap<>();   // library → its bytes
    public final Map<String, byte[]> gz = new LinkedHashMap<>();    // path under PREFIX → served bytes
    public final Map<String, String> etags = new LinkedHashMap<>();
    public final List<String> requests = new CopyOnWriteArrayList<>();
    public volatile String breakFile;   // a path whose next GET sends only breakAfter bytes
    public volatile int breakAfter;
    public volatile String listing;
    public volatile String stallFile;   // a path whose GETs stop sending after stallAfter bytes, until close()
    public volatile int stallAfter;
    public volatile String dripFile;    // a path sent 1,000 bytes at a time with dripMs between them
    public volatile long dripMs;
    public volatile boolean wrongRange; // a ranged GET answered 206 "bytes 0-…" with the whole file
    private final java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);
    private final HttpServer server;

    public DjlPublishStandIn() throws IOException {
        Random r = new Random(14);
        int i = 0;
        for (String lib : LIBS) {
            byte[] b = new byte[lib.equals("libtorch_cuda.so") ? 3_000_000 : 200_000 + 50_000 * i++];
            for (int k = 0; k < b.length; k += 2) b[k] = (byte) r.nextInt(); // half random: compresses about 2:1
            raw.put(lib, b);
            String path = "cu128/linux-x86_64/native/lib/" + lib + ".gz";
            gz.put(path, gzip(b));
            etags.put(path, path.equals(CUDA_LIB) ? "0123456789abcdef0123456789abcdef-3" : md5(gz.get(path)));
        }
        listing = String.join("\n", "cpu/linux-x86_64/native/lib/libtorch_cpu.so.gz",
                String.join("\n", gz.keySet()), "cu128/win-x86_64/native/lib/torch_cuda.dll.gz") + "\n";
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool(task -> {
            Thread t = new Thread(task, "djl-stand-in");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", this::handle);
        server.start();
    }

    /** The folder that holds files.txt. */
    public URI base() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/pytorch/2.7.1");
    }

    public long gzTotal() {
        return gz.values().stream().mapToLong(b -> b.length).sum();
    }

    public long rawTotal() {
        return raw.values().stream().mapToLong(b -> b.length).sum();
    }

    @Override
    public void close() {
        closed.countDown();
        server.stop(0);
    }

    static byte[] gzip(byte[] b) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(out)) {
            z.write(b);
        }
        return out.toByteArray();
    }

    public static String md5(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getRawPath();
        String range = ex.getRequestHeaders().getFirst("Range");
        String ifRange = ex.getRequestHeaders().getFirst("If-Range");
        requests.add(ex.getRequestMethod() + " " + path + (range == null ? "" : " " + range) + (ifRange == null ? "" : " if " + ifRange));
        String rel = path.startsWith(PREFIX) ? path.substring(PREFIX.length()) : "";
        byte[] body = rel.equals("files.txt") ? listing.getBytes() : gz.get(rel);
        if (body == null) {
            ex.sendResponseHeaders(404, -1);
            ex.close();
            return;
        }
        if (etags.containsKey(rel)) ex.getResponseHeaders().add("ETag", "\"" + etags.get(rel) + "\"");
        if (ex.getRequestMethod().equals("HEAD")) {
            ex.getResponseHeaders().add("Content-Length", Integer.toString(body.length));
            ex.sendResponseHeaders(200, -1);
            ex.close();
            return;
        }
        int from = 0, to = body.length;
        boolean partial = range != null && (ifRange == null || ifRange.equals("\"" + etags.get(rel) + "\""));
        if (partial) {
            if (range.startsWith("bytes=-")) from = body.length - Integer.parseInt(range.substring(7));
            else from = Integer.parseInt(range.replaceAll("bytes=(\\d+)-.*", "$1"));
        }
        if (rel.equals(breakFile)) { // a dropped connection: the body ends early
            to = Math.min(to, from + breakAfter);
            breakFile = null;
        }
        if (partial && wrongRange && from > 0 && !range.startsWith("bytes=-")) from = 0; // a sloppy server: the whole file as "the rest"
        // S3 (and so publish.djl.ai) says which part a 206 holds
        if (partial) ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (body.length - 1) + "/" + body.length);
        ex.sendResponseHeaders(partial ? 206 : 200, to < body.length ? 0 : body.length - from);
        try (OutputStream out = ex.getResponseBody()) {
            boolean suffix = range != null && range.startsWith("bytes=-"); // the plan's look at the gzip trailer is never slowed
            boolean stall = rel.equals(stallFile) && !suffix, drip = rel.equals(dripFile) && !suffix;
            int step = drip ? 1_000 : Integer.MAX_VALUE;
            for (int at = from; at < to; ) {
                if (stall && at >= stallAfter) {
                    out.flush();
                    closed.await(60, java.util.concurrent.TimeUnit.SECONDS); // silent, connection open
                    return;
                }
                int end = (int) Math.min(to, Math.min((long) at + step, stall ? stallAfter : to));
                out.write(body, at, end - at);
                out.flush();
                at = end;
                if (drip) Thread.sleep(dripMs);
            }
        } catch (IOException ignored) {
            // the client went away (cancel, or it gave up)
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
