package io.portfoliostate.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.OAuth2Config;
import no.nav.security.mock.oauth2.http.MockWebServerWrapper;
import no.nav.security.mock.oauth2.token.KeyProvider;
import no.nav.security.mock.oauth2.token.OAuth2TokenProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Access tokens against a real OpenID Connect provider (mock-oauth2-server, in-process, on
 * loopback): discovery, JWKS, signed tokens. Every way a token can be wrong is refused with a
 * reason; a rotated signing key is picked up by fetching the JWKS again.
 */
class OidcTokenVerifierTest {

  private static final String AUDIENCE = "portfolio-state";
  private static final RotatingKeys KEYS = new RotatingKeys();
  private static MockOAuth2Server provider;
  private static Vertx vertx;
  private static OidcTokenVerifier verifier;
  private static String issuer;

  /** The provider's signing keys, which a test can rotate as a provider does. */
  static final class RotatingKeys extends KeyProvider {
    private volatile RSAKey current = newKey("key-1");

    static RSAKey newKey(String id) {
      try {
        return new RSAKeyGenerator(2048).keyID(id).algorithm(JWSAlgorithm.RS256).generate();
      } catch (JOSEException e) {
        throw new IllegalStateException(e);
      }
    }

    @Override
    public JWK signingKey(String issuerId) {
      return current;
    }

    void rotate(String id) {
      current = newKey(id);
    }
  }

  @BeforeAll
  static void start() throws Exception {
    provider = new MockOAuth2Server(new OAuth2Config(false, null, null, false,
        new OAuth2TokenProvider(KEYS), Set.of(), new MockWebServerWrapper(null)));
    provider.start(InetAddress.getLoopbackAddress(), 0);
    issuer = provider.issuerUrl("corp").toString();
    vertx = Vertx.vertx();
    verifier = await(OidcTokenVerifier.discover(vertx,
        new OidcTokenVerifier.Options(issuer, AUDIENCE, 30, "roles", "groups", 0)));
  }

