package org.circuitbench.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code --name value} options, {@code --flag}s and positional arguments; multi-valued options take values up to the next option. */
final class Args {
    private final Map<String, List<String>> options = new LinkedHashMap<>();
    private final List<String> positional = new ArrayList<>();

    Args(String[] argv, Set<String> flags, Set<String> multi) {
        for (int i = 0; i < argv.length; i++) {
            String a = argv[i];
            if (a.startsWith("--")) {
                String name = a.substring(2);
                String inline = null;
                int eq = name.indexOf('=');
                if (eq >= 0) {
                    inline = name.substring(eq + 1);
                    name = name.substring(0, eq);
                }
                List<String> values = options.computeIfAbsent(name, k -> new ArrayList<>());
                if (flags.contains(name)) {
                    values.add(inline == null ? "true" : inline);
                } else if (inline != null) {
                    values.add(inline);
                } else if (multi.contains(name)) {
                    while (i + 1 < argv.length && !argv[i + 1].startsWith("--")) values.add(argv[++i]);
                } else {
                    if (i + 1 >= argv.length) throw new UsageException("--" + name + " needs a value.");
                    values.add(argv[++i]);
                }
            } else {
                positional.add(a);
            }
        }
    }

    boolean has(String name) {
        return options.containsKey(name);
    }

    boolean flag(String name) {
        return has(name) && !options.get(name).isEmpty() && !options.get(name).get(0).equals("false");
    }

    String get(String name, String def) {
        List<String> v = options.get(name);
        return v == null || v.isEmpty() ? def : v.get(v.size() - 1);
    }

    String required(String name, String what) {
        String v = get(name, null);
        if (v == null) throw new UsageException("Missing --" + name + " " + what + ".");
        return v;
    }

    List<String> all(String name) {
        return options.getOrDefault(name, List.of());
    }

    /** A finite number; NaN and infinities are refused like any other non-number. */
    double number(String name, double def) {
        String v = get(name, null);
        if (v == null) return def;
        try {
            double d = Double.parseDouble(v.trim());
            if (Double.isFinite(d)) return d;
        } catch (NumberFormatException e) {
            // the message below
        }
        throw new UsageException("--" + name + " must be a number, got '" + org.circuitbench.util.Texts.cap(v) + "'.");
    }

    long integer(String name, long def) {
        String v = get(name, null);
        if (v == null) return def;
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be a whole number, got '" + org.circuitbench.util.Texts.cap(v) + "'.");
        }
    }

    /** A whole number from {@code min} to {@code max}; 4294967297 is refused, not wrapped to 1. */
    int integer(String name, int def, int min, int max) {
        long v = integer(name, def);
        if (v < min || v > max) {
            throw new UsageException(String.format(java.util.Locale.ROOT, "--%s must be a whole number from %d to %d, got %d.", name, min, max, v));
        }
        return (int) v;
    }

    List<String> positional() {
        return positional;
    }

    Set<String> names() {
        return options.keySet();
    }

    /** Refuses options a command does not know, so a typo is not silently ignored. */
    void allowOnly(Set<String> known) {
        for (String n : options.keySet()) {
            if (!known.contains(n)) throw new UsageException("Unknown option --" + n + ".");
        }
    }

    static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }
}
