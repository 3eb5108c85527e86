package org.circuitbench.util;

import java.io.PrintStream;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The app's start-up milestones, for {@code bench --parts startup-process}. With
 * {@code CIRCUITBENCH_STARTUP_LOG=1} in the environment the process prints one line on stderr the
 * first time it reaches each milestone:
 * <pre>circuitbench-startup 1764860400123 window</pre>
 * The time is the wall clock in milliseconds (not a monotonic clock) so that the process that
 * started this one can subtract its own start time: what the user waits for begins before this JVM
 * exists (the launcher script, the JVM's own start). A detail, such as the model's read time, may
 * follow the name. Environment variables reach the JVM through both launchers ({@code ./circuitbench}
 * and the packaged one) without any option.
 * <p>
 * With {@code CIRCUITBENCH_EXIT_AFTER_STARTUP=1} the app closes once it shows its first score: the
 * bench and the CDS training run at package time use that.
 */
public final class StartupLog {
    public static final String LOG_ENV = "CIRCUITBENCH_STARTUP_LOG";
    public static final String EXIT_ENV = "CIRCUITBENCH_EXIT_AFTER_STARTUP";
    public static final String PREFIX = "circuitbench-startup ";

    /** The milestones, in the order a start reaches them when the window is quicker than the model. */
    public enum Milestone {
        /** {@code main()} runs: the launcher and the JVM are up. */
        JVM,
        /** The window's first frame is drawn. */
        WINDOW,
        /** PyTorch's native libraries are loaded (detail: the seconds it took). */
        NATIVES,
        /** The first model is read (detail: read_s, the seconds the read itself took). */
        MODEL,
        /** The first task is prepared on it (tokens, means, the full model's logit difference). */
        TASK,
        /** The grid shows the task's heads and takes clicks. */
        GRID,
        /** The grid's first live score is shown. */
        SCORE;

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Optional<Milestone> of(String id) {
            for (Milestone m : values()) if (m.id().equals(id)) return Optional.of(m);
            return Optional.empty();
        }
    }

    private static final Set<Milestone> REACHED = EnumSet.noneOf(Milestone.class);
    private static volatile PrintStream out = enabled() ? System.err : null;

    private StartupLog() {
    }

    static boolean enabled() {
        return "1".equals(System.getenv(LOG_ENV));
    }

    /** Whether the app should close after its first score. */
    public static boolean exitAfterStartup() {
        return "1".equals(System.getenv(EXIT_ENV));
    }

    public static void mark(Milestone m) {
        mark(m, "");
    }

    /** Prints the milestone's line the first time it is reached (when the log is on). */
    public static void mark(Milestone m, String detail) {
        PrintStream o = out;
        if (o == null) return;
        long now = System.currentTimeMillis();
        synchronized (REACHED) {
            if (!REACHED.add(m)) return;
        }
        double cpu = cpuSeconds();
        String d = detail == null ? "" : detail;
        if (!Double.isNaN(cpu)) d = (d + String.format(Locale.ROOT, " cpu_s=%.2f", cpu)).trim();
        o.println(line(now, m, d));
        o.flush();
    }

    /**
     * The CPU time this process has used so far (user + system, all threads), from /proc; NaN
     * elsewhere. Unlike the wall times it hardly depends on what else runs on the machine.
     */
    static double cpuSeconds() {
        try {
            String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/self/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" "); // f[0] is field 3 (state)
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0; // USER_HZ, 100 on Linux
        } catch (java.io.IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    /** The value of {@code key=value} in a milestone's detail; NaN if it has none. */
    public static double value(Mark m, String key) {
        for (String kv : m.detail().split(" ")) {
            if (kv.startsWith(key + "=")) {
                try {
                    return Double.parseDouble(kv.substring(key.length() + 1));
                } catch (NumberFormatException e) {
                    return Double.NaN;
                }
            }
        }
        return Double.NaN;
    }

    static String line(long epochMillis, Milestone m, String detail) {
        return PREFIX + epochMillis + " " + m.id() + (detail == null || detail.isEmpty() ? "" : " " + detail);
    }

    /** A parsed milestone line: when, which, and the detail (possibly empty). */
    public record Mark(long epochMillis, Milestone milestone, String detail) {
    }

    /** Reads a line of a child's stderr; empty for any other line. */
    public static Optional<Mark> parse(String line) {
        if (line == null || !line.startsWith(PREFIX)) return Optional.empty();
        String[] p = line.substring(PREFIX.length()).trim().split(" ", 3);
        if (p.length < 2) return Optional.empty();
        try {
            long t = Long.parseLong(p[0]);
            return Milestone.of(p[1]).map(m -> new Mark(t, m, p.length > 2 ? p[2] : ""));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** For tests: log to {@code to} (null: off) and forget what was reached. */
    public static void redirect(PrintStream to) {
        synchronized (REACHED) {
            REACHED.clear();
        }
        out = to;
    }
}
