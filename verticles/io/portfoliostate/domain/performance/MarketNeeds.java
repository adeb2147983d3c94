package io.portfoliostate.domain.performance;

import io.portfoliostate.domain.CashFlowRecorded;
import io.portfoliostate.domain.CorporateAction;
import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.DividendApplied;
import io.portfoliostate.domain.FxConverted;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.PortfolioCreated;
import io.portfoliostate.domain.PortfolioEvent;
import io.portfoliostate.domain.Split;
import io.portfoliostate.domain.SplitApplied;
import io.portfoliostate.domain.TradeRecorded;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * What valuing a portfolio over time needs from the market, read off its journal: the
 * instruments it traded, every currency it touched (and USD, whose rates are always read, so
 * that a cross rate can go through it), its base currency, and the splits. The performance read
 * and the analytics store's daily series value the same journal the same way, so they ask the
 * same question here.
 */
public final class MarketNeeds {

  private final CurrencyCode base;
  private final Set<InstrumentId> instruments = new LinkedHashSet<>();
  private final Set<CurrencyCode> currencies = new LinkedHashSet<>(List.of(CurrencyCode.USD));
  private final List<Split> journaledSplits = new ArrayList<>();

  private MarketNeeds(List<PortfolioEvent> journal) {
    CurrencyCode created = null;
    for (PortfolioEvent event : journal) {
      if (event instanceof PortfolioCreated creation) {
        created = creation.baseCurrency();
        currencies.add(created);
      } else if (event instanceof TradeRecorded trade) {
        instruments.add(trade.instrumentId());
        currencies.add(trade.currency());
      } else if (event instanceof CashFlowRecorded flow) {
        currencies.add(flow.currency());
      } else if (event instanceof FxConverted conversion) {
        currencies.add(conversion.fromCurrency());
        currencies.add(conversion.toCurrency());
      } else if (event instanceof DividendApplied dividend) {
        currencies.addAll(dividend.amounts().keySet());
      } else if (event instanceof SplitApplied split) {
        journaledSplits.add(split.split());
      }
    }
    this.base = created;
  }

  /** What {@code journal} (a portfolio's events in journal order) needs. */
  public static MarketNeeds of(List<PortfolioEvent> journal) {
    return new MarketNeeds(journal);
  }

  /** The base currency, or null when the journal has no creation. */
  public CurrencyCode base() {
    return base;
  }

  /** The instruments traded, in the order first traded (a copy the caller may add to). */
  public Set<InstrumentId> instruments() {
    return new LinkedHashSet<>(instruments);
  }

  /** The currencies touched, USD and the base currency included (a copy). */
  public Set<CurrencyCode> currencies() {
    return new LinkedHashSet<>(currencies);
  }

  /**
   * The splits of the journal, then every split the market knows of {@code instruments}: prices
   * before a split's effective time are adjusted by all of them.
   */
  public List<Split> splits(Collection<InstrumentId> instruments,
      Function<InstrumentId, ? extends Collection<? extends CorporateAction>> actionsOf) {
    List<Split> splits = new ArrayList<>(journaledSplits);
    for (InstrumentId instrument : instruments) {
      for (CorporateAction action : actionsOf.apply(instrument)) {
        if (action instanceof Split split) {
          splits.add(split);
        }
      }
    }
    return splits;
  }
}
