package io.portfoliostate.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A provider that stops answering while a token names a key we do not know: the fetch of its keys
 * ends at the deadline, the token is refused, and the next token with that key fetches again and is
 * taken once the provider answers. Without the deadline, a fetch that never ends stayed the shared
 * refresh, and every later token with a new key waited on it for good.
 *
 * <p>The provider is a Vert.x HTTP server on loopback serving a discovery document and a JWKS,
 * because the test must hold an answer back, which mock-oauth2-server cannot.
 */
class OidcKeyFetchDeadlineTest {

  private static final String AUDIENCE = "portfolio-state";
  private static final long DEADLINE_MS = 3_000;

  private final AtomicBoolean stalled = new AtomicBoolean();
  private final AtomicInteger jwksRequests = new AtomicInteger();
  private volatile RSAKey published;
  private Vertx vertx;
  private HttpServer provider;
  private String issuer;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    published = key("key-1");
    provider = await(vertx.createHttpServer().requestHandler(request -> {
      if (request.path().endsWith("/.well-known/openid-configuration")) {
        request.response().putHeader("Content-Type", "application/json")
            .end(new JsonObject().put("issuer", issuer).put("jwks_uri", issuer + "/jwks").encode());
      } else if (request.path().endsWith("/jwks")) {
        jwksRequests.incrementAndGet();
        if (!stalled.get()) {
          request.response().putHeader("Content-Type", "application/json")
              .end(new JWKSet(published.toPublicJWK()).toString());
        } // else: never answered, as a provider that hangs
      } else {
        request.response().setStatusCode(404).end();
      }
    }).listen(0, "127.0.0.1"));
    issuer = "http://127.0.0.1:" + provider.actualPort() + "/corp";
  }

  @AfterEach
  void stop() throws Exception {
    await(vertx.close());
  }

  @Test
  void aProviderThatHangsDelaysATokenOnlyUntilTheDeadline() throws Exception {
    OidcTokenVerifier verifier = await(OidcTokenVerifier.discover(vertx,
        new OidcTokenVerifier.Options(issuer, AUDIENCE, 30, "roles", "groups", 0, DEADLINE_MS)));
    try {
      assertThat(await(verifier.verify(token(published, "alice"))).subject()).isEqualTo("alice");

      published = key("key-2");
      stalled.set(true);
      String rotated = token(published, "bob");
      long started = System.nanoTime();
      Throwable failure = verifier.verify(rotated).toCompletionStage().toCompletableFuture()
          .handle((principal, error) -> error).get(20, TimeUnit.SECONDS);
      long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

      assertThat(failure).as("refused while the provider hangs").isInstanceOf(AuthenticationFailure.class);
      assertThat(tookMs).as("refused at the fetch's deadline, not at the connection's idle timeout")
          .isBetween(DEADLINE_MS - 50, 9_500L);
      assertThat(jwksRequests.get()).as("discovery's fetch and the hung one").isEqualTo(2);

      stalled.set(false);
      // The next token with the new key fetches again. A loaded machine (the whole suite) once let
      // that fetch, too, reach its deadline, so a client's retry is allowed; a refresh stuck on
      // the hung fetch, as before the deadline, would refuse every one of them.
      Principal fetched = null;
      for (int attempt = 0; attempt < 5 && fetched == null; attempt++) {
        fetched = verifier.verify(rotated).toCompletionStage().toCompletableFuture()
            .handle((principal, error) -> principal).get(20, TimeUnit.SECONDS);
      }
      assertThat(fetched).as("fetched again once it answers").isNotNull();
      assertThat(fetched.subject()).isEqualTo("bob");
      assertThat(jwksRequests.get()).isGreaterThanOrEqualTo(3);
    } finally {
      verifier.close();
    }
  }

  @Test
  void discoveryFailsAtTheDeadlineWhenTheProviderHangs() throws Exception {
    stalled.set(true);
    long started = System.nanoTime();
    Throwable failure = OidcTokenVerifier.discover(vertx,
            new OidcTokenVerifier.Options(issuer, AUDIENCE, 30, "roles", "groups", 0, DEADLINE_MS))
        .toCompletionStage().toCompletableFuture().handle((verifier, error) -> error).get(20, TimeUnit.SECONDS);

    assertThat(failure).as("a node does not start on keys it could not read").isNotNull();
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isLessThan(9_500L);
  }

  private static RSAKey key(String id) throws JOSEException {
    return new RSAKeyGenerator(2048).keyID(id).algorithm(JWSAlgorithm.RS256).generate();
  }

  private String token(RSAKey key, String subject) throws JOSEException {
    JWTClaimsSet claims = new JWTClaimsSet.Builder().subject(subject).issuer(issuer).audience(AUDIENCE)
        .issueTime(Date.from(Instant.now().minusSeconds(60))).expirationTime(Date.from(Instant.now().plusSeconds(600)))
        .build();
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(), claims);
    jwt.sign(new RSASSASigner(key));
    return jwt.serialize();
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }
}
