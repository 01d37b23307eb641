package org.mcm.example.file;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One frame in a file: a 24-byte header, then the payload. Header (little endian): magic {@code "MCMF"}, payload
 * length (u32), media timestamp (u64), sequence number (u64).
 */
final class RecordFormat {

    static final int MAGIC = 0x464D434D; // "MCMF" read little endian
    static final int HEADER = 24;

    private RecordFormat() {
    }

    static void writeHeader(ByteBuffer h, int length, long timestamp, long sequence) {
        h.clear().order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(MAGIC).putInt(length).putLong(timestamp).putLong(sequence).flip();
    }

    /** Payload length of the header in {@code h} (24 bytes, position 0), or -1 when it is not a record header. */
    static long length(ByteBuffer h) {
        h.order(ByteOrder.LITTLE_ENDIAN);
        if (h.getInt(0) != MAGIC) {
            return -1;
        }
        return Integer.toUnsignedLong(h.getInt(4));
    }

    static long timestamp(ByteBuffer h) {
        return h.order(ByteOrder.LITTLE_ENDIAN).getLong(8);
    }

    static long sequence(ByteBuffer h) {
        return h.order(ByteOrder.LITTLE_ENDIAN).getLong(16);
    }
}
