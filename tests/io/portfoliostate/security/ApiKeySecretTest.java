package io.portfoliostate.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ApiKeySecretTest {

  @Test
  void aNewKeyCarriesItsIdAndHashesToItsStoredForm() {
    ApiKeySecret.NewKey key = ApiKeySecret.generate();

    assertThat(key.text()).startsWith("psk_" + key.keyId() + "_").hasSize(4 + 12 + 1 + 43);
    assertThat(ApiKeySecret.looksLikeKey(key.text())).isTrue();
    assertThat(ApiKeySecret.keyId(key.text())).contains(key.keyId());
    assertThat(key.hash()).isEqualTo(ApiKeySecret.hash(key.text())).hasSize(64).doesNotContain(key.text());
    assertThat(ApiKeySecret.sameHash(key.hash(), ApiKeySecret.hash(key.text()))).isTrue();
    assertThat(ApiKeySecret.sameHash(key.hash(), ApiKeySecret.hash(key.text() + "x"))).isFalse();
  }

  @Test
  void theHashIsSha256OfTheText() {
    // Known SHA-256 of "abc" (FIPS 180-2, appendix B.1).
    assertThat(ApiKeySecret.hash("abc")).isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  }

  @Test
  void keysAreUnique() {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 1000; i++) {
      assertThat(seen.add(ApiKeySecret.generate().text())).isTrue();
    }
  }

  @Test
  void anythingElseIsNotAKey() {
    assertThat(ApiKeySecret.keyId("psk_short_x")).isEmpty();
    assertThat(ApiKeySecret.keyId("eyJhbGciOiJSUzI1NiJ9.e30.sig")).isEmpty();
    assertThat(ApiKeySecret.keyId(null)).isEmpty();
    assertThat(ApiKeySecret.looksLikeKey("eyJhbGciOiJSUzI1NiJ9.e30.sig")).isFalse();
    String valid = ApiKeySecret.generate().text();
    assertThat(ApiKeySecret.keyId(valid + "=")).isEmpty();
    assertThat(ApiKeySecret.keyId(valid.toUpperCase())).isEmpty();
  }
}
