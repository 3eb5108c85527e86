package org.circuitbench.task.library;

import org.circuitbench.task.TaskDefinition;
import org.circuitbench.task.TaskDefinition.PromptSpec;
import org.circuitbench.task.TaskDefinition.TemplateSpec;
import org.circuitbench.task.TaskDefinition.Variable;

import java.util.ArrayList;
import java.util.List;

/**
 * Indirect object identification (Wang et al. 2022, "Interpretability in the Wild"): the 15
 * templates of the paper's Figure 14 (redwoodresearch/Easy-Transformer, ioi_dataset.py,
 * BABA_TEMPLATES), each in its BABA order and its ABBA order (the first two names swapped), with
 * the code's names, places and objects. The prompt stops before the last name; the correct answer
 * is the indirect object (IO), the incorrect one the subject (S).
 *
 * <p>The corrupt prompts are the paper's p_ABC: the same template, place and object, with its three
 * names replaced by three other names, all different. Each template is paired: corrupt prompt i is
 * filled with clean prompt i's variables, so it is that prompt with the names changed, and names it
 * as its pair for patching.
 */
final class IoiTask {
    private IoiTask() {
    }

    /** The paper's templates in BABA order: [B] is the subject, [A] the indirect object; the last [A] is the answer. */
    static final List<String> BABA = List.of(
            "Then, [B] and [A] went to the [PLACE]. [B] gave a [OBJECT] to [A]",
            "Then, [B] and [A] had a lot of fun at the [PLACE]. [B] gave a [OBJECT] to [A]",
            "Then, [B] and [A] were working at the [PLACE]. [B] decided to give a [OBJECT] to [A]",
            "Then, [B] and [A] were thinking about going to the [PLACE]. [B] wanted to give a [OBJECT] to [A]",
            "Then, [B] and [A] had a long argument, and afterwards [B] said to [A]",
            "After [B] and [A] went to the [PLACE], [B] gave a [OBJECT] to [A]",
            "When [B] and [A] got a [OBJECT] at the [PLACE], [B] decided to give it to [A]",
            "When [B] and [A] got a [OBJECT] at the [PLACE], [B] decided to give the [OBJECT] to [A]",
            "While [B] and [A] were working at the [PLACE], [B] gave a [OBJECT] to [A]",
            "While [B] and [A] were commuting to the [PLACE], [B] gave a [OBJECT] to [A]",
            "After the lunch, [B] and [A] went to the [PLACE]. [B] gave a [OBJECT] to [A]",
            "Afterwards, [B] and [A] went to the [PLACE]. [B] gave a [OBJECT] to [A]",
            "Then, [B] and [A] had a long argument. Afterwards [B] said to [A]",
            "The [PLACE] [B] and [A] went to had a [OBJECT]. [B] gave it to [A]",
            "Friends [B] and [A] found a [OBJECT] at the [PLACE]. [B] gave it to [A]");

    static final List<String> NAMES = LibraryLists.read("ioi-names.txt");
    static final List<String> PLACES = LibraryLists.read("ioi-places.txt");
    static final List<String> OBJECTS = LibraryLists.read("ioi-objects.txt");

    /** Templates in the order they are made: baba0..baba14, then abba0..abba14. */
    static List<String> templateIds() {
        List<String> out = new ArrayList<>();
        for (String order : List.of("baba", "abba")) for (int t = 0; t < BABA.size(); t++) out.add(order + t);
        return out;
    }

    static LibraryTask entry() {
        return new LibraryTask("ioi", "Indirect object identification (IOI)",
                "Wang et al. 2022, Interpretability in the Wild (arXiv:2211.00593); redwoodresearch/Easy-Transformer ioi_dataset.py",
                "clean prompts, spread evenly over the 30 templates (15 BABA, 15 ABBA), each paired with a p_ABC corrupt prompt",
                300, "logit difference IO - S", IoiTask::definition);
    }

    /**
     * {@code count} clean prompts spread over the templates in order (the first count % 30 templates
     * get one more); template t's prompts are drawn with seed {@code seed * 1000 + t}.
     */
    static TaskDefinition definition(long seed, int count) {
        List<TemplateSpec> templates = new ArrayList<>();
        List<String> ids = templateIds();
        for (int t = 0; t < ids.size(); t++) {
            int n = count / ids.size() + (t < count % ids.size() ? 1 : 0);
            if (n == 0) continue;
            String babaText = BABA.get(t % BABA.size());
            String text = t < BABA.size() ? babaText : abba(babaText);
            // who[0] is the IO, who[1] the subject, who[2..4] the paired corrupt prompt's three names (not n: n is the prompt's index)
            List<Variable> vars = List.of(new Variable("who", "sample(names, 5)"), new Variable("place", "choice(places)"),
                    new Variable("object", "choice(objects)"));
            PromptSpec clean = new PromptSpec(clean(text), "{who[0]}", "{who[1]}", vars, n, seed * 1000 + t);
            PromptSpec corrupt = new PromptSpec(abc(text), null, null, List.of(), n, seed * 1000 + t);
            templates.add(new TemplateSpec(ids.get(t), clean, corrupt, true));
        }
        return new TaskDefinition("IOI", templates, null, LibraryLists.ordered("names", NAMES, "places", PLACES, "objects", OBJECTS));
    }

    /** ABBA from BABA: the first [B] and the first [A] swap places (Easy-Transformer's rule). */
    static String abba(String baba) {
        int b = baba.indexOf("[B]"), a = baba.indexOf("[A]");
        return baba.substring(0, b) + "[A]" + baba.substring(b + 3, a) + "[B]" + baba.substring(a + 3);
    }

    /** The prompt: the template up to the last name (the answer), with the IO as who[0] and S as who[1]. */
    static String clean(String template) {
        return prompt(template).replace("[A]", "{who[0]}").replace("[B]", "{who[1]}");
    }

    /** p_ABC: each of the prompt's three names in turn becomes who[2], who[3], who[4]. */
    static String abc(String template) {
        String p = prompt(template);
        StringBuilder sb = new StringBuilder();
        int name = 2, i = 0;
        while (true) {
            int a = p.indexOf("[A]", i), b = p.indexOf("[B]", i);
            int next = a < 0 ? b : b < 0 ? a : Math.min(a, b);
            if (next < 0) break;
            sb.append(p, i, next).append("{who[").append(name++).append("]}");
            i = next + 3;
        }
        return sb.append(p.substring(i)).toString();
    }

    private static String prompt(String template) {
        if (!template.endsWith(" [A]")) throw new IllegalStateException("an IOI template ends with its indirect object: " + template);
        return template.substring(0, template.length() - 4).replace("[PLACE]", "{place}").replace("[OBJECT]", "{object}");
    }
}
