package org.circuitbench.ablation;

import org.circuitbench.util.Texts;

import java.util.ArrayList;
import java.util.List;

/**
 * The names of a circuit spec, read strictly: {@code 0.1,4.4 9.1} or {@code ["0.1", "4.4"]} as
 * JSON output writes it. Commas and spaces separate names, a name may stand in matching quotes,
 * and the list in brackets. An empty entry ({@code 0.1,,4.4}), a quote that does not close, or a
 * spec that names nothing ({@code ,}, {@code ()}, {@code ""}) is refused: the empty circuit is
 * written {@code none}.
 */
final class SpecNames {
    private SpecNames() {
    }

    /** The names in {@code spec}, each checked for its quotes; {@code kind} is "head" or "edge", for messages. */
    static List<String> of(String spec, String kind) {
        String s = spec.strip();
        String body = s.startsWith("[") && s.endsWith("]") ? s.substring(1, s.length() - 1).strip() : s;
        List<String> out = new ArrayList<>();
        if (body.isEmpty()) return out; // [] : a list of no names, as exports write the empty circuit
        if (body.chars().noneMatch(Character::isLetterOrDigit)) {
            throw new IllegalArgumentException("The circuit " + Texts.quoted(spec) + " names no " + kind
                    + "s; write none for the empty circuit or all for every " + kind + ".");
        }
        String[] entries = body.split(",", -1);
        for (int i = 0; i < entries.length; i++) {
            String entry = entries[i].strip();
            if (entry.isEmpty()) {
                throw new IllegalArgumentException("The circuit " + Texts.quoted(spec) + " has an empty entry (number " + (i + 1)
                        + ") between commas; remove the extra comma.");
            }
            for (String name : entry.split("\\s+")) out.add(unquoted(name, spec));
        }
        return out;
    }

    /** A name without its pair of matching quotes; a quote left over is refused. */
    private static String unquoted(String name, String spec) {
        String n = name;
        if (n.length() >= 2 && (n.charAt(0) == '"' || n.charAt(0) == '\'') && n.charAt(n.length() - 1) == n.charAt(0)) {
            n = n.substring(1, n.length() - 1);
        }
        if (n.indexOf('"') >= 0 || n.indexOf('\'') >= 0) {
            throw new IllegalArgumentException("The name " + Texts.quoted(name) + " in " + Texts.quoted(spec)
                    + " has a quote that does not close (or closes with another kind of quote).");
        }
        return n;
    }
}
