package io.portfoliostate.persistence;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * The most recent command ids a portfolio recorded, with the hash of their content and the
 * version they produced: a window of {@code capacity} ids, loaded from the journal with the
 * portfolio so that the check holds across restarts. Retries come soon after the original, so
 * the window answers nearly all of them from memory, and memory stays bounded however long a
 * portfolio lives. An id older than the window is caught by the journal's unique index on
 * (portfolio, command id): the write fails, the owner looks the ids up and decides again.
 *
 * <p><b>No object per id.</b> A busy portfolio keeps 10,000 ids, and every command adds one that
 * lives as long as the window: kept as map entries, records and strings (about 150 bytes each),
 * they were most of what every young collection copied to the old generation under load. So the
 * window is a ring of primitive arrays in insertion (journal) order, with an open-addressing
 * table of ring slots to find an id: once the arrays have grown, {@link #put} and {@link #get}
 * allocate nothing (except the {@link Entry} {@code get} answers for an id it finds), and a full
 * window of 10,000 takes 385,536 bytes (10,000 slots of 32 bytes, 16,384 table cells of 4)
 * instead of about 1.42 MB. The price is time: {@code get} and {@code put} each digest the id
 * (about 135 ns; BENCHMARKS.md, "Idempotency window without an object per command").
 *
 * <p><b>An id is kept as a 128-bit digest</b> (the first 16 bytes of the SHA-256 of its
 * characters), not as a string. Two different ids with one digest would make the second look
 * recorded: refused as reused, or answered with the first one's version if their content hashes
 * matched too. The chance is the birthday bound: for the 10,000 ids of one window, about
 * 10,000² / 2¹²⁹ ≈ 1.5 × 10⁻³¹; a new id against a full window, 10,000 / 2¹²⁸ ≈ 3 × 10⁻³⁵,
 * i.e. none in 10²⁰ commands; and SHA-256 leaves no way to make a pair on purpose. The ids
 * themselves stay in the journal, whose unique index on (portfolio, command id) remains the
 * authority for every id outside the window. Nothing reads an id back out of the window (an
 * owner looks up in the journal the ids of its batch, which it has as strings), so digests lose
 * nothing the product uses.
 *
 * <p>Not thread-safe: an owner changes it on its event loop only (a batch decided on a worker
 * only reads it while the portfolio is writing, when nothing changes it).
 */
public final class IdempotencyIndex {

  /** A recorded command: the hash of its content and the version its event got. */
  public record Entry(long hash, long version) {
  }

  /** The ring a new index starts with; it doubles as ids come, up to the capacity. */
  private static final int FIRST_SLOTS = 16;
  /** A table cell holding no slot. Cells hold a ring slot + 1. */
  private static final int EMPTY = 0;
  /**
   * Mixed into the table position so that where an id lands cannot be chosen from outside: with
   * the digest's bits alone, ids found by trying a few thousand would all land in one run of the
   * table and make every lookup walk the window.
   */
  private static final long POSITION_SEED = new SecureRandom().nextLong();
  private static final VarHandle LONG_AT = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

  private final int capacity;
  // The ring: slot i holds one id's digest (two longs), content hash and version. It grows by
  // doubling up to the capacity, so that a portfolio with a few commands does not pay 320 KB
  // for a window it never fills; until it is full it does not wrap, so growing is a copy.
  private long[] digestHigh = new long[0];
  private long[] digestLow = new long[0];
  private long[] contentHashes = new long[0];
  private long[] versions = new long[0];
  /** The ring slot of the oldest id: where the next id goes once the window is full. */
  private int oldest;
  private int size;
  // Linear probing over a power-of-two table, at most two-thirds full; deletion shifts the run
  // after the removed cell back (no tombstones, so no rebuilds and lookups stay short).
  private int[] table = new int[0];
  private int tableShift;

  /** An index that keeps the {@code capacity} most recently put ids (none if it is not positive). */
  public IdempotencyIndex(int capacity) {
    this.capacity = Math.max(capacity, 0);
  }

  private static final ThreadLocal<MessageDigest> SHA_256 = ThreadLocal.withInitial(IdempotencyIndex::sha256);

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  /** A 64-bit hash of a command's canonical content (the first 8 bytes of its SHA-256). */
  public static long hash(String fingerprint) {
    byte[] digest = SHA_256.get().digest(fingerprint.getBytes(StandardCharsets.UTF_8));
    return ByteBuffer.wrap(digest).getLong();
  }

  public Entry get(String commandId) {
    if (size == 0) {
      return null;
    }
    IdDigest id = IdDigest.of(commandId);
    int slot = slotOf(id.high, id.low);
    return slot < 0 ? null : new Entry(contentHashes[slot], versions[slot]);
  }

  /**
   * Records {@code commandId}. An id the window holds already keeps its place (its content hash
   * and version are replaced), as a map in insertion order does; a new one is the newest, and
   * pushes the oldest out of a full window.
   */
  public void put(String commandId, long hash, long version) {
    if (capacity == 0) {
      return;
    }
    IdDigest id = IdDigest.of(commandId);
    int slot = size == 0 ? -1 : slotOf(id.high, id.low);
    if (slot < 0) {
      if (size == capacity) {
        slot = oldest;
        removeFromTable(slot);
        oldest = oldest + 1 == capacity ? 0 : oldest + 1;
        size--;
      } else {
        if (size == digestHigh.length) {
          grow();
        }
        slot = size;
      }
      digestHigh[slot] = id.high;
      digestLow[slot] = id.low;
      addToTable(slot);
      size++;
    }
    contentHashes[slot] = hash;
    versions[slot] = version;
  }

  public int size() {
    return size;
  }

  /** The bytes this index's arrays take (headers aside): what a portfolio's window costs. */
  public long retainedBytes() {
    return 4L * Long.BYTES * digestHigh.length + (long) Integer.BYTES * table.length;
  }

  /** The ring slot holding the digest, or -1. */
  private int slotOf(long high, long low) {
    int mask = table.length - 1;
    for (int cell = position(low); ; cell = (cell + 1) & mask) {
      int slot = table[cell] - 1;
      if (slot < 0) {
        return -1;
      }
      if (digestLow[slot] == low && digestHigh[slot] == high) {
        return slot;
      }
    }
  }

  /** Where the probe for a digest starts: the top bits of a multiplicative mix. */
  private int position(long low) {
    return (int) (((low ^ POSITION_SEED) * 0x9E3779B97F4A7C15L) >>> tableShift);
  }

  private void addToTable(int slot) {
    int mask = table.length - 1;
    int cell = position(digestLow[slot]);
    while (table[cell] != EMPTY) {
      cell = (cell + 1) & mask;
    }
    table[cell] = slot + 1;
  }

  /**
   * Takes the slot's cell out of the table and moves back every later cell of its run whose
   * probe started at or before the hole, so that no lookup stops early at the hole.
   */
  private void removeFromTable(int slot) {
    int mask = table.length - 1;
    int hole = position(digestLow[slot]);
    while (table[hole] != slot + 1) {
      hole = (hole + 1) & mask;
    }
    for (int cell = (hole + 1) & mask; table[cell] != EMPTY; cell = (cell + 1) & mask) {
      int home = position(digestLow[table[cell] - 1]);
      // The cell may move to the hole unless its home lies in (hole, cell], cyclically.
      boolean homeAfterHole = hole <= cell ? hole < home && home <= cell : hole < home || home <= cell;
      if (!homeAfterHole) {
        table[hole] = table[cell];
        hole = cell;
      }
    }
    table[hole] = EMPTY;
  }

  /** Doubles the ring (up to the capacity) and sizes the table to it; the ring has not wrapped. */
  private void grow() {
    int slots = (int) Math.min(capacity, Math.max(FIRST_SLOTS, 2L * digestHigh.length));
    digestHigh = Arrays.copyOf(digestHigh, slots);
    digestLow = Arrays.copyOf(digestLow, slots);
    contentHashes = Arrays.copyOf(contentHashes, slots);
    versions = Arrays.copyOf(versions, slots);
    // The smallest power of two at least 1.5 times the slots: at most two-thirds full.
    int cells = Integer.highestOneBit(Math.max(2, slots + (slots + 1) / 2) - 1) << 1;
    table = new int[cells];
    tableShift = Long.SIZE - Integer.numberOfTrailingZeros(cells);
    for (int slot = 0; slot < size; slot++) {
      addToTable(slot);
    }
  }

  /**
   * The 128-bit digest of an id, computed into this thread's buffers so that it allocates
   * nothing. The characters are encoded one by one as modified UTF-8 (a surrogate as 3 bytes of
   * its own), which unlike {@link String#getBytes} keeps two ids with different lone surrogates
   * apart.
   */
  private static final class IdDigest {
    private static final ThreadLocal<IdDigest> OF_THREAD = ThreadLocal.withInitial(IdDigest::new);

    private final MessageDigest sha256 = sha256();
    private final byte[] out = new byte[32];
    private byte[] text = new byte[128];
    long high;
    long low;

    /** This thread's digest of {@code id}, valid until its next call. */
    static IdDigest of(String id) {
      IdDigest digest = OF_THREAD.get();
      digest.compute(id);
      return digest;
    }

    private void compute(String id) {
      int length = id.length();
      if (text.length < 3 * length) {
        text = new byte[3 * length];
      }
      int at = 0;
      for (int i = 0; i < length; i++) {
        char c = id.charAt(i);
        if (c < 0x80) {
          text[at++] = (byte) c;
        } else if (c < 0x800) {
          text[at++] = (byte) (0xC0 | c >> 6);
          text[at++] = (byte) (0x80 | c & 0x3F);
        } else {
          text[at++] = (byte) (0xE0 | c >> 12);
          text[at++] = (byte) (0x80 | c >> 6 & 0x3F);
          text[at++] = (byte) (0x80 | c & 0x3F);
        }
      }
      sha256.update(text, 0, at);
      try {
        sha256.digest(out, 0, out.length);
      } catch (DigestException e) {
        throw new IllegalStateException("a 32-byte buffer holds a SHA-256", e);
      }
      high = (long) LONG_AT.get(out, 0);
      low = (long) LONG_AT.get(out, 8);
    }
  }
}
