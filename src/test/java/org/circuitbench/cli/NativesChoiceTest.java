package org.circuitbench.cli;

import org.junit.jupiter.api.Test;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every command that loads a model picks PyTorch's natives from its --device first (attribute did not). */
class NativesChoiceTest {

    @Test
    void everyCommandThatTakesAModelChoosesItsNatives() {
        Matcher m = Pattern.compile("(?m)^\\s{2,}([a-z-]+)\\s+--model ").matcher(Main.USAGE);
        int n = 0;
        while (m.find()) {
            n++;
            assertTrue(Main.loadsAModel(m.group(1)), m.group(1) + " takes --model but would load the bundled CPU build whatever --device says");
        }
        assertTrue(n >= 8, "the usage lists the model commands: " + n);
    }
}
