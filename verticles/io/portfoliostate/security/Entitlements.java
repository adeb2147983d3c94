package io.portfoliostate.security;

import io.portfoliostate.domain.PortfolioId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Who may do what on which portfolio, decided from one consistent copy of the grants and the
 * portfolio tree. Immutable: a node builds a new one when grants or parents change and swaps
 * it in, so a check never sees half a change and never waits for a lock.
 *
 * <p>A grant on a portfolio covers the portfolio and every descendant; the role a principal
 * holds on a portfolio is the highest of the grants naming it (its subject or key, or one of
 * its groups) on the portfolio or any ancestor. The global {@code admin} role holds
 * {@code admin} everywhere. A check walks the ancestors, a few map lookups per level: cheap
 * enough for every request (see BENCHMARKS.md).
 */
public final class Entitlements {

  /** Ancestor walks stop here, so a corrupt tree with a cycle cannot loop forever. */
  static final int MAX_DEPTH = 64;

  /** A grant: {@code grantee} holds {@code role} on {@code portfolio} and its descendants. */
  public record Grant(String grantId, Grantee grantee, PortfolioRole role, PortfolioId portfolio) {
  }

  private final Map<PortfolioId, PortfolioId> parents;
  private final Map<PortfolioId, Map<Grantee, PortfolioRole>> grantsByPortfolio;
  private final long version;

  private Entitlements(Map<PortfolioId, PortfolioId> parents,
      Map<PortfolioId, Map<Grantee, PortfolioRole>> grantsByPortfolio, long version) {
    this.parents = parents;
    this.grantsByPortfolio = grantsByPortfolio;
    this.version = version;
  }

  /**
   * @param grants every grant in force
   * @param parents each portfolio's parent (roots absent or mapped to null)
   * @param version the change counter this copy reflects (to tell copies apart)
   */
  public static Entitlements of(Collection<Grant> grants, Map<PortfolioId, PortfolioId> parents, long version) {
    Map<PortfolioId, Map<Grantee, PortfolioRole>> byPortfolio = new HashMap<>();
    for (Grant grant : grants) {
      byPortfolio.computeIfAbsent(grant.portfolio(), id -> new HashMap<>())
          .merge(grant.grantee(), grant.role(), (a, b) -> a.includes(b) ? a : b);
    }
    Map<PortfolioId, PortfolioId> tree = new HashMap<>();
    parents.forEach((child, parent) -> {
      if (parent != null) {
        tree.put(child, parent);
      }
    });
    return new Entitlements(Map.copyOf(tree), Map.copyOf(byPortfolio), version);
  }

  public static Entitlements empty() {
    return of(List.of(), Map.of(), 0);
  }

  public long version() {
    return version;
  }

  /** The highest role {@code principal} holds on {@code portfolio}, if any, by this copy's tree. */
  public Optional<PortfolioRole> roleOn(Principal principal, PortfolioId portfolio) {
    if (principal.isAdmin()) {
      return Optional.of(PortfolioRole.ADMIN);
    }
    List<Grantee> names = Grantee.of(principal);
    PortfolioRole best = null;
    PortfolioId at = portfolio;
    for (int depth = 0; at != null && depth < MAX_DEPTH && best != PortfolioRole.ADMIN; depth++) {
      best = better(best, at, names);
      at = parents.get(at);
    }
    return Optional.ofNullable(best);
  }

  /**
   * The same, with the portfolio's ancestors given (nearest first, as just read from the
   * database) instead of taken from this copy's tree: for a portfolio created or moved after
   * this copy was made. The grants are still this copy's.
   */
  public Optional<PortfolioRole> roleOn(Principal principal, PortfolioId portfolio, List<PortfolioId> ancestors) {
    if (principal.isAdmin()) {
      return Optional.of(PortfolioRole.ADMIN);
    }
    List<Grantee> names = Grantee.of(principal);
    PortfolioRole best = better(null, portfolio, names);
    for (int i = 0; i < ancestors.size() && i < MAX_DEPTH && best != PortfolioRole.ADMIN; i++) {
      best = better(best, ancestors.get(i), names);
    }
    return Optional.ofNullable(best);
  }

  /** The higher of {@code best} and what {@code names} are granted on {@code at} itself. */
  private PortfolioRole better(PortfolioRole best, PortfolioId at, List<Grantee> names) {
    Map<Grantee, PortfolioRole> here = grantsByPortfolio.get(at);
    if (here == null) {
      return best;
    }
    for (Grantee name : names) {
      PortfolioRole role = here.get(name);
      if (role != null && (best == null || role.includes(best))) {
        best = role;
      }
    }
    return best;
  }

  /** Whether {@code principal} holds at least {@code needed} on {@code portfolio}. */
  public boolean allows(Principal principal, PortfolioId portfolio, PortfolioRole needed) {
    return roleOn(principal, portfolio).map(role -> role.includes(needed)).orElse(false);
  }

  /**
   * The portfolios whose subtrees {@code principal} may read because a grant names it there:
   * what a listing starts from. Empty for an admin, who reads everything (ask {@link
   * Principal#isAdmin()} first).
   */
  public List<PortfolioId> grantedRoots(Principal principal) {
    List<Grantee> names = Grantee.of(principal);
    List<PortfolioId> roots = new ArrayList<>();
    grantsByPortfolio.forEach((portfolio, grants) -> {
      for (Grantee name : names) {
        if (grants.containsKey(name)) {
          roots.add(portfolio);
          return;
        }
      }
    });
    return roots;
  }
}
