package io.densemesh.registry.journal;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import io.densemesh.api.registry.JournalEntry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Consumer;
import java.util.zip.CRC32C;

/**
 * The journal's bytes. A file starts with the 4-byte magic {@code DMJ1}; each entry follows as
 * <pre>
 *   int32 length | int32 CRC32C(length) | int32 CRC32C(payload) | payload (a JournalEntry)
 * </pre>
 * big-endian. The length has its own checksum so damage to it cannot pass for a torn tail by
 * pointing past the end of the file.
 *
 * <p>Replay reads entries until the first one that does not check out. What follows decides: if
 * a valid entry can still be found after it, the damage is in the middle and hides acknowledged
 * entries, so replay throws {@link JournalDamagedException}; if nothing valid follows and the rest
 * is no longer than one entry, it is the torn last write of a crash (never acknowledged) and
 * replay reports where the valid part ends, for the caller to truncate. Pure over a buffer, so it
 * is unit-tested and fuzzed without a file.
 *
 * <p>A file without the magic is a journal of the first format (varint-delimited entries without
 * checksums); it is read as before and rewritten in this format by the next compaction.
 */
public final class JournalFormat {

  static final byte[] MAGIC = {'D', 'M', 'J', '1'};
  static final int HEADER_BYTES = 12;
  /** protobuf's default message limit; a registry record is a few hundred bytes. */
  static final int MAX_ENTRY_BYTES = 64 << 20;

  private JournalFormat() {}

  /** What replay found. */
  public record Replay(int entries, long validEnd, long tornBytes, boolean legacy) {}

  /** The file's first bytes. */
  static ByteBuffer fileHeader() {
    return ByteBuffer.wrap(MAGIC.clone());
  }

  /** One entry, ready to write. */
  public static ByteBuffer encode(JournalEntry entry) {
    byte[] payload = entry.toByteArray();
    ByteBuffer buf = ByteBuffer.allocate(HEADER_BYTES + payload.length);
    buf.putInt(payload.length).putInt(lengthCrc(payload.length)).putInt(crc(payload, 0,
        payload.length));
    buf.put(payload).flip();
    return buf;
  }

  /**
   * Feeds every valid entry of {@code file} (position 0 to limit) to {@code sink}, in order.
   *
   * @throws JournalDamagedException when damage precedes valid entries
   */
  public static Replay read(ByteBuffer file, Path name, Consumer<JournalEntry> sink) {
    ByteBuffer buf = file.duplicate();
    int size = buf.limit();
    if (size == 0) {
      return new Replay(0, 0, 0, false);
    }
    if (size < MAGIC.length || !hasMagic(buf)) {
      if (size < MAGIC.length && Arrays.equals(Arrays.copyOf(MAGIC, size), bytes(buf, 0, size))) {
        return new Replay(0, 0, size, false); // the header itself was torn
      }
      return readLegacy(buf, sink);
    }
    int offset = MAGIC.length;
    int entries = 0;
    while (offset < size) {
      Entry entry = entryAt(buf, offset);
      if (entry.problem != null) {
        if (validEntryAfter(buf, offset + 1) >= 0 || size - offset > HEADER_BYTES
            + MAX_ENTRY_BYTES) {
          throw JournalDamagedException.at(name, offset, entries, entry.problem);
        }
        return new Replay(entries, offset, size - offset, false);
      }
      JournalEntry parsed;
      try {
        parsed = JournalEntry.parseFrom(buf.duplicate().position(offset + HEADER_BYTES)
            .limit(entry.end));
      } catch (InvalidProtocolBufferException e) {
        // the checksum holds, so these bytes were written like this: not a torn write
        throw JournalDamagedException.at(name, offset, entries,
            "the entry's checksum holds but it is not a registry record (" + e.getMessage() + ")");
      }
      sink.accept(parsed);
      entries++;
      offset = entry.end;
    }
    return new Replay(entries, size, 0, false);
  }

  private record Entry(int end, String problem) {}

  private static Entry entryAt(ByteBuffer buf, int offset) {
    int size = buf.limit();
    if (size - offset < HEADER_BYTES) {
      return new Entry(-1, "the file ends inside an entry header");
    }
    int length = buf.getInt(offset);
    if (buf.getInt(offset + 4) != lengthCrc(length)) {
      return new Entry(-1, "the entry header's checksum does not match");
    }
    if (length < 0 || length > MAX_ENTRY_BYTES) {
      return new Entry(-1, "the entry length " + length + " is out of range");
    }
    if (length > size - offset - HEADER_BYTES) {
      return new Entry(-1, "the file ends inside an entry of " + length + " bytes");
    }
    int start = offset + HEADER_BYTES;
    if (buf.getInt(offset + 8) != crc(buf, start, length)) {
      return new Entry(-1, "the entry's payload checksum does not match");
    }
    return new Entry(start + length, null);
  }

  /** The offset of the first entry at or after {@code from} that checks out, or -1. */
  private static int validEntryAfter(ByteBuffer buf, int from) {
    for (int o = from; o <= buf.limit() - HEADER_BYTES; o++) {
      int length = buf.getInt(o);
      if (buf.getInt(o + 4) == lengthCrc(length) && entryAt(buf, o).problem == null) {
        return o;
      }
    }
    return -1;
  }

  private static Replay readLegacy(ByteBuffer buf, Consumer<JournalEntry> sink) {
    CodedInputStream in = CodedInputStream.newInstance(buf.duplicate());
    int entries = 0;
    int validEnd = 0;
    try {
      while (!in.isAtEnd()) {
        int length = in.readRawVarint32();
        if (length < 0 || length > MAX_ENTRY_BYTES) {
          break;
        }
        int limit = in.pushLimit(length);
        JournalEntry entry = JournalEntry.parseFrom(in);
        if (in.getBytesUntilLimit() != 0) {
          break;
        }
        in.popLimit(limit);
        sink.accept(entry);
        entries++;
        validEnd = in.getTotalBytesRead();
      }
    } catch (IOException | RuntimeException torn) {
      // the first format has no checksums: a bad entry ends the replay, as it always did
    }
    return new Replay(entries, validEnd, buf.limit() - validEnd, true);
  }

  private static boolean hasMagic(ByteBuffer buf) {
    return Arrays.equals(bytes(buf, 0, MAGIC.length), MAGIC);
  }

  private static byte[] bytes(ByteBuffer buf, int from, int length) {
    byte[] out = new byte[length];
    buf.get(from, out);
    return out;
  }

  static int lengthCrc(int length) {
    CRC32C c = new CRC32C();
    c.update(length >>> 24);
    c.update(length >>> 16);
    c.update(length >>> 8);
    c.update(length);
    return (int) c.getValue();
  }

  private static int crc(byte[] bytes, int from, int length) {
    CRC32C c = new CRC32C();
    c.update(bytes, from, length);
    return (int) c.getValue();
  }

  private static int crc(ByteBuffer buf, int from, int length) {
    CRC32C c = new CRC32C();
    c.update(buf.duplicate().position(from).limit(from + length));
    return (int) c.getValue();
  }
}
