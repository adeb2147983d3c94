package io.portfoliostate.security;

import java.util.Objects;

/**
 * Who may use a route (or a bridge address, a query, an export): every one the service serves
 * declares one, and a test fails for any that does not. The gateway's access control enforces
 * it before the route's handler runs; {@link CheckedByHandler} is the one kind a handler
 * finishes itself, when what decides is in the body (the parent of a new portfolio).
 */
public sealed interface AccessRule {

  /** Anyone, without credentials: health, and what the configuration opens. */
  record Open(String why) implements AccessRule {
    public Open {
      Objects.requireNonNull(why);
    }

    @Override
    public String describe() {
      return "open (" + why + ")";
    }
  }

  /** Any authenticated caller; the handler shows each caller only what it may read. */
  record AnyCaller(String filter) implements AccessRule {
    public AnyCaller {
      Objects.requireNonNull(filter);
    }

    @Override
    public String describe() {
      return "any caller; " + filter;
    }
  }

  /** A caller holding a global role (the {@code admin} role holds every one). */
  record Global(GlobalRole role) implements AccessRule {
    public Global {
      Objects.requireNonNull(role);
    }

    @Override
    public String describe() {
      return "global role " + role.wireName();
    }
  }

  /**
   * A caller holding at least {@code role} on the portfolio named by the path parameter
   * {@code parameter}, through a grant on it or an ancestor.
   */
  record OnPortfolio(PortfolioRole role, String parameter) implements AccessRule {
    public OnPortfolio {
      Objects.requireNonNull(role);
      Objects.requireNonNull(parameter);
    }

    @Override
    public String describe() {
      return role.wireName() + " on :" + parameter;
    }
  }

  /** Authenticated here; the handler checks {@code check} once it has read the body. */
  record CheckedByHandler(String check) implements AccessRule {
    public CheckedByHandler {
      Objects.requireNonNull(check);
    }

    @Override
    public String describe() {
      return "any caller, then " + check;
    }
  }

  /** The rule in words, for listings, docs and test names. */
  String describe();

  static AccessRule open(String why) {
    return new Open(why);
  }

  static AccessRule anyCaller(String filter) {
    return new AnyCaller(filter);
  }

  static AccessRule global(GlobalRole role) {
    return new Global(role);
  }

  static AccessRule portfolio(PortfolioRole role, String parameter) {
    return new OnPortfolio(role, parameter);
  }

  static AccessRule checkedByHandler(String check) {
    return new CheckedByHandler(check);
  }
}