  @AfterAll
  static void stop() throws Exception {
    verifier.close();
    await(vertx.close());
    provider.shutdown();
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  private static String token(String issuerId, String subject, String audience, Map<String, Object> claims) {
    return provider.issueToken(issuerId, subject, audience, claims, 3600).serialize();
  }

  private static String refusal(String token) throws Exception {
    Throwable failure = verifier.verify(token).toCompletionStage().toCompletableFuture()
        .handle((principal, error) -> error).get(20, TimeUnit.SECONDS);
    assertThat(failure).as("a refusal").isNotNull();
    Throwable cause = failure.getCause() != null && !(failure instanceof AuthenticationFailure) ? failure.getCause()
        : failure;
    assertThat(cause).isInstanceOf(AuthenticationFailure.class);
    return cause.getMessage();
  }

  @Test
  void aValidTokenNamesItsSubjectRolesAndGroups() throws Exception {
    Principal principal = await(verifier.verify(token("corp", "alice", AUDIENCE,
        Map.of("roles", List.of("operations", "no-such-role"), "groups", List.of("risk-desk", "ops")))));

    assertThat(principal.subject()).isEqualTo("alice");
    assertThat(principal.kind()).isEqualTo(Principal.Kind.TOKEN);
    assertThat(principal.roles()).containsExactly(GlobalRole.OPERATIONS);
    assertThat(principal.groups()).containsExactlyInAnyOrder("risk-desk", "ops");
  }

  @Test
  void tokensOfAnotherIssuerOrAudienceAreRefused() throws Exception {
    assertThat(refusal(token("elsewhere", "alice", AUDIENCE, Map.of()))).contains("another issuer");
    assertThat(refusal(token("corp", "alice", "some-other-service", Map.of()))).contains("audience");
  }

  @Test
  void malformedUnsignedAndTamperedTokensAreRefused() throws Exception {
    assertThat(refusal("not-a-token")).isNotBlank();
    assertThat(refusal("a.b.c")).isNotBlank();

    String valid = token("corp", "alice", AUDIENCE, Map.of());
    String[] parts = valid.split("\\.");
    String header = b64("{\"alg\":\"none\",\"typ\":\"JWT\"}");
    assertThat(refusal(header + "." + parts[1] + ".")).isNotBlank();
    assertThat(refusal(header + "." + parts[1])).isNotBlank();

    // The payload changed under a valid signature: the signature no longer matches.
    String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
        .replace("\"alice\"", "\"mallory\"");
    assertThat(refusal(parts[0] + "." + b64(payload) + "." + parts[2])).contains("could not be verified");

    // Signed by a key the issuer does not publish, under a key id it does publish.
    RSAKey stranger = RotatingKeys.newKey(KEYS.current.getKeyID());
    assertThat(refusal(sign(stranger, claims("alice", Instant.now().plusSeconds(600))))).contains("could not be verified");
  }

  @Test
  void expiryIsCheckedWithTheConfiguredSkew() throws Exception {
    Instant now = Instant.now();
    assertThat(await(verifier.verify(sign(KEYS.current, claims("alice", now.minusSeconds(10))))).subject())
        .as("10 s past expiry is inside the 30 s skew").isEqualTo("alice");
    assertThat(refusal(sign(KEYS.current, claims("alice", now.minusSeconds(120))))).contains("expired");
    assertThat(refusal(sign(KEYS.current, claims("alice", null)))).contains("no expiry");
  }

  @Test
  void aRotatedKeyIsFetchedWhenATokenNamesIt() throws Exception {
    String before = token("corp", "alice", AUDIENCE, Map.of());
    assertThat(await(verifier.verify(before)).subject()).isEqualTo("alice");

    KEYS.rotate("key-2");
    String after = token("corp", "bob", AUDIENCE, Map.of());

    assertThat(await(verifier.verify(after)).subject()).isEqualTo("bob");
    assertThat(refusal(before)).as("the old key is no longer published").isNotBlank();
  }

  @Test
  void aRememberedTokenIsRefusedOnceItExpires() throws Exception {
    // No skew, so that the token's own expiry is the end; a token is remembered once verified.
    OidcTokenVerifier strict = await(OidcTokenVerifier.discover(vertx,
        new OidcTokenVerifier.Options(issuer, AUDIENCE, 0, "roles", "groups", 0)));
    try {
      Instant expiry = Instant.now().plusSeconds(2);
      String shortLived = sign(KEYS.current, claims("alice", expiry));
      assertThat(await(strict.verify(shortLived)).subject()).isEqualTo("alice");
      assertThat(await(strict.verify(shortLived)).subject()).as("again, remembered").isEqualTo("alice");

      // JWT times are whole seconds: wait until the truncated expiry has certainly passed.
      Thread.sleep(Math.max(0, expiry.plusMillis(1_100).toEpochMilli() - System.currentTimeMillis()));

      Throwable failure = strict.verify(shortLived).toCompletionStage().toCompletableFuture()
          .handle((principal, error) -> error).get(20, TimeUnit.SECONDS);
      assertThat(failure).isInstanceOf(AuthenticationFailure.class).hasMessageContaining("expired");
    } finally {
      strict.close();
    }
  }

  private static JWTClaimsSet claims(String subject, Instant expiry) {
    JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder().subject(subject).issuer(issuer).audience(AUDIENCE)
        .issueTime(Date.from(Instant.now().minusSeconds(300)));
    if (expiry != null) {
      claims.expirationTime(Date.from(expiry));
    }
    return claims.build();
  }

  private static String sign(RSAKey key, JWTClaimsSet claims) throws JOSEException {
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(), claims);
    jwt.sign(new RSASSASigner(key));
    return jwt.serialize();
  }

  private static String b64(String text) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }
}
