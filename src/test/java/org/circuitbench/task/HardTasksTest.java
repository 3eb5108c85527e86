package org.circuitbench.task;

import org.circuitbench.TestData;
import org.circuitbench.ablation.AblationTask;
import org.circuitbench.model.DeviceChoice;
import org.circuitbench.model.Gpt2Config;
import org.circuitbench.model.LoadedModel;
import org.circuitbench.model.MemoryBudget;
import org.circuitbench.model.RandomModel;
import org.circuitbench.model.SafeTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tasks that are too big, too long, nested too deep or that cannot be scored: each is refused
 * with a short message that says what to change, before it costs minutes or gigabytes.
 */
class HardTasksTest {
    static LoadedModel model() {
        return TestData.model(TestData.model4x4()); // n_positions 64
    }

    static TaskFile task(List<Prompt> clean, List<Prompt> corrupt) {
        return new TaskFile("t", clean, corrupt, null);
    }

    static List<Prompt> prompts(int n, String text, String correct, String incorrect) {
        List<Prompt> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(new Prompt(text, correct, incorrect, "", Map.of()));
        return out;
    }

    @Test
    void aPromptFarTooLongIsRefusedWithoutTokenizingItAndWithoutQuotingIt() {
        String huge = "1 2 3 4 ".repeat(1_250_000); // 10 MB
        List<Integer> seen = new ArrayList<>();
        TokenEncoder counting = text -> {
            seen.add(text.length());
            return model().tokenizer().encode(text);
        };
        TaskFile t = task(List.of(new Prompt("1 2 3 4", "5", "1", "", Map.of()), new Prompt(huge, "5", "1", "", Map.of())),
                prompts(2, "7 8 9 1", null, null));
        TaskException e = assertThrows(TaskException.class, () -> TokenizedTask.build(t, counting, 64));
        assertTrue(seen.stream().allMatch(n -> n < 1000), "the 10 MB prompt never reached the tokenizer: " + seen);
        assertTrue(e.getMessage().contains("clean[1] \"1 2 3 4 1 2 3 4") && e.getMessage().contains("(10,000,000 characters)")
                && e.getMessage().contains("64 tokens") && e.getMessage().contains("Shorten it"), e.getMessage());
        assertTrue(e.getMessage().length() < 300, "the message quotes only the start: " + e.getMessage().length() + " characters");
        // through the model, the same refusal
        TaskException viaModel = assertThrows(TaskException.class, () -> AblationTask.prepare(model(), t));
        assertEquals(e.getMessage(), viaModel.getMessage());
    }

    @Test
    void aPromptJustOverTheModelsLengthNamesItsTokenCount() {
        String text = "1 2 3 4 5 6 7 8 9 10".repeat(10);
        int tokens = model().tokenizer().encode(text).length;
        assertTrue(tokens > 64 && text.length() < 64 * 128, "long in tokens, not in characters: " + tokens);
        TaskFile t = task(List.of(new Prompt(text, "5", "1", "", Map.of())), prompts(1, text, null, null));
        TaskException e = assertThrows(TaskException.class, () -> AblationTask.prepare(model(), t));
        assertTrue(e.getMessage().contains("clean[0]") && e.getMessage().contains(tokens + " tokens")
                && e.getMessage().contains("at most 64"), e.getMessage());
    }

    @Test
    void aTaskTooBigForTheFreeMemoryIsRefusedWithTheNumbers() {
        TaskFile t = task(prompts(3_000, "1 2 3 4", "5", "1"), prompts(3_000, "7 8 9 1", null, null));
        Gpt2Config c = model().config();
        long need = MemoryBudget.estimate(c, 3_000, 3_000, 4);
        assertTrue(need > 100L << 20, "3,000 prompts on a 4-layer d_model-64 model: " + need);
        assertEquals(2 * need - MemoryBudget.estimate(c, 0, 0, 4), MemoryBudget.estimate(c, 6_000, 6_000, 4), 8, "linear in prompts");
        String before = System.getProperty(MemoryBudget.AVAILABLE_PROPERTY);
        System.setProperty(MemoryBudget.AVAILABLE_PROPERTY, "60m");
        try {
            TaskException e = assertThrows(TaskException.class, () -> AblationTask.prepare(model(), t));
            assertTrue(e.getMessage().contains("needs about") && e.getMessage().contains("but about 60 MB is free")
                    && e.getMessage().contains("3,000 clean and 3,000 corrupt prompts") && e.getMessage().contains("fewer prompts"),
                    e.getMessage());
        } finally {
            if (before == null) System.clearProperty(MemoryBudget.AVAILABLE_PROPERTY); else System.setProperty(MemoryBudget.AVAILABLE_PROPERTY, before);
        }
    }

    @Test
    void equalAnswersMakeAZeroLogitDifferenceAndAreRefused() {
        TaskFile t = task(prompts(3, "1 2 3 4", "5", "5"), prompts(2, "7 8 9 1", null, null));
        TaskException e = assertThrows(TaskException.class, () -> AblationTask.prepare(model(), t));
        assertTrue(e.getMessage().contains("same token") && e.getMessage().contains("logit difference is 0"), e.getMessage());
        // one such prompt among others is only a warning
        List<Prompt> mixed = new ArrayList<>(prompts(2, "1 2 3 4", "5", "1"));
        mixed.add(new Prompt("2 3 4 5", "6", "6", "", Map.of()));
        TokenizedTask ok = TokenizedTask.check(task(mixed, prompts(1, "7 8 9 1", null, null)), model().tokenizer()::encode);
        assertTrue(ok.problems().stream().noneMatch(TaskProblem::isError), ok.problems().toString());
        assertTrue(ok.warnings().stream().anyMatch(w -> w.message().contains("clean[2]") && w.message().contains("always 0")));
    }

