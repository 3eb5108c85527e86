package org.circuitbench.util;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;

/** Messages for JSON files: reading one, and where a parse failed (" at line 3, column 17"). */
public final class JsonErrors {
    /** Larger text files are refused: what they describe would not fit in memory anyway. */
    static final int MAX_TEXT_BYTES = 256 << 20;

    private JsonErrors() {
    }

    /**
     * A file's text (UTF-8, a leading byte-order mark dropped), or an IOException whose message
     * names the file and what to do: "Task file x.json does not exist.", "… is not UTF-8 text …".
     * Reads only regular files (a named pipe would block), and at most {@link #MAX_TEXT_BYTES}.
     */
    public static String readText(Path file, String what) throws IOException {
        if (Files.exists(file) && !Files.isDirectory(file) && !Files.isRegularFile(file)) {
            // a named pipe would block the read until something writes to it (for ever, from a script)
            throw new IOException(what + " " + file + " is not a regular file (a pipe, a device or a socket); give a file.");
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(MAX_TEXT_BYTES + 1);
        } catch (NoSuchFileException e) {
            throw new IOException(what + " " + file + " does not exist.", e);
        } catch (IOException e) {
            String why = Files.isDirectory(file) ? "it is a folder" : e.getMessage();
            throw new IOException("Cannot read " + what.toLowerCase(Locale.ROOT) + " " + file + ": " + why + ".", e);
        }
        if (bytes.length > MAX_TEXT_BYTES) {
            throw new IOException(what + " " + file + " is larger than " + (MAX_TEXT_BYTES >> 20) + " MB; split it into smaller files.");
        }
        CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult r = dec.decode(in, out, true);
        if (!r.isError()) r = dec.flush(out);
        if (r.isError()) {
            int at = in.position(), line = 1;
            for (int i = 0; i < at; i++) if (bytes[i] == '\n') line++;
            throw new IOException(what + " " + file + " is not UTF-8 text (line " + line + ", byte " + at
                    + ", is not valid UTF-8). Save it as UTF-8.");
        }
        String text = out.flip().toString();
        return text.startsWith("\uFEFF") ? text.substring(1) : text;
    }

    public static String where(JsonProcessingException e) {
        return where(e.getLocation());
    }

    /** " at line 3, column 17", or nothing where the place is unknown. */
    public static String where(JsonLocation loc) {
        return loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
    }
}
