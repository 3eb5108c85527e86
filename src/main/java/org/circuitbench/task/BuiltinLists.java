package org.circuitbench.task;

import java.util.List;
import java.util.Map;

/** Lists a template can index without defining them: number words, months, days, letters. */
public final class BuiltinLists {
    public static final List<String> NUMWORDS = List.of("zero", "one", "two", "three", "four", "five", "six", "seven",
            "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
            "eighteen", "nineteen", "twenty");
    public static final List<String> MONTHS = List.of("January", "February", "March", "April", "May", "June", "July",
            "August", "September", "October", "November", "December");
    public static final List<String> DAYS = List.of("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday");
    public static final List<String> LETTERS = List.of("A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M",
            "N", "O", "P", "Q", "R", "S", "T", "U", "V", "W", "X", "Y", "Z");

    /** numwords[1] is "one", so {numwords[a]} reads like {a}. */
    public static final Map<String, List<String>> ALL = Map.of(
            "numwords", NUMWORDS, "months", MONTHS, "days", DAYS, "letters", LETTERS);

    private BuiltinLists() {
    }
}
