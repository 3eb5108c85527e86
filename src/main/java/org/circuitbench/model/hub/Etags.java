package org.circuitbench.model.hub;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * What a hub ETag promises about a file's bytes. An LFS file's ETag is the SHA-256 of its bytes
 * (64 hex digits); any other file's is its git blob id (40 hex digits): the SHA-1 of
 * {@code "blob " + length + "\0"} followed by the bytes, as {@code git hash-object} and
 * huggingface_hub's {@code utils/sha.py git_hash} compute it.
 */
final class Etags {
    private Etags() {
    }

    /** The digest of {@code file} in the form {@code etag} has: SHA-256 for 64 digits, the git blob SHA-1 for 40. */
    static String digestLike(String etag, Path file) throws IOException {
        return etag.length() == 64 ? sha256(file) : gitBlobSha1(file);
    }

    /** "SHA-256" or "git blob SHA-1", for messages. */
    static String kind(String etag) {
        return etag.length() == 64 ? "SHA-256" : "git blob SHA-1";
    }

    static String sha256(Path file) throws IOException {
        return digest(file, "SHA-256", null);
    }

    static String gitBlobSha1(Path file) throws IOException {
        return digest(file, "SHA-1", ("blob " + Files.size(file) + "\0").getBytes(StandardCharsets.US_ASCII));
    }

    private static String digest(Path file, String algorithm, byte[] header) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance(algorithm);
            if (header != null) md.update(header);
            byte[] buf = new byte[1 << 20];
            int n;
            while ((n = in.read(buf)) > 0) md.update(buf, 0, n);
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
