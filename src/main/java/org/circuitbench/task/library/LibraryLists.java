package org.circuitbench.task.library;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The word lists of the library's tasks, shipped as resources (one item a line; '#' lines say where they come from). */
final class LibraryLists {
    private LibraryLists() {
    }

    /** Lists by name, in the order given: name, list, name, list, … */
    @SuppressWarnings("unchecked")
    static java.util.Map<String, List<String>> ordered(Object... nameThenList) {
        java.util.Map<String, List<String>> out = new java.util.LinkedHashMap<>();
        for (int i = 0; i < nameThenList.length; i += 2) out.put((String) nameThenList[i], (List<String>) nameThenList[i + 1]);
        return out;
    }

    static List<String> read(String file) {
        try (InputStream in = LibraryLists.class.getResourceAsStream(file)) {
            if (in == null) throw new IllegalStateException("The task library's list " + file + " is missing from the build.");
            List<String> out = new ArrayList<>();
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line; (line = r.readLine()) != null; ) {
                if (!line.isBlank() && !line.startsWith("#")) out.add(line.strip());
            }
            return List.copyOf(out);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the task library's list " + file, e);
        }
    }
}
