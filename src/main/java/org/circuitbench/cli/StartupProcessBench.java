package org.circuitbench.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.circuitbench.util.StartupLog;
import org.circuitbench.util.StartupLog.Mark;
import org.circuitbench.util.StartupLog.Milestone;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code bench --parts startup-process}: starts the real launchers as a user does, each start a
 * separate process under the current display, and times the milestones the app prints
 * ({@link StartupLog}) from the moment the process was started: the window's first frame, the model
 * read, the task prepared, the grid usable, the first score.
 * <p>
 * Launchers: {@code ./circuitbench} (the checkout's script) and the installed app image
 * ({@code target/dist/circuitbench/bin/circuitbench}, from {@code mvn -Ppackage package}). Each gets
 * one untimed first start (for {@code ./circuitbench}: a build if the sources changed, and its CDS
 * archive), then rounds of a cold and a warm start. Cold: the OS page cache is dropped just before
 * the start (JDK, jars, PyTorch's natives and the model come from disk, as after a reboot); that
 * needs root, else cold starts are not measured and the JSON says so. Warm: right after, everything
 * in the page cache. Each start gets a fresh user folder (no recovery copy, no recent files), as a
 * first start does. The medians are over the rounds.
 */
public final class StartupProcessBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final Path DROP_CACHES = Path.of("/proc/sys/vm/drop_caches");
    /** The goals at rest, in seconds from the process start. */
    static final double GOAL_WINDOW = 1.5, GOAL_GRID = 3.0, GOAL_SCORE = 3.5, GOAL_GRID_OVER_READ = 2.0;

    /**
     * What to start: a launcher's name and its command (the session file, if any, is appended), and
     * where it writes its class archive after a first start (null: nowhere).
     */
    public record Launcher(String name, List<String> command, Path archiveDir) {
    }

    /**
     * @param session  the session file to open, or null for the plain start (the demo session)
     * @param demo     whether the goals for the demo model apply (else: grid within read time + 2 s)
     * @param cold     whether to measure cold starts too (where the page cache can be dropped)
     */
    public record Options(List<Launcher> launchers, Path session, boolean demo, int rounds, double timeoutSeconds, boolean cold) {
    }

    private final Options opt;
    private final PrintStream log;

    public StartupProcessBench(Options opt, PrintStream log) {
        this.opt = opt;
        this.log = log;
    }

    /** The launchers there are: {@code ./circuitbench} in {@code home}, and the app image if it was built. */
    public static List<Launcher> launchers(Path home, Path appImage, List<String> names) {
        List<Launcher> out = new ArrayList<>();
        for (String n : names) {
            switch (n) {
                case "launcher" -> out.add(new Launcher("launcher", List.of(home.resolve("circuitbench").toString()), home.resolve("target/cds")));
                case "app-image" -> {
                    if (!Files.isExecutable(appImage)) {
                        throw new IllegalArgumentException("No app image at " + appImage + ": build it with mvn -Ppackage package, "
                                + "or pass --app-image PATH, or --launchers launcher.");
                    }
                    out.add(new Launcher("app-image", List.of(appImage.toString()), null));
                }
                default -> throw new Args.UsageException("--launchers takes launcher and app-image, not '" + n + "'.");
            }
        }
        return out;
    }

    public ObjectNode run() throws IOException, InterruptedException {
        if (System.getenv("DISPLAY") == null && System.getenv("WAYLAND_DISPLAY") == null) {
            throw new IllegalStateException("startup-process starts the app's window and needs a display: run it in a desktop "
                    + "session or under xvfb-run -s '-screen 0 1280x800x24'.");
        }
        ObjectNode o = JSON.createObjectNode();
        boolean canDrop = opt.cold() && Files.isWritable(DROP_CACHES);
        o.put("cold_means", canDrop
                ? "the OS page cache dropped (sync; echo 3 > /proc/sys/vm/drop_caches) just before the start, with the launcher's CDS archive in place"
                : opt.cold() ? "not measured: dropping the page cache needs root" : "not measured (--kinds warm)");
        o.put("warm_means", "started again right after, with everything in the page cache");
        o.put("rounds", opt.rounds());
        o.put("session", opt.session() == null ? "the plain start: the demo session on the demo model" : opt.session().toString());
        o.set("load_average_before", loadAverage());
        ObjectNode goals = o.putObject("goals_s");
        if (opt.demo()) goals.put("window", GOAL_WINDOW).put("grid", GOAL_GRID).put("score", GOAL_SCORE);
        else goals.put("window", GOAL_WINDOW).put("grid_minus_model_read", GOAL_GRID_OVER_READ);
        Path users = Files.createTempDirectory("circuitbench-startup-users");
        try {
            Map<String, List<ObjectNode>> cold = new LinkedHashMap<>(), warm = new LinkedHashMap<>();
            ObjectNode first = JSON.createObjectNode();
            for (Launcher l : opt.launchers()) {
                log.println("[bench] start-up, " + l.name() + ": first start (untimed in the medians)");
                long firstBegan = System.currentTimeMillis();
                first.set(l.name(), start(l, users, false));
                if (l.archiveDir() != null) awaitArchive(l.archiveDir(), firstBegan, ARCHIVE_WAIT_S);
                cold.put(l.name(), new ArrayList<>());
                warm.put(l.name(), new ArrayList<>());
            }
            for (int r = 0; r < opt.rounds(); r++) { // interleaved, so that a change of load hits every kind alike
                for (Launcher l : opt.launchers()) {
                    if (canDrop) {
                        log.println("[bench] start-up, " + l.name() + ": cold start " + (r + 1) + " of " + opt.rounds());
                        cold.get(l.name()).add(start(l, users, true));
                    }
                    log.println("[bench] start-up, " + l.name() + ": warm start " + (r + 1) + " of " + opt.rounds());
                    warm.get(l.name()).add(start(l, users, false));
                }
            }
            ObjectNode ls = o.putObject("launchers");
            for (Launcher l : opt.launchers()) {
                ObjectNode n = ls.putObject(l.name());
                n.put("command", String.join(" ", l.command()));
                n.set("first_start", first.get(l.name()));
                if (canDrop) n.set("cold", summary(cold.get(l.name())));
                n.set("warm", summary(warm.get(l.name())));
            }
        } finally {
            deleteTree(users);
        }
        o.set("load_average_after", loadAverage());
        return o;
    }

    /** One start: the seconds from the process start to each milestone, and the load when it began. */
    private ObjectNode start(Launcher l, Path users, boolean cold) throws IOException, InterruptedException {
        if (cold) dropPageCache();
        Path userDir = Files.createTempDirectory(users, "user");
        List<String> cmd = new ArrayList<>(l.command());
        if (opt.session() != null) cmd.add(opt.session().toString());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put(StartupLog.LOG_ENV, "1");
        pb.environment().put(StartupLog.EXIT_ENV, "1");
        pb.environment().put("CIRCUITBENCH_USER_DIR", userDir.toString());
        ObjectNode run = JSON.createObjectNode();
        ArrayNode load = loadAverage();
        if (!load.isEmpty()) run.put("load_1m", load.get(0).asDouble());
        long t0 = System.currentTimeMillis();
        Process p = pb.start();
        Outcome out = read(p, t0, opt.timeoutSeconds());
        run.setAll(out.json());
        if (out.problem() != null) log.println("[bench]   " + l.name() + ": " + out.problem());
        else log.println(String.format(Locale.ROOT, "[bench]   window %.2f s, grid %.2f s, score %.2f s",
                run.path("window_s").asDouble(Double.NaN), run.path("grid_s").asDouble(Double.NaN), run.path("score_s").asDouble(Double.NaN)));
        return run;
    }

    /** How long the first start's class archive is waited for before the timed starts begin. */
    static final int ARCHIVE_WAIT_S = 180;

    /**
     * Waits (at most {@code limitS} seconds) while the launcher finishes the class archive its first
     * start recorded (JDK 25 makes it in the background after the app exits): the timed starts should
     * neither compete with that nor miss the archive. Only temporary files written since that start
     * count: one left by an earlier, killed start is never finished, and once waited the full 5
     * minutes. If the time runs out, the log says so and the timed starts go on without it.
     *
     * @return whether no archive was still being written
     */
    boolean awaitArchive(Path dir, long sinceMillis, int limitS) throws IOException, InterruptedException {
        long end = System.nanoTime() + limitS * 1_000_000_000L;
        boolean said = false;
        while (true) {
            if (!archiveBeingWritten(dir, sinceMillis)) return true;
            if (System.nanoTime() >= end) {
                log.println("[bench]   the launcher's class archive in " + dir + " was not finished after " + limitS
                        + " s; the timed starts go on, and may run without it or beside its writing");
                return false;
            }
            if (!said) log.println("[bench]   waiting for the launcher's class archive in " + dir);
            said = true;
            Thread.sleep(500);
        }
    }

    /** Whether {@code dir} holds a temporary archive file written at or after {@code sinceMillis}. */
    static boolean archiveBeingWritten(Path dir, long sinceMillis) throws IOException {
        if (!Files.isDirectory(dir)) return false;
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().contains(".tmp")).anyMatch(p -> {
                try {
                    return Files.getLastModifiedTime(p).toMillis() >= sinceMillis - 1000; // mtime granularity
                } catch (IOException gone) {
                    return false; // renamed into place or removed meanwhile
                }
            });
        }
    }

    /** What a start printed: the milestones in seconds after {@code t0}, or what went wrong. */
    record Outcome(ObjectNode json, String problem) {
    }

    /** Reads a started app's stderr until it exits after its first score (or the time is up). */
    static Outcome read(Process p, long t0, double timeoutSeconds) throws InterruptedException {
        Map<Milestone, Mark> marks = new EnumMap<>(Milestone.class);
        ArrayDeque<String> tail = new ArrayDeque<>();
        Thread reader = Thread.ofPlatform().daemon().start(() -> collect(p.getErrorStream(), marks, tail));
        boolean exited = p.waitFor((long) (timeoutSeconds * 1000), TimeUnit.MILLISECONDS);
        if (!exited) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        reader.join(5000);
        ObjectNode o;
        synchronized (marks) {
            o = timings(marks, t0);
        }
        String problem = null;
        if (!o.has("score_s")) {
            String why;
            synchronized (tail) {
                why = String.join(" | ", tail);
            }
            problem = (exited ? "exited (" + p.exitValue() + ")" : "no first score within " + timeoutSeconds + " s")
                    + " before the first score" + (why.isEmpty() ? "" : ": " + why);
            o.put("error", problem);
        }
        return new Outcome(o, problem);
    }

    private static void collect(java.io.InputStream err, Map<Milestone, Mark> marks, ArrayDeque<String> tail) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(err, StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                Optional<Mark> m = StartupLog.parse(line);
                if (m.isPresent()) {
                    synchronized (marks) {
                        marks.putIfAbsent(m.get().milestone(), m.get());
                    }
                } else if (!line.isBlank()) {
                    synchronized (tail) {
                        tail.addLast(line.strip());
                        while (tail.size() > 3) tail.removeFirst();
                    }
                }
            }
        } catch (IOException ignored) {
            // the process ended
        }
    }

    /**
     * "window_s": seconds from t0 for each milestone reached; "model_read_s" from the model's detail;
     * the app's CPU time (all threads) when its window and its first score were drawn.
     */
    static ObjectNode timings(Map<Milestone, Mark> marks, long t0) {
        ObjectNode o = JSON.createObjectNode();
        marks.values().stream().sorted(Comparator.comparing(Mark::milestone))
                .forEach(m -> o.put(m.milestone().id() + "_s", round((m.epochMillis() - t0) / 1000.0)));
        put(o, "model_read_s", marks.get(Milestone.MODEL), "read_s");
        if (o.has("grid_s") && o.has("model_read_s")) o.put("grid_minus_model_read_s", round(o.get("grid_s").asDouble() - o.get("model_read_s").asDouble()));
        put(o, "cpu_s_at_window", marks.get(Milestone.WINDOW), "cpu_s");
        put(o, "cpu_s_at_score", marks.get(Milestone.SCORE), "cpu_s");
        return o;
    }

    private static void put(ObjectNode o, String field, Mark m, String key) {
        double v = m == null ? Double.NaN : StartupLog.value(m, key);
        if (!Double.isNaN(v)) o.put(field, round(v));
    }

    /** The median of each measure over the starts, and whether the goals hold for the medians. */
    private ObjectNode summary(List<ObjectNode> runs) {
        ObjectNode o = JSON.createObjectNode();
        ObjectNode med = o.putObject("median");
        List<String> keys = new ArrayList<>();
        for (Milestone m : Milestone.values()) keys.add(m.id() + "_s");
        keys.add("model_read_s");
        keys.add("grid_minus_model_read_s");
        keys.add("cpu_s_at_window");
        keys.add("cpu_s_at_score");
        keys.add("load_1m");
        for (String k : keys) {
            double[] v = runs.stream().filter(r -> r.has(k)).mapToDouble(r -> r.get(k).asDouble()).sorted().toArray();
            if (v.length > 0) med.put(k, round(median(v)));
        }
        long failed = runs.stream().filter(r -> r.has("error")).count();
        o.put("starts", runs.size());
        if (failed > 0) o.put("failed_starts", failed);
        ObjectNode met = o.putObject("meets_goals");
        met.put("window", med.path("window_s").asDouble(Double.POSITIVE_INFINITY) <= GOAL_WINDOW);
        if (opt.demo()) {
            met.put("grid", med.path("grid_s").asDouble(Double.POSITIVE_INFINITY) <= GOAL_GRID);
            met.put("score", med.path("score_s").asDouble(Double.POSITIVE_INFINITY) <= GOAL_SCORE);
        } else {
            met.put("grid_minus_model_read", med.path("grid_minus_model_read_s").asDouble(Double.POSITIVE_INFINITY) <= GOAL_GRID_OVER_READ);
        }
        ArrayNode all = o.putArray("runs");
        runs.forEach(all::add);
        return o;
    }

    static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static void dropPageCache() throws IOException, InterruptedException {
        new ProcessBuilder("sync").inheritIO().start().waitFor();
        Files.writeString(DROP_CACHES, "3");
    }

    /** The 1, 5 and 15 minute load averages (Linux), else an empty array. */
    static ArrayNode loadAverage() {
        ArrayNode a = JSON.createArrayNode();
        try {
            String[] p = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            for (int i = 0; i < 3; i++) a.add(Double.parseDouble(p[i]));
        } catch (IOException | RuntimeException ignored) {
            // not Linux
        }
        return a;
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> s = Files.walk(root)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temporary folder: the OS cleans it eventually
        }
    }
}
