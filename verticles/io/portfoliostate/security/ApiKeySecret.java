package io.portfoliostate.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The text form of an API key: {@code psk_<keyId>_<secret>}, where the key id is public (it
 * names the key in listings, grants and the audit) and the secret is 32 random bytes in
 * base64url. Only the SHA-256 of the whole key is stored.
 *
 * <p>Why a fast hash and not bcrypt or Argon2: those slow down guessing of low-entropy
 * passwords. A key carries 256 random bits, which no amount of guessing reaches, and a slow
 * hash would cost every request tens of milliseconds. The fixed prefix lets a gateway tell a
 * key from a JWT in the same {@code Authorization: Bearer} header, and lets secret scanners
 * find leaked keys.
 */
public final class ApiKeySecret {

  /** Every key starts with this. */
  public static final String PREFIX = "psk_";
  private static final Pattern SHAPE = Pattern.compile("psk_([a-z0-9]{12})_([A-Za-z0-9_-]{43})");
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final char[] ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

  private ApiKeySecret() {
  }

  /** A new key: its public id and the text shown once to its creator. */
  public record NewKey(String keyId, String text) {

    /** What is stored: the hash of the text. */
    public String hash() {
      return ApiKeySecret.hash(text);
    }
  }

  public static NewKey generate() {
    char[] id = new char[12];
    for (int i = 0; i < id.length; i++) {
      id[i] = ID_ALPHABET[RANDOM.nextInt(ID_ALPHABET.length)];
    }
    byte[] secret = new byte[32];
    RANDOM.nextBytes(secret);
    String keyId = new String(id);
    return new NewKey(keyId, PREFIX + keyId + "_" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret));
  }

  /** Whether a bearer credential is meant as an API key (rather than a token). */
  public static boolean looksLikeKey(String credential) {
    return credential != null && credential.startsWith(PREFIX);
  }

  /** The key id of a well-formed key, or empty for anything else. */
  public static Optional<String> keyId(String text) {
    if (text == null) {
      return Optional.empty();
    }
    var matcher = SHAPE.matcher(text);
    return matcher.matches() ? Optional.of(matcher.group(1)) : Optional.empty();
  }

  /** The stored form: lower-case hex SHA-256 of the key's text. */
  public static String hash(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  /** Compares two hashes in time independent of where they differ. */
  public static boolean sameHash(String a, String b) {
    return MessageDigest.isEqual(a.getBytes(StandardCharsets.US_ASCII), b.getBytes(StandardCharsets.US_ASCII));
  }
}
