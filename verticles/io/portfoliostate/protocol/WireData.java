package io.portfoliostate.protocol;

import io.vertx.core.buffer.Buffer;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * The field forms of the binary messages between nodes ({@link OwnerWire}): written to a buffer,
 * read back with a cursor. A string is its UTF-8 length (4 bytes; -1 for null) and bytes. A
 * decimal is exact, its scale kept: a tag (null, a long, a big integer), the scale (4) and the
 * unscaled value (8, or the length and the two's-complement bytes), so that nothing is rounded,
 * printed or parsed on the way. An instant is a presence byte, the epoch seconds (8) and nanos (4).
 */
final class WireData {

  private static final byte NULL = 0;
  private static final byte LONG = 1;
  private static final byte BIG = 2;

  private WireData() {
  }

  static void string(Buffer out, String value) {
    if (value == null) {
      out.appendInt(-1);
      return;
    }
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    out.appendInt(bytes.length).appendBytes(bytes);
  }

  static void decimal(Buffer out, BigDecimal value) {
    if (value == null) {
      out.appendByte(NULL);
      return;
    }
    BigInteger unscaled = value.unscaledValue();
    if (unscaled.bitLength() < 64) {
      out.appendByte(LONG).appendInt(value.scale()).appendLong(unscaled.longValue());
    } else {
      byte[] bytes = unscaled.toByteArray();
      out.appendByte(BIG).appendInt(value.scale()).appendInt(bytes.length).appendBytes(bytes);
    }
  }

  static void instant(Buffer out, Instant value) {
    if (value == null) {
      out.appendByte(NULL);
      return;
    }
    out.appendByte(LONG).appendLong(value.getEpochSecond()).appendInt(value.getNano());
  }

  static void nullableLong(Buffer out, Long value) {
    if (value == null) {
      out.appendByte(NULL);
    } else {
      out.appendByte(LONG).appendLong(value);
    }
  }

  static void bool(Buffer out, boolean value) {
    out.appendByte(value ? (byte) 1 : (byte) 0);
  }

  /** A cursor over a buffer; every read checks the tag it expects, so a misread fails at once. */
  static final class Reader {
    private final Buffer buffer;
    private int pos;
    /** The bytes of the string being read; one array for the message, grown to its longest string. */
    private byte[] scratch = new byte[64];

    Reader(Buffer buffer, int pos) {
      this.buffer = buffer;
      this.pos = pos;
    }

    byte byteValue() {
      return buffer.getByte(pos++);
    }

    /** Moves the cursor, to the end of a length-prefixed part (from {@link #position}). */
    void moveTo(int position) {
      pos = position;
    }

    boolean bool() {
      byte value = byteValue();
      if (value != 0 && value != 1) {
        throw new IllegalStateException("a boolean of " + value + " at " + (pos - 1));
      }
      return value == 1;
    }

    int intValue() {
      int value = buffer.getInt(pos);
      pos += 4;
      return value;
    }

    long longValue() {
      long value = buffer.getLong(pos);
      pos += 8;
      return value;
    }

    /** A count of items, each at least one byte: a count the rest of the buffer cannot hold is a misread. */
    int count() {
      int count = intValue();
      if (count < 0 || count > buffer.length() - pos) {
        throw new IllegalStateException("a count of " + count + " at " + (pos - 4));
      }
      return count;
    }

    String string() {
      int length = intValue();
      if (length < 0) {
        return null;
      }
      if (length > buffer.length() - pos) {
        throw new IllegalStateException("a string of " + length + " bytes at " + (pos - 4));
      }
      // Through the reader's scratch array: Buffer.getString copies the bytes into an array of
      // their own, then into the string, and looks its charset up by name, on every string.
      if (scratch.length < length) {
        scratch = new byte[Math.max(length, scratch.length * 2)];
      }
      buffer.getBytes(pos, pos + length, scratch, 0);
      pos += length;
      return new String(scratch, 0, length, StandardCharsets.UTF_8);
    }

    BigDecimal decimal() {
      byte tag = byteValue();
      if (tag == NULL) {
        return null;
      }
      int scale = intValue();
      if (tag == LONG) {
        return BigDecimal.valueOf(longValue(), scale);
      }
      if (tag != BIG) {
        throw new IllegalStateException("a decimal tagged " + tag + " at " + (pos - 5));
      }
      int length = count();
      byte[] bytes = buffer.getBytes(pos, pos + length);
      pos += length;
      return new BigDecimal(new BigInteger(bytes), scale);
    }

    Instant instant() {
      byte tag = byteValue();
      if (tag == NULL) {
        return null;
      }
      if (tag != LONG) {
        throw new IllegalStateException("an instant tagged " + tag + " at " + (pos - 1));
      }
      long seconds = longValue();
      return Instant.ofEpochSecond(seconds, intValue());
    }

    Long nullableLong() {
      byte tag = byteValue();
      if (tag == NULL) {
        return null;
      }
      if (tag != LONG) {
        throw new IllegalStateException("a number tagged " + tag + " at " + (pos - 1));
      }
      return longValue();
    }

    /** Where the cursor is: a message that ends before its buffer does was misread. */
    int position() {
      return pos;
    }
  }
}
