package io.portfoliostate.domain.valuation;

import static io.portfoliostate.domain.valuation.MarketFixtures.AAPL;
import static io.portfoliostate.domain.valuation.MarketFixtures.USD;
import static io.portfoliostate.domain.valuation.MarketFixtures.price;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.portfoliostate.domain.DomainViolation;
import java.math.BigDecimal;
import java.util.List;
import org.assertj.core.api.AbstractListAssert;
import org.assertj.core.api.ObjectAssert;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Grouping by every key over {@link Books#FOUR_CURRENCIES}. */
class GroupingTest {

  private static final PortfolioValuation VALUATION = Books.FOUR_CURRENCIES;

  private static final double NAV = 100605.0;

  /** key, marketValueBase, costBase, unrealizedPnlBase, realizedPnlBase, weight, complete. */
  private static Tuple group(String key, String marketValue, String cost, String unrealized, String realized,
      boolean complete) {
    return tuple(key, exact(marketValue), exact(cost), exact(unrealized), exact(realized),
        Double.parseDouble(marketValue) / NAV, complete);
  }

  /** Compared by value: 1650 and 1.65E+3 are one amount. */
  private static BigDecimal exact(String amount) {
    return new BigDecimal(amount).stripTrailingZeros();
  }

  private static AbstractListAssert<?, List<? extends Tuple>, Tuple, ObjectAssert<Tuple>> assertGroups(
      GroupBy groupBy) {
    return assertThat(Grouping.by(VALUATION, groupBy)).extracting(
        PositionGroup::key, g -> g.marketValueBase().stripTrailingZeros(), g -> g.costBase().stripTrailingZeros(),
        g -> g.unrealizedPnlBase().stripTrailingZeros(), g -> g.realizedPnlBase().stripTrailingZeros(),
        PositionGroup::weight, PositionGroup::complete);
  }

  @Test
  void theBookIsAsDescribed() {
    assertThat(VALUATION.nav()).isEqualByComparingTo("100605");
    assertThat(VALUATION.complete()).isFalse();
  }

  @Test
  void byInstrumentSumsStrategies() {
    assertGroups(GroupBy.INSTRUMENT).containsExactly(
        group("7203.T", "0", "0", "0", "0", false),
        group("AAPL", "1650", "1600", "50", "0", true),
        group("GILT", "2475", "2450", "25", "0", true),
        group("MSFT", "1440", "1200", "240", "200", true),
        group("SAP", "-1080", "-1200", "120", "0", true),
        group("XYZ", "0", "30", "0", "0", false));
  }

  @Test
  void byStrategy() {
    assertGroups(GroupBy.STRATEGY).containsExactly(
        group("default", "5015", "4680", "365", "200", false),
        group("growth", "-530", "-600", "70", "0", true));
  }

  @Test
  void bySectorWithTheUnclassified() {
    // GILT has reference data without a sector, XYZ has none at all.
    assertGroups(GroupBy.SECTOR).containsExactly(
        group("Consumer", "0", "0", "0", "0", false),
        group("Technology", "2010", "1600", "410", "200", true),
        group(GroupBy.UNCLASSIFIED, "2475", "2480", "25", "0", false));
  }

  @Test
  void byAssetClass() {
    assertGroups(GroupBy.ASSET_CLASS).containsExactly(
        group("Bond", "2475", "2450", "25", "0", true),
        group("Equity", "2010", "1600", "410", "200", false),
        group(GroupBy.UNCLASSIFIED, "0", "30", "0", "0", false));
  }

  @Test
  void byCountry() {
    assertGroups(GroupBy.COUNTRY).containsExactly(
        group("DE", "-1080", "-1200", "120", "0", true),
        group("GB", "2475", "2450", "25", "0", true),
        group("JP", "0", "0", "0", "0", false),
        group(GroupBy.UNCLASSIFIED, "0", "30", "0", "0", false),
        group("US", "3090", "2800", "290", "200", true));
  }

  @Test
  void byCurrencyOfThePosition() {
    assertGroups(GroupBy.CURRENCY).containsExactly(
        group("EUR", "-1080", "-1200", "120", "0", true),
        group("GBP", "2475", "2450", "25", "0", true),
        group("JPY", "0", "0", "0", "0", false),
        group("USD", "3090", "2830", "290", "200", false));
  }

  @ParameterizedTest
  @EnumSource(GroupBy.class)
  void everyGroupingHoldsEveryLineOnceAndAddsUpToThePositions(GroupBy groupBy) {
    List<PositionGroup> groups = Grouping.by(VALUATION, groupBy);

    assertThat(groups.stream().mapToInt(g -> g.lines().size()).sum()).isEqualTo(7);
    assertThat(groups.stream().flatMap(g -> g.lines().stream()).distinct()).hasSize(7);
    assertThat(groups.stream().map(PositionGroup::marketValueBase).reduce(BigDecimal.ZERO, BigDecimal::add))
        .isEqualByComparingTo(VALUATION.nav().subtract(VALUATION.cashBase())).isEqualByComparingTo("4485");
    assertThat(groups).allSatisfy(g -> assertThat(g.lines()).allSatisfy(
        line -> assertThat(groupBy.keyOf(line)).isEqualTo(g.key())));
  }

  @Test
  void withNavAtOrBelowZeroGroupsHaveNoWeight() {
    PortfolioValuation negative = Ledger.in(USD).buy(AAPL, "10", "100")
        .value(MarketData.of(List.of(price(AAPL, "50", USD)), List.of()));

    assertThat(Grouping.by(negative, GroupBy.SECTOR)).singleElement()
        .satisfies(g -> assertThat(g.weight()).isNull())
        .satisfies(g -> assertThat(g.marketValueBase()).isEqualByComparingTo("500"));
  }

  @Test
  void theGroupingsAreNamedAsInApiMd() {
    assertThat(GroupBy.values()).extracting(GroupBy::apiName)
        .containsExactly("instrument", "strategy", "sector", "assetClass", "country", "currency");
    assertThat(GroupBy.parse("assetClass")).isEqualTo(GroupBy.ASSET_CLASS);
    assertThatThrownBy(() -> GroupBy.parse("ASSET_CLASS")).isInstanceOf(DomainViolation.class)
        .hasMessageContaining("assetClass");
    assertThatThrownBy(() -> GroupBy.parse(null)).isInstanceOf(DomainViolation.class);
  }
}
