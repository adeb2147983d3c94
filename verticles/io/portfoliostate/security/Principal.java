package io.portfoliostate.security;

import java.util.Set;

/**
 * Who is calling: the subject of an access token or the owner of an API key, with the global
 * roles and the groups the credential carries. Grants name a principal by subject, by group or
 * by API key id; {@link #names()} lists every name a grant may match.
 *
 * @param subject the token's {@code sub}, or {@code key:<keyId>} for an API key
 * @param kind how the caller proved who it is
 * @param roles global roles ({@code market-data}, {@code operations}, {@code admin}) taken from
 *     the token's role claim or the key's roles
 * @param groups group or role claim values of a token (grants may name them); empty for a key
 */
public record Principal(String subject, Kind kind, Set<GlobalRole> roles, Set<String> groups) {

  /** How a caller authenticated. */
  public enum Kind {
    /** An OpenID Connect access token, verified against the issuer's keys. */
    TOKEN,
    /** An API key created over the API and stored as a hash. */
    API_KEY,
    /** Nobody: authentication is switched off (loopback only), every check passes. */
    UNAUTHENTICATED
  }

  public Principal {
    roles = Set.copyOf(roles);
    groups = Set.copyOf(groups);
  }

  /** The principal of a node whose authentication is switched off: allowed everything. */
  public static Principal unauthenticated() {
    return new Principal("anonymous", Kind.UNAUTHENTICATED, Set.of(GlobalRole.ADMIN), Set.of());
  }

  /**
   * How the principal is named in audit records and event origins: {@code key:<keyId>} for an
   * API key (a key id and a token subject cannot be confused), the subject for a token.
   */
  public String name() {
    return switch (kind) {
      case API_KEY -> "key:" + subject;
      case TOKEN -> subject;
      case UNAUTHENTICATED -> "anonymous";
    };
  }

  public boolean has(GlobalRole role) {
    return roles.contains(GlobalRole.ADMIN) || roles.contains(role);
  }

  public boolean isAdmin() {
    return roles.contains(GlobalRole.ADMIN);
  }
}
