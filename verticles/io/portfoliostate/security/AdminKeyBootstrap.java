package io.portfoliostate.security;

import io.portfoliostate.persistence.SecurityStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first way in to a service nobody can use yet: an admin API key kept in a file.
 *
 * <ul>
 *   <li>When the file exists, its key is the admin key: registered (as a hash) if the database
 *       does not know it yet — a fresh database, or a key an operator provisioned from a secret
 *       store — and left alone if it was revoked (a revoked key is never brought back).</li>
 *   <li>When it does not exist and no identity provider is configured, a new key is made,
 *       written to the file (mode 0600, created exclusively) and printed once in the log.</li>
 *   <li>With an identity provider and no file, nothing is made: admins come from the provider.</li>
 * </ul>
 * The file is written before the key is stored: a crash between the two leaves a file whose
 * key the next start registers, never a stored key nobody has.
 */
public final class AdminKeyBootstrap {

  /** The {@code created_by} of a key made or registered here: rate limits leave it alone unless told. */
  public static final String CREATED_BY = "bootstrap";
  private static final Logger LOG = LoggerFactory.getLogger(AdminKeyBootstrap.class);
  private static final SecurityStore.Actor ACTOR = new SecurityStore.Actor(CREATED_BY, null);

  private AdminKeyBootstrap() {
  }

  /**
   * @return the admin key's id, or null when none was needed
   */
  public static Future<String> run(Vertx vertx, SecurityStore store, Path file, boolean identityProvider) {
    return vertx.executeBlocking(() -> Files.isRegularFile(file) ? Files.readString(file, StandardCharsets.UTF_8).strip()
            : null)
        .compose(text -> {
          if (text != null) {
            return register(store, file, text);
          }
          if (identityProvider) {
            LOG.info("No admin key file at {}: admins are named by the identity provider's role claim", file);
            return Future.succeededFuture(null);
          }
          return create(vertx, store, file);
        });
  }

  private static Future<String> register(SecurityStore store, Path file, String text) {
    String keyId = ApiKeySecret.keyId(text).orElse(null);
    if (keyId == null) {
      return Future.failedFuture(new IllegalStateException("the admin key file " + file
          + " does not hold an API key (psk_<12 characters>_<43 characters>)"));
    }
    ApiKeySecret.NewKey key = new ApiKeySecret.NewKey(keyId, text);
    return store.key(keyId).compose(found -> {
      if (found.isEmpty()) {
        LOG.info("Registered the admin key {} from {}", keyId, file);
        return store.createKey(key, "bootstrap admin", "operator", Set.of(GlobalRole.ADMIN), null, ACTOR)
            .map(stored -> keyId);
      }
      if (!found.get().getValue().equals(key.hash())) {
        return Future.failedFuture(new IllegalStateException("the admin key file " + file + " names key " + keyId
            + ", which the database holds with another secret"));
      }
      if (found.get().getKey().revokedAt() != null) {
        LOG.warn("The admin key {} in {} was revoked at {}: it is not usable; remove the file to make a new one",
            keyId, file, found.get().getKey().revokedAt());
      }
      return Future.succeededFuture(keyId);
    });
  }

  private static Future<String> create(Vertx vertx, SecurityStore store, Path file) {
    ApiKeySecret.NewKey key = ApiKeySecret.generate();
    return vertx.executeBlocking(() -> {
      write(file, key.text());
      return null;
    }).compose(v -> store.createKey(key, "bootstrap admin", "operator", Set.of(GlobalRole.ADMIN), null, ACTOR))
        .map(stored -> {
          LOG.warn("Created the admin API key {} (shown once here, and kept in {} with mode 0600):\n\n    {}\n\n"
              + "Send it as 'Authorization: Bearer <key>'. Create keys for services and people over "
              + "/api/v1/api-keys, and keep this one for administration.", key.keyId(), file, key.text());
          return key.keyId();
        });
  }

  private static void write(Path file, String text) {
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      try {
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      } catch (UnsupportedOperationException notPosix) {
        Files.createFile(file);
      }
      Files.writeString(file, text + "\n", StandardCharsets.UTF_8, StandardOpenOption.WRITE);
    } catch (FileAlreadyExistsException raced) {
      throw new IllegalStateException("the admin key file " + file + " appeared while this node was starting; "
          + "start again", raced);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the admin key file " + file, e);
    }
  }
}
