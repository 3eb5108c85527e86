package org.circuitbench.model;

import org.circuitbench.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ids listed in the GPT-2 tokenizer NOTICE, from tokenizer.json and from vocab.json + merges.txt. */
class TokenizerTest {

    /** Rows "| `text` | 1, 2, 3 |" of the NOTICE table. */
    static List<Object[]> noticeRows() throws Exception {
        Path notice = TestData.shared().map(s -> s.resolve("gpt2-tokenizer/NOTICE.md"))
                .filter(Files::isRegularFile).orElse(Path.of("src/test/data/gpt2-tokenizer-NOTICE.md"));
        List<Object[]> rows = new ArrayList<>();
        Matcher m = Pattern.compile("^\\| `([^`]*)` \\| ([0-9, ]+) \\|$", Pattern.MULTILINE).matcher(Files.readString(notice));
        while (m.find()) {
            long[] ids = Arrays.stream(m.group(2).split(",")).map(String::trim).mapToLong(Long::parseLong).toArray();
            rows.add(new Object[] {m.group(1), ids});
        }
        return rows;
    }

    @Test
    void tokenizerJsonGivesTheNoticeIds() throws Exception {
        List<Object[]> rows = noticeRows();
        assertTrue(rows.size() >= 5, "NOTICE table not found");
        try (Gpt2Tokenizer t = Gpt2Tokenizer.load(TestData.demoModel())) {
            for (Object[] r : rows) assertArrayEquals((long[]) r[1], t.encode((String) r[0]), "ids of '" + r[0] + "'");
        }
    }

    @Test
    void vocabAndMergesFallbackGivesTheSameIds(@TempDir Path dir) throws Exception {
        Files.copy(TestData.demoModel().resolve("vocab.json"), dir.resolve("vocab.json"));
        Files.copy(TestData.demoModel().resolve("merges.txt"), dir.resolve("merges.txt"));
        try (Gpt2Tokenizer t = Gpt2Tokenizer.load(dir)) {
            for (Object[] r : noticeRows()) assertArrayEquals((long[]) r[1], t.encode((String) r[0]), "ids of '" + r[0] + "'");
        }
    }

    @Test
    void longTextIsNotTruncated() throws Exception {
        String text = "1 ".repeat(700).trim();
        try (Gpt2Tokenizer t = Gpt2Tokenizer.load(TestData.demoModel())) {
            assertEquals(700, t.encode(text).length, "DJL truncates to 512 unless told not to"); // "1" and 699 × " 1"
        }
    }

    @Test
    void tokenTextsShowTheSpaces() throws Exception {
        try (Gpt2Tokenizer t = Gpt2Tokenizer.load(TestData.demoModel())) {
            assertArrayEquals(new String[] {"January", " February", " March"}, t.tokenTexts("January February March"));
        }
    }
}
