package io.portfoliostate.persistence;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.Map;

/**
 * Every command id a portfolio has recorded, with the hash of its content and the version it
 * produced. Loaded from the journal with the portfolio, so the check holds across restarts; the
 * journal's unique index on (portfolio, command id) backs it in the database.
 */
public final class IdempotencyIndex {

  /** A recorded command: the hash of its content and the version its event got. */
  public record Entry(long hash, long version) {
  }

  private final Map<String, Entry> entries;

  public IdempotencyIndex(int expectedSize) {
    entries = new HashMap<>(Math.max(16, expectedSize * 4 / 3 + 1));
  }

  /** A 64-bit hash of a command's canonical content (the first 8 bytes of its SHA-256). */
  public static long hash(String fingerprint) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(fingerprint.getBytes(StandardCharsets.UTF_8));
      return ByteBuffer.wrap(digest).getLong();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  public Entry get(String commandId) {
    return entries.get(commandId);
  }

  public void put(String commandId, long hash, long version) {
    entries.put(commandId, new Entry(hash, version));
  }

  public int size() {
    return entries.size();
  }
}
