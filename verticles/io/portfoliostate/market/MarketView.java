package io.portfoliostate.market;

import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.Instrument;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.ReferenceData;
import io.portfoliostate.domain.valuation.FxRate;
import io.portfoliostate.domain.valuation.Price;
import io.portfoliostate.domain.CorporateAction;
import io.portfoliostate.protocol.Origin;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;

/**
 * A node's view of the market: the latest {@link MarketSnapshot}, shared by every verticle of the
 * node. Thread-safe without locks: readers take the current immutable snapshot and value with it
 * (a read never blocks a writer, nor sees half an update); writers swap in a new one.
 *
 * <p>As {@link ReferenceData} it always answers from the current snapshot: owners decide a
 * trade's currency with the instruments known when the trade is decided.
 *
 * <p>It learns of changes in two ways: the node's own market-data writer applies what it
 * committed before answering (so a client reads its own writes on that node), and the market
 * feed applies what other nodes committed as their publications arrive.
 */
public final class MarketView implements ReferenceData, Origin.OfActions {

  private final AtomicReference<MarketSnapshot> current = new AtomicReference<>(MarketSnapshot.empty());
  /** Who posted each action known here, by action id: the origin of a late trade's action events. */
  private final Map<String, Origin> actionOrigins = new ConcurrentHashMap<>();

  /** What the node knows now. */
  public MarketSnapshot snapshot() {
    return current.get();
  }

  /** Applies committed market data: instruments replace, quotes fold in by observation time. */
  public void apply(Collection<Instrument> instruments, Collection<Price> prices, Collection<FxRate> rates) {
    update(snapshot -> snapshot.withInstruments(instruments).withQuotes(prices, rates));
  }

  /**
   * Applies what was loaded from the database at start: it never overrides what arrived while
   * the load ran (publications of other nodes, which are as new or newer).
   */
  public void load(Collection<Instrument> instruments, Collection<Price> prices, Collection<FxRate> rates) {
    update(snapshot -> snapshot.withMissingInstruments(instruments).withLoadedQuotes(prices, rates));
  }

  /**
   * Makes corporate actions known to the node's owners (on start, as they are posted anywhere in
   * the cluster, and at every sweep of the corporate-action driver): an owner converts a late
   * trade by every action of its instrument already effective.
   */
  public void addActions(Collection<CorporateAction> actions) {
    update(snapshot -> snapshot.withActions(actions));
  }

  /**
   * Makes known who posted corporate actions (each origin names its action): learnt with the
   * actions themselves, and before an owner can apply them on the way of a late trade.
   */
  public void addActionOrigins(Collection<Origin> origins) {
    origins.forEach(origin -> actionOrigins.put(origin.actionId(), origin));
  }

  @Override
  public Origin actionOrigin(String actionId) {
    return actionOrigins.get(actionId);
  }

  private void update(UnaryOperator<MarketSnapshot> change) {
    // A pure function of the snapshot, so a retry after a lost race is harmless.
    current.updateAndGet(change);
  }

  @Override
  public Optional<CurrencyCode> currencyOf(InstrumentId instrumentId) {
    return current.get().currencyOf(instrumentId);
  }

  @Override
  public List<CorporateAction> actionsOf(InstrumentId instrumentId) {
    return current.get().actionsOf(instrumentId);
  }

  @Override
  public Optional<Instrument> instrument(InstrumentId instrumentId) {
    return current.get().instrument(instrumentId);
  }
}