    /** A small random model whose weights {@code edit} changes. */
    static Path model(Path dir, String name, java.util.function.Consumer<Map<String, SafeTensors.Tensor>> edit) throws Exception {
        Path base = dir.resolve("base");
        if (!Files.isDirectory(base)) RandomModel.write(base, Gpt2Config.of(2, 2, 16, 32, 50257), 9, SafeTensors.DType.F32);
        Map<String, SafeTensors.Tensor> w = new LinkedHashMap<>();
        try (SafeTensors st = SafeTensors.open(base.resolve("model.safetensors"))) {
            for (var i : st.tensors().values()) w.put(i.name(), new SafeTensors.Tensor(i.shape(), st.floats(i)));
        }
        edit.accept(w);
        Path v = Files.createDirectories(dir.resolve(name));
        for (String f : new String[] {"config.json", "tokenizer.json"}) Files.copy(base.resolve(f), v.resolve(f));
        SafeTensors.write(v.resolve("model.safetensors"), w, SafeTensors.DType.F32, Map.of());
        return v;
    }

    @Test
    void nanOrZeroWeightsAreRefusedWithTheReason(@TempDir Path dir) throws Exception {
        TaskFile t = task(prompts(3, "1 2 3 4", "5", "1"), prompts(2, "7 8 9 1", null, null));
        Path nan = model(dir, "nan", w -> w.get("ln_f.weight").values()[3] = Float.NaN);
        try (LoadedModel m = LoadedModel.open("nan-model", nan, DeviceChoice.resolve("cpu"))) {
            TaskException e = assertThrows(TaskException.class, () -> AblationTask.prepare(m, t));
            assertTrue(e.getMessage().contains("is NaN") && e.getMessage().contains("nan-model") && e.getMessage().contains("damaged"), e.getMessage());
        }
        Path zero = model(dir, "zero", w -> w.values().forEach(x -> java.util.Arrays.fill(x.values(), 0f)));
        try (LoadedModel m = LoadedModel.open("zero-model", zero, DeviceChoice.resolve("cpu"))) {
            TaskException e = assertThrows(TaskException.class, () -> AblationTask.prepare(m, t));
            assertTrue(e.getMessage().contains("logit difference is 0"), e.getMessage());
        }
    }

    @Test
    void aTaskWithNoCleanPromptsSaysSo() {
        TaskException e = assertThrows(TaskException.class, () -> AblationTask.prepare(model(), task(List.of(), prompts(2, "7 8 9 1", null, null))));
        assertTrue(e.getMessage().contains("no clean prompts"), e.getMessage());
    }

    @Test
    void deepNestingAndHugeNumbersInTemplatesGiveMessagesNotCrashes() {
        Expr.Scope none = Expr.of(Map.of());
        for (String src : List.of("(".repeat(20_000) + "1" + ")".repeat(20_000), "-".repeat(20_000) + "1",
                "len(".repeat(20_000) + ")".repeat(20_000))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Expr.eval(src, none, null));
            assertTrue(e.getMessage().contains("nests more than 100 levels"), e.getMessage());
            assertTrue(e.getMessage().length() < 200, e.getMessage());
        }
        assertEquals(7L, Expr.eval("(".repeat(50) + "3+4" + ")".repeat(50), none, null), "ordinary nesting still works");
        String big = assertThrows(IllegalArgumentException.class, () -> Expr.eval("99999999999999999999 + 1", none, null)).getMessage();
        assertTrue(big.contains("99999999999999999999 is not a whole number"), big);
        String over = assertThrows(IllegalArgumentException.class, () -> Expr.eval("9223372036854775807 * 2", none, null)).getMessage();
        assertTrue(over.contains("too large"), over);
        assertThrows(IllegalArgumentException.class, () -> Expr.eval("-9223372036854775807 - 2", none, null));
        String wide = assertThrows(IllegalArgumentException.class,
                () -> Expr.eval("randint(-9223372036854775807, 9223372036854775807)", none, new java.util.SplittableRandom(1))).getMessage();
        assertTrue(wide.contains("spans more numbers"), wide);
    }

    @Test
    void rangesWhoseProductOverflowsAreRefusedNotEmpty() {
        var spec = new TaskDefinition.PromptSpec("{a} {b}", "{a}", "{b}", List.of(new TaskDefinition.Variable("a", "0..9223372036854775806"),
                new TaskDefinition.Variable("b", "0..9")), 0, 1);
        var corrupt = new TaskDefinition.PromptSpec("1 2", null, null, List.of(), 1, 1);
        TaskDefinition d = new TaskDefinition("big", List.of(new TaskDefinition.TemplateSpec("", spec, corrupt)), null, null);
        TaskException e = assertThrows(TaskException.class, () -> d.generate(null));
        assertTrue(e.getMessage().contains("would make more than") && e.getMessage().contains("limit is 100000"), e.getMessage());
    }

    @Test
    void longTemplateTextIsCutInMessages() {
        String text = "{a} }" + "x".repeat(1_000_000);
        var spec = new TaskDefinition.PromptSpec(text, "1", "2", List.of(new TaskDefinition.Variable("a", "1..2")), 0, 1);
        var corrupt = new TaskDefinition.PromptSpec("1 2", null, null, List.of(), 1, 1);
        TaskDefinition d = new TaskDefinition("long", List.of(new TaskDefinition.TemplateSpec("", spec, corrupt)), null, null);
        TaskException e = assertThrows(TaskException.class, () -> d.generate(null));
        assertTrue(e.getMessage().contains("has a brace") && e.getMessage().length() < 300, e.getMessage());
    }
}
