package io.portfoliostate.domain;

import static io.portfoliostate.domain.Fixtures.FUND;
import static io.portfoliostate.domain.Fixtures.PARENT;
import static io.portfoliostate.domain.Fixtures.REFERENCE;
import static io.portfoliostate.domain.Fixtures.USD;
import static io.portfoliostate.domain.Fixtures.d;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portfoliostate.domain.Fixtures.Book;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The tree and the settings in decide/evolve: a parent removed is recorded as such, own settings
 * are set and removed, a child takes its parent's cost method at creation, and the values are
 * checked at birth.
 */
class PortfolioTreeRulesTest {

  private static final Instant NOW = Instant.parse("2026-12-05T10:00:00Z");
  private static final PortfolioId OTHER = PortfolioId.of("other-root");

  private static PortfolioSettings settings(Setting setting, String value) {
    return PortfolioSettings.of(Map.of(setting, value));
  }

  private static UpdatePortfolio update(PortfolioId parent, boolean clearParent, PortfolioSettings set,
      Set<Setting> cleared) {
    return new UpdatePortfolio(FUND, null, parent, null, null, clearParent, set, cleared);
  }

  private static Book child() {
    return Book.of(new CreatePortfolio(FUND, "Fund A", USD, PARENT, CostMethod.AVERAGE, null, null));
  }

  @Test
  void removingTheParentIsRecordedAsSuchAndMakesARoot() {
    Book book = child();

    book.record(update(null, true, null, null));

    assertThat(book.lastEvent()).isEqualTo(new PortfolioUpdated(null, null, null, null, book.now(), true,
        PortfolioSettings.NONE, Set.of()));
    assertThat(book.state().parentId()).isNull();
    assertThat(book.state().version()).isEqualTo(2);
    assertThat(Fixtures.replay(null, book.events())).isEqualTo(book.state());
  }

  @Test
  void anUpdateWithoutAParentLeavesTheParentAsItIs() {
    Book book = child();

    book.record(new UpdatePortfolio(FUND, "Renamed", null, null, null));

    assertThat(book.state().parentId()).isEqualTo(PARENT);
    assertThat(book.state().name()).isEqualTo("Renamed");
  }

  @Test
  void movingAndRemovingTheParentReplaysInOrder() {
    Book book = child();
    book.record(update(OTHER, false, null, null));
    assertThat(book.state().parentId()).isEqualTo(OTHER);
    book.record(update(null, true, null, null));
    assertThat(book.state().parentId()).isNull();
    book.record(update(PARENT, false, null, null));

    assertThat(book.state().parentId()).isEqualTo(PARENT);
    assertThat(Fixtures.replay(null, book.events())).isEqualTo(book.state());
  }

  @Test
  void ownSettingsAreSetReplacedAndRemovedOneByOne() {
    CreatePortfolio create = new CreatePortfolio(FUND, "Fund A", USD, null, null, null, null,
        PortfolioSettings.of(Map.of(Setting.RISK_FREE_RATE, "0.030", Setting.MAX_DRAWDOWN, "0.2")), null);
    Book book = Book.of(create);
    assertThat(book.state().settings().values()).containsExactlyInAnyOrderEntriesOf(
        Map.of(Setting.RISK_FREE_RATE, "0.03", Setting.MAX_DRAWDOWN, "0.2"));

    book.record(update(null, false, PortfolioSettings.of(Map.of(Setting.BENCHMARK_INSTRUMENT_ID, "SPY",
        Setting.RISK_FREE_RATE, "0.025")), Set.of(Setting.MAX_DRAWDOWN)));

    assertThat(book.state().settings().benchmarkInstrumentId()).isEqualTo(InstrumentId.of("SPY"));
    assertThat(book.state().settings().decimal(Setting.RISK_FREE_RATE)).isEqualByComparingTo("0.025");
    assertThat(book.state().settings().get(Setting.MAX_DRAWDOWN)).isNull();
    assertThat(book.state().settings().values()).hasSize(2);

    book.record(update(null, false, null, Set.of(Setting.BENCHMARK_INSTRUMENT_ID, Setting.RISK_FREE_RATE)));

    assertThat(book.state().settings()).isEqualTo(PortfolioSettings.NONE);
    assertThat(Fixtures.replay(null, book.events())).isEqualTo(book.state());
  }

