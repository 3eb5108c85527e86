package org.circuitbench.ablation;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/** Test helper: a circuit from a JSON array of "L.H" strings. */
public final class Circuits {
    private Circuits() {
    }

    public static Circuit fromJson(AblationTask task, JsonNode array) {
        List<Node> nodes = new ArrayList<>();
        array.forEach(n -> nodes.add(Node.parse(n.asText())));
        var cfg = task.model().config();
        return Circuit.of(cfg.nLayer(), cfg.nHead(), nodes);
    }
}
