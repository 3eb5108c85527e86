package org.circuitbench.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.circuitbench.util.Texts;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes the safetensors format: an 8-byte little-endian header length, a JSON header,
 * then the raw tensor bytes. Each tensor is memory-mapped on its own, so no Java array or buffer
 * ever spans the whole file (gpt2-xl is 6 GB; DJL's NDList.decode keeps int offsets).
 */
public final class SafeTensors implements AutoCloseable {

    /**
     * The element types of the format. Weights are read from F32, F16 and BF16 ({@link #readable})
     * and converted to F32; other types occur in buffers that the model skips (old checkpoints
     * store the causal mask {@code h.N.attn.bias} as U8, BOOL or I64).
     */
    public enum DType {
        F32(4, true), F16(2, true), BF16(2, true),
        F64(8, false), I64(8, false), U64(8, false), I32(4, false), U32(4, false), I16(2, false), U16(2, false),
        I8(1, false), U8(1, false), BOOL(1, false), F8_E4M3(1, false), F8_E5M2(1, false);
        public final int bytes;
        public final boolean readable;

        DType(int bytes, boolean readable) {
            this.bytes = bytes;
            this.readable = readable;
        }
    }

    /** One header entry; {@code begin} and {@code end} are absolute file offsets. */
    public record TensorInfo(String name, DType dtype, long[] shape, long begin, long end) {
        public long elementCount() {
            long n = 1;
            for (long d : shape) n *= d;
            return n;
        }
    }

    // a key given twice in a header is damage, not a choice of the last one
    private static final ObjectMapper JSON = new ObjectMapper().enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    private static final long MAX_HEADER = 100L * 1024 * 1024;

    private final Path file;
    private final FileChannel channel;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;

    private SafeTensors(Path file, FileChannel channel, Map<String, TensorInfo> tensors, Map<String, String> metadata) {
        this.file = file;
        this.channel = channel;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /** Opens a file and validates its header against the file size, without reading any tensor. */
    public static SafeTensors open(Path file) throws ModelLoadException {
        if (!Files.isRegularFile(file)) {
            throw new ModelLoadException(file + " is missing. A model folder needs model.safetensors next to config.json.");
        }
        FileChannel ch = null;
        try {
            ch = FileChannel.open(file, StandardOpenOption.READ);
            long size = ch.size();
            if (size < 8) {
                throw corrupt(file, "it is only " + size + " bytes long, too short for a header");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long headerLen = lenBuf.flip().getLong();
            if (headerLen <= 0 || headerLen > MAX_HEADER) {
                throw corrupt(file, "its header length field reads " + headerLen + " bytes");
            }
            if (8 + headerLen > size) {
                throw truncated(file, "its header needs " + (8 + headerLen) + " bytes but the file has " + size);
            }
            ByteBuffer header = ByteBuffer.allocate((int) headerLen);
            readFully(ch, header, 8);
            JsonNode root;
            try {
                root = JSON.readTree(new String(header.array(), StandardCharsets.UTF_8));
            } catch (JsonProcessingException e) {
                throw corrupt(file, "its JSON header does not parse (" + e.getOriginalMessage() + ")");
            }
            if (root == null || !root.isObject()) {
                throw corrupt(file, "its header is not a JSON object");
            }
            long dataStart = 8 + headerLen;
            Map<String, TensorInfo> tensors = new LinkedHashMap<>();
            Map<String, String> metadata = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equals("__metadata__")) {
                    e.getValue().fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
                    continue;
                }
                tensors.put(e.getKey(), parseEntry(file, e.getKey(), e.getValue(), dataStart, size));
            }
            checkNoOverlap(file, tensors.values());
            return new SafeTensors(file, ch, Collections.unmodifiableMap(tensors), metadata);
        } catch (ModelLoadException e) {
            closeQuietly(ch);
            throw e;
        } catch (IOException e) {
            closeQuietly(ch);
            throw new ModelLoadException("Cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static TensorInfo parseEntry(Path file, String name, JsonNode node, long dataStart, long size)
            throws ModelLoadException {
        String dtypeName = node.path("dtype").asText("");
        DType dtype;
        try {
            dtype = DType.valueOf(dtypeName);
        } catch (IllegalArgumentException e) {
            throw corrupt(file, "tensor " + Texts.cap(name) + " has the unknown dtype '" + Texts.cap(dtypeName) + "'");
        }
        JsonNode shapeNode = node.path("shape");
        JsonNode offs = node.path("data_offsets");
        if (!shapeNode.isArray() || !offs.isArray() || offs.size() != 2) {
            throw corrupt(file, "the header entry for " + Texts.cap(name) + " lacks a shape or data_offsets");
        }
        long[] shape = new long[shapeNode.size()];
        long count = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.isIntegralNumber() || !d.canConvertToLong() || d.asLong() < 0) {
                throw corrupt(file, "tensor " + Texts.cap(name) + " has the shape " + Texts.cap(shapeNode.toString()) + "; dimensions are whole numbers from 0");
            }
            shape[i] = d.asLong();
            try {
                count = Math.multiplyExact(count, shape[i]);
            } catch (ArithmeticException e) {
                throw corrupt(file, "tensor " + Texts.cap(name) + " has the impossible shape " + Texts.cap(shapeNode.toString()));
            }
        }
        for (JsonNode o : offs) {
            if (!o.isIntegralNumber() || !o.canConvertToLong() || o.asLong() < 0 || o.asLong() > Long.MAX_VALUE / 4) {
                throw corrupt(file, "tensor " + Texts.cap(name) + " has data_offsets " + Texts.cap(offs.toString())
                        + "; offsets are whole numbers from 0 to the size of the data");
            }
        }
        long begin = dataStart + offs.get(0).asLong();
        long end = dataStart + offs.get(1).asLong();
        if (end < begin) throw corrupt(file, "tensor " + Texts.cap(name) + " ends before it begins (data_offsets " + offs + ")");
        TensorInfo info = new TensorInfo(name, dtype, shape, begin, end);
        if (end > size) {
            throw truncated(file, "tensor " + Texts.cap(name) + " needs bytes up to " + end + " but the file has only " + size);
        }
        if (count > Long.MAX_VALUE / 8 || end - begin != count * dtype.bytes) {
            throw corrupt(file, "tensor " + Texts.cap(name) + " spans " + (end - begin) + " bytes, but its shape "
                    + Texts.cap(java.util.Arrays.toString(shape)) + " in " + dtype + " needs " + (count > Long.MAX_VALUE / 8 ? "more" : count * dtype.bytes));
        }
        return info;
    }

    /** Two tensors may not share bytes: writing one would change the other, and a damaged header shows this way. */
    private static void checkNoOverlap(Path file, java.util.Collection<TensorInfo> tensors) throws ModelLoadException {
        List<TensorInfo> sorted = new ArrayList<>(tensors);
        sorted.sort(java.util.Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        for (int i = 1; i < sorted.size(); i++) {
            TensorInfo a = sorted.get(i - 1), b = sorted.get(i);
            if (b.begin() < a.end() && b.end() > b.begin()) {
                throw corrupt(file, "tensors " + Texts.cap(a.name()) + " and " + Texts.cap(b.name()) + " overlap (bytes " + b.begin() + " to "
                        + Math.min(a.end(), b.end()) + ")");
            }
        }
    }


    private static ModelLoadException truncated(Path file, String why) {
        return new ModelLoadException(file + " is truncated: " + why
                + ". The download was probably interrupted; download the model again.");
    }

    private static ModelLoadException corrupt(Path file, String why) {
        return new ModelLoadException(file + " is not a valid safetensors file: " + why
                + ". Download the model again, or convert it with Hugging Face's safetensors tools.");
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos + buf.position());
            if (n < 0) throw new IOException("unexpected end of file");
        }
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // nothing to do: the open already failed
            }
        }
    }

    public Path file() {
        return file;
    }

    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    /** Maps one tensor's bytes, little-endian. A tensor over 2 GB cannot be mapped at once and is refused. */
    public ByteBuffer map(TensorInfo info) throws ModelLoadException {
        long len = info.end() - info.begin();
        if (len > Integer.MAX_VALUE) {
            throw new ModelLoadException(file + ": tensor " + info.name() + " is larger than 2 GB in one piece.");
        }
        try {
            return channel.map(FileChannel.MapMode.READ_ONLY, info.begin(), len).order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new ModelLoadException("Cannot map tensor " + info.name() + " of " + file + ": " + e.getMessage(), e);
        }
    }

    /** One tensor's values as F32, e.g. to convert or inspect a checkpoint. */
    public float[] floats(TensorInfo info) throws ModelLoadException {
        if (!info.dtype().readable) {
            throw new ModelLoadException(file + ": tensor " + info.name() + " has dtype " + info.dtype()
                    + "; Circuit Workbench reads weights in F32, F16 and BF16. Convert the weights to one of those.");
        }
        if (info.elementCount() > Integer.MAX_VALUE - 8) {
            throw new ModelLoadException(file + ": tensor " + info.name() + " has " + info.elementCount()
                    + " values, more than one Java array holds.");
        }
        ByteBuffer b = map(info);
        float[] out = new float[(int) info.elementCount()];
        for (int i = 0; i < out.length; i++) {
            out[i] = switch (info.dtype()) {
                case F32 -> b.getFloat();
                case F16 -> Float.float16ToFloat(b.getShort());
                default -> Float.intBitsToFloat((b.getShort() & 0xFFFF) << 16); // BF16
            };
        }
        return out;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    // ---- writing -------------------------------------------------------------------------------

    /** A tensor to write: F32 values, stored as {@code dtype}. */
    public record Tensor(long[] shape, float[] values) {
    }

    /** Writes tensors in name order of the map; values are stored in {@code dtype}. */
    public static void write(Path file, Map<String, Tensor> tensors, DType dtype, Map<String, String> metadata)
            throws IOException {
        if (!dtype.readable) throw new IllegalArgumentException("Weights are written as F32, F16 or BF16, not " + dtype + ".");
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        List<Map.Entry<String, Tensor>> entries = new ArrayList<>(tensors.entrySet());
        for (Map.Entry<String, Tensor> e : entries) {
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", dtype.name());
            var shape = t.putArray("shape");
            for (long d : e.getValue().shape()) shape.add(d);
            long len = (long) e.getValue().values().length * dtype.bytes;
            var offs = t.putArray("data_offsets");
            offs.add(offset);
            offs.add(offset + len);
            offset += len;
        }
        byte[] headerBytes = JSON.writeValueAsBytes(header);
        int pad = (8 - headerBytes.length % 8) % 8;
        try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(headerBytes.length + pad);
            out.write(len.array());
            out.write(headerBytes);
            for (int i = 0; i < pad; i++) out.write(' ');
            ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            for (Map.Entry<String, Tensor> e : entries) {
                for (float v : e.getValue().values()) {
                    if (buf.remaining() < 4) {
                        out.write(buf.array(), 0, buf.position());
                        buf.clear();
                    }
                    switch (dtype) {
                        case F32 -> buf.putFloat(v);
                        case F16 -> buf.putShort(Float.floatToFloat16(v));
                        default -> buf.putShort((short) (Float.floatToRawIntBits(v) + 0x7FFF
                                + ((Float.floatToRawIntBits(v) >>> 16) & 1) >>> 16));
                    }
                }
            }
            out.write(buf.array(), 0, buf.position());
        }
    }
}
