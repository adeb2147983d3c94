package io.portfoliostate.persistence;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The most recent command ids a portfolio recorded, with the hash of their content and the
 * version they produced: a window of {@code capacity} ids, loaded from the journal with the
 * portfolio so that the check holds across restarts. Retries come soon after the original, so
 * the window answers nearly all of them from memory, and memory stays bounded however long a
 * portfolio lives. An id older than the window is caught by the journal's unique index on
 * (portfolio, command id): the write fails, the owner looks the ids up and decides again.
 */
public final class IdempotencyIndex {

  /** A recorded command: the hash of its content and the version its event got. */
  public record Entry(long hash, long version) {
  }

  private final Map<String, Entry> entries;

  /** An index that keeps the {@code capacity} most recently put ids. */
  public IdempotencyIndex(int capacity) {
    // Insertion order is journal order: the eldest entry is the oldest command.
    entries = new LinkedHashMap<>(16, 0.75f, false) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
        return size() > capacity;
      }
    };
  }

  private static final ThreadLocal<MessageDigest> SHA_256 = ThreadLocal.withInitial(() -> {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  });

  /** A 64-bit hash of a command's canonical content (the first 8 bytes of its SHA-256). */
  public static long hash(String fingerprint) {
    byte[] digest = SHA_256.get().digest(fingerprint.getBytes(StandardCharsets.UTF_8));
    return ByteBuffer.wrap(digest).getLong();
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
