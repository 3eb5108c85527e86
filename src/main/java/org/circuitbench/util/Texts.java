package org.circuitbench.util;

import java.util.Locale;

/** Quoting user text in messages: long text is cut, so a 10 MB prompt never lands in an error line. */
public final class Texts {
    /** How much of a text a message shows. */
    public static final int SHOWN = 60;

    private Texts() {
    }

    /** {@code s} on one line (breaks shown as ⏎), cut to {@link #SHOWN} characters and "…". */
    public static String cap(String s) {
        if (s == null) return "null";
        String one = (s.length() <= SHOWN ? s : s.substring(0, SHOWN) + "…").replace("\r\n", "⏎").replace('\n', '⏎').replace('\r', '⏎');
        return one;
    }

    /** {@link #cap} in double quotes, with the length when it was cut: {@code "aaaa…" (10,000,000 characters)}. */
    public static String quote(String s) {
        return "\"" + cap(s) + "\"" + length(s);
    }

    /** {@link #cap} in single quotes, with the length when it was cut: {@code 'aaaa…' (10,000,000 characters)}. */
    public static String quoted(String s) {
        return "'" + cap(s) + "'" + length(s);
    }

    private static String length(String s) {
        return s != null && s.length() > SHOWN ? String.format(Locale.ROOT, " (%,d characters)", s.length()) : "";
    }
}
