package io.portfoliostate.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** API keys through both headers, and every malformed credential refused with its reason. */
class AuthenticatorTest {

  private static final Instant NOW = Instant.parse("2026-12-05T12:00:00Z");
  private static final ApiKeySecret.NewKey LIVE = ApiKeySecret.generate();
  private static final ApiKeySecret.NewKey EXPIRED = ApiKeySecret.generate();
  private static final ApiKeySecret.NewKey UNKNOWN = ApiKeySecret.generate();

  private final Authenticator authenticator = new Authenticator(() -> Map.of(
      LIVE.hash(), stored(LIVE, null),
      EXPIRED.hash(), stored(EXPIRED, NOW.minusSeconds(1))), null, Clock.fixed(NOW, ZoneOffset.UTC));

  private static ApiKey stored(ApiKeySecret.NewKey key, Instant expiresAt) {
    return new ApiKey(key.keyId(), "feed", "team", Set.of(GlobalRole.MARKET_DATA), "admin",
        NOW.minusSeconds(3600), expiresAt, null);
  }

  private static Principal principal(Future<Principal> future) {
    assertThat(future.succeeded()).as(String.valueOf(future.cause())).isTrue();
    return future.result();
  }

  private static String refusal(Future<Principal> future) {
    assertThat(future.failed()).isTrue();
    assertThat(future.cause()).isInstanceOf(AuthenticationFailure.class);
    return future.cause().getMessage();
  }

  @Test
  void aLiveKeyIsAcceptedAsBearerOrAsXApiKey() {
    Principal bearer = principal(authenticator.authenticate("Bearer " + LIVE.text(), null));
    Principal header = principal(authenticator.authenticate(null, LIVE.text()));
    Principal lowerCase = principal(authenticator.authenticate("bearer " + LIVE.text(), null));

    assertThat(bearer).isEqualTo(header).isEqualTo(lowerCase);
    assertThat(bearer.subject()).isEqualTo(LIVE.keyId());
    assertThat(bearer.kind()).isEqualTo(Principal.Kind.API_KEY);
    assertThat(bearer.roles()).containsExactly(GlobalRole.MARKET_DATA);
  }

  @Test
  void badCredentialsAreRefusedWithAReason() {
    assertThat(refusal(authenticator.authenticate(null, null))).startsWith("no credentials");
    assertThat(refusal(authenticator.authenticate("Basic dXNlcjpwYXNz", null))).contains("Bearer");
    assertThat(refusal(authenticator.authenticate("Bearer", null))).contains("Bearer");
    assertThat(refusal(authenticator.authenticate("Bearer   ", null))).contains("empty");
    assertThat(refusal(authenticator.authenticate("Bearer " + LIVE.text(), LIVE.text()))).startsWith("two credentials");
    assertThat(refusal(authenticator.authenticate(null, "psk_broken"))).isEqualTo("malformed API key");
    assertThat(refusal(authenticator.authenticate(null, UNKNOWN.text()))).isEqualTo("unknown or revoked API key");
    assertThat(refusal(authenticator.authenticate(null, EXPIRED.text()))).startsWith("the API key expired");
    assertThat(refusal(authenticator.authenticate("Bearer eyJhbGciOiJSUzI1NiJ9.e30.c2ln", null)))
        .contains("no identity provider");
  }
}
