package io.portfoliostate.domain.valuation;

import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.PortfolioState;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Weights against target weights, drift and breaches (DOMAIN.md, Valuation). Keys are instruments
 * (summed over strategies) and cash currencies. Targets name instruments and sum to at most 1,
 * "the rest is cash": the base currency's cash line is held to that rest, and cash in any other
 * currency to 0.
 */
public final class TargetWeights {

  private TargetWeights() {
  }

  /** The weights of {@code valuation} against the targets and drift threshold of {@code state}. */
  public static List<WeightLine> of(PortfolioState state, PortfolioValuation valuation) {
    return of(valuation, state.targets(), state.driftThreshold());
  }

  /**
   * One line per instrument held (non-zero quantity in some strategy) or targeted, in id order,
   * then one per cash currency with a non-zero balance, and always one for the base currency, in
   * currency order. Flat positions without a target are left out: they weigh nothing and are
   * aimed at nothing.
   */
  public static List<WeightLine> of(PortfolioValuation valuation, Map<InstrumentId, BigDecimal> targets,
      BigDecimal driftThreshold) {
    Map<InstrumentId, Sum> instruments = new TreeMap<>();
    for (PositionLine line : valuation.positions()) {
      if (!line.position().isFlat()) {
        instruments.computeIfAbsent(line.key().instrumentId(), id -> new Sum()).add(line.marketValueBase());
      }
    }
    BigDecimal targeted = BigDecimal.ZERO;
    for (Map.Entry<InstrumentId, BigDecimal> target : targets.entrySet()) {
      instruments.computeIfAbsent(target.getKey(), id -> new Sum());
      targeted = targeted.add(target.getValue());
    }
    List<WeightLine> lines = new ArrayList<>();
    for (Map.Entry<InstrumentId, Sum> instrument : instruments.entrySet()) {
      lines.add(line(instrument.getKey().value(), instrument.getValue().amount,
          targets.getOrDefault(instrument.getKey(), BigDecimal.ZERO), valuation.nav(), driftThreshold));
    }
    CurrencyCode base = valuation.baseCurrency();
    BigDecimal cashTarget = BigDecimal.ONE.subtract(targeted);
    Map<CurrencyCode, BigDecimal> cash = new TreeMap<>();
    // The base currency's line always: the rest of the targets aims at it, held or not.
    cash.put(base, BigDecimal.ZERO);
    for (CashLine line : valuation.cash()) {
      if (line.balance().signum() != 0) {
        cash.put(line.currency(), line.balanceBase());
      }
    }
    for (Map.Entry<CurrencyCode, BigDecimal> balance : cash.entrySet()) {
      BigDecimal target = balance.getKey().equals(base) ? cashTarget : BigDecimal.ZERO;
      lines.add(line(WeightLine.cashKey(balance.getKey()), balance.getValue(), target, valuation.nav(),
          driftThreshold));
    }
    return lines;
  }

  private static WeightLine line(String key, BigDecimal amountBase, BigDecimal target, BigDecimal nav,
      BigDecimal threshold) {
    BigDecimal weight = Ratios.exact(amountBase, nav);
    if (weight == null) {
      return new WeightLine(key, null, target.doubleValue(), null, null);
    }
    BigDecimal drift = weight.subtract(target);
    return new WeightLine(key, weight.doubleValue(), target.doubleValue(), drift.doubleValue(),
        drift.abs().compareTo(threshold) > 0);
  }

  /** A key's base market value: null as soon as one of its lines is unvalued. */
  private static final class Sum {
    private BigDecimal amount = BigDecimal.ZERO;
    private boolean known = true;

    void add(BigDecimal value) {
      known &= value != null;
      amount = known ? amount.add(value) : null;
    }
  }
}
