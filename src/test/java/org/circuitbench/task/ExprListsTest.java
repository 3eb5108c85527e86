package org.circuitbench.task;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The list tools of the template language the task library's generators use: slices, sample and join. */
class ExprListsTest {
    static final List<String> W = List.of("a", "b", "c", "d", "e");
    static final Expr.Scope SCOPE = Expr.of(Map.of("w", W, "k", 2L));

    static Object eval(String src) {
        return Expr.eval(src, SCOPE, new SplittableRandom(5));
    }

    static String error(String src) {
        return assertThrows(IllegalArgumentException.class, () -> eval(src)).getMessage();
    }

    @Test
    void slicesAreThoseOfPython() {
        assertEquals(List.of("b", "c"), eval("w[1:3]"));
        assertEquals(List.of("a", "b"), eval("w[:k]"));
        assertEquals(List.of("c", "d", "e"), eval("w[k:]"));
        assertEquals(W, eval("w[:]"));
        assertEquals(List.of("d", "e"), eval("w[-2:]"), "a negative bound counts from the end");
        assertEquals(List.of("a", "b", "c", "d"), eval("w[:-1]"));
        assertEquals(List.of(), eval("w[4:2]"), "an empty slice, as Python's");
        assertEquals(W, eval("w[-99:99]"), "bounds are clamped to the list");
        assertEquals("c", eval("w[1:4][1]"), "a slice can be indexed");
        assertEquals(3L, eval("len(w[ 2 : ])"));
        assertTrue(error("k[1:2]").contains("only a list can be sliced"));
    }

    @Test
    void sampleDrawsDifferentItemsAndTheSeedFixesThem() {
        @SuppressWarnings("unchecked") List<String> s = (List<String>) eval("sample(w, 3)");
        assertEquals(3, s.size());
        assertEquals(3, new HashSet<>(s).size(), "k different items");
        assertTrue(W.containsAll(s));
        assertEquals(s, eval("sample(w, 3)"), "the same seed, the same draw");
        assertEquals(5, new HashSet<>((List<?>) eval("sample(w, 5)")).size(), "k = the whole list is a shuffle");
        assertEquals(List.of(), eval("sample(w, 0)"));
        // every item and every order comes up: 200 draws of 2 from 5 give all 20 ordered pairs
        SplittableRandom rng = new SplittableRandom(1);
        java.util.Set<List<?>> seen = new HashSet<>();
        for (int i = 0; i < 200; i++) seen.add((List<?>) Expr.eval("sample(w, 2)", SCOPE, rng));
        assertEquals(20, seen.size());
        assertNotEquals(eval("sample(w, 5)"), Expr.eval("sample(w, 5)", SCOPE, new SplittableRandom(6)));
        assertTrue(error("sample(w, 6)").contains("the list has 5 items, so k must be 0 to 5"), error("sample(w, 6)"));
        assertTrue(error("sample(w)").contains("sample takes a list and a count"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Expr.eval("sample(w, 1)", SCOPE, null)).getMessage().contains("needs a seed"));
    }

    @Test
    void joinPutsSpacesOrTheGivenSeparatorBetweenItems() {
        assertEquals("a b c d e", eval("join(w)"));
        assertEquals("b, c", eval("join(w[1:3], ', ')"));
        assertEquals("", eval("join(w[:0])"));
        assertTrue(error("join(k)").contains("join takes a list"));
        assertTrue(error("join(w, 3)").contains("separator is a string"));
        assertTrue(error("shuffle(w)").contains("there are randint, choice, sample, len and join"), error("shuffle(w)"));
    }
}