  @Test
  void aChildWithoutAMethodTakesItsParentsAtCreationAndKeepsIt() {
    CreatePortfolio create = new CreatePortfolio(FUND, "Fund A", USD, PARENT, null, null, null)
        .withParentCostMethod(CostMethod.FIFO);

    Decision decision = Ledgers.decide(null, create, NOW, REFERENCE);

    assertThat(((PortfolioCreated) ((Decision.Accepted) decision).events().get(0)).costMethod())
        .isEqualTo(CostMethod.FIFO);
    // Asked for explicitly, the method wins over the parent's; a root without one is AVERAGE.
    assertThat(new CreatePortfolio(FUND, "Fund A", USD, PARENT, CostMethod.HIFO, null, null)
        .withParentCostMethod(CostMethod.FIFO).effectiveCostMethod()).isEqualTo(CostMethod.HIFO);
    assertThat(new CreatePortfolio(FUND, "Fund A", USD, null, null, null, null).effectiveCostMethod())
        .isEqualTo(CostMethod.AVERAGE);
  }

  @Test
  void fingerprintsOfOldRequestsAreUnchangedAndInheritingIsItsOwnRequest() {
    // What a root create and a rename fingerprinted before settings existed.
    assertThat(new CreatePortfolio(FUND, "Fund A", USD, null, null, null, null).fingerprint())
        .isEqualTo("create|fund-a|Fund A|USD||AVERAGE|0.02|{}");
    assertThat(new UpdatePortfolio(FUND, "B", null, null, null).fingerprint()).isEqualTo("update|fund-a|B|||");
    // The parent's method found by the gateway is not part of the request.
    CreatePortfolio inheriting = new CreatePortfolio(FUND, "Fund A", USD, PARENT, null, null, null);
    assertThat(inheriting.withParentCostMethod(CostMethod.LIFO).fingerprint()).isEqualTo(inheriting.fingerprint());
    assertThat(inheriting.fingerprint()).isNotEqualTo(
        new CreatePortfolio(FUND, "Fund A", USD, PARENT, CostMethod.AVERAGE, null, null).fingerprint());
    assertThat(update(null, true, null, null).fingerprint()).isEqualTo("update|fund-a|||||parent=null");
    assertThat(update(null, false, settings(Setting.VAR95, "0.050"), Set.of(Setting.RISK_FREE_RATE)).fingerprint())
        .isEqualTo("update|fund-a|||||settings={alertThresholds.var95=0.05,}|cleared=riskFreeRate");
  }

  @ParameterizedTest
  @CsvSource({
      "riskFreeRate, 1.0001, must be an annual rate between -1 and 1 (0.03 is 3 %)",
      "riskFreeRate, -1.5, must be an annual rate between -1 and 1 (0.03 is 3 %)",
      "riskFreeRate, NaN, 'must be a decimal number, got ''NaN'''",
      "alertThresholds.maxDrawdown, 0, must be a fraction greater than zero (0.1 is 10 %)",
      "alertThresholds.volatility, -0.2, must be a fraction greater than zero (0.1 is 10 %)",
      "alertThresholds.var95, 1e999, is larger than 10^20",
      "benchmarkInstrumentId, 'S P Y', must be 1-64 characters of A-Z a-z 0-9 . _ : -",
  })
  void badValuesAreRefusedNamingTheSetting(String path, String value, String reason) {
    Setting setting = Setting.ofPath(path);

    assertThatThrownBy(() -> settings(setting, value)).isInstanceOfSatisfying(DomainViolation.class, v -> {
      assertThat(v.field()).isEqualTo(path);
      assertThat(v.reason()).isEqualTo(reason);
    });
  }

  @Test
  void boundsAreInclusiveForTheRate() {
    assertThat(settings(Setting.RISK_FREE_RATE, "-1").get(Setting.RISK_FREE_RATE)).isEqualTo("-1");
    assertThat(settings(Setting.RISK_FREE_RATE, "1.000").get(Setting.RISK_FREE_RATE)).isEqualTo("1");
    assertThat(settings(Setting.RISK_FREE_RATE, "0").get(Setting.RISK_FREE_RATE)).isEqualTo("0");
  }

  @Test
  void contradictoryUpdatesAreRefusedAtBirth() {
    assertThatThrownBy(() -> update(PARENT, true, null, null))
        .isInstanceOfSatisfying(DomainViolation.class, v -> assertThat(v.field()).isEqualTo("parentId"));
    assertThatThrownBy(() -> update(null, false, settings(Setting.VOLATILITY, "0.3"), Set.of(Setting.VOLATILITY)))
        .isInstanceOfSatisfying(DomainViolation.class,
            v -> assertThat(v.field()).isEqualTo("alertThresholds.volatility"));
    assertThatThrownBy(() -> update(null, false, null, null))
        .isInstanceOfSatisfying(DomainViolation.class, v -> assertThat(v.field()).isEqualTo("body"));
  }
}
