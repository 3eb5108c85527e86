package org.circuitbench.explain;

import org.circuitbench.task.BuiltinLists;

import java.math.BigInteger;
import java.util.List;

/**
 * The successor of a labelled token's text, for the OV "next" score: the next integer for a
 * number, the next word of the built-in lists for a listed word (months and days wrap around,
 * number words stop at "twenty"), and none otherwise.
 */
public final class Successors {

    private Successors() {
    }

    /** A token's text without its one leading space (" 5" -> "5"), as the paper's prompts hold the words. */
    public static String stripLeadingSpace(String token) {
        return token.startsWith(" ") ? token.substring(1) : token;
    }

    /** The successor of {@code text}, or null when it has none. */
    public static String next(String text) {
        if (text.matches("[0-9]+")) return new BigInteger(text).add(BigInteger.ONE).toString();
        String w = after(BuiltinLists.NUMWORDS, text, false);
        if (w != null) return w;
        w = after(BuiltinLists.MONTHS, text, true);
        if (w != null) return w;
        return after(BuiltinLists.DAYS, text, true);
    }

    private static String after(List<String> list, String text, boolean cyclic) {
        int i = list.indexOf(text);
        if (i < 0) return null;
        if (i + 1 < list.size()) return list.get(i + 1);
        return cyclic ? list.get(0) : null;
    }
}
