package org.circuitbench.ui.common;

import org.circuitbench.TestData;
import org.circuitbench.session.Session;
import org.circuitbench.task.TaskFiles;

import java.util.List;

/** Sessions the view-model and TestFX tests start from. */
public final class TestSessions {
    private TestSessions() {
    }

    /** A session on the 4 × 4 model with the words-months fixture task and two named circuits. */
    public static Session fourByFour() throws Exception {
        var file = TaskFiles.read(TestData.fixture("words-months-seqcont-4x4").resolve("task.json"));
        return new Session(Session.SCHEMA_VERSION, new Session.ModelRef(TestData.model4x4().toAbsolutePath().toString(), "cpu"),
                List.of(new Session.SessionTask("words", null, file, null)),
                List.of(new Session.NamedCircuit("early", "0.0,0.1,0.2,0.3,1.0,1.1", "words", null, null),
                        new Session.NamedCircuit("late", "2.0,2.1,3.0,3.1,3.2,3.3", "words", null, null)),
                List.of(), new Session.UiState("words", "all", null, null));
    }
}
