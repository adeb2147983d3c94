package io.portfoliostate.security;

/**
 * A credential that does not prove who the caller is: missing, malformed, wrongly signed,
 * expired, for another issuer or audience, revoked. The gateway answers 401 with the reason
 * (never with more than the reason: which check failed is enough for a client to act on).
 */
public final class AuthenticationFailure extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public AuthenticationFailure(String reason) {
    super(reason, null, false, false);
  }
}
