package io.portfoliostate.security;

import java.util.ArrayList;
import java.util.List;

/**
 * Whom a grant names: a token's subject, a group (or role) claim value, or an API key.
 *
 * @param type which kind of name
 * @param name the subject, the group, or the key id
 */
public record Grantee(Type type, String name) {

  /** The kinds of name a grant can hold. */
  public enum Type {
    SUBJECT, GROUP, API_KEY
  }

  public Grantee {
    if (type == null || name == null || name.isBlank() || name.length() > 256) {
      throw new IllegalArgumentException("a grantee needs a type and a name of 1-256 characters");
    }
  }

  /** Every grantee a principal answers to: its subject or key, and each of its groups. */
  public static List<Grantee> of(Principal principal) {
    List<Grantee> names = new ArrayList<>(1 + principal.groups().size());
    if (principal.kind() == Principal.Kind.API_KEY) {
      names.add(new Grantee(Type.API_KEY, principal.subject()));
    } else {
      names.add(new Grantee(Type.SUBJECT, principal.subject()));
    }
    for (String group : principal.groups()) {
      names.add(new Grantee(Type.GROUP, group));
    }
    return names;
  }
}
