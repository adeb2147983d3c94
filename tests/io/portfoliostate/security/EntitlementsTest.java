package io.portfoliostate.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.security.Entitlements.Grant;
import io.portfoliostate.security.Grantee.Type;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A tree three levels deep under one root, with grants to a subject, a group and a key:
 * <pre>
 *   root ── fund-a ── sleeve-a1 ── book-a11
 *        └─ fund-b
 * </pre>
 */
class EntitlementsTest {

  private static final PortfolioId ROOT = PortfolioId.of("root");
  private static final PortfolioId FUND_A = PortfolioId.of("fund-a");
  private static final PortfolioId SLEEVE_A1 = PortfolioId.of("sleeve-a1");
  private static final PortfolioId BOOK_A11 = PortfolioId.of("book-a11");
  private static final PortfolioId FUND_B = PortfolioId.of("fund-b");

  private static final Principal ALICE = user("alice", Set.of());
  private static final Principal TRADER = user("tom", Set.of("traders"));
  private static final Principal KEY = new Principal("k1", Principal.Kind.API_KEY, Set.of(), Set.of());
  private static final Principal STRANGER = user("eve", Set.of("visitors"));
  private static final Principal ADMIN = new Principal("root-admin", Principal.Kind.TOKEN, Set.of(GlobalRole.ADMIN),
      Set.of());

  private static final Entitlements ENTITLEMENTS = Entitlements.of(List.of(
          new Grant("g1", new Grantee(Type.SUBJECT, "alice"), PortfolioRole.READ, FUND_A),
          new Grant("g2", new Grantee(Type.GROUP, "traders"), PortfolioRole.TRADE, SLEEVE_A1),
          new Grant("g3", new Grantee(Type.SUBJECT, "tom"), PortfolioRole.READ, ROOT),
          new Grant("g4", new Grantee(Type.API_KEY, "k1"), PortfolioRole.ADMIN, FUND_B),
          // A subject and a key may share a name; they are different grantees.
          new Grant("g5", new Grantee(Type.SUBJECT, "k1"), PortfolioRole.ADMIN, ROOT)),
      tree(), 7);

  private static Principal user(String subject, Set<String> groups) {
    return new Principal(subject, Principal.Kind.TOKEN, Set.of(), groups);
  }

  private static Map<PortfolioId, PortfolioId> tree() {
    Map<PortfolioId, PortfolioId> parents = new HashMap<>();
    parents.put(ROOT, null);
    parents.put(FUND_A, ROOT);
    parents.put(SLEEVE_A1, FUND_A);
    parents.put(BOOK_A11, SLEEVE_A1);
    parents.put(FUND_B, ROOT);
    return parents;
  }

  @Test
  void aGrantCoversThePortfolioAndEveryDescendantButNotItsAncestorsOrSiblings() {
    assertThat(ENTITLEMENTS.roleOn(ALICE, FUND_A)).contains(PortfolioRole.READ);
    assertThat(ENTITLEMENTS.roleOn(ALICE, SLEEVE_A1)).contains(PortfolioRole.READ);
    assertThat(ENTITLEMENTS.roleOn(ALICE, BOOK_A11)).contains(PortfolioRole.READ);
    assertThat(ENTITLEMENTS.roleOn(ALICE, ROOT)).isEmpty();
    assertThat(ENTITLEMENTS.roleOn(ALICE, FUND_B)).isEmpty();
  }

  @Test
  void theHighestRoleOnThePathWinsWhetherGrantedToTheSubjectOrAGroup() {
    assertThat(ENTITLEMENTS.roleOn(TRADER, FUND_B)).contains(PortfolioRole.READ);
    assertThat(ENTITLEMENTS.roleOn(TRADER, FUND_A)).contains(PortfolioRole.READ);
    assertThat(ENTITLEMENTS.roleOn(TRADER, SLEEVE_A1)).contains(PortfolioRole.TRADE);
    assertThat(ENTITLEMENTS.roleOn(TRADER, BOOK_A11)).contains(PortfolioRole.TRADE);
    assertThat(ENTITLEMENTS.allows(TRADER, BOOK_A11, PortfolioRole.READ)).isTrue();
    assertThat(ENTITLEMENTS.allows(TRADER, BOOK_A11, PortfolioRole.ADMIN)).isFalse();
  }

  @Test
  void aKeyMatchesOnlyGrantsToThatKey() {
    assertThat(ENTITLEMENTS.roleOn(KEY, FUND_B)).contains(PortfolioRole.ADMIN);
    assertThat(ENTITLEMENTS.roleOn(KEY, FUND_A)).as("g5 names a subject called k1, not the key").isEmpty();
    assertThat(ENTITLEMENTS.roleOn(user("k1", Set.of()), FUND_A)).contains(PortfolioRole.ADMIN);
  }

  @Test
  void strangersHoldNothingAndAdminsHoldEverything() {
    for (PortfolioId id : List.of(ROOT, FUND_A, SLEEVE_A1, BOOK_A11, FUND_B, PortfolioId.of("unknown"))) {
      assertThat(ENTITLEMENTS.roleOn(STRANGER, id)).isEmpty();
      assertThat(ENTITLEMENTS.roleOn(ADMIN, id)).contains(PortfolioRole.ADMIN);
    }
  }

  @Test
  void grantedRootsAreWhereAListingStarts() {
    assertThat(ENTITLEMENTS.grantedRoots(ALICE)).containsExactly(FUND_A);
    assertThat(ENTITLEMENTS.grantedRoots(TRADER)).containsExactlyInAnyOrder(ROOT, SLEEVE_A1);
    assertThat(ENTITLEMENTS.grantedRoots(STRANGER)).isEmpty();
    assertThat(ENTITLEMENTS.version()).isEqualTo(7);
  }

  @Test
  void aCycleInTheTreeEndsTheWalkInsteadOfLooping() {
    Map<PortfolioId, PortfolioId> cycle = Map.of(FUND_A, SLEEVE_A1, SLEEVE_A1, FUND_A);
    Entitlements broken = Entitlements.of(List.of(
        new Grant("g", new Grantee(Type.SUBJECT, "alice"), PortfolioRole.READ, ROOT)), cycle, 1);

    assertThat(broken.roleOn(ALICE, FUND_A)).isEmpty();
  }

  @Test
  void rolesIncludeTheLowerOnes() {
    assertThat(PortfolioRole.ADMIN.includes(PortfolioRole.TRADE)).isTrue();
    assertThat(PortfolioRole.TRADE.includes(PortfolioRole.READ)).isTrue();
    assertThat(PortfolioRole.READ.includes(PortfolioRole.TRADE)).isFalse();
    assertThat(PortfolioRole.fromWireName("trade")).contains(PortfolioRole.TRADE);
    assertThat(PortfolioRole.fromWireName("owner")).isEmpty();
  }
}
